"""Referrals to organisations outside the practice: the people, organisations and professionals the tests
share, all made through the actions.

    Riverside Surgery (universe's practice)
      Nia Evans, practice nurse; Rowan Patel, GP (Dorothy's named clinician)
      Dorothy Ashworth: full contact details (born 9 April 1941)
      Riverside Community Nursing   uses Tandem: Jo Marsh, community matron
      Riverside Falls Service       uses Tandem: Sam Lee, physiotherapist (another organisation's professional)
      Age Well Leeds                does not use Tandem; a secure email address
      Leeds Carers Hub              does not use Tandem; a postal address only
    Hillview Medical Centre (the other practice)
      Hillview District Nurses      uses Tandem: Kim Shaw, district nurse
"""

from __future__ import annotations

import datetime as dt

import pytest

PASSWORD = "correct-horse-battery"


def provider(practice, name, kind="community", **values):
    from tandem.careteam import actions as careteam_actions

    row = {"name": name, "kind": kind, "ods_code": "", "service": "", "email": "", "phone": "", "address": ""}
    return careteam_actions.save_provider(practice=practice, by=None, values=row | values)


def professional(org, username, first, last, job):
    from tandem.careteam import actions as careteam_actions

    added = careteam_actions.add_professional(provider=org, by=None, username=username, first_name=first,
                                              last_name=last, email=f"{username}@example.org", job=job)
    user = added.staff.user
    user.set_password(PASSWORD)  # they would choose one from the set-password email
    user.save(update_fields=["password"])
    return user


@pytest.fixture
def world(universe):
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role
    from tandem.patients import actions as patient_actions

    u = universe
    u.gp = core_actions.add_staff(practice=u.practice, username="gp", role=Role.GP, by=None, password=PASSWORD,
                                  first_name="Rowan", last_name="Patel")
    u.dorothy = patient_actions.register_patient(
        practice=u.practice, by=None, nhs_number="9990000034", given_name="Dorothy", family_name="Ashworth",
        date_of_birth=dt.date(1941, 4, 9), sex="female", address_line1="12 Mill Lane", town="Leeds",
        postcode="LS6 2AB", phone="0113 496 0123", mobile="07700 900123")
    patient_actions.set_named_clinician(patient=u.dorothy, by=None, clinician=u.gp)
    u.dorothy.refresh_from_db()
    u.nursing = provider(u.practice, "Riverside Community Nursing", ods_code="RX1CN", phone="0113 496 0200",
                         address="Community Health Centre, 1 Park Road, Leeds, LS6 1AA")
    u.matron = professional(u.nursing, "jmarsh", "Jo", "Marsh", "Community matron")
    u.falls = provider(u.practice, "Riverside Falls Service", kind="hospital")
    u.physio = professional(u.falls, "slee", "Sam", "Lee", "Physiotherapist")
    u.agewell = provider(u.practice, "Age Well Leeds", kind="voluntary", email="referrals@agewell.example.org",
                         address="Age Well House, 4 Kirk Street, Leeds, LS2 7AA", phone="0113 496 0300")
    u.carers_hub = provider(u.practice, "Leeds Carers Hub", kind="social_care",
                            address="Carers Hub, 22 Vicar Lane, Leeds, LS1 6AB")
    u.hillview_nurses = provider(u.other_practice, "Hillview District Nurses")
    u.district_nurse = professional(u.hillview_nurses, "kshaw", "Kim", "Shaw", "District nurse")
    return u


def refer(u, *, to, what="Wound check and dressing, left leg", why="Leg ulcer healing slowly since May",
          by_when="2026-06-30", patient=None, by=None, more=()):
    """Save a plan for Dorothy (or `patient`) with a referral to the organisation `to` (and `more` referrals);
    the task it made."""
    from tandem.careplans import actions
    from tandem.careplans.models import CarePlan, Task
    from tandem.careplans.rules.document import Plan, Referral

    patient = patient or u.dorothy
    base = CarePlan.objects.filter(patient=patient).values_list("version", flat=True).first() or 0
    ref = Referral(id="", what=what, why=why, to_provider_id=to.pk, by_when=by_when)
    actions.save_plan(patient=patient, by=by or u.gp, plan=Plan(referrals=(ref, *more)), base_version=base)
    return Task.objects.filter(patient=patient, to_provider=to).order_by("-pk").first()
