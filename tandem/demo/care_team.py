"""The demo's wider care team: organisations outside Riverside Surgery on its list, a community matron who uses
Tandem (username `matron`), and the first demo people who can sign in with her in their care team, one with an
addition to the plan waiting for the named clinician. Made through tandem.careteam.actions, as the pages make
them; run again, it leaves what is there. The organisations and people are made up."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from tandem.careplans import actions as plan_actions
from tandem.careplans import queries as plan_queries
from tandem.careplans.models import Task
from tandem.careplans.rules.document import Referral
from tandem.careteam import actions, rules
from tandem.careteam.models import Contribution, Member
from tandem.core import clock
from tandem.core.models import Practice, Provider, ProviderStaff, User
from tandem.demo import nhs_login

ORGANISATIONS = [
    # name, kind, service, email, phone, address
    ("Riverside Community Nursing", "community", "District nurses and community matrons: wound care, long-term "
     "conditions at home.", "", "0113 496 0200", "Community Health Centre, 1 Park Road, Leeds"),
    ("Leeds Falls Service (example)", "hospital", "Falls assessment and strength and balance classes.",
     "", "0113 496 0210", "St Mark's Hospital, Leeds"),
    ("Leeds Adult Social Care (example)", "social_care", "Care needs assessments and care at home.",
     "adultsocialcare@example.org", "0113 496 0220", "Civic Hall, Leeds"),
    ("Age Well Leeds (example)", "voluntary", "Befriending, lunch clubs and help at home for older people.",
     "referrals@agewell.example.org", "0113 496 0230", "Age Well House, 4 Kirk Street, Leeds"),
]
MATRON = ("matron", "Jo", "Marsh", "Community matron")


def set_up(practice: Practice, *, password: str) -> str:
    """The organisations, the matron's account and her place in two demo people's care teams; what was made."""
    made = []
    for name, kind, service, email, phone, address in ORGANISATIONS:
        if not Provider.objects.filter(practice=practice, name=name).exists():
            actions.save_provider(practice=practice, by=None, values={
                "name": name, "kind": kind, "ods_code": "", "service": service, "email": email, "phone": phone,
                "address": address})
            made.append(name)
    nursing = Provider.objects.get(practice=practice, name=ORGANISATIONS[0][0])
    username, first, last, job = MATRON
    staff = ProviderStaff.objects.filter(provider=nursing, user__username=username).select_related("user").first()
    if staff is None:
        staff = actions.add_professional(provider=nursing, by=None, username=username, first_name=first,
                                         last_name=last, email=f"{username}@example.org", job=job).staff
    user: User = staff.user
    user.set_password(password)
    user.save(update_fields=["password"])
    people = nhs_login.people(practice)[:2]
    for index, patient in enumerate(people):
        if Member.objects.filter(patient=patient, provider=nursing, ended_on__isnull=True).exists():
            continue
        member = actions.add_member(
            patient=patient, by=patient.named_clinician, provider=nursing, professional=staff,
            role="Leg ulcer care at home, weekly" if index == 0 else "Checks on breathing and medicines at home",
            scopes=(rules.RESULTS, rules.CONTRIBUTE), agreed_how="in_person", agreed_on=clock.today())
        if index == 0 and not Contribution.objects.filter(patient=patient).exists():
            version = plan_queries.latest(practice, patient)
            actions.contribute(member=member, by=user, kind="agreed", based_on=version.version if version else 0,
                               content={"text": "A nurse visits every Tuesday morning to dress the leg ulcer and "
                                                "check how it is healing."})
    referred = _referrals(practice, people, nursing)
    return (f"{practice.name}: {len(made)} organisations outside the practice on its list; "
            f"{first} {last} ({username}), {job.lower()}, in {len(people)} demo people's care teams; "
            f"{referred} referrals from their plans to organisations outside the practice")


def _referrals(practice: Practice, people, nursing: Provider) -> int:
    """The first demo person whose plan can be saved again today (its review date still to come) is referred to
    community nursing (in Tandem: the matron's queue) and to a voluntary organisation that does not use Tandem
    (by secure email, in the demo mailbox)."""
    age_well = Provider.objects.get(practice=practice, name=ORGANISATIONS[3][0])
    if Task.objects.filter(practice=practice, to_provider__isnull=False).exists():
        return 0
    today = clock.today()
    referrals = (
        Referral(id="", what="Assess and dress the leg ulcer at home", why="Slow to heal since the summer",
                 to_provider_id=nursing.pk, by_when=(today + dt.timedelta(days=10)).isoformat()),
        Referral(id="", what="Befriending visits: lives alone and has felt lonely this year",
                 to_provider_id=age_well.pk, by_when=(today + dt.timedelta(days=28)).isoformat()),
    )
    for patient in people:
        version = plan_queries.latest(practice, patient)
        if version is None:
            continue
        plan = plan_queries.plan_of(version)
        try:
            plan_actions.save_plan(patient=patient, by=patient.named_clinician, plan=replace(
                plan, referrals=(*plan.referrals, *referrals)), base_version=version.version,
                note="Referred to community nursing and Age Well")
        except plan_actions.PlanError:  # a plan past its review date waits for its review: try the next person
            continue
        return len(referrals)
    return 0
