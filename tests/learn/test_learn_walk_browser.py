"""The Learn views in a browser, as the two people who read them: a practice manager (is care planning happening
here, is it taking root, is it changing anything; the practice's months as charts; recording a change the charts
then show) and a primary care network's lead (the network's practices side by side). Every page is checked with
axe (WCAG 2.2 AA); with TANDEM_SCREENSHOTS=1 the pages are saved to docs/screenshots/learn-*.png."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tandem.core import clock
from tests.browser.conftest import browser, check_accessibility, page, screenshot, sign_in, visit  # noqa: F401
from tests.learn.test_outcomes import _nhs_number

pytestmark = [pytest.mark.browser]
D = dt.date
PASSWORD = "correct-horse-battery"


def _person(practice, n):
    from tandem.patients import actions
    from tests.recall.conftest import code_for

    p = actions.register_patient(practice=practice, by=None, nhs_number=_nhs_number(n), given_name=f"P{n}",
                                 family_name=f"Person{n:03d}", date_of_birth=D(1950, 1, 1) + dt.timedelta(days=40 * n),
                                 sex="female" if n % 2 else "male")
    actions.record_condition(patient=p, by=None, code=code_for("diabetes_type2"), onset_date=D(2015, 1, 1))
    return p


def _plans(practice, clinician, *, first: int, months: list[tuple[dt.date, int, int]]):
    """For each (day, conversations, of them with a copy given): plans saved and copies handed over that day."""
    from tandem.careplans import actions
    from tandem.careplans.rules.document import Plan

    n = first
    for day, held, copies in months:
        for k in range(held):
            person = _person(practice, n)
            n += 1
            with clock.frozen(day):
                saved = actions.save_plan(patient=person, by=clinician, base_version=0, plan=Plan(
                    information="Walking", held_by_id=clinician.pk, held_by="Nia Evans", held_on=day.isoformat(),
                    agreed_with_person=True, agreed_on=day.isoformat()))
                if k < copies:
                    actions.record_copy_given(version=saved.version, by=clinician, how="printed", on=day)


@pytest.fixture
def network(transactional_db, universe):
    from tandem.core import actions as core_actions
    from tandem.core.models import OrganisationGroup, User
    from tandem.core.rules import Role
    from tandem.registers import actions as register_actions
    from tandem.surveys import actions as survey_actions

    u = universe
    u.pcn = OrganisationGroup.objects.create(code="U99999", name="Riverside Primary Care Network", kind="pcn")
    for practice in (u.practice, u.other_practice):
        practice.group = u.pcn
        practice.save()
    u.manager = core_actions.add_staff(practice=u.practice, username="manager", role=Role.MANAGER, by=None,
                                       password=PASSWORD, first_name="Helen", last_name="Brooks")
    u.lead = User.objects.create_user("pcnlead", password=PASSWORD, first_name="Ruth", last_name="Amadi")
    core_actions.make_group_lead(user=u.lead, group=u.pcn, by=None)
    # Riverside: a few conversations a month from the autumn, few copies until it starts printing in February.
    _plans(u.practice, u.nurse, first=1, months=[
        (D(2025, 10, 6), 2, 1), (D(2025, 11, 5), 3, 1), (D(2025, 12, 3), 2, 1), (D(2026, 1, 7), 3, 1),
        (D(2026, 2, 4), 3, 3), (D(2026, 3, 4), 4, 4), (D(2026, 4, 8), 4, 4), (D(2026, 5, 6), 5, 5)])
    # Hillview: fewer conversations, and copies for about half.
    _plans(u.other_practice, u.other_nurse, first=200, months=[
        (D(2025, 12, 3), 3, 1), (D(2026, 2, 4), 4, 2), (D(2026, 4, 8), 5, 3)])
    for practice in (u.practice, u.other_practice):
        register_actions.refresh_practice(practice=practice, by=None)
    # The staff survey: five of Riverside's team answered in April.
    team = [core_actions.add_staff(practice=u.practice, username=f"team{n}", role=Role.NURSE, by=None)
            for n in range(4)] + [u.nurse]
    with clock.frozen(D(2026, 4, 6)):
        found = survey_actions.open_round(practice=u.practice, by=u.manager, weeks=2)
        for n, user in enumerate(team):
            survey_actions.record_staff_answer(practice=u.practice, by=user, round_id=found.pk,
                                               answers={**{f"b{k}": str(3 + (k + n) % 3) for k in range(1, 21)},
                                                        "a1": "7"})
    survey_actions.close_past_rounds(practice=u.practice)
    return u


def test_the_practice_manager_and_the_network_lead_read_learn(page, network):  # noqa: F811
    sign_in(page, "manager", PASSWORD)
    visit(page, "/learn/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Is care planning happening?")
    screenshot(page, "learn-manager-dashboard")

    # The months as charts: conversations and copies rose after the autumn, beyond what chance would give.
    visit(page, "/learn/over-time/")
    copies = page.locator("section", has=page.get_by_role("heading", name="Copies of the plan given"))
    expect(copies).to_contain_text("Special cause: improvement")
    expect(copies.get_by_role("img", name="Copies of the plan given")).to_be_visible()
    copies.get_by_text("The numbers in this chart").click()
    expect(copies.get_by_role("row", name="May 2026 5")).to_be_visible()

    # The manager records when printing the plan in the room started; the charts then show it.
    visit(page, "/learn/changes/")
    page.get_by_label("Day").fill("2")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("What changed, in a few words").fill("Plan printed in the room")
    page.get_by_label("More about it (optional)").fill("The nurse prints the plan and hands it over")
    page.get_by_label("What changed, in a few words").press("Enter")
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.locator("main")).to_contain_text("Plan printed in the room")
    expect(page.locator("main")).to_contain_text("Helen Brooks")
    visit(page, "/learn/over-time/")
    expect(copies.locator("svg.tandem-chart")).to_contain_text("Plan printed in the room")
    # A target for copies given: the chart draws it and says whether the process will meet it.
    copies.get_by_text("Set a target for this chart").click()
    copies.get_by_label("Target a month (copies)").fill("2")
    copies.get_by_label("Target a month (copies)").press("Enter")
    page.wait_for_load_state()
    check_accessibility(page)
    expect(copies).to_contain_text("Target: 2 a month")
    expect(copies.get_by_role("img", name="Variation: special cause, improvement (higher than usual)")).to_be_visible()
    expect(copies.get_by_role("img", name=re.compile("^Assurance: the target will"))).to_be_visible()
    screenshot(page, "learn-manager-over-time")

    visit(page, "/learn/outcomes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Is care planning changing anything?")
    visit(page, "/surveys/staff/report/")
    expect(page.locator("main")).to_contain_text("Coherence")
    screenshot(page, "learn-manager-staff-survey")

    # Data for an evaluation: a project, then a download with its purpose, recorded.
    visit(page, "/learn/export/")
    page.get_by_label("Name of the evaluation").fill("Care planning at Riverside, 2026")
    page.get_by_label("What is the evaluation for?").fill("The university's evaluation, under the data sharing agreement")
    page.get_by_role("button", name="Make the evaluation project").click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.locator("main")).to_contain_text("The university's evaluation")
    page.get_by_label("CSV (opens in a spreadsheet)").check()
    page.get_by_label("What is this download for, and who will receive it?").fill("First look, for Dr Rahman")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the data").click()
    assert download.value.suggested_filename.endswith(".zip")
    visit(page, page.url)
    expect(page.locator("main")).to_contain_text("First look, for Dr Rahman")
    screenshot(page, "learn-manager-evaluation-export")
    page.get_by_role("button", name="Sign out").click()

    # The network's lead: both practices side by side, counts only, on a funnel plot.
    sign_in(page, "pcnlead", PASSWORD)
    visit(page, "/learn/groups/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Riverside Primary Care Network")
    main = page.locator("main")
    expect(main).to_contain_text("Riverside Surgery")
    expect(main).to_contain_text("Hillview Medical Centre")
    expect(main).not_to_contain_text("Person0")  # nobody is named
    expect(page.get_by_role("img", name="People with a conversation who hold a written plan with a copy")).to_be_visible()
    screenshot(page, "learn-network-lead")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download").first.click()
    assert download.value.suggested_filename.endswith(".csv")
