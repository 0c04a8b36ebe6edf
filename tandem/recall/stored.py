"""What the recall board needs about each person, stored on their reviews, and the practice's count
of people not yet planned, kept in step with the record in the same transaction as every change to it.

The board counts a month's reviews by status and staff time, and lists them by name, for practices of
any size. Reading the person's registers, registration, name, adjustments and spirometry for every
review on every view costs time in proportion to the practice; so they are copied onto the review
(`Review.registered`, `family_name`, `given_name`, `registers`, `longer`, `when_due_last`) by
`refresh`, and the board reads reviews alone, through two partial indexes.

Every write that changes one of those facts sends `tandem.core.derived.people_changed` inside its
transaction; the receiver here (connected in apps.py) refreshes those people's reviews with one
set-based UPDATE, and recounts the people not yet planned when registers or registrations changed.
Planning calls `refresh` itself. `drift` lists reviews whose stored facts differ from the record: the
test suite checks it is empty after every test, so a write that forgets to send the signal fails.

`when_due_last` is a date, not a yes or no: whether spirometry was recorded recently is decided when
the board is read, against that day, so it never goes stale as days pass.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from functools import cache

from django.db.models import Case, CharField, Exists, Func, Max, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce, Trim

from tandem.core import clock, derived
from tandem.core.compiled import CompiledRead
from tandem.patients.models import Observation, Patient, ReasonableAdjustment, RegistrationStatus
from tandem.registers.models import RegisterMembership
from tandem.registers.rules import register_slugs
from tandem.terminology import codelists

from .models import RecallPracticeState, Review
from .rules import protocols
from .rules.dates import review_year_of

#: The registers, in the order the stored text lists them (sorted, so adding one keeps the others' order).
REGISTERS = tuple(sorted({*codelists.LTC_SLUGS, *register_slugs()}))
LONGER = ReasonableAdjustment.Kind.LONGER_APPOINTMENT.value
CHUNK = 5000  # people per UPDATE when a list of people is given


@cache
def when_due_step() -> tuple[tuple[str, ...], int] | None:
    """(concepts, months) of the one review step left out when recorded within that many months
    (spirometry: FEV1, 12 months); None if the protocols have none. One date is stored per review,
    so the protocols may have at most one such step."""
    steps = [(item.concepts, item.when_due_months) for item in protocols.load().items.values()
             if item.when_due_months and item.concepts]
    if len(steps) > 1:
        raise protocols.ProtocolError("Only one review step may have when_due_months: the board stores one "
                                      "last-done date per review (tandem.recall.stored).")
    return steps[0] if steps else None


class _Joined(Func):
    """Text expressions joined end to end, flat (a || b || c), as both databases write it."""

    template = "(%(expressions)s)"
    arg_joiner = " || "
    output_field = CharField()


def registers_of(stored: str) -> tuple[str, ...]:
    return tuple(stored.split())


def _expressions(practice_id: int) -> dict:
    """Each stored fact as the record gives it, for the review in the outer query."""
    person = Patient.objects.filter(pk=OuterRef("patient_id"))
    slugs = [Max(Case(When(register=slug, then=Value(f"{slug} ")), default=Value(""), output_field=CharField()))
             for slug in REGISTERS]
    registers = (RegisterMembership.objects.filter(practice_id=practice_id, patient_id=OuterRef("patient_id"))
                 .order_by().values("patient_id").annotate(text=Trim(_Joined(*slugs)))
                 .values("text"))
    step = when_due_step()
    last = (Observation.objects.filter(practice_id=practice_id, patient_id=OuterRef("patient_id"),
                                       concept__in=step[0] if step else ())
            .order_by().values("patient_id").annotate(last=Max("effective_date")).values("last"))
    return {
        "registered": Exists(person.filter(registration_status=RegistrationStatus.REGISTERED)),
        "family_name": Coalesce(Subquery(person.values("family_name")[:1]), Value("")),
        "given_name": Coalesce(Subquery(person.values("given_name")[:1]), Value("")),
        "registers": Coalesce(Subquery(registers), Value("")),
        "longer": Exists(ReasonableAdjustment.objects.filter(patient_id=OuterRef("patient_id"), kind=LONGER)),
        "when_due_last": Subquery(last),
    }


def refresh(practice_id: int, patient_ids: Iterable[int] | None = None) -> int:
    """Bring the stored facts of these people's reviews (all the practice's when None) up to date
    with the record: one UPDATE (per CHUNK people). Returns the number of reviews written."""
    reviews = Review.objects.filter(practice_id=practice_id)
    values = _expressions(practice_id)
    if patient_ids is None:
        return reviews.update(**values)
    ids = sorted({int(pid) for pid in patient_ids})
    return sum(reviews.filter(patient_id__in=ids[i:i + CHUNK]).update(**values) for i in range(0, len(ids), CHUNK))


# --- The practice's state: a version token and the people not yet planned ----------------


_STATE = CompiledRead(lambda practice_id: RecallPracticeState.objects.filter(practice_id=practice_id)
                      .values_list("version", "unplanned_year", "unplanned"), "practice_id")


def state(practice_id: int) -> tuple[int | None, int | None, int | None]:
    """(version, unplanned_year, unplanned) in one read; (None, None, None) for a practice never written."""
    found = _STATE.run(practice_id=practice_id)
    return tuple(found[0]) if found else (None, None, None)


def touched(practice_id: int, **fields) -> None:
    """Give the practice's reviews a new version token (call in the transaction of every write to
    them), setting any other `fields` of its state at the same time."""
    values = {"version": secrets.randbits(62), **fields}
    if not RecallPracticeState.objects.filter(practice_id=practice_id).update(**values):
        RecallPracticeState.objects.bulk_create([RecallPracticeState(practice_id=practice_id, **values)],
                                                ignore_conflicts=True)
        RecallPracticeState.objects.filter(practice_id=practice_id).update(**values)  # if another made it first


def count_unplanned(practice_id: int, review_year: int) -> int:
    """Registered people on a register with no review in `review_year`, counted from the record."""
    planned = Review.objects.filter(practice_id=practice_id, review_year=review_year, patient_id=OuterRef("patient_id"))
    return (RegisterMembership.objects.filter(practice_id=practice_id,
                                              patient__registration_status=RegistrationStatus.REGISTERED)
            .filter(~Exists(planned)).values("patient_id").distinct().count())


def unplanned(practice_id: int, review_year: int, known: tuple | None = None) -> int:
    """People not yet planned in `review_year`: as stored when registers, registrations or reviews last
    changed, or counted now if what is stored is for another year (until the year's first planning).
    `known`: the practice's state if already read."""
    _version, year, count = known if known is not None else state(practice_id)
    return count if year == review_year and count is not None else count_unplanned(practice_id, review_year)


def recount_unplanned(practice_id: int, review_year: int) -> None:
    """Store a fresh count for `review_year` (and a new version): call inside the transaction that
    changed registers, registrations or reviews."""
    touched(practice_id, unplanned_year=review_year, unplanned=count_unplanned(practice_id, review_year))


def _on_people_changed(sender, *, practice_id: int, patient_ids: list[int] | None, what: frozenset[str],
                       **_kwargs) -> None:
    refresh(practice_id, patient_ids)
    if what & {derived.REGISTERS, derived.REGISTRATION}:
        recount_unplanned(practice_id, review_year_of(clock.today()))
    else:
        touched(practice_id)


def connect() -> None:
    derived.people_changed.connect(_on_people_changed, dispatch_uid="tandem.recall.stored")


# --- Checking ------------------------------------------------------------------------------

FIELDS = ("registered", "family_name", "given_name", "registers", "longer", "when_due_last")


def drift(practice_id: int | None = None) -> list[tuple[int, str, object, object]]:
    """(review id, field, stored, from the record) for every stored fact that differs from the record,
    (0, "unplanned ...", stored, counted) for a stored count that does, and (0, "board summary", reused,
    worked out now) for a board summary this process would reuse that is out of date (a write to the
    reviews that gave no new version)."""
    from django.db import connection

    from tandem.core.models import Practice

    from .queries import minutes

    out = []
    practices = ([practice_id] if practice_id is not None else sorted(  # those with anything kept
        {*Review.objects.values_list("practice_id", flat=True).distinct(),
         *RecallPracticeState.objects.values_list("practice_id", flat=True)}))
    for pid in practices:
        expected = {f"expected_{name}": value for name, value in _expressions(pid).items()}
        for row in (Review.objects.filter(practice_id=pid).annotate(**expected)
                    .values("pk", *FIELDS, *expected).order_by("pk")):
            for name in FIELDS:
                if row[name] != row[f"expected_{name}"]:
                    out.append((row["pk"], name, row[name], row[f"expected_{name}"]))
        _version, year, count = state(pid)
        counted = count_unplanned(pid, year) if year is not None else count
        if counted != count:
            out.append((0, f"unplanned {year}", count, counted))
        today = clock.today()
        reused, now = (minutes.board_summary(Practice(pk=pid), today=today),
                       minutes._board_summary(connection.alias, pid, today))
        if reused != now:
            out.append((0, "board summary", reused, now))
    return out
