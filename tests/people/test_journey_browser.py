"""The person's own Tandem and a carer, end to end, on phones (390 pixels, JavaScript off):

On 15 July 2026 Dorothy signs in with NHS login (the local OpenID provider the suite starts), reads her
plan, adds a home blood pressure reading and answers her check-in. She gives her daughter Sarah access to
see her plan and answer check-ins, proving who she is with photo ID first (step-up to P9). Her nurse hides
one part of the plan from carers. On 15 August Sarah opens the emailed invitation and signs in with her
own NHS login: she is helping Dorothy, sees the plan without the hidden part, and answers Dorothy's
check-in for her, recorded as done by Sarah on Dorothy's behalf. Dorothy sees that, and stops Sarah's
access; Sarah's next request is refused.

Every page is checked with axe as the person saw it; TANDEM_SCREENSHOTS=1 writes each step's picture to
docs/screenshots/person-*.png.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tandem.core import clock
from tests.browser.conftest import (  # noqa: F401 - browser, page and clinic are fixtures
    _describe_outside,
    _one_request_at_a_time,
    _refuse_other_hosts,
    browser,
    check_accessibility,
    clinic,
    page,
    screenshot,
    sign_in,
    visit,
)
from tests.browser.test_self_booking import PHONE, _checked, _submit

pytestmark = pytest.mark.browser

HIDDEN = "Talk to the memory clinic about my worries, which I have not told my family about yet"
GOAL = "Walk to the shop without stopping"


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=clock.now().tzinfo)


@pytest.fixture
def phones_of(browser, live_server, live_nhs_login):  # noqa: F811
    """Phones for people: each a page with JavaScript off, where the person does everything, and one
    with JavaScript on sharing its cookies, where axe checks each page as they saw it. The local OpenID
    provider is the one other host the phones may reach."""
    _one_request_at_a_time(live_server)
    provider = urlsplit(live_nhs_login.issuer).netloc
    made, outside = [], []

    def phone():
        context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-GB",
                                      timezone_id="Europe/London", java_script_enabled=False)
        checking = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-GB",
                                       timezone_id="Europe/London")
        for ctx in (context, checking):
            refused, allowed = _refuse_other_hosts(ctx, live_server.url)
            allowed.add(provider)
            outside.append(refused)
        ui, checker = context.new_page(), checking.new_page()
        for p in (ui, checker):
            p.set_default_timeout(15_000)
            p.tandem_outside_requests = outside[-1]
        made.extend((context, checking))
        return ui, checker

    yield phone
    for ctx in made:
        ctx.close()
    everything = [u for urls in outside for u in urls]
    assert not everything, _describe_outside(everything)


def nhs_login(ui, user: str) -> None:
    """The local provider's sign-in page (standing in for NHS login): who is signing in."""
    expect(ui).to_have_title("Local NHS login")
    ui.get_by_label("User").fill(user)
    ui.get_by_role("button", name="Continue").click()
    ui.wait_for_load_state()


@pytest.fixture
def dorothy(clinic):  # noqa: F811
    """Dorothy's plan, agreed with her nurse: a goal, warning signs, monthly check-ins with her home blood
    pressure, and a part she asked to keep from her family for now."""
    from tandem.careplans import actions as plans
    from tests.checkins.conftest import agreed_plan

    plan = dataclasses.replace(agreed_plan(clinic), self_management=HIDDEN)
    plans.save_plan(patient=clinic.patient, by=clinic.nurse, plan=plan, base_version=0, note="First plan")
    return clinic


def test_a_person_and_her_daughter_use_their_own_tandem(page, phones_of, dorothy):  # noqa: F811
    from tandem.checkins import actions as checkin_actions
    from tandem.checkins.models import Answer, CheckIn, HomeReading
    from tandem.messaging.link_actions import as_sent
    from tandem.messaging.models import OutboxMessage
    from tandem.people.models import ProxyActivity, ProxyGrant

    c = dorothy
    with clock.frozen(_at(dt.date(2026, 7, 15), 9)):
        assert checkin_actions.open_due(practice=c.practice, by=None).opened == 1

    # 1. 15 July: Dorothy signs in with NHS login on her phone and reads her plan.
    phone, checker = phones_of()
    with clock.frozen(_at(dt.date(2026, 7, 15))):
        phone.goto("/my/sign-in/")
        _checked(phone, checker, "person-1-sign-in")
        phone.get_by_role("link", name="Continue to NHS login").click()
        nhs_login(phone, "mother")
        expect(phone.get_by_role("heading", level=1)).to_contain_text("care and support plan")
        expect(phone.locator("main")).to_contain_text(GOAL)
        expect(phone.locator("main")).to_contain_text(HIDDEN)  # Dorothy sees every part of her plan
        _checked(phone, checker, "person-2-her-plan")

        # 2. She adds a home blood pressure reading.
        phone.get_by_role("link", name="Your home readings").click()
        phone.get_by_role("button", name="Add a home reading").click()
        phone.get_by_label(re.compile("blood pressure", re.I)).first.fill("146/88")
        phone.get_by_label("Day").fill("15")
        phone.get_by_label("Month").fill("7")
        phone.get_by_label("Year").fill("2026")
        _submit(phone, "Add the reading")
        _checked(phone, checker, "person-3-home-reading-added")
        reading = HomeReading.objects.get()
        assert (reading.patient_id, reading.grant_id) == (c.patient.pk, None)

        # 3. She answers her check-in.
        phone.get_by_role("link", name="Your check-ins").first.click()
        phone.get_by_role("link", name=re.compile("Answer", re.I)).first.click()
        _checked(phone, checker, "person-4-check-in")
        phone.get_by_label("About as expected").first.check()
        phone.get_by_label("How confident do you feel now about managing your health?").fill("7")
        _submit(phone, "Send the check-in")
        _checked(phone, checker, "person-5-check-in-sent")
        first = Answer.objects.get()
        assert first.given_by == Answer.From.PERSON

        # 4. She gives Sarah access. That needs P9: her session is at P5 (she signed in for her plan), so Tandem
        #    sends her back to NHS login for P9, which lets her straight through (she proved it with photo ID).
        visited = []
        phone.on("request", lambda request: visited.append(request.url))
        phone.goto("/my/carers/")
        assert any("/auth?" in url and "P9" in url for url in visited), visited
        expect(phone.get_by_role("heading", level=1)).to_have_text("Who can see your pages")
        phone.get_by_role("link", name="Give someone access").click()
        _checked(phone, checker, "person-6-give-access")
        phone.get_by_label("Their first name").fill("Sarah")
        phone.get_by_label("Their last name").fill("Brooke")
        birth = phone.get_by_role("group", name="Their date of birth")
        birth.get_by_label("Day").fill("30")
        birth.get_by_label("Month").fill("7")
        birth.get_by_label("Year").fill("1978")
        phone.get_by_label("Son or daughter").check()
        phone.get_by_label("Their email address").fill("sarah.brooke@example.org")
        phone.get_by_label("See the care and support plan, goals and who to contact").check()
        phone.get_by_label(re.compile("^Answer check-ins")).check()
        ends = phone.get_by_role("group", name="When should their access end?")
        ends.get_by_label("Day").fill("15")
        ends.get_by_label("Month").fill("7")
        ends.get_by_label("Year").fill("2027")
        _submit(phone, "Send the invitation")
        expect(phone.locator("main")).to_contain_text("We have emailed Sarah an invitation")
        _checked(phone, checker, "person-7-invited")
        grant = ProxyGrant.objects.get()
        assert (grant.view_plan, grant.answer_checkins, grant.view_results, grant.book) == (True, True, False, False)

    # 5. Her nurse hides the part Dorothy asked to keep from her family, on the staff pages.
    with clock.frozen(_at(dt.date(2026, 7, 16))):
        sign_in(page, "nurse")
        visit(page, f"/carers/{c.patient.pk}/hidden/")
        page.locator("form", has=page.locator("input[name=part][value=self_management]")).get_by_role(
            "button").click()
        page.wait_for_load_state()
        check_accessibility(page)
        screenshot(page, "person-8-staff-hide-from-carers")

    # 6. 20 July: Sarah opens the emailed invitation and accepts it with her own NHS login.
    invitation = OutboxMessage.objects.get(template="carer_invitation")
    assert invitation.recipient == "sarah.brooke@example.org"
    path = re.search(r"/my/invitation/[A-Za-z0-9_-]+/", as_sent(invitation.body))[0]
    sarah, sarah_checker = phones_of()
    with clock.frozen(_at(dt.date(2026, 7, 20))):
        sarah.goto(path)
        _checked(sarah, sarah_checker, "person-9-carer-invitation")
        sarah.get_by_role("link", name="Continue to NHS login").click()
        nhs_login(sarah, "daughter")
        expect(sarah.get_by_role("heading", level=1)).to_have_text("Helping Dorothy")
        _checked(sarah, sarah_checker, "person-10-carer-home")
        sarah.get_by_role("link", name="Dorothy's plan").click()
        expect(sarah.locator("main")).to_contain_text(GOAL)
        expect(sarah.locator("main")).not_to_contain_text(HIDDEN)
        _checked(sarah, sarah_checker, "person-11-carer-reads-the-plan")
        assert sarah.goto("/my/results/").status == 403  # not given to her

    # 7. 15 August: the next check-in opens, and Sarah answers it for Dorothy.
    with clock.frozen(_at(dt.date(2026, 8, 15), 9)):
        assert checkin_actions.open_due(practice=c.practice, by=None).opened == 1
    second = CheckIn.objects.filter(patient=c.patient, status=CheckIn.Status.OPEN).get()
    with clock.frozen(_at(dt.date(2026, 8, 15))):
        sarah.goto("/my/check-ins/")
        sarah.get_by_role("link", name=re.compile("Answer", re.I)).first.click()
        sarah.get_by_label("Better than expected").first.check()
        _submit(sarah, "Send the check-in")
        _checked(sarah, sarah_checker, "person-12-carer-answered")
        answer = Answer.objects.get(checkin=second)
        assert answer.given_by == Answer.From.CARER
        assert ProxyActivity.objects.filter(grant=grant, what="checkin.answered").count() == 1

        # 8. Dorothy sees what Sarah did, and stops her access; Sarah's next request is refused.
        phone.goto("/my/carers/")
        expect(phone.locator("main")).to_contain_text("Sarah Brooke answered a check-in for you")
        _checked(phone, checker, "person-13-who-can-see")
        _submit(phone, "Stop Sarah's access now")
        expect(phone.locator("main")).to_contain_text("Their access has ended")
        grant.refresh_from_db()
        assert grant.revoked_at is not None and grant.revoked_by_person

        response = sarah.goto("/my/plan/")
        assert urlsplit(sarah.url).path == "/my/sign-in/"
        expect(sarah.locator("main")).to_contain_text("Your access to help this person has ended")
        expect(sarah.locator("main")).not_to_contain_text(GOAL)
        assert response is not None
        _checked(sarah, sarah_checker, "person-14-carer-refused")
