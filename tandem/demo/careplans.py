"""Demo care plans: a practice services directory, and plans from earlier years for people with a
conversation coming up, so the conversation workspace shows their history.

Every plan is made with tandem.careplans.actions.save_plan, with the clock set to the day of that
year's conversation, exactly as a clinician would have saved it then. The services are made up.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from django.db.models import F

from tandem.careplans import actions as careplan_actions
from tandem.careplans.actions import written as written_pdfs
from tandem.careplans.models import LocalService, PlanVersion
from tandem.careplans.rules.document import (
    AboutMe,
    Action,
    Goal,
    Information,
    MedicationAgreement,
    Need,
    Participant,
    Plan,
    Signpost,
    TargetAgreement,
    WarningSign,
)
from tandem.core import clock
from tandem.core.models import Practice, User
from tandem.demo import checkins as demo_checkins
from tandem.jobs.models import Job
from tandem.prepare.models import Conversation
from tandem.recall import queries as recall_queries

SERVICES = [
    ("Riverside Social Prescribing", "social_prescribing", "A link worker helps with loneliness, money, housing "
     "and finding local groups.", "0113 496 0123", "Refer through the practice, or people can call themselves."),
    ("Leeds Walking for Health", "exercise", "Free, friendly group walks of 30 to 60 minutes, most days.",
     "walks@example.org", "No referral needed: give the person the leaflet."),
    ("Stop Smoking Service", "smoking", "Twelve weeks of support and stop smoking medicines, free.",
     "0113 496 0456", "Refer online or the person can call."),
    ("Healthy Weight Programme", "weight", "A 12-week group programme on eating well and moving more.",
     "0113 496 0789", "Refer with a BMI recorded in the last year."),
    ("Carers Leeds (example)", "carers", "Advice, breaks and a carers' emergency card for unpaid carers.",
     "0113 496 0321", "Carers can self-refer."),
    ("Talking Therapies", "talking_therapies", "Talking therapies for low mood, worry and stress.",
     "0113 496 0654", "People can refer themselves online or by phone."),
    ("Pulmonary Rehabilitation", "pulmonary_rehab", "A 6 to 8 week exercise and education course for people "
     "with COPD who are breathless walking on the flat.", "0113 496 0987", "Refer with MRC grade 3 or above."),
    ("DESMOND (diabetes education)", "education", "A free one-day course for people with type 2 diabetes.",
     "0113 496 0135", "Refer through the practice."),
    ("Citizens Advice (benefits)", "benefits", "Free advice on benefits, debts and money worries.",
     "0113 496 0246", "People can call or drop in."),
]

# Goals people set, in their own words, with a first action (made up).
GOALS = [
    ("Walk to the shops and back without stopping", "Walk for 10 minutes after lunch", "every day", 8),
    ("Be able to look after my grandchildren on Fridays", "Take my tablets at breakfast so I have more energy",
     "every morning", 9),
    ("Get my blood sugar down so I can keep my eyesight", "Swap fizzy drinks for water or sugar-free squash",
     "from this week", 7),
    ("Sleep through the night", "Stop tea and coffee after 4pm", "every evening", 6),
    ("Keep going to my Tuesday club", "Ask my son to drive me when my breathing is bad", "when needed", 8),
    ("Lose a stone before my daughter's wedding", "Join the Healthy Weight Programme", "start in January", 7),
]
STAGES_AFTER_A_YEAR = ["achieved", "partly", "working_on", "not_achieved", "achieved", "dropped"]


# The conditions (register slugs) a service is for; a service not listed is for anyone.
SERVICE_CONDITIONS = {"Pulmonary Rehabilitation": ("copd",),
                      "DESMOND (diabetes education)": ("diabetes_type2",)}
# Information given, and the conditions each piece is for (none: for anyone).
INFORMATION = [
    ("Leaflet on looking after your feet", ("diabetes_type1", "diabetes_type2")),
    ("How to use the inhaler spacer", ("asthma", "copd")),
    ("Leaflet on checking your blood pressure at home", ("hypertension",)),
    ("Where to find help for low mood (NHS Every Mind Matters)", ()),
]


def seed_services(*, practice: Practice, by: User | None) -> int:
    made = 0
    for name, kind, description, contact, how in SERVICES:
        if LocalService.objects.filter(practice=practice, name=name).exists():
            continue
        careplan_actions.save_service(practice=practice, by=by, name=name, kind=kind, description=description,
                                      contact=contact, how_to_refer=how, conditions=SERVICE_CONDITIONS.get(name, ()))
        made += 1
    return made


def annual_plan(rng: random.Random, conditions: tuple[str, ...], services: list[LocalService],
                   year_index: int, base: Plan | None, frail: bool = False) -> Plan:
    taken = {g.words for g in base.goals} if base is not None else set()
    picks = rng.sample([i for i, g in enumerate(GOALS) if g[0] not in taken], 2)
    goals = []
    if base is not None:  # last year's goals, with how they went, recorded as a clinician would
        for goal, stage in zip(base.goals, rng.sample(STAGES_AFTER_A_YEAR, len(base.goals)), strict=False):
            if stage == "dropped":
                continue  # no longer wanted: closed, not carried
            outcome = {"achieved": "Managed it by the summer", "partly": "Some weeks yes, some no",
                       "not_achieved": "Knee pain got in the way"}.get(stage, "")
            # A goal reached is acknowledged in the plan, and its actions end with it.
            goals.append(Goal(id=goal.id, words=goal.words, importance=goal.importance, stage=stage, outcome=outcome,
                              actions=() if stage == "achieved" else goal.actions))
    for i in picks:
        words, what, when, confidence = GOALS[i]
        goals.append(Goal(id="", words=words, importance=rng.randint(6, 10), stage="working_on",
                          actions=(Action(id="", what=what, who="person", when=when, confidence=confidence,
                                          status="in_progress"),)))
    chosen = [s for s in services if (s.kind == "pulmonary_rehab") == ("copd" in conditions)][:1]
    targets = ()
    if "diabetes_type2" in conditions and frail:
        targets = (TargetAgreement(concept="hba1c", upper=64, reason="Frailty: avoid low blood sugar and falls"),)
    elif "diabetes_type2" in conditions:
        targets = (TargetAgreement(concept="hba1c", upper=58 if year_index else 53,
                                   reason="Agreed together to protect eyesight and feet"),)
    signs = ()
    if "copd" in conditions or "asthma" in conditions:
        signs = (
            WarningSign(id="", level="green", signs="Usual breathing, sleeping well", what_to_do="Carry on as usual"),
            WarningSign(id="", level="amber", signs="More breathless than usual, more phlegm or it changes colour",
                        what_to_do="Start the rescue pack as the nurse showed you", contact="Call the practice the same day"),
            WarningSign(id="", level="red", signs="Too breathless to speak, or chest pain",
                        what_to_do="Call 999", contact="999"),
        )
    if base is not None:  # what still stands from last year keeps its place (and its id)
        chosen_services = base.services
    else:
        chosen_services = tuple(Signpost(id="", service_id=s.pk, name=s.name, why="To help with the goals above")
                                for s in chosen)
    return Plan(
        about=AboutMe(what_matters="Staying independent in my own home", people="My daughter Claire, who visits on Sundays",
                      communication="Please speak slowly; I hear better on my left side", strengths="I like routines"),
        needs=base.needs if base is not None else (Need(id="", text="Worried about falling on the stairs"),),
        goals=tuple(goals), targets=targets,
        medicines=base.medicines if base is not None else (
            MedicationAgreement(id="", kind="continue", medicine="All current medicines",
                                agreed_by="Together with the nurse"),),
        information_items=base.information_items if base is not None else tuple(
            Information(id="", text=text, conditions=declared) for text, declared in INFORMATION
            if not declared or set(declared) & set(conditions)),
        self_management="Keep a note of blood pressure readings at home once a week",
        services=chosen_services,
        warning_signs=signs,
        participants=(Participant(name="Claire", relationship="daughter"),) if rng.random() < 0.4 else (),
        agreed_with_person=True, review_by="Practice nurse",
        areas=("medication_review", "education_self_management", "prevention"),
    )


def printing_from(today: dt.date) -> dt.date:
    """When the demo practice started printing the plan in the room: 14 months before today."""
    return today - dt.timedelta(days=425)


def record_demo_changes(*, practice: Practice, by: User | None, today: dt.date) -> int:
    """What the demo practice changed and when, shown on its charts (tandem.learn)."""
    from tandem.learn import actions as learn_actions
    from tandem.learn.models import PracticeChange

    recorded = set(PracticeChange.objects.filter(practice=practice).values_list("what", flat=True))
    made = 0
    for on, what, detail in (
        (printing_from(today), "Plan printed in the room",
         "The nurse prints the written plan at the end of the conversation and hands it over"),
        (today - dt.timedelta(days=330), "Check-ins offered to everyone",
         "Monthly or 3-monthly check-ins offered at every care planning conversation"),
    ):
        if what not in recorded:
            learn_actions.record_change(practice=practice, by=by, on=on, what=what, detail=detail)
            made += 1
    return made


def plans_from_earlier_years(*, practice: Practice, nurse: User, gp: User, years: int = 2, seed: int = 42) -> int:
    """For each person with a conversation coming up, the plans saved at their last `years` annual
    reviews (about a year apart), each made through save_plan on the day."""
    rng = random.Random(seed)
    printing = printing_from(clock.today())
    services = list(LocalService.objects.filter(practice=practice))
    talks = list(Conversation.objects.filter(practice=practice, state=Conversation.State.BOOKED)
                 .select_related("patient").order_by("starts_at", "pk"))
    facts = recall_queries.person_facts(practice, [t.patient_id for t in talks])
    staff = careplan_actions.clinical_staff(practice)
    made = 0
    replaced: list[int] = []  # versions a later one in this loop replaced
    earlier = {v.patient_id: v for v in PlanVersion.objects.filter(
        practice=practice, patient__in=[t.patient_id for t in talks], plan__version=F("version"))}
    for index, talk in enumerate(talks):
        if index % 4 == 3 and talk.patient_id not in earlier:
            continue  # some people have never had a written plan
        person = facts.get(talk.patient_id, recall_queries.PersonFacts())
        conditions = person.conditions
        frail = person.frailty in ("moderate", "severe")
        base = None
        number, previous = 0, 0
        first_back = years
        if talk.patient_id in earlier:  # plans from the practice's earlier years (tandem.demo.history): last
            found = earlier[talk.patient_id]  # year's review is saved again on top, with what it agreed between visits
            base, number, previous, first_back = Plan.from_dict(found.content), found.version, found.pk, 1
        for back in range(first_back, 0, -1):
            day = talk.starts_at.date() - dt.timedelta(days=365 * back + rng.randint(-20, 20))
            if base is not None and number and back == first_back and talk.patient_id in earlier:
                day = dt.date.fromisoformat(base.held_on or base.agreed_on or day.isoformat())  # the same review
            plan = annual_plan(rng, conditions, services, back - 1, base, frail=frail)
            clinician = nurse if index % 2 else gp
            plan = dataclasses.replace(plan, review_date=(day + dt.timedelta(days=365)).isoformat(),
                                       held_by_id=clinician.pk, held_by=staff.get(clinician.pk, ""),
                                       held_on=day.isoformat(), agreed_on=day.isoformat())
            if back == 1:  # the latest plan: a named clinician, and check-ins agreed where the person wants them
                plan = demo_checkins.agree(plan, patient=talk.patient, clinician=clinician, nurse=nurse, index=index,
                                           rng=rng, staff=staff)
            with clock.frozen(day):
                saved = careplan_actions.save_plan(patient=talk.patient, by=clinician, plan=plan,
                                                   base_version=number, note=f"Annual review {day.year}")
                # A copy handed over: about half the time until the practice started printing the plan in
                # the room (a change it recorded, see demo_changes), then nearly always.
                if rng.random() < (0.9 if day >= printing else 0.45):
                    careplan_actions.record_copy_given(version=saved.version, by=clinician, how="printed", on=day)
            if base is not None:
                replaced.append(previous)
            previous = saved.version.pk
            number = saved.version.version
            base = Plan.from_dict(saved.version.content)
            made += 1
    _forget_replaced_pdfs(practice, replaced)
    return made


def _forget_replaced_pdfs(practice: Practice, versions: list[int]) -> int:
    """Saving a version asks the worker for its PDFs; a version replaced a moment later in the same
    setup will not be printed (its job would find it replaced and make nothing), so its job is taken
    off the queue rather than left for the worker to work through. The latest versions' PDFs are still
    made in the background, so the demo's written plans print at once."""
    removed = 0
    for start in range(0, len(versions), 500):
        removed += Job.objects.filter(practice=practice, kind=written_pdfs.PDF_JOB, state=Job.State.QUEUED,
                                      params__version__in=versions[start : start + 500]).delete()[0]
    return removed
