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

from django.db.models import Case, Count, Exists, F, OuterRef, Q, Value, When

from tandem.careplans.models import CarePlan
from tandem.core.models import Practice
from tandem.patients.models import Encounter, RegistrationStatus

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
