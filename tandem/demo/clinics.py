"""Demo clinics: people whose annual review is due now have had their tests appointment, have a
care planning conversation booked in the coming weeks, and (where due) have been sent their pack.

Everything goes through the same actions staff use: responses to the review, results recorded,
conversations booked, choices about results in advance, targets agreed, packs sent.
"""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from tandem.core import clock
from tandem.core.models import Practice, User
from tandem.patients import actions as patient_actions
from tandem.patients.models import Observation
from tandem.prepare import actions as prepare_actions
from tandem.recall import actions as recall_actions
from tandem.recall import queries as recall_queries
from tandem.recall.models import Review
from tandem.recall.rules.status import Response, Status

# How each measurement drifts from the person's last reading at this year's tests (a small change,
# either way), and the smallest step it is recorded in.
DRIFT = {"hba1c": (4, 1), "systolic_bp": (8, 1), "diastolic_bp": (5, 1), "total_cholesterol": (0.4, 0.1),
         "ldl": (0.3, 0.1), "egfr": (4, 1), "urine_acr": (0.8, 0.1), "weight": (1.5, 0.1), "bmi": (0.5, 0.1),
         "fev1": (0.1, 0.01), "cat_score": (3, 1), "mrc_dyspnoea": (0.6, 1)}
# A typical first reading, for a measurement the person has never had.
TYPICAL = {"hba1c": 52, "systolic_bp": 136, "diastolic_bp": 82, "total_cholesterol": 4.8, "ldl": 2.6, "egfr": 74,
           "urine_acr": 1.6, "weight": 79, "bmi": 27.5, "fev1": 1.9, "cat_score": 14, "mrc_dyspnoea": 2}
PLAUSIBLE_FLOOR = {"urine_acr": 0.3, "mrc_dyspnoea": 1, "cat_score": 0}


def _latest(practice: Practice, patient_ids: list[int]) -> dict[int, dict[str, float]]:
    out: dict[int, dict[str, float]] = {}
    rows = (Observation.objects.filter(practice=practice, patient_id__in=patient_ids, concept__in=list(DRIFT),
                                       value__isnull=False)
            .order_by("patient_id", "concept", "-effective_date").values_list("patient_id", "concept", "value"))
    for pid, concept, value in rows:
        out.setdefault(pid, {}).setdefault(concept, value)
    return out


def _drifted(rng: random.Random, concept: str, value: float) -> float:
    spread, step = DRIFT[concept]
    new = value + rng.uniform(-spread, spread)
    new = max(PLAUSIBLE_FLOOR.get(concept, step), round(new / step) * step)
    if concept == "mrc_dyspnoea":
        new = min(5, max(1, round(new)))
    return round(new, 2)


def _slots(today: dt.date, count: int, rng: random.Random) -> list[dt.datetime]:
    """Weekday appointments 8 to 20 days ahead, 9am to 4:30pm on the half hour."""
    tz = timezone.get_current_timezone()
    days = [today + dt.timedelta(days=n) for n in range(8, 21) if (today + dt.timedelta(days=n)).weekday() < 5]
    times = [dt.time(h, m) for h in range(9, 17) for m in (0, 30) if (h, m) != (12, 30) and h != 13]
    taken: set[tuple[dt.date, dt.time]] = set()
    out = []
    while len(out) < count:
        slot = (rng.choice(days), rng.choice(times))
        if slot not in taken:
            taken.add(slot)
            out.append(dt.datetime.combine(slot[0], slot[1], tzinfo=tz))
    return sorted(out)


def book_clinics(*, practice: Practice, nurse: User, gp: User, admin: User, hca: User, count: int = 40,
                 seed: int = 42) -> dict[str, int]:
    """Tests done and conversations booked for `count` people due this month or next (the most
    multimorbid first); a few still waiting for a result, a few who want no results in advance."""
    rng = random.Random(seed)
    today = clock.today()
    this_month = today.replace(day=1)
    next_month = (this_month + dt.timedelta(days=32)).replace(day=1)
    reviews = list(Review.objects.filter(practice=practice, due_month__in=[this_month, next_month],
                                         status__in=[Status.PLANNED, Status.INVITED])
                   .exclude(patient__address_line1="").select_related("patient").order_by("pk"))
    facts = recall_queries.person_facts(practice, [r.patient_id for r in reviews])
    # Mostly people with several conditions (who gain most), and some with one or two.
    reviews.sort(key=lambda r: (-len(facts.get(r.patient_id, recall_queries.PersonFacts()).conditions), r.pk))
    most = (count * 3) // 5
    rest = reviews[most:]
    chosen = reviews[:most] + rng.sample(rest, min(len(rest), count - most))
    latest = _latest(practice, [r.patient_id for r in chosen])
    slots = _slots(today, len(chosen), rng)
    counts = {"booked": 0, "waiting": 0, "no_results": 0}
    for index, (review, starts_at) in enumerate(zip(chosen, slots, strict=True)):
        person = facts.get(review.patient_id, recall_queries.PersonFacts())
        plan = recall_queries.plan_for(person, today=today)
        tests_day = today - dt.timedelta(days=rng.randint(2, 9))
        recall_actions.record_response(review=review, response=Response.BOOKED, by=admin,
                                       on=tests_day - dt.timedelta(days=7), appointment_on=tests_day,
                                       appointment_time=dt.time(9 + index % 8, 0))
        recall_actions.record_response(review=Review.objects.get(pk=review.pk), response=Response.ATTENDED, by=hca,
                                       on=tests_day)
        concepts = [c for step in plan.tests.steps for c in step.item.concepts if c in DRIFT]
        waiting = index % 9 == 4  # one in nine: a blood result has not come back yet
        if waiting:
            blood = {"hba1c", "total_cholesterol", "ldl", "egfr"}
            concepts = [c for c in concepts if c not in blood] if blood & set(concepts) else concepts[1:]
            counts["waiting"] += 1
        _record_results(review.patient, concepts, latest.get(review.patient_id, {}), tests_day, hca, rng)
        lead_gp = plan.conversation.lead != "practice_nurse"
        prepare_actions.book_conversation(
            review=review, by=admin, starts_at=starts_at, minutes=plan.conversation.minutes,
            clinician=gp if lead_gp else nurse, place=f"{practice.name}, room {2 if lead_gp else 3}")
        counts["booked"] += 1
        if index % 11 == 6:
            prepare_actions.set_results_in_advance(practice=practice, patient=review.patient, by=admin, wanted=False,
                                                   note="Told reception they would rather hear results in person")
            counts["no_results"] += 1
    counts["agendas"] = _agendas(practice, admin)
    return counts


# Replies as people write them (made up), for the first few conversations.
REPLIES = [
    ("person", "online", "Being able to walk to my daughter's house and back without stopping.",
     ("Getting about and everyday tasks", "Medicines and side effects"),
     "Do I still need to take all of these tablets? Some of them make me feel dizzy in the morning.", ""),
    ("carer", "online", "Mum wants to stay in her own home and keep going to her Tuesday club.",
     ("Family and carers", "What might happen in the future", "Sleep"),
     "She is up several times at night. Is that her water tablet?", "Her daughter, Claire"),
    ("person", "paper", "Not having to come to the surgery so often.", ("Money", "Work"),
     "Can my blood tests be done on the same day as my eye check?", ""),
    ("person", "online", "My grandchildren. I want to be well enough to look after them on Fridays.",
     ("Mood and worries", "Pain"), "", ""),
]


def _agendas(practice: Practice, admin: User) -> int:
    from tandem.prepare.actions.agenda import Reply, record_agenda
    from tandem.prepare.models import Conversation

    talks = list(Conversation.objects.filter(practice=practice).order_by("starts_at", "pk")[:len(REPLIES) * 2:2])
    for talk, (who, via, matters, topics, questions, helper) in zip(talks, REPLIES, strict=False):
        reply = Reply(what_matters=matters, topics=topics, questions=questions, from_who=who, helper_name=helper,
                      coming_with=helper)
        record_agenda(conversation=talk, reply=reply, via=via, by=None if via == "online" else admin)
    return len(talks)


def _record_results(patient, concepts, latest: dict[str, float], on: dt.date, by: User, rng: random.Random) -> None:
    done = set()
    latest = {**TYPICAL, **latest}
    if "systolic_bp" in concepts:
        patient_actions.record_blood_pressure(patient=patient, by=by, systolic=_drifted(rng, "systolic_bp", latest["systolic_bp"]),
                                              diastolic=_drifted(rng, "diastolic_bp", latest["diastolic_bp"]),
                                              effective_date=on)
        done |= {"systolic_bp", "diastolic_bp"}
    for concept in concepts:
        if concept in done:
            continue
        patient_actions.record_observation(patient=patient, by=by, concept=concept, effective_date=on,
                                           value=_drifted(rng, concept, latest[concept]))
        done.add(concept)
