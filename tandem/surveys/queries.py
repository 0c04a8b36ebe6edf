"""Reads of surveys, always from the practice. Staff answers are read only as a round's set (never one
person's); who has answered is read only to know whether the signed-in person still has a survey
waiting."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q, Subquery

from tandem.messaging.models import ReplyLink

from .models import PersonAnswer, PersonSurvey, StaffAnswer, StaffResponded, StaffRound


def is_open(found: StaffRound, today: dt.date) -> bool:
    return found.closed_on is None and found.closes_on >= today


def open_round(practice, today: dt.date) -> StaffRound | None:
    return (StaffRound.objects.filter(practice=practice, closed_on__isnull=True, closes_on__gte=today)
            .order_by("-number").first())


def waiting_for(practice, user_id: int, today: dt.date) -> StaffRound | None:
    """The open round this person has not answered yet, if any (one statement)."""
    answered = StaffResponded.objects.filter(round=OuterRef("pk"), user_id=user_id)
    return (StaffRound.objects.filter(practice=practice, closed_on__isnull=True, closes_on__gte=today)
            .exclude(Exists(answered)).order_by("-number").first())


def rounds(practice) -> list[StaffRound]:
    """Every round, newest first, each with `answered`: how many answered it (two statements)."""
    found = list(StaffRound.objects.filter(practice=practice).order_by("-number"))
    counts = dict(StaffAnswer.objects.filter(practice=practice).values("round").annotate(n=Count("pk"))
                  .values_list("round", "n"))
    for r in found:
        r.answered = counts.get(r.pk, 0)
    return found


def staff_answers(practice, round_ids: list[int]) -> dict[int, list[dict]]:
    """The answers of each round, as a set (in no particular order: their keys are random)."""
    out: dict[int, list[dict]] = defaultdict(list)
    for round_id, answers in (StaffAnswer.objects.filter(practice=practice, round_id__in=round_ids)
                              .order_by("pk").values_list("round_id", "answers")):
        out[round_id].append(answers)
    return out


def staff_responses(practice) -> list[dict]:
    return list(StaffAnswer.objects.filter(practice=practice, round__closed_on__isnull=False)
                .order_by("round__number", "pk").values_list("response", flat=True))


def latest_closed_rounds(practice_ids: list[int], today: dt.date) -> dict[int, tuple[StaffRound, list[dict]]]:
    """Each practice's latest closed round of the staff survey (closed early, or past its last day) and that
    round's answers as a set, by practice id: for a group's practices side by side. Two statements whatever
    the number of practices; a practice with no closed round is left out."""
    closed = Q(closed_on__isnull=False) | Q(closes_on__lt=today)
    latest = (StaffRound.objects.filter(closed, practice_id=OuterRef("practice_id")).order_by("-number")
              .values("pk")[:1])
    found = {r.pk: r for r in StaffRound.objects.filter(practice_id__in=practice_ids)
             .filter(pk=Subquery(latest)).order_by()}
    answers: dict[int, list[dict]] = defaultdict(list)
    if found:
        for round_id, given in (StaffAnswer.objects.filter(practice_id__in=practice_ids, round_id__in=list(found))
                                .order_by("pk")
                                .values_list("round_id", "answers")):
            answers[round_id].append(given)
    return {r.practice_id: (r, answers.get(pk, [])) for pk, r in found.items()}


def people_answers(practice) -> dict[int, list[dict]]:
    """Each year's answers ({"pacic": {...}, "gpps": {...}}), oldest year first."""
    out: dict[int, list[dict]] = defaultdict(list)
    for year, answers in PersonAnswer.objects.filter(practice=practice).order_by("year", "pk").values_list(
            "year", "answers"):
        out[year].append(answers)
    return dict(out)


def people_sent(practice) -> dict[int, int]:
    """How many surveys were sent each year (those with an address to send to)."""
    return dict(PersonSurvey.objects.filter(practice=practice).exclude(channel="").values("year")
                .annotate(n=Count("pk")).values_list("year", "n"))


def people_responses(practice) -> list[dict]:
    return list(PersonAnswer.objects.filter(practice=practice).order_by("pk").values_list("response", flat=True))


def survey_for_link(link: ReplyLink) -> PersonSurvey | None:
    return (PersonSurvey.objects.filter(practice=link.practice, pk=link.object_id, patient_id=link.patient_id)
            .first())
