"""Reads for the evaluator export: which evaluation projects a person may use, and the de-identified rows of a
project's people. Set-based: a fixed number of queries whatever the number of people or practices (the people,
their registers, tiers, first conversations, agreed plans, copies given, check-ins answered, and the results,
appointments and hospital events around their first conversation: one query each), grouped in Python.

Who may use a project: for a practice's project, the practice manager working in that practice; for a
group's project, a current lead of the group (primary care network or ICB). Anyone else: not found.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Min, OuterRef, Q, QuerySet

from tandem.careplans.models import CopyGiven, PlanVersion
from tandem.checkins.models import CheckIn
from tandem.core.models import OrganisationGroup, Practice, User
from tandem.core.rules import Capability, can
from tandem.patients.models import (
    Encounter,
    HospitalEvent,
    Observation,
    Patient,
    RegistrationStatus,
)
from tandem.registers.models import PatientRisk, RegisterMembership

from . import export_rules, group_queries, plans, rules
from .models import EvaluationExport, EvaluationProject

# --- Who may use which project ------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Where a person may make evaluation projects: their practice (as its manager) and the groups they lead."""

    practice: Practice | None
    groups: tuple[OrganisationGroup, ...]

    @property
    def empty(self) -> bool:
        return self.practice is None and not self.groups

    def choices(self) -> list[tuple[str, str]]:
        """(value, words) of each place a project can cover: "practice", or "group:<id>"."""
        out = []
        if self.practice is not None:
            out.append(("practice", f"{self.practice.name} ({self.practice.ods_code})"))
        out += [(f"group:{g.pk}", f"{g.name}: its practices") for g in self.groups]
        return out

    def chosen(self, value: str) -> tuple[Practice | None, OrganisationGroup | None] | None:
        """The practice or group a choice names, or None when it is not one of the choices."""
        if value == "practice" and self.practice is not None:
            return self.practice, None
        for g in self.groups:
            if value == f"group:{g.pk}":
                return None, g
        return None


def scope_of(user: User, practice: Practice | None, roles) -> Scope:
    manages = practice if practice is not None and can(roles, Capability.MANAGE_PRACTICE) else None
    return Scope(manages, tuple(group_queries.groups_led_by(user)))


def projects(scope: Scope) -> QuerySet:
    """The evaluation projects a scope may use, newest first."""
    where = Q(group_id__in=[g.pk for g in scope.groups])
    if scope.practice is not None:
        where |= Q(practice=scope.practice)
    return (EvaluationProject.objects.filter(where).select_related("practice", "group", "created_by")
            .order_by("-created_at", "-pk"))


def project(scope: Scope, project_id: int) -> EvaluationProject | None:
    return projects(scope).filter(pk=project_id).first()


def exports_of(project: EvaluationProject) -> list[EvaluationExport]:
    return list(project.exports.select_related("by").order_by("-at", "-pk"))


def practices_of(project: EvaluationProject) -> list[Practice]:
    if project.practice_id:
        return [project.practice]
    return group_queries.practices_in(project.group)


def scope_words(project: EvaluationProject) -> str:
    if project.practice_id:
        return f"{project.practice.name} ({project.practice.ods_code})"
    return f"{project.group.name}: each of its practices"


# --- The rows ---------------------------------------------------------------------------------------------

MEASURE_CONCEPTS = tuple(concept for concept, *_ in export_rules.MEASURES)
YEAR = export_rules.YEAR


@dataclass
class Facts:
    """What the export says about one person, before pseudonymising and the small-number rule."""

    patient_id: int
    practice: str  # ODS code
    age_band: str
    sex: str
    ethnic_group: str
    imd_quintile: str
    registers: set[str] = field(default_factory=set)
    tier: str = ""
    first: dt.date | None = None  # first care planning conversation
    agreed: dt.date | None = None  # latest plan agreed
    copy: dt.date | None = None  # first copy given of an agreed plan
    checkins: int = 0
    last: dict[tuple[str, int], tuple[dt.date, float]] = field(default_factory=dict)  # (concept, period) -> last
    events: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))

    def period(self, day: dt.date, today: dt.date) -> int | None:
        """0 the year before the first conversation, 1 the year from it (once ended by `today`), else None."""
        if self.first is None:
            return None
        if self.first - YEAR <= day < self.first:
            return 0
        if self.first <= day < self.first + YEAR and self.first + YEAR <= today:
            return 1
        return None


def _day(text) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def facts(practices: Sequence[Practice], *, today: dt.date) -> list[Facts]:
    """Everyone registered with `practices` and on at least one register, with what the export says about them.
    Ten queries, whatever the number of people or practices."""
    ids = [p.pk for p in practices]
    ods = {p.pk: p.ods_code for p in practices}
    people: dict[int, Facts] = {}
    registered = Patient.objects.filter(practice_id__in=ids, registration_status=RegistrationStatus.REGISTERED)
    rows = (registered.filter(Exists(RegisterMembership.objects.filter(patient_id=OuterRef("pk"))))
            .values_list("pk", "practice_id", "date_of_birth", "sex", "imd_decile", "ethnicity").order_by())
    for pk, practice_id, born, sex, imd, ethnicity in rows.iterator(chunk_size=5000):
        quintile = rules.imd_quintile(imd)
        people[pk] = Facts(pk, ods[practice_id], rules.age_band(rules.age_on(born, today)), sex or "unknown",
                           rules.ethnic_group(ethnicity), str(quintile) if quintile else rules.NOT_RECORDED)
    if not people:
        return []
    for pid, slug in (RegisterMembership.objects.filter(practice_id__in=ids).values_list("patient_id", "register")
                      .order_by().iterator(chunk_size=5000)):
        if pid in people:
            people[pid].registers.add(slug)
    for pid, tier in PatientRisk.objects.filter(practice_id__in=ids).values_list("patient_id", "tier").order_by():
        if pid in people:
            people[pid].tier = tier
    versions = PlanVersion.objects.filter(practice_id__in=ids)
    for pid, first in (versions.annotate(held=plans.held_on()).exclude(held="").exclude(held__isnull=True)
                       .values("patient_id").annotate(first=Min("held")).values_list("patient_id", "first").order_by()):
        if pid in people:
            people[pid].first = _day(first)
    for pid, agreed_on, saved in (plans.agreed(versions).values_list("patient_id", "content__agreed_on", "created_at")
                                  .order_by()):
        person = people.get(pid)
        if person is None:
            continue
        day = _day(agreed_on) if agreed_on else None
        day = day or saved.date()
        if person.agreed is None or day > person.agreed:
            person.agreed = day
    for pid, first in (CopyGiven.objects.filter(practice_id__in=ids, version__content__agreed_with_person=True)
                       .values("version__patient_id").annotate(first=Min("on"))
                       .values_list("version__patient_id", "first").order_by()):
        if pid in people:
            people[pid].copy = first
    for pid, n in (CheckIn.objects.filter(practice_id__in=ids, status=CheckIn.Status.ANSWERED).values("patient_id")
                   .annotate(n=Count("pk")).values_list("patient_id", "n").order_by()):
        if pid in people:
            people[pid].checkins = n
    _outcomes(ids, people, today=today)
    return list(people.values())


def _outcomes(ids: list[int], people: dict[int, Facts], *, today: dt.date) -> None:
    """Results, appointments and hospital events in the years around each first conversation: one query each
    over the whole span, grouped here."""
    firsts = [p.first for p in people.values() if p.first is not None]
    if not firsts:
        return
    earliest, latest = min(firsts) - YEAR, max(firsts) + YEAR
    # only people with a conversation: the others' rows would be read and thrown away
    talked = Q(patient_id__in=plans.recording_a_conversation(PlanVersion.objects.filter(practice_id__in=ids))
               .values("patient_id"))
    results = (Observation.objects.filter(talked, practice_id__in=ids, concept__in=MEASURE_CONCEPTS,
                                          value__isnull=False, effective_date__gte=earliest, effective_date__lt=latest)
               .values_list("patient_id", "concept", "effective_date", "value").order_by())
    for pid, concept, on, value in results.iterator(chunk_size=5000):
        person = people.get(pid)
        period = person.period(on, today) if person else None
        if period is None:
            continue
        seen = person.last.get((concept, period))
        # the last result of the period; on a day with several, the lowest (as tandem.learn.outcomes reads them)
        if seen is None or on > seen[0] or (on == seen[0] and value < seen[1]):
            person.last[(concept, period)] = (on, value)
    visits = (Encounter.objects.filter(talked, practice_id__in=ids, status=Encounter.Status.ATTENDED,
                                       date__gte=earliest, date__lt=latest).values_list("patient_id", "date").order_by())
    for pid, on in visits.iterator(chunk_size=5000):
        person = people.get(pid)
        period = person.period(on, today) if person else None
        if period is not None:
            person.events[("appointments", period)] += 1
    kinds = {HospitalEvent.Kind.AE_ATTENDANCE.value: "ae", HospitalEvent.Kind.EMERGENCY_ADMISSION.value: "emergency"}
    stays = (HospitalEvent.objects.filter(talked, practice_id__in=ids, kind__in=list(kinds), start_date__gte=earliest,
                                          start_date__lt=latest).values_list("patient_id", "kind", "start_date")
             .order_by())
    for pid, kind, on in stays.iterator(chunk_size=5000):
        person = people.get(pid)
        period = person.period(on, today) if person else None
        if period is not None:
            person.events[(kinds[kind], period)] += 1


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list]  # values: str, int, float or None (empty)
    left_out: int


def table(project: EvaluationProject, *, today: dt.date, register_slugs: Sequence[str]) -> Table:
    """The project's export: one row per person, pseudonymised, months not dates, the small-number rule applied,
    ordered by practice and pseudonym (never by anything that follows the order people were registered)."""
    found = facts(practices_of(project), today=today)
    quasi = export_rules.suppress_quasi_identifiers(
        [(f.practice, f.age_band, f.sex, f.ethnic_group, f.imd_quintile) for f in found])
    header = [c.name for c in export_rules.columns({s: s for s in register_slugs}, {})]
    out = []
    for person, shown in zip(found, quasi, strict=True):
        if shown is None:
            continue
        row: list = [export_rules.pseudonym(project.key, person.patient_id), *shown]
        row += [1 if slug in person.registers else 0 for slug in register_slugs]
        row += [rules.condition_count_band(len(person.registers)), person.tier, export_rules.month(person.first),
                export_rules.month(person.agreed), export_rules.month(person.copy), person.checkins]
        for concept, _name, _unit, places in export_rules.MEASURES:
            for period in (0, 1):
                last = person.last.get((concept, period))
                row.append(None if last is None else (round(last[1]) if places == 0 else round(last[1], places)))
        for event, _name in export_rules.EVENTS:
            for period in (0, 1):
                ended = person.first is not None and (period == 0 or person.first + YEAR <= today)
                row.append(person.events.get((event, period), 0) if ended else None)
        out.append(row)
    out.sort(key=lambda r: (r[1], r[0]))
    return Table(header=header, rows=out, left_out=sum(q is None for q in quasi))

