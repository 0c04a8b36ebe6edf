"""Carers: Arthur gives his daughter access from his own pages; she accepts the emailed invitation by
signing in with her own NHS login at the local OpenID provider (her verified family name and date of
birth must match); she sees only what the grant covers, never a part of the plan staff hid from carers;
Arthur sees what she did and ends her access, which refuses her next request. The end date does the
same, and the daily task marks grants ended and warns before they end."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from tandem.core import clock
from tandem.core.models import AuditEvent
from tandem.messaging.link_actions import as_sent
from tandem.messaging.links import digest
from tandem.messaging.models import OutboxMessage
from tandem.people import actions
from tandem.people.models import ProxyActivity, ProxyGrant
from tandem.people.rules import SESSION_KEY
from tests.people.conftest import Browser
from tests.people.test_pages import text
from tests.people.test_pages_conftest import (  # noqa: F401 - fixtures
    ARTHUR_GOAL,
    ARTHUR_SIGN,
    booked,
    people,
    person_client,
    planned,
    recall,
)

pytestmark = pytest.mark.django_db

# The local provider's "daughter" (tests/people/oidc_provider/users.json): P9, Brooke, born 30 July 1978.
DAUGHTER = {"given_name": "Sarah", "family_name": "Brooke", "birth-day": "30", "birth-month": "7",
            "birth-year": "1978", "relationship": "child", "email": "sarah@example.org",
            "scopes": ["view_plan", "answer_checkins"], "ends-day": "15", "ends-month": "6", "ends-year": "2027"}


def grant_access(person_client, **changes):  # noqa: F811
    form = {**DAUGHTER, **changes}
    response = person_client.client.post("/my/carers/new/", form)
    assert response.status_code == 302, text(response.content.decode())[:400]
    return ProxyGrant.objects.latest("pk")


def invitation_url(grant: ProxyGrant) -> str:
    """The invitation's address as the carer's email has it (path only, for the test client)."""
    message = OutboxMessage.objects.filter(template="carer_invitation", patient=grant.patient).latest("pk")
    return re.search(r"/my/invitation/[A-Za-z0-9_-]+/", as_sent(message.body))[0]


@pytest.fixture
def arthur(people, person_client):  # noqa: F811
    person_client.sign_in(people.arthur, level="P9")
    return person_client


@pytest.fixture
def daughter(nhs_login):
    return Browser(Client())


def accept(daughter: Browser, grant: ProxyGrant, user: str = "daughter"):
    page = daughter.client.get(invitation_url(grant))
    assert page.status_code == 200
    assert "Arthur" not in page.content.decode()  # the invitation page says nothing about the person
    return daughter.sign_in(user, purpose="carer")


def test_the_person_gives_access_and_the_carer_is_emailed_an_invitation_that_shows_no_working_link_to_staff(arthur):
    grant = grant_access(arthur)
    assert (grant.proxy_given_name, grant.proxy_family_name, grant.proxy_birth_date) == ("Sarah", "Brooke",
                                                                                         dt.date(1978, 7, 30))
    assert (grant.view_plan, grant.answer_checkins, grant.view_results, grant.book) == (True, True, False, False)
    assert grant.granted_by_person and grant.basis == "consent" and grant.decided_by is None
    assert grant.accepted_at is None and grant.ends_on == dt.date(2027, 6, 15)
    message = OutboxMessage.objects.get(template="carer_invitation")
    assert message.recipient == "sarah@example.org"
    assert "/my/invitation/reply-token-" in message.body  # the stored copy holds a mark, not the link
    assert "/my/invitation/" in as_sent(message.body) and "reply-token-" not in as_sent(message.body)
    row = AuditEvent.objects.get(what="person.proxy_grant")
    assert "Sarah" not in str(row.detail) and "Brooke" not in str(row.detail)
    assert row.detail["scopes"] == ["answer_checkins", "view_plan"] and row.detail["ends_on"] == "2027-06-15"
    listed = text(arthur.get("/my/carers/").content.decode())
    assert "Sarah Brooke" in listed and "Invited: they have not accepted yet" in listed


@pytest.mark.parametrize(("changes", "error"), [
    ({"given_name": ""}, "Enter their first name"),
    ({"family_name": "x" * 101}, "100 characters or fewer"),
    ({"birth-day": "31", "birth-month": "2"}, "must be a real date"),
    ({"birth-day": "３０"}, ""),  # full-width digits are read as digits: accepted
    ({"birth-year": "2020"}, "must be 16 or older"),
    ({"email": "sarah.example.org"}, "correct format"),
    ({"scopes": []}, "Select what they can do"),
    ({"scopes": ["view_plan", "everything"]}, "Select what they can do"),
    ({"relationship": "boss"}, "Select how they are related"),
    ({"ends-year": "2026", "ends-month": "6", "ends-day": "1"}, "must be on or after"),
    ({"ends-year": "2099"}, "must be on or before"),
    ({"ends-day": "99999999999999999999"}, "must be a real date"),
])
def test_bad_input_on_the_grant_form_is_refused_clearly_and_nothing_is_saved(arthur, changes, error):
    response = arthur.client.post("/my/carers/new/", {**DAUGHTER, **changes})
    if not error:
        assert response.status_code == 302
        return
    assert response.status_code == 400
    page = text(response.content.decode())
    assert error in page and "There is a problem" in page
    assert "Sarah" in response.content.decode() or changes.get("given_name") == ""  # what was typed is kept
    assert not ProxyGrant.objects.exists() and not OutboxMessage.objects.filter(template="carer_invitation").exists()


def test_giving_access_needs_the_person_proved_with_photo_id(people, person_client):  # noqa: F811
    person_client.sign_in(people.arthur, level="P5")
    response = person_client.client.post("/my/carers/new/", DAUGHTER)
    assert response.status_code == 302 and response["Location"] == "/my/sign-in/?for=carers"
    assert not ProxyGrant.objects.exists()


def test_the_daughter_accepts_with_her_own_nhs_login_and_sees_only_what_she_was_given(arthur, daughter, people):  # noqa: F811
    from tandem.people import actions as people_actions

    grant = grant_access(arthur)
    people_actions.hide(practice=people.practice, patient=people.arthur, what="plan_part", object_id=None,
                        part="levels", reason="Asked by Arthur", by=people.nurse)
    landed = accept(daughter, grant)
    assert landed.status_code == 302 and landed["Location"] == "/my/"
    grant.refresh_from_db()
    assert grant.accepted_at is not None and grant.proxy_account is not None
    assert not grant.proxy_account.links.exists()  # her account is never linked to Arthur's record
    home = text(daughter.client.get("/my/").content.decode())
    assert "Helping Arthur" in home and "You are helping" in home
    plan = text(daughter.client.get("/my/plan/").content.decode())
    assert ARTHUR_GOAL in plan
    assert ARTHUR_SIGN not in plan  # the warning signs were hidden from carers
    assert ARTHUR_SIGN in text(arthur.get("/my/plan/").content.decode())  # Arthur still sees them
    contact = text(daughter.client.get("/my/contact/").content.decode())
    assert ARTHUR_SIGN not in contact
    pdf = daughter.client.get("/my/plan.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    for outside in ("/my/results/", "/my/appointments/"):
        refused = daughter.client.get(outside)
        assert refused.status_code == 403
        assert "not included in your access" in text(refused.content.decode())
        assert "HbA1c" not in refused.content.decode()
    assert daughter.client.get("/my/carers/").status_code == 403  # only Arthur decides who helps him
    assert daughter.client.post("/my/carers/new/", DAUGHTER).status_code == 403
    read = AuditEvent.objects.filter(what="people.plan", detail__grant=grant.pk)
    assert read.exists() and read.first().user is None


def test_a_carer_whose_verified_name_or_birth_date_does_not_match_is_refused_and_the_invitation_locks(arthur,
                                                                                                     daughter):
    grant = grant_access(arthur, **{"birth-day": "29"})  # Arthur typed her birthday wrong
    refused = accept(daughter, grant)
    assert refused.status_code == 302 and refused["Location"] == "/my/sign-in/refused/invitation/"
    grant.refresh_from_db()
    assert grant.accepted_at is None and grant.invitation_failures == 1
    assert SESSION_KEY not in daughter.client.session
    page = daughter.client.get(refused["Location"])
    assert "Arthur" not in page.content.decode()
    grant.invitation_failures = 5
    grant.save()
    assert daughter.client.get(invitation_url(grant)).status_code == 404


def test_the_person_ends_access_and_the_carers_next_request_is_refused(arthur, daughter):
    grant = grant_access(arthur)
    accept(daughter, grant)
    assert daughter.client.get("/my/plan/").status_code == 200
    ended = arthur.client.post("/my/carers/", {"grant": grant.pk, "version": grant.row_version + 1, "do": "end"})
    assert ended.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is not None and grant.revoked_by_person and grant.revoked_by is None
    after = daughter.client.get("/my/plan/")
    assert after.status_code == 302 and after["Location"].startswith("/my/sign-in/")
    assert "access to help this person has ended" in text(daughter.client.get("/my/sign-in/").content.decode())
    # signing in again finds nothing in force
    again = daughter.sign_in("daughter", purpose="carer")
    assert again["Location"] == "/my/sign-in/refused/no_grant/"


def test_a_stale_end_or_renew_is_refused_and_changes_nothing(arthur):
    grant = grant_access(arthur)
    response = arthur.client.post("/my/carers/", {"grant": grant.pk, "version": grant.row_version - 1 or 99,
                                                  "do": "end"})
    assert response.status_code == 400
    assert "changed by someone else" in text(response.content.decode())
    grant.refresh_from_db()
    assert grant.revoked_at is None
    blind = arthur.client.post("/my/carers/", {"grant": grant.pk, "do": "end"})  # a form without its version
    assert blind.status_code == 400 and "out of date" in text(blind.content.decode())
    grant.refresh_from_db()
    assert grant.revoked_at is None


def test_access_ends_on_its_end_date_at_the_next_request_and_the_daily_task_marks_it_ended(arthur, daughter,
                                                                                             people):  # noqa: F811
    grant = grant_access(arthur)
    accept(daughter, grant)
    with clock.frozen(dt.date(2027, 6, 1)):
        done = actions.end_and_warn(practice=people.practice)
        assert done.warned == 1
        assert OutboxMessage.objects.filter(template="carer_access_ending").count() == 1
        assert actions.end_and_warn(practice=people.practice).warned == 0  # told once
        assert daughter.client.get("/my/plan/").status_code == 200
    with clock.frozen(dt.date(2027, 6, 16)):
        assert daughter.client.get("/my/plan/").status_code == 302
        assert actions.end_and_warn(practice=people.practice).ended == 1
    grant.refresh_from_db()
    assert grant.ended_at is not None


def test_what_the_carer_did_is_shown_to_the_person(arthur, daughter, people):  # noqa: F811
    grant = grant_access(arthur)
    accept(daughter, grant)
    ProxyActivity.objects.create(grant=grant, practice=people.practice, patient=people.arthur,
                                 what="checkin.answered", object_id="1", at=clock.now())
    listed = text(arthur.get("/my/carers/").content.decode())
    assert "Sarah Brooke answered a check-in for you" in listed
    assert "Can see your pages now" in listed


def test_the_person_cannot_be_their_own_carer(people, person_client):  # noqa: F811
    from tandem.people.models import PersonAccount

    account = person_client.sign_in(people.arthur, level="P9")
    grant = grant_access(person_client)
    token = re.search(r"/my/invitation/([^/]+)/", invitation_url(grant))[1]
    assert actions.accept(digest=digest(token), account=PersonAccount.objects.get(pk=account.pk),
                          family_name="Brooke", birth_date="1978-07-30") is None


def test_the_carers_pages_fixed_text_reads_at_the_standard_reading_age(arthur, daughter, people):  # noqa: F811
    from tandem.messaging.wording.readability import limit_for, score
    from tests.people.test_pages import prose

    grant = grant_access(arthur)
    pages = {"who can see": arthur.get("/my/carers/"), "give access": arthur.get("/my/carers/new/"),
             "invitation": daughter.client.get(invitation_url(grant)),
             "invitation gone": daughter.client.get("/my/invitation/" + "x" * 43 + "/")}
    accept(daughter, grant)
    pages["not included"] = daughter.client.get("/my/results/")
    pages["carer's home"] = daughter.client.get("/my/")
    for name, response in pages.items():
        measured = score(prose(response.content.decode()))
        assert measured.words > 5, name
        assert measured.reading_age <= limit_for("standard"), (name, measured)


def test_on_the_review_date_the_named_clinician_gets_a_task_to_check_the_access_once(arthur, daughter, people):  # noqa: F811
    from tandem.careplans.models import Task

    grant = grant_access(arthur, **{"review-day": "15", "review-month": "12", "review-year": "2026"})
    accept(daughter, grant)
    with clock.frozen(dt.date(2026, 12, 14)):
        assert actions.end_and_warn(practice=people.practice).reviews == 0
    with clock.frozen(dt.date(2026, 12, 15)):
        assert actions.end_and_warn(practice=people.practice).reviews == 1
        assert actions.end_and_warn(practice=people.practice).reviews == 0  # once
    task = Task.objects.get(referral_id=f"pg{grant.pk}")
    assert task.patient_id == people.arthur.pk and task.to_user_id == people.nurse.pk  # his named clinician
    assert "check with Arthur that Sarah Brooke should still help" in task.what
    assert task.due_on == dt.date(2026, 12, 29) and task.events.count() == 1
