"""A group's practices side by side (a primary care network or an ICB): counts for each practice over the
last 12 whole months, each measure one GROUP BY practice whatever the number of practices. Counts and
rates only: no person leaves their practice in these reads."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q

from tandem.careplans.models import CopyGiven, PlanVersion
from tandem.checkins.models import Answer
from tandem.core.models import OrganisationGroup, Practice, User
from tandem.patients.models import Patient, RegistrationStatus

from . import plans
from .models import PracticeChange


def groups_led_by(user: User) -> list[OrganisationGroup]:
    return list(OrganisationGroup.objects.filter(leads__user=user, leads__ended_on__isnull=True).order_by("name"))


def practices_in(group: OrganisationGroup) -> list[Practice]:
    """The group's practices: its own, and for an ICB those of the networks within it."""
    return list(Practice.objects.filter(Q(group=group) | Q(group__parent=group)).order_by("name"))


def led_group(user: User, group_id: int) -> OrganisationGroup | None:
    return OrganisationGroup.objects.filter(pk=group_id, leads__user=user, leads__ended_on__isnull=True).first()


@dataclass
class Row:
    practice: Practice
    registered: int = 0
    conversations: int = 0  # people with a care planning conversation recorded in the window
    plans: int = 0  # people who agreed a written plan in the window
    with_copy: int = 0  # of those, people given a copy of it
    checkins: int = 0  # check-ins answered
    changes: list[PracticeChange] | None = None

    @property
    def gap(self) -> int:
        """People who had a conversation but hold no written plan with a copy (never below 0)."""
        return max(self.conversations - self.with_copy, 0)


def window(today: dt.date, months: int = 12) -> tuple[dt.date, dt.date]:
    last = today.replace(day=1) - dt.timedelta(days=1)
    first = last.replace(day=1)
    for _ in range(months - 1):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return first, last


def side_by_side(practices: list[Practice], *, first: dt.date, last: dt.date) -> list[Row]:
    ids = [p.pk for p in practices]
    rows = {p.pk: Row(p, changes=[]) for p in practices}
    for pk, n in (Patient.objects.filter(practice_id__in=ids, registration_status=RegistrationStatus.REGISTERED)
                  .values_list("practice_id").annotate(n=Count("pk")).order_by()):
        rows[pk].registered = n
    versions = PlanVersion.objects.filter(practice_id__in=ids, created_at__date__gte=first, created_at__date__lte=last)
    for pk, n in (plans.recording_a_conversation(versions).values_list("practice_id").annotate(n=Count("patient", distinct=True)).order_by()):
        rows[pk].conversations = n
    for pk, n in (plans.agreed(versions).values_list("practice_id").annotate(n=Count("patient", distinct=True)).order_by()):
        rows[pk].plans = n
    for pk, n in (CopyGiven.objects.filter(practice_id__in=ids, on__gte=first, on__lte=last,
                                           version__content__agreed_with_person=True)
                  .values_list("practice_id").annotate(n=Count("version__patient", distinct=True)).order_by()):
        rows[pk].with_copy = n
    for pk, n in (Answer.objects.filter(practice_id__in=ids, answered_at__date__gte=first, answered_at__date__lte=last)
                  .values_list("practice_id").annotate(n=Count("pk")).order_by()):
        rows[pk].checkins = n
    for change in PracticeChange.objects.filter(practice_id__in=ids, on__gte=first, on__lte=last).order_by("on", "pk"):
        rows[change.practice_id].changes.append(change)
    return [rows[p.pk] for p in practices]
