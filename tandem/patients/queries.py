"""Reads of the patient record. Every one is scoped to a practice, and reads of a
person's record are audited. Views never touch Patient.objects directly."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, field
from functools import reduce
from operator import and_, or_
from typing import NamedTuple

from django.db.models import Case, Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import Http404

from tandem.core import audit
from tandem.core.compiled import CompiledRead
from tandem.core.models import AuditEvent, Membership, Practice, User

from .models import (
    Condition,
    Encounter,
    HospitalEvent,
    Medication,
    Observation,
    Patient,
    PersonalTarget,
    ReasonableAdjustment,
    RegistrationStatus,
    RelatedPerson,
)
from .rules import (
    InvalidNHSNumber,
    Target,
    ascii_digits,
    is_ascii_digits,
    normalise_nhs_number,
    without_separators,
)


def patients_of(practice: Practice) -> QuerySet[Patient]:
    return Patient.objects.filter(practice=practice)


def registered_count(practice: Practice) -> int:
    return patients_of(practice).filter(registration_status=RegistrationStatus.REGISTERED).count()


def home_counts(practice: Practice, user_id: int) -> tuple[int, int]:
    """(people registered at the practice, those of them whose named clinician this user is): one statement."""
    registered = Q(registration_status=RegistrationStatus.REGISTERED)
    counts = patients_of(practice).aggregate(registered=Count("pk", filter=registered),
                                             named=Count("pk", filter=registered & Q(named_clinician_id=user_id)))
    return counts["registered"], counts["named"]


def with_named_clinician(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """`patients` with each one's named clinician (select_related) and that clinician's role at the
    person's practice (`named_clinician_role`; "" when they no longer work there) in the same statement,
    for the patient banner (presenters.banner)."""
    role = Membership.objects.filter(user_id=OuterRef("named_clinician_id"), practice_id=OuterRef("practice_id"))
    return patients.select_related("named_clinician").annotate(
        named_clinician_role=Coalesce(Subquery(role.values("role")[:1]), Value("")))


def get_patient(*, practice: Practice, pk: int, by: User, what: str = "patient.summary") -> Patient:
    """The patient with this id *in this practice*, audited as viewed; 404 otherwise.

    A patient of another practice is indistinguishable from one that does not exist.
    """
    return _get_audited(with_named_clinician(patients_of(practice)), practice=practice, pk=pk,
                        by=by, what=what)


def _get_audited(queryset: QuerySet[Patient], *, practice: Practice, pk: int, by: User, what: str) -> Patient:
    try:
        patient = queryset.get(pk=pk)
    except (Patient.DoesNotExist, ValueError, TypeError):
        raise Http404("No such patient in this practice") from None
    audit.record(by=by, practice=practice, action=AuditEvent.Action.VIEW, what=what, patient_id=patient.pk)
    return patient


# --- Finding a patient -------------------------------------------------------------
# Parsing what was typed is pure (no database), so it is tested on its own.

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
_MONTH_WORDS = "|".join(sorted(_MONTHS, key=len, reverse=True))

# What was typed is first read with ascii_digits (the NHS number rule's reading of digits), so the
# patterns below need only ASCII digits: [0-9], never \d (which matches other scripts' digits too).
_NUMERIC_DATE = re.compile(r"(?<![0-9/.-])([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4}|[0-9]{2})(?![0-9/.-])")
_ISO_DATE = re.compile(r"(?<![0-9/.-])([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?![0-9/.-])")
_WORDY_DATE = re.compile(rf"\b([0-9]{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_WORDS})\.?,?\s+([0-9]{{4}})\b", re.IGNORECASE)
_DIGIT_RUN = re.compile(r"[0-9][0-9\s-]*[0-9]|[0-9]")
_NAME_CHARS = re.compile(r"[^\w\s,'-]|\d|_")  # \d and \w: digits and numbers of any script are not names


class SearchKind:
    EMPTY = "empty"
    NHS_NUMBER = "nhs_number"
    NAME = "name"
    DATE_OF_BIRTH = "date_of_birth"
    NAME_AND_DATE_OF_BIRTH = "name_and_date_of_birth"
    INVALID = "invalid"


@dataclass(frozen=True)
class PatientSearch:
    """What a search box entry asks for. `error` says, in words a person can act on, why it cannot run."""

    kind: str
    nhs_number: str = ""
    date_of_birth: dt.date | None = None
    family: str = ""  # from "family, given"
    given: str = ""
    names: tuple[str, ...] = ()  # each must match the family or the given name
    error: str = ""

    @property
    def runnable(self) -> bool:
        return self.kind not in (SearchKind.EMPTY, SearchKind.INVALID)


def _make_date(day: int, month: int, year: int, *, today: dt.date, written: str) -> dt.date | str:
    """A date of birth, or an error message."""
    if year < 100:  # two-digit year: the most recent century that is not in the future
        year += 2000 if 2000 + year <= today.year else 1900
    try:
        value = dt.date(year, month, day)
    except ValueError:
        return f"{written} is not a real date. Enter a date of birth like 2/3/1948 or 2 March 1948."
    if value > today:
        return f"{written} is in the future. Enter a date of birth like 2/3/1948 or 2 March 1948."
    if value.year < 1880:
        return f"{written} is too long ago to be a date of birth."
    return value


def parse_search(text: str, *, today: dt.date) -> PatientSearch:
    """Work out whether `text` is an NHS number, a name, a date of birth or a name with a date of birth.

    Accepts: '999 000 0018', 'smith', 'john smith', 'smith, john', '2/3/1948', '1948-03-02',
    '2 March 1948', '02031948', 'smith 02/03/1948'.
    """
    typed = text or ""
    text = ascii_digits(typed).strip().replace("\u2019", "'")
    if not text:
        return PatientSearch(SearchKind.EMPTY)
    compact = without_separators(text)
    if is_ascii_digits(compact) and len(compact) == 10:
        try:
            # The number as typed, so a refusal can say how digits in other forms were read.
            return PatientSearch(SearchKind.NHS_NUMBER, nhs_number=normalise_nhs_number(typed))
        except InvalidNHSNumber as exc:
            return PatientSearch(SearchKind.INVALID, error=str(exc))
    if re.fullmatch(r"[0-9]{2}\s?[0-9]{2}\s?[0-9]{4}", text):  # ddmmyyyy, or a mistyped NHS number
        found = _make_date(int(compact[:2]), int(compact[2:4]), int(compact[4:]), today=today, written=text)
        if isinstance(found, str):
            return PatientSearch(
                SearchKind.INVALID,
                error="An NHS number has 10 digits; this one has 8. As a date of birth, it is not a real date.",
            )
        return PatientSearch(SearchKind.DATE_OF_BIRTH, date_of_birth=found)

    dates: list[dt.date] = []
    rest = text
    for pattern, order in ((_WORDY_DATE, "dmy"), (_ISO_DATE, "ymd"), (_NUMERIC_DATE, "dmy")):
        for match in pattern.finditer(rest):
            a, b, c = match.groups()
            if order == "ymd":
                day, month, year = int(c), int(b), int(a)
            else:
                day, year = int(a), int(c)
                month = int(b) if is_ascii_digits(b) else _MONTHS.get(b.lower(), 0)  # 0: not a real date
            found = _make_date(day, month, year, today=today, written=match.group(0))
            if isinstance(found, str):
                return PatientSearch(SearchKind.INVALID, error=found)
            dates.append(found)
        rest = pattern.sub(" ", rest)
    if len(set(dates)) > 1:
        return PatientSearch(SearchKind.INVALID, error="Enter only one date of birth.")

    leftover_digits = [d for d in _DIGIT_RUN.findall(rest) if d.strip()]
    if leftover_digits:
        if is_ascii_digits(compact):  # only digits, but not 10 of them: a mistyped NHS number
            try:
                normalise_nhs_number(typed)
            except InvalidNHSNumber as exc:
                return PatientSearch(SearchKind.INVALID, error=str(exc))
        if len(leftover_digits) == 1 and len(re.sub(r"[\s-]", "", leftover_digits[0])) == 10:
            return PatientSearch(
                SearchKind.INVALID,
                error="Search by NHS number on its own: an NHS number identifies one person.",
            )
        return PatientSearch(
            SearchKind.INVALID,
            error="Enter an NHS number (10 digits), a name, or a date of birth like 2/3/1948 or 2 March 1948.",
        )

    cleaned = "".join(" " if ch.isnumeric() else ch for ch in _NAME_CHARS.sub(" ", rest))  # '௰', '½': not names
    family = given = ""
    names: tuple[str, ...] = ()
    if "," in cleaned:
        before, _, after = cleaned.partition(",")
        family = " ".join(before.replace(",", " ").split()).strip("'-")
        given = " ".join(after.replace(",", " ").split()).strip("'-")
    else:
        names = tuple(w for w in (w.strip("'-") for w in cleaned.split()) if w)
    has_name = bool(family or given or names)
    date_of_birth = dates[0] if dates else None
    if not has_name and date_of_birth is None:
        return PatientSearch(SearchKind.INVALID, error="Enter an NHS number, a name or a date of birth.")
    if has_name and date_of_birth:
        kind = SearchKind.NAME_AND_DATE_OF_BIRTH
    else:
        kind = SearchKind.NAME if has_name else SearchKind.DATE_OF_BIRTH
    return PatientSearch(kind, date_of_birth=date_of_birth, family=family, given=given, names=names)


def search_filter(search: PatientSearch, *, prefix: str = "") -> Q:
    """The filter for a parsed search, on Patient (or, with prefix="patient__", on a model that has
    a `patient`). icontains is case-insensitive on SQLite (for ASCII) and PostgreSQL."""
    def q(lookup: str, value) -> Q:
        return Q(**{prefix + lookup: value})

    if search.kind == SearchKind.NHS_NUMBER:
        return q("nhs_number", search.nhs_number)
    terms: list[Q] = []
    if search.date_of_birth is not None:
        terms.append(q("date_of_birth", search.date_of_birth))
    if search.family:
        terms.append(q("family_name__icontains", search.family))
    if search.given:
        terms.append(q("given_name__icontains", search.given))
    for word in search.names:
        terms.append(q("family_name__icontains", word) | q("given_name__icontains", word))
    return reduce(and_, terms)


def _rank(search: PatientSearch) -> Case | Value:
    """Closest surnames first: the exact surname, then surnames starting with it, then the rest."""
    words = (search.family,) if search.family else search.names
    if not words:
        return Value(0)
    exact = reduce(or_, (Q(family_name__iexact=w) for w in words))
    starts = reduce(or_, (Q(family_name__istartswith=w) for w in words))
    return Case(When(exact, then=Value(0)), When(starts, then=Value(1)), default=Value(2),
                output_field=IntegerField())


@dataclass
class SearchResults:
    search: PatientSearch
    patients: list[Patient] = field(default_factory=list)
    more: bool = False  # more matched than are shown: ask for a narrower search
    condition_codes: dict[int, set[str]] = field(default_factory=dict)  # patient id -> current condition codes


SEARCH_LIMIT = 50


def find_patients(*, practice: Practice, text: str, by: User, today: dt.date,
                  limit: int = SEARCH_LIMIT) -> SearchResults:
    """Patients of this practice matching what was typed, at most `limit` of them.

    The search is audited by kind and number of results only: the words typed can be names.
    """
    search = parse_search(text, today=today)
    results = SearchResults(search=search)
    if not search.runnable:
        return results
    rows = list(
        patients_of(practice).filter(search_filter(search)).annotate(rank=_rank(search))
        .order_by("rank", "family_name", "given_name", "date_of_birth", "pk")[: limit + 1]
    )
    results.more = len(rows) > limit
    results.patients = rows[:limit]
    if results.patients:
        codes = (
            Condition.objects.filter(practice=practice, patient__in=[p.pk for p in results.patients],
                                     resolved_date__isnull=True)
            .values_list("patient_id", "code").distinct()
        )
        for patient_id, code in codes:
            results.condition_codes.setdefault(patient_id, set()).add(code)
    audit.record(by=by, practice=practice, action=AuditEvent.Action.SEARCH, what="patient.search",
                 detail={"kind": search.kind, "results": len(results.patients), "more": results.more})
    return results


# --- The patient summary -------------------------------------------------------------


@dataclass
class SummaryRecord:
    """Everything the summary page shows about one patient, read in a fixed handful of queries."""

    patient: Patient
    conditions: list[Condition]
    observations: list[Reading]  # or Observation rows: each has the fields of Reading
    medications: list[Medication]
    encounters: list[Encounter]
    hospital_events: list[HospitalEvent]
    named_clinician_role: str = ""
    personal_targets: dict = field(default_factory=dict)  # concept -> rules.Target


def _summary_patient(practice, pk):
    """The person, their named clinician (a User, or None) and that clinician's role here, in one row."""
    role = Membership.objects.filter(user_id=OuterRef("named_clinician_id"), practice_id=OuterRef("practice_id"))
    return (Patient.objects.filter(practice_id=practice, pk=pk)
            .annotate(named_clinician_role=Subquery(role.values("role")[:1]))
            .values_list(*_PATIENT_FIELDS, *(f"named_clinician__{name}" for name in _USER_FIELDS),
                         "named_clinician_role"))


_PATIENT_FIELDS = tuple(f.attname for f in Patient._meta.concrete_fields)
_USER_FIELDS = tuple(f.attname for f in User._meta.concrete_fields)
_SUMMARY_PATIENT = CompiledRead(_summary_patient, "practice", "pk")
# The rest of the record, in the order each part is shown. Every read is scoped to the practice.
_SUMMARY_PARTS = {
    "conditions": CompiledRead(lambda practice, pk: Condition.objects.filter(
        practice_id=practice, patient_id=pk).order_by("onset_date", "pk"), "practice", "pk", models=True),
    "medications": CompiledRead(lambda practice, pk: Medication.objects.filter(
        practice_id=practice, patient_id=pk).order_by("-start_date", "name", "pk"), "practice", "pk", models=True),
    "encounters": CompiledRead(lambda practice, pk, since: Encounter.objects.filter(
        practice_id=practice, patient_id=pk, date__gte=since).order_by("-date", "-pk"),
        "practice", "pk", dates=("since",), models=True),
    "hospital_events": CompiledRead(lambda practice, pk: HospitalEvent.objects.filter(
        practice_id=practice, patient_id=pk).order_by("-start_date", "-pk"), "practice", "pk", models=True),
    "adjustments": CompiledRead(lambda practice, pk: ReasonableAdjustment.objects.filter(
        patient__practice_id=practice, patient_id=pk).order_by("pk"), "practice", "pk", models=True),
    "related_people": CompiledRead(lambda practice, pk: RelatedPerson.objects.filter(
        patient__practice_id=practice, patient_id=pk).order_by("pk"), "practice", "pk", models=True),
}
class Reading(NamedTuple):
    """One of the person's readings, as the record's pages use it (the fields of an Observation)."""

    pk: int
    concept: str
    effective_date: dt.date
    value: float | None
    value_code: str


# A person can have hundreds of readings: they are read as plain rows, not model instances.
_SUMMARY_OBSERVATIONS = CompiledRead(lambda practice, pk: Observation.objects.filter(
    practice_id=practice, patient_id=pk).order_by("concept", "-effective_date", "-pk")
    .values_list(*Reading._fields), "practice", "pk")
_SUMMARY_TARGETS = CompiledRead(lambda practice, pk: PersonalTarget.objects.filter(
    practice_id=practice, patient_id=pk, ended_on__isnull=True).values_list(
    "patient_id", "concept", "upper", "lower", "agreed_on"), "practice", "pk")


def _as_prefetched(patient: Patient, name: str, rows: list) -> None:
    """Keep `rows` as what `patient.<name>.all()` answers, as prefetch_related would, so pages that
    go on to read the person's record through the patient (the workspace's risk tier) read nothing
    twice."""
    queryset = QuerySet(model=rows[0].__class__) if rows else getattr(patient, name).none()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    for row in rows:
        row._state.fields_cache["patient"] = patient
    patient._prefetched_objects_cache[name] = queryset


def patient_summary(*, practice: Practice, pk: int, by: User, contacts_since: dt.date,
                    observations_since: dt.date) -> SummaryRecord:
    """One patient of this practice with their record, audited as viewed; 404 otherwise.

    Observations: every reading since `observations_since` plus the latest of each concept
    whenever it was. Contacts: appointments from `contacts_since` on (including booked ones
    ahead), hospital events from `contacts_since`, plus the latest earlier hospital event.
    A fixed number of queries whatever the size of the record, each compiled once per process
    (`tandem.core.compiled`): this page is opened many times an hour in every clinic.
    """
    if not isinstance(pk, int) or isinstance(pk, bool):
        raise Http404("No such patient in this practice")
    found = _SUMMARY_PATIENT.run(practice=practice.pk, pk=pk)
    if not found:
        raise Http404("No such patient in this practice")
    row = found[0]
    patient_end, user_end = len(_PATIENT_FIELDS), len(_PATIENT_FIELDS) + len(_USER_FIELDS)
    patient = Patient.from_db("default", _PATIENT_FIELDS, row[:patient_end])
    clinician = row[patient_end:user_end]
    patient.named_clinician = User.from_db("default", _USER_FIELDS, clinician) if clinician[0] is not None else None
    role = (row[user_end] or "") if patient.named_clinician_id else ""
    audit.record(by=by, practice=practice, action=AuditEvent.Action.VIEW, what="patient.summary",
                 patient_id=patient.pk)
    patient._prefetched_objects_cache = {}
    parts = {}
    for name, read in _SUMMARY_PARTS.items():
        parts[name] = read.run(practice=practice.pk, pk=patient.pk, since=contacts_since) if name == "encounters" \
            else read.run(practice=practice.pk, pk=patient.pk)
        _as_prefetched(patient, name, parts[name])
    # All of the person's readings are needed only for the latest of each concept; a single
    # query ordered newest first, trimmed to the window in Python, keeps the count fixed.
    kept: list[Reading] = []
    seen: set[str] = set()
    for reading in map(Reading._make, _SUMMARY_OBSERVATIONS.run(practice=practice.pk, pk=patient.pk)):
        if reading.effective_date >= observations_since or reading.concept not in seen:
            kept.append(reading)
        seen.add(reading.concept)
    hospital = parts["hospital_events"]
    recent = [h for h in hospital if h.start_date >= contacts_since]
    earlier = [h for h in hospital if h.start_date < contacts_since][:1]
    return SummaryRecord(
        patient=patient,
        conditions=parts["conditions"],
        observations=kept,
        medications=parts["medications"],
        encounters=parts["encounters"],
        hospital_events=recent + earlier,
        named_clinician_role=role,
        personal_targets=_targets(_SUMMARY_TARGETS.run(practice=practice.pk, pk=patient.pk)).get(patient.pk, {}),
    )


def personal_targets(practice: Practice, patient_ids) -> dict[int, dict[str, Target]]:
    """The targets each person has agreed as their own and that still apply: {patient: {concept:
    Target}}. One query; `patient_ids` may be a list or a values_list QuerySet."""
    return _targets(PersonalTarget.objects.filter(practice=practice, patient_id__in=patient_ids,
                                                  ended_on__isnull=True)
                    .values_list("patient_id", "concept", "upper", "lower", "agreed_on"))


def _targets(rows) -> dict[int, dict[str, Target]]:
    out: dict[int, dict[str, Target]] = {}
    for patient_id, concept, upper, lower, agreed_on in rows:
        out.setdefault(patient_id, {})[concept] = Target(
            concept, upper, lower, source=f"own target, agreed {agreed_on.day} {agreed_on:%B %Y}", personal=True)
    return out
