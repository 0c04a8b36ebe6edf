"""An example care plan for a made-up person, for sample PDFs (scripts/sample-plan.py) and tests of
the written plan's layout. Pure: no Django.

Margaret, 76, with type 2 diabetes, COPD and high blood pressure: what matters to her, about her,
two needs, three goals in her own words with actions and how sure she feels, her own targets,
medicines started, stopped, changed and carried on, three services from the practice's directory,
a green/amber/red plan with a rescue pack, her daughter there, agreed, and her next review.
"""

from __future__ import annotations

import datetime as dt

from .document import (
    AboutMe,
    Action,
    Goal,
    MedicationAgreement,
    Need,
    Participant,
    Plan,
    Referral,
    Signpost,
    TargetAgreement,
    WarningSign,
)
from .wording import ServiceDetails, Written, build

NAME = "Margaret Okafor"
PRACTICE_PHONE = "0113 496 0000"


def plan() -> tuple[Plan, dict[int, ServiceDetails]]:
    """(the plan, the practice directory's details of its services by id)."""
    about = AboutMe(
        what_matters="Getting to my allotment and to church on Sundays.\nSeeing my grandson Tom every week.",
        people="My daughter Grace. She lives nearby and helps with shopping.",
        communication="I hear better on my left side. Please speak slowly and write important things down.",
        please_do="Give me time to answer.",
        please_dont="Talk to Grace instead of me.",
        strengths="I am a good cook and I like to keep busy.",
    )
    goals = (
        Goal(id="g1", words="I want to walk to my allotment and back without stopping to get my breath",
             importance=9, stage="working_on", actions=(
                 Action(id="a1", what="Walk to the end of the road and back after lunch", who="person",
                        when="Every day, one more lamp post each week", confidence=8,
                        strategies="Use my blue inhaler 10 minutes before if I need it.\n"
                                   "Rest on the bench by the church if I need to."),
                 Action(id="a2", what="Go to the pulmonary rehabilitation classes (exercise for my lungs)",
                        who="service", who_name="Leeds Pulmonary Rehabilitation", when="Tuesdays and Thursdays "
                        "for 6 weeks, from July", confidence=7, strategies="Grace will drive me to the first class."),
             )),
        Goal(id="g2", words="Keep my sugars steady so I stay out of hospital and see Tom grow up", importance=10,
             actions=(
                 Action(id="a3", what="Swap fizzy drinks and juice for water, or tea with no sugar", who="person",
                        when="Every day", confidence=9),
                 Action(id="a4", what="Go on the free course about living with diabetes", who="service",
                        who_name="Diabetes education course (DESMOND)", when="September", confidence=7),
             )),
        Goal(id="g3", words="Get back to singing in the church choir", importance=7, actions=(
            Action(id="a5", what="Ask Grace to drive me to choir practice", who="carer",
                   who_name="Grace, my daughter", when="Wednesday evenings", confidence=8),
        )),
    )
    written = Plan(
        about=about,
        needs=(Need(id="n1", text="I get frightened when I am short of breath at night", conditions=("copd",)),
               Need(id="n2", text="I find it hard to remember my tablets")),
        goals=goals,
        targets=(TargetAgreement("hba1c", upper=58, reason="A little higher than usual, so my sugar does not "
                                                             "go too low."),
                 TargetAgreement("systolic_bp", upper=140), TargetAgreement("diastolic_bp", upper=90)),
        medicines=(
            MedicationAgreement(id="m1", kind="stop", medicine="Gliclazide 80mg tablets",
                                reason="My sugars are steady, and it was making my sugar go too low in the "
                                       "mornings.", agreed_by="Margaret and Dr Sam Patel"),
            MedicationAgreement(id="m2", kind="start", medicine="Atorvastatin 20mg, one tablet at night",
                                reason="To lower my risk of a heart attack or stroke.",
                                agreed_by="Margaret and Nurse Ada Jones"),
            MedicationAgreement(id="m3", kind="continue", medicine="Metformin 500mg, twice a day with food"),
            MedicationAgreement(id="m4", kind="change", medicine="Salbutamol (blue) inhaler",
                                reason="Use it with the spacer, so more of the medicine gets into my lungs.",
                                agreed_by="Margaret and Nurse Ada Jones"),
        ),
        information="Leaflet: Living with COPD (Asthma + Lung UK).\nLeaflet: Hypos and how to treat them.",
        self_management="We practised using my inhaler with the spacer. A pill box with the days of the week.",
        services=(Signpost(id="s1", service_id=1, name="Pulmonary rehabilitation",
                           why="Exercise classes to help my breathing."),
                  Signpost(id="s2", service_id=2, name="Walking for Health: Riverside walks",
                           why="Short, friendly walks at my own pace."),
                  Signpost(id="s3", service_id=3, name="Social prescribing link worker",
                           why="To find a lift to church and choir.")),
        warning_signs=(
            WarningSign(id="w1", level="green", signs="My breathing is as usual for me.\nMy sugar is mostly "
                        "between 5 and 10.", what_to_do="Take my medicines as usual. Keep active.",
                        contact="No need to contact anyone."),
            WarningSign(id="w2", level="amber", signs="More breathless than usual, or coughing up more phlegm, "
                        "or the phlegm changes colour.", what_to_do="Use my blue inhaler: up to 6 puffs every "
                        "4 hours.\nIf it is no better after a day, start my rescue pack.",
                        contact="The practice, the same day: 0113 496 0000.\nEvenings and weekends: NHS 111."),
            WarningSign(id="w3", level="amber", signs="My sugar is over 15 for two days, or I am being sick.",
                        what_to_do="Drink plenty of water. Keep taking my metformin unless I am being sick.",
                        contact="The practice, the same day: 0113 496 0000."),
            WarningSign(id="w4", level="red", signs="So breathless I cannot speak in full sentences, chest pain, "
                        "lips turning blue, or very drowsy or confused.",
                        what_to_do="Call 999 now. Sit upright. Use my blue inhaler while I wait.",
                        contact="999"),
        ),
        rescue="My rescue pack is in the kitchen drawer: prednisolone 30mg once a day for 5 days, and amoxicillin "
               "500mg three times a day for 5 days.\nTell the practice when I start it, so they can check on me "
               "and give me a new pack.",
        participants=(Participant(name="Grace Okafor", relationship="daughter"),),
        agreed_with_person=True,
        review_date="2027-06-23",
        review_by="Nurse Ada Jones",
        follow_ups="Eye screening: you will get a letter.\nFoot check with the podiatrist in December.",
        referrals=(Referral(id="r1", what="Check my inhaler technique and my medicines", to_role="pharmacist",
                            by_when="2026-07-14"),),
    )
    directory = {
        1: ServiceDetails("Six weeks of exercise and advice for people with lung conditions.",
                                  "0113 496 0123", "We refer you. They will phone you within 4 weeks."),
        2: ServiceDetails("Free, short walks with a trained walk leader, every Monday at 10am.",
                                  "Ruth, 07700 900123", "Just turn up at Riverside Park gates."),
        3: ServiceDetails("Help to find local groups, transport and support.", "0113 496 0000 (the practice)",
                                  "We refer you. The link worker will phone you."),
    }
    return written, directory


def written() -> Written:
    """The plan in the words Margaret reads: version 3, made on 23 June 2026 with the practice nurse."""
    the_plan, directory = plan()
    return build(the_plan, name=NAME, made_on=dt.date(2026, 6, 23), version=3, clinician="Ada Jones, practice nurse",
                 services=directory, practice_phone=PRACTICE_PHONE)
