"""A network lead reads the practices side by side: the cycle, NoMAD, continuity and hospital use, each
funnel plot with its numbers behind a "The numbers in this chart" disclosure. Checked with axe (WCAG 2.2 AA)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import browser, check_accessibility, page, screenshot, sign_in, visit  # noqa: F401
from tests.learn.test_group_measures import AGREE, _meadow, _named, _people, _round

pytestmark = [pytest.mark.browser]


@pytest.fixture
def network(transactional_db):
    from tandem.core import actions as core_actions
    from tandem.core.models import OrganisationGroup, User
    from tests.conftest import build_universe

    u = build_universe()
    u.pcn = OrganisationGroup.objects.create(code="U99999", name="Riverside PCN", kind="pcn")
    for practice in (u.practice, u.other_practice):
        practice.group = u.pcn
        practice.save()
    meadow = _meadow(u)
    for practice, admissions in ((u.practice, 20), (u.other_practice, 2), (meadow, 8)):
        people = _people(practice, 30, born="1950-01-01", admissions=admissions, ae=6)
        _named(practice, people[:6], "AABA")
        _round(practice, [AGREE] * 5)
    u.lead = User.objects.create_user("pcnlead", password="correct-horse-battery")
    core_actions.make_group_lead(user=u.lead, group=u.pcn, by=None)
    return u


def test_a_network_lead_reads_nomad_continuity_and_hospital_use(page, network):  # noqa: F811
    sign_in(page, "pcnlead")
    visit(page, f"/learn/groups/{network.pcn.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Riverside PCN: care planning across the practices")
    for heading in ("The cycle and the written-plan gap", "Taking root: the staff survey (NoMAD)",
                    "Continuity with the named clinician", "Outcomes, allowing for age and sex"):
        expect(page.get_by_role("heading", level=2, name=heading)).to_be_visible()
    expect(page.get_by_role("img", name="Contacts with the person's named clinician")).to_be_visible()
    expect(page.get_by_role("img", name="Emergency admissions: observed against expected for age and sex")).to_be_visible()
    emergency = page.locator("section[aria-labelledby='outcome-emergency']")
    emergency.get_by_text("The numbers in this chart").click()
    row = emergency.get_by_role("row", name="Hillview Medical Centre")
    expect(row).to_contain_text("fewer than 5")
    expect(emergency.get_by_role("row", name="Riverside Surgery")).to_contain_text("2.00")
    check_accessibility(page)
    screenshot(page, "learn-group")
