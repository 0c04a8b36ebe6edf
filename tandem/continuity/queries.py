"""Continuity of care for a practice's people, worked out from their contacts with set-based reads.

Which contacts count: attended contacts in the last two years (up to and including today) of any
kind (face to face, telephone, video, home visit) with a known clinician (a member of staff, or a
practitioner an imported record names). Every kind counts because each is a consultation in which
the person and the clinician get to know each other, and a home visit is often the only contact a
housebound person has. Booked contacts have not happened, and missed or cancelled ones brought no
one together, so they do not count. A contact whose clinician is not known cannot be placed.

Two reads, whatever the size of the practice, none per person:
- one GROUP BY (person, clinician): contacts with each clinician, whether that clinician is the
  person's named clinician, and whether the person has a care plan. UPC needs the largest count per
  person, COC the sum of the squared counts (tandem.continuity.rules).
- one read of the contacts in date order, streamed: SECON needs to know whether each contact was
  with the same clinician as the one before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.fields.json import KeyTextTransform

from tandem.careplans.models import CarePlan, PlanVersion
from tandem.core.models import Practice
from tandem.patients.models import Encounter, Patient, RegistrationStatus
from tandem.registers.models import RegisterMembership

from . import rules

WINDOW_YEARS = 2
QUALIFYING_KINDS = (Encounter.Kind.FACE_TO_FACE, Encounter.Kind.TELEPHONE, Encounter.Kind.VIDEO,
                    Encounter.Kind.HOME_VISIT)


def window_start(today: dt.date) -> dt.date:
    """The first day of the two years up to and including `today`."""
    try:
        start = today.replace(year=today.year - WINDOW_YEARS)
    except ValueError:  # 29 February
        start = today.replace(year=today.year - WINDOW_YEARS, day=28)
    return start + dt.timedelta(days=1)


def qualifying_contacts(practice: Practice | int, *, today: dt.date, patient_ids: Iterable[int] | None = None):
    """The contacts that count towards continuity, for registered people of the practice."""
    practice_id = practice if isinstance(practice, int) else practice.pk
    contacts = Encounter.objects.filter(
        practice_id=practice_id, status=Encounter.Status.ATTENDED, kind__in=QUALIFYING_KINDS,
        date__gte=window_start(today), date__lte=today,
        patient__registration_status=RegistrationStatus.REGISTERED,
    ).filter(Q(clinician__isnull=False) | ~Q(clinician_ref=""))
    if patient_ids is not None:
        contacts = contacts.filter(patient_id__in=patient_ids)
    return contacts


@dataclass
class Person:
    """One person's contacts and indices over the window."""

    contacts: int = 0
    largest: int = 0  # contacts with the clinician seen most
    sum_of_squares: int = 0
    same_as_previous: int = 0
    with_named: int = 0  # contacts with their named clinician
    has_named: bool = False
    has_plan: bool = False

    @property
    def indices(self) -> rules.Indices:
        return rules.Indices(contacts=self.contacts, upc=rules.upc_of_largest(self.contacts, self.largest),
                             coc=rules.coc_of_sums(self.contacts, self.sum_of_squares),
                             secon=rules.secon_of_pairs(self.contacts, self.same_as_previous))


def people(practice: Practice | int, *, today: dt.date, patient_ids: Iterable[int] | None = None) -> dict[int, Person]:
    """Every registered person with a contact that counts, by id: two reads in all."""
    contacts = qualifying_contacts(practice, today=today, patient_ids=patient_ids)
    plan = CarePlan.objects.filter(patient_id=OuterRef("patient_id"), version__gte=1)
    # A clinician is the member of staff when there is one, else the imported practitioner.
    ref = Case(When(clinician__isnull=False, then=Value("")), default=F("clinician_ref"))
    grouped = (contacts.annotate(ref=ref)
               .values("patient_id", "clinician_id", "ref", "patient__named_clinician_id")
               .annotate(n=Count("pk"), has_plan=Exists(plan)).order_by()
               .values_list("patient_id", "clinician_id", "n", "patient__named_clinician_id", "has_plan"))
    found: dict[int, Person] = {}
    for patient_id, clinician_id, n, named_id, has_plan in grouped.iterator(chunk_size=5000):
        person = found.get(patient_id)
        if person is None:
            person = found[patient_id] = Person(has_named=named_id is not None, has_plan=bool(has_plan))
        person.contacts += n
        person.largest = max(person.largest, n)
        person.sum_of_squares += n * n
        if named_id is not None and clinician_id == named_id:
            person.with_named += n
    previous_patient, previous = None, None
    ordered = contacts.order_by("patient_id", "date", "pk").values_list("patient_id", "clinician_id", "clinician_ref")
    for patient_id, clinician_id, ref in ordered.iterator(chunk_size=5000):
        seen = (clinician_id, "" if clinician_id is not None else ref)
        if patient_id == previous_patient and seen == previous:
            found[patient_id].same_as_previous += 1
        previous_patient, previous = patient_id, seen
    return found


def one_person(practice: Practice | int, patient_id: int, *, named_clinician_id: int | None,
               today: dt.date) -> Person | None:
    """One person's contacts that count, as `people` works them out, in one read (their contacts in date
    order): for their summary page. None when none count. tests/continuity/test_person_panel.py checks
    that the two paths agree."""
    ordered = (qualifying_contacts(practice, today=today, patient_ids=[patient_id]).order_by("date", "pk")
               .values_list("clinician_id", "clinician_ref"))
    seen = [(clinician_id, "" if clinician_id is not None else ref) for clinician_id, ref in ordered]
    if not seen:
        return None
    counts: dict[tuple, int] = {}
    for key in seen:
        counts[key] = counts.get(key, 0) + 1
    return Person(contacts=len(seen), largest=max(counts.values()), sum_of_squares=sum(n * n for n in counts.values()),
                  same_as_previous=sum(a == b for a, b in zip(seen, seen[1:], strict=False)),
                  with_named=counts.get((named_clinician_id, ""), 0) if named_clinician_id is not None else 0,
                  has_named=named_clinician_id is not None)


@dataclass(frozen=True)
class Group:
    """The practice's figures for one group of people."""

    label: str
    people: int  # with at least two contacts that count
    too_few: int  # with one contact only: continuity cannot be worked out
    upc: float | None
    coc: float | None
    secon: float | None


@dataclass(frozen=True)
class NamedClinician:
    """How often people with a named clinician saw them."""

    people: int
    contacts: int
    with_named: int

    @property
    def share(self) -> float | None:
        return self.with_named / self.contacts if self.contacts else None


@dataclass(frozen=True)
class PracticeContinuity:
    today: dt.date
    since: dt.date
    contacts: int
    everyone: Group
    with_plan: Group
    without_plan: Group
    named: NamedClinician
    people: dict[int, Person] = field(default_factory=dict, repr=False)


def _group(label: str, members: list[Person]) -> Group:
    counted = [p.indices for p in members if p.contacts >= rules.MIN_CONTACTS]
    return Group(label=label, people=len(counted), too_few=len(members) - len(counted),
                 upc=rules.mean(i.upc for i in counted), coc=rules.mean(i.coc for i in counted),
                 secon=rules.mean(i.secon for i in counted))


def practice_continuity(practice: Practice, *, today: dt.date) -> PracticeContinuity:
    """The practice's continuity: means over people with two or more contacts that count, for
    everyone and split by whether the person has a care plan, and the share of contacts with the
    person's named clinician among people who have one. Two reads (see `people`)."""
    found = people(practice, today=today)
    members = list(found.values())
    named = [p for p in members if p.has_named]
    return PracticeContinuity(
        today=today, since=window_start(today), contacts=sum(p.contacts for p in members),
        everyone=_group("Everyone", members),
        with_plan=_group("With a care plan", [p for p in members if p.has_plan]),
        without_plan=_group("Without a care plan", [p for p in members if not p.has_plan]),
        named=NamedClinician(people=len(named), contacts=sum(p.contacts for p in named),
                             with_named=sum(p.with_named for p in named)),
        people=found,
    )


# --- Practices side by side (a network's or an ICB's) -------------------------------------------------


def _qualifying_across(practice_ids: Iterable[int], *, today: dt.date):
    """The contacts that count, as `qualifying_contacts` chooses them, for several practices at once."""
    return Encounter.objects.filter(
        practice_id__in=list(practice_ids), status=Encounter.Status.ATTENDED, kind__in=QUALIFYING_KINDS,
        date__gte=window_start(today), date__lte=today,
        patient__registration_status=RegistrationStatus.REGISTERED,
    ).filter(Q(clinician__isnull=False) | ~Q(clinician_ref=""))


@dataclass(frozen=True)
class AcrossPractices:
    since: dt.date  # the first day of the window
    named: dict[int, NamedClinician]  # by practice id; a practice with no one counted is left out
    until: dt.date | None = None  # the last day of the window (None: today)


def across_practices(practice_ids: Iterable[int], *, today: dt.date) -> AcrossPractices:
    """For each practice, what `practice_continuity` gives as `named`: of the contacts that count of people
    with a named clinician, how many were with that clinician. One statement grouped by practice, whatever
    the number of practices; no person's figures leave it.

    (The mean indices per person, UPC and the others, need the contacts grouped by person and clinician
    first: for a million people that is several times the work of this count, so the group view leaves them
    to each practice's own continuity page.)"""
    with_named = Q(clinician_id=F("patient__named_clinician_id"))
    rows = (_qualifying_across(practice_ids, today=today).filter(patient__named_clinician__isnull=False)
            .values("practice_id")
            .annotate(people=Count("patient_id", distinct=True), contacts=Count("pk"),
                      with_named=Count("pk", filter=with_named))
            .order_by().values_list("practice_id", "people", "contacts", "with_named"))
    return AcrossPractices(since=window_start(today), named={
        practice_id: NamedClinician(people=people_n, contacts=contacts_n, with_named=with_named_n)
        for practice_id, people_n, contacts_n, with_named_n in rows})


# --- The home page: the people whose named clinician the reader is ---------------------------------


@dataclass(frozen=True)
class NamedPerson:
    patient_id: int
    name: str
    date_of_birth: dt.date
    review_date: dt.date | None  # their care plan's review date, when it is past (overdue)


@dataclass(frozen=True)
class MyPeople:
    total: int  # registered people whose named clinician this is
    overdue: int  # of them, those whose care plan's review date has passed
    first: tuple[NamedPerson, ...]


def my_people(practice: Practice | int, user_id: int, *, today: dt.date, first: int = 5) -> MyPeople:
    """The registered people whose named clinician this user is: how many, how many of them have a care
    plan whose review date has passed, and the first few (those overdue first, longest overdue first;
    then those whose review comes soonest; then by name). One statement: the counts are window
    aggregates over the same rows."""
    practice_id = practice if isinstance(practice, int) else practice.pk
    latest = (PlanVersion.objects.filter(practice_id=practice_id, patient_id=OuterRef("pk"))
              .order_by("-version").annotate(review=KeyTextTransform("review_date", "content")).values("review")[:1])
    # Review dates are ISO dates (tandem.careplans.rules.document.Plan.review_date), so text order is date order.
    overdue = Q(review_date__gt="", review_date__lt=today.isoformat())
    rows = (Patient.objects.filter(practice_id=practice_id, named_clinician_id=user_id,
                                   registration_status=RegistrationStatus.REGISTERED)
            .annotate(review_date=Subquery(latest))
            .annotate(is_overdue=Case(When(overdue, then=Value(1)), default=Value(0), output_field=IntegerField()))
            .annotate(total=Window(Count("pk")), overdue_total=Window(Sum("is_overdue")))
            .order_by("-is_overdue", F("review_date").asc(nulls_last=True), "family_name", "given_name", "pk")
            .values_list("pk", "given_name", "family_name", "date_of_birth", "review_date", "is_overdue", "total",
                         "overdue_total")[:first])
    found = list(rows)
    if not found:
        return MyPeople(total=0, overdue=0, first=())
    people = tuple(
        NamedPerson(patient_id=pk, name=Patient(given_name=given, family_name=family).full_name, date_of_birth=born,
                    review_date=dt.date.fromisoformat(review) if is_overdue else None)
        for pk, given, family, born, review, is_overdue, _, _ in found)
    return MyPeople(total=found[0][6], overdue=int(found[0][7] or 0), first=people)


# --- People on a register without a named clinician --------------------------------------------


@dataclass(frozen=True)
class Unnamed:
    patient_id: int
    name: str
    nhs_number: str
    date_of_birth: dt.date
    registers: tuple[str, ...]  # register slugs, in name order of the slug


def without_named_clinician(practice: Practice, *, offset: int, limit: int) -> tuple[int, list[Unnamed]]:
    """(how many registered people on at least one register have no named clinician, one page of them
    by name with their registers): three reads, whatever the page holds."""
    on_register = RegisterMembership.objects.filter(practice_id=practice.pk, patient_id=OuterRef("pk"))
    found = (Patient.objects.filter(practice_id=practice.pk, registration_status=RegistrationStatus.REGISTERED,
                                    named_clinician__isnull=True)
             .filter(Exists(on_register)))
    total = found.count()
    rows = list(found.order_by("family_name", "given_name", "date_of_birth", "pk")
                .values_list("pk", "given_name", "family_name", "nhs_number", "date_of_birth")[offset:offset + limit])
    registers: dict[int, list[str]] = {}
    if rows:
        for patient_id, slug in (RegisterMembership.objects.filter(practice_id=practice.pk,
                                                                   patient_id__in=[r[0] for r in rows])
                                 .order_by("register").values_list("patient_id", "register")):
            registers.setdefault(patient_id, []).append(slug)
    return total, [Unnamed(patient_id=pk, name=Patient(given_name=given, family_name=family).full_name,
                           nhs_number=nhs, date_of_birth=born, registers=tuple(registers.get(pk, ())))
                   for pk, given, family, nhs, born in rows]


def named_figures(practice_ids: Iterable[int], *, today: dt.date) -> AcrossPractices:
    """`across_practices` as the worker worked it out for each practice last night (or today): one statement
    for the kept figures; any practice without a figure from the last two days is counted now (one more)."""
    from .models import NamedContinuity

    ids = list(practice_ids)
    kept: dict[int, NamedContinuity] = {}
    for row in (NamedContinuity.objects.filter(practice_id__in=ids, on__gte=today - dt.timedelta(days=1),
                                               on__lte=today).order_by("practice_id", "-on")):
        kept.setdefault(row.practice_id, row)
    missing = [pk for pk in ids if pk not in kept]
    named = across_practices(missing, today=today).named if missing else {}
    named.update({pk: NamedClinician(people=r.people, contacts=r.contacts, with_named=r.with_named)
                  for pk, r in kept.items() if r.people})
    until = min((r.on for r in kept.values()), default=today) if not missing else today
    return AcrossPractices(since=window_start(until), named=named, until=until)
