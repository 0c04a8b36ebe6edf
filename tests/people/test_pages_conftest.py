"""Fixtures for the person's own pages: people with plans, results, appointments and check-ins at
Riverside (Arthur and Beatrice) and one at Hillview (Brian), and `person_client`, a test client that
is signed in as one of them without OpenID Connect.

`person_client.sign_in(patient, level="P9")` signs the test client in as that person as the sign-in
callback does (people.actions.sign_in and the session people.session reads), without OpenID Connect.
Until tandem/people/urls.py includes the pages (`pages.urlpatterns`) with their access-table entries
(Open.PERSON), this module is also the URLconf of these tests: Tandem's URLs with the pages added
under /my/ in the `people` namespace, each for a signed-in person. Once it does, it is not used.

    person     practice    plan (own words)                          results                 booked
    Arthur     Riverside   v1, v2: "Walk to my daughter's ..."       HbA1c 70 then 62, BP    23 June 10:30
    Beatrice   Riverside   v1: "Walk to the shop without stopping"   CAT 18, FEV1 1.4        24 June 14:00
               (check-ins monthly: the first open from 15 July 2026)
    Brian      Hillview    v1: "Grow tomatoes on the allotment"      HbA1c 91 mmol/mol       -
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from django.urls import include, path

from tandem.core.rules import Access, Open
from tests.prepare.conftest import booked, planned, recall  # noqa: F401 - fixtures

D = dt.date

ARTHUR_GOAL = "Walk to my daughter's house and back"
ARTHUR_SIGN = "Blood sugar over 15 two days running"
BEATRICE_GOAL = "Walk to the shop without stopping"
BEATRICE_SIGN = "More breathless than usual"
BRIAN_GOAL = "Grow tomatoes on the allotment"
BRIAN_SIGN = "Feet numb or tingling"


# --- Until the people URLconf includes the pages: this module is the URLconf of these tests -----

def _urlpatterns():
    from django.urls import URLResolver

    from tandem import urls as tandem_urls
    from tandem.people import urls as people_urls
    from tandem.people.views import pages

    names = {p.name for p in people_urls.urlpatterns}
    mine = [p for p in pages.urlpatterns if p.name not in names]
    others = [p for p in tandem_urls.urlpatterns
              if not (isinstance(p, URLResolver) and getattr(p, "namespace", None) == "people")]
    return [*others, path("my/", include(([*people_urls.urlpatterns, *mine], "people")))]


def __getattr__(name: str):  # the URLconf's attributes, made when Django first asks for them
    if name == "urlpatterns":
        return _urlpatterns()
    if name == "access_rules":
        from tandem.people.views import pages

        person = Access(read=Open.PERSON, change=Open.PERSON)
        return {f"people:{p.name}": person for p in pages.urlpatterns}
    raise AttributeError(name)


def _pages_in_tandem_urls() -> bool:
    from django.urls import NoReverseMatch, reverse

    try:
        reverse("people:plan", urlconf="tandem.urls")
    except NoReverseMatch:
        return False
    return True


class PersonClient:
    """A test client signed in as a person the way the callback signs them in: a PersonAccount and
    PersonLink made by people.actions.sign_in, and the session people.session reads."""

    def __init__(self, client):
        self.client = client

    def sign_in(self, patient, *, level: str = "P9"):
        from tandem.people import actions
        from tandem.people.oidc import wall_time
        from tandem.people.rules import SESSION_KEY, Level

        account, link = actions.sign_in(issuer="https://nhs-login.test", sub=f"test-{patient.pk}", level=Level(level),
                                        patient=patient)
        session = self.client.session
        now = int(wall_time())
        session[SESSION_KEY] = {"account": account.pk, "generation": account.session_generation, "level": level,
                                "link": link.pk, "since": now, "seen": now}
        session.save()
        return account

    def sign_out(self) -> None:
        self.client.logout()

    def get(self, *args, **kwargs):
        return self.client.get(*args, **kwargs)


@pytest.fixture
def person_client(client, settings):
    if not _pages_in_tandem_urls():
        settings.ROOT_URLCONF = __name__
    return PersonClient(client)


# --- The people ----------------------------------------------------------------------------------

@pytest.fixture
def people(booked):  # noqa: F811 - the prepare fixture, imported above
    """Plans, results, a named clinician and check-ins for Arthur, Beatrice and Brian (module docstring)."""
    from tandem.careplans import actions as plans
    from tandem.careplans.rules.document import Action, Goal, Plan, TargetAgreement, WarningSign
    from tandem.checkins import actions as checkins
    from tandem.core import clock
    from tandem.patients import actions as patients
    from tests.checkins.conftest import agreed_plan

    u = booked
    walk = Goal(id="g1", words=ARTHUR_GOAL, importance=9,
                actions=(Action(id="a1", what="Walk 10 minutes after lunch", when="every day", confidence=8),))
    signs = (WarningSign(id="w1", level="amber", signs=ARTHUR_SIGN, what_to_do="Drink water and check again",
                         contact="The practice nurse on 0113 496 0000"),)
    first = Plan(goals=(walk,), targets=(TargetAgreement("hba1c", upper=58),), review_date="2027-06-14",
                 review_by="Nurse Nia Evans", agreed_with_person=True, warning_signs=signs,
                 self_management="Check my feet every evening")
    plans.save_plan(patient=u.arthur, by=u.nurse, plan=first, base_version=0, conversation=u.arthur_talk,
                    note="First plan")
    rated = Goal(id="g1", words=ARTHUR_GOAL, importance=9, stage="working_on", attainment=1, actions=walk.actions)
    plans.save_plan(patient=u.arthur, by=u.nurse, base_version=1, note="Goal going well",
                    plan=replace(first, goals=(rated,), rescue="Keep glucose tablets with me"))
    patients.set_named_clinician(patient=u.arthur, by=u.admin, clinician=u.nurse)
    plans.save_plan(patient=u.beatrice, by=u.nurse, plan=agreed_plan(u), base_version=0)
    with clock.frozen(D(2026, 7, 15)):
        checkins.open_due(practice=u.practice, by=None, today=D(2026, 7, 15))
    u.brian = u.foreign_patient
    patients.record_observation(patient=u.brian, by=u.other_nurse, concept="hba1c", effective_date=D(2026, 5, 1),
                                value=91)
    plans.save_plan(patient=u.brian, by=u.other_nurse, base_version=0, plan=Plan(
        goals=(Goal(id="t1", words=BRIAN_GOAL, importance=7),),
        warning_signs=(WarningSign(id="b1", level="red", signs=BRIAN_SIGN, what_to_do="Call us the same day"),),
        review_date="2027-05-01", agreed_with_person=True))
    return u
