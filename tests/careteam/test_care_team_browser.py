"""The wider care team end to end, in the browser:

A practice nurse adds Jo Marsh, a community matron, to Dorothy's care team with Dorothy's agreement. Jo signs in:
she sees Dorothy among her people and Dorothy's plan (and "not found" for anyone else), adds something she will
do towards one of Dorothy's goals, and accepts the referral the practice sent her team. The nurse, Dorothy's
named clinician, accepts Jo's addition into a new version of the plan, which shows Jo as who added it. Dorothy
signs in with NHS login and sees Jo in her care team.

Every page is checked with axe; TANDEM_SCREENSHOTS=1 writes each step's picture to docs/screenshots/careteam-*.png.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import (  # noqa: F401 - browser, page and clinic are fixtures
    _describe_outside,
    _refuse_other_hosts,
    browser,
    check_accessibility,
    clinic,
    page,
    screenshot,
    sign_in,
    visit,
)
from tests.people.conftest import live_nhs_login, live_oidc_provider  # noqa: F401 - fixtures
from tests.people.test_journey_browser import GOAL, dorothy, nhs_login  # noqa: F401 - dorothy is a fixture

pytestmark = pytest.mark.browser


@pytest.fixture
def nursing(dorothy):  # noqa: F811
    """Riverside Community Nursing on the practice's list, with Jo Marsh, and a referral to it in Dorothy's plan."""
    from tandem.careplans import actions as plan_actions
    from tandem.careplans import queries as plan_queries
    from tandem.careplans.rules.document import Referral
    from tandem.careteam import actions

    c = dorothy
    c.nursing = actions.save_provider(practice=c.practice, by=None, values={
        "name": "Riverside Community Nursing", "kind": "community", "ods_code": "", "service": "",
        "email": "", "phone": "0113 496 0200", "address": "Community Health Centre, 1 Park Road, Leeds"})
    c.matron = actions.add_professional(provider=c.nursing, by=None, username="jmarsh", first_name="Jo",
                                        last_name="Marsh", email="jmarsh@example.org", job="Community matron").staff.user
    c.matron.set_password("correct-horse-battery")
    c.matron.save(update_fields=["password"])
    plan = plan_queries.plan_of(plan_queries.latest(c.practice, c.patient))
    referral = Referral(id="", what="Assess and dress the leg ulcer at home", to_provider_id=c.nursing.pk,
                        by_when="2026-06-30")
    plan_actions.save_plan(patient=c.patient, by=c.nurse, plan=dataclasses.replace(plan, referrals=(referral,)),
                           base_version=1, note="Referred to community nursing")
    return c


def _fresh(browser, live_server, *, also: str = ""):  # noqa: F811
    """Another browser (another person's computer), as the `page` fixture makes one: no host but ours (and
    `also`, the local NHS login) is reached."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900},
                                  locale="en-GB", timezone_id="Europe/London")
    outside, allowed = _refuse_other_hosts(context, live_server.url)
    if also:
        allowed.add(also)
    other = context.new_page()
    other.set_default_timeout(15_000)
    other.tandem_outside_requests = outside
    return other


def test_a_nurse_adds_a_matron_who_reads_and_adds_to_the_plan_and_accepts_a_referral(
        page, browser, live_server, live_nhs_login, nursing):  # noqa: F811
    from tandem.careplans.models import CarePlan, Task
    from tandem.careteam.models import Contribution, Member

    c = nursing
    # 1. The nurse adds Jo to Dorothy's care team, with Dorothy's agreement.
    sign_in(page, "nurse")
    visit(page, f"/patients/{c.patient.pk}/")
    page.get_by_role("link", name="Care team").click()
    check_accessibility(page)
    page.get_by_role("link", name="Add someone to Dorothy's care team").click()
    check_accessibility(page)
    page.get_by_label("Riverside Community Nursing").check()
    page.get_by_role("button", name="Continue").click()
    check_accessibility(page)
    page.get_by_label("Jo Marsh, community matron").check()
    page.get_by_label("Their part in Dorothy's care").fill("Leg ulcer care at home, weekly")
    page.get_by_label("Add to the plan (the named clinician reviews each addition)").check()
    page.get_by_label("They agreed in person").check()
    screenshot(page, "careteam-1-adding-the-matron")
    page.get_by_role("button", name="Add to the care team").click()
    expect(page.locator("main")).to_contain_text("Jo Marsh, community matron of Riverside Community Nursing is now "
                                                 "in Dorothy's care team")
    check_accessibility(page)
    screenshot(page, "careteam-2-care-team")
    member = Member.objects.get()
    assert (member.patient_id, member.added_by_id, member.scopes) == (c.patient.pk, c.nurse.pk, ["plan", "contribute"])

    # 2. Jo signs in: Dorothy is among her people; her plan opens; anyone else is not found.
    jo = _fresh(browser, live_server)
    sign_in(jo, "jmarsh")
    expect(jo.get_by_role("heading", level=1)).to_have_text("Your people")
    screenshot(jo, "careteam-3-her-people")
    jo.get_by_role("link", name="Dorothy").click()
    expect(jo.locator("main")).to_contain_text(GOAL)
    check_accessibility(jo)
    screenshot(jo, "careteam-4-dorothys-plan")
    visit(jo, f"/care-team/people/{c.foreign_patient.pk}/", status=404)

    # 3. She adds what she will do towards one of Dorothy's goals.
    visit(jo, f"/care-team/people/{c.patient.pk}/")
    jo.get_by_role("link", name="Something we will do towards a goal in the plan").click()
    check_accessibility(jo)
    jo.get_by_role("button", name="Send for review").click()  # nothing chosen: told what is missing
    expect(jo.locator(".nhsuk-error-summary")).to_contain_text("Choose the goal this is towards")
    check_accessibility(jo)
    jo.get_by_label(GOAL).check()
    jo.get_by_label("What will you do?").fill("Check her legs and feet before she walks, each visit")
    jo.get_by_label("When (optional)").fill("Every Tuesday")
    screenshot(jo, "careteam-5-adding-an-action")
    jo.get_by_role("button", name="Send for review").click()
    expect(jo.locator("main")).to_contain_text("Waiting for review")
    check_accessibility(jo)
    assert Contribution.objects.get().status == "waiting"

    # 4. She accepts the referral the practice sent her team.
    jo.get_by_role("link", name="Referrals to you").click()
    check_accessibility(jo)
    screenshot(jo, "careteam-6-referrals")
    jo.get_by_role("link", name="Assess and dress the leg ulcer at home").click()
    check_accessibility(jo)
    jo.get_by_role("button", name="Accept the referral").click()
    check_accessibility(jo)
    screenshot(jo, "careteam-7-referral-accepted")
    assert Task.objects.get(to_provider=c.nursing).status == "accepted"

    # 5. The nurse, Dorothy's named clinician, accepts Jo's addition into a new version of the plan.
    visit(page, f"/care-team/person/{c.patient.pk}/")
    expect(page.locator("main")).to_contain_text("Additions waiting for review (1)")
    screenshot(page, "careteam-8-review")
    page.get_by_label("Something we will do towards a goal in the plan").check()
    page.get_by_role("button", name="Add the chosen ones to the plan").click()
    expect(page.locator("main")).to_contain_text("saved as version 3")
    check_accessibility(page)
    assert CarePlan.objects.get(patient=c.patient).version == 3
    visit(page, f"/care-plans/{c.patient.pk}/plan/")
    expect(page.locator(".plan-action").filter(has_text="Check her legs and feet")).to_contain_text(
        "Jo Marsh, community matron, Riverside Community Nursing")
    screenshot(page, "careteam-9-plan-with-her-action")

    # 6. Dorothy signs in with NHS login and sees Jo in her care team.
    dorothy_page = _fresh(browser, live_server, also=urlsplit(live_nhs_login.issuer).netloc)
    dorothy_page.goto("/my/sign-in/")
    dorothy_page.get_by_role("link", name="Continue to NHS login").click()
    assert urlsplit(dorothy_page.url).netloc == urlsplit(live_nhs_login.issuer).netloc
    nhs_login(dorothy_page, "mother")
    dorothy_page.get_by_role("link", name="Your care team").click()
    expect(dorothy_page.locator("main")).to_contain_text("Jo Marsh, community matron, Riverside Community Nursing")
    expect(dorothy_page.locator("main")).to_contain_text("Leg ulcer care at home, weekly")
    check_accessibility(dorothy_page)
    screenshot(dorothy_page, "careteam-10-her-care-team")
    for other in (jo, dorothy_page):
        assert not other.tandem_outside_requests, _describe_outside(other.tandem_outside_requests)
        other.context.close()
