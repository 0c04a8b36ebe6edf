"""Every URL of the person's own pages (the `people` namespace), for a person signed in directly and for a
carer granted every scope: another person's data is never shown and another person's object is a 404;
once the carer's grant is revoked, or has ended, every page refuses them and shows nothing.

Arthur and Beatrice are at Riverside, Brian at Hillview (tests/people/test_pages_conftest.py). A URL added
to the namespace without a row in PARAMETERS or NOT_PERSON_DATA fails `test_every_url_is_in_the_table`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import get_resolver, reverse

from tandem.checkins.models import CheckIn
from tandem.core import clock
from tandem.people import actions
from tandem.people.models import PersonAccount, ProxyGrant
from tandem.people.oidc import wall_time
from tandem.people.rules import SESSION_KEY, Level, Scope
from tests.people.test_pages import text
from tests.people.test_pages_conftest import (  # noqa: F401 - fixtures
    ARTHUR_GOAL,
    ARTHUR_SIGN,
    BEATRICE_GOAL,
    BEATRICE_SIGN,
    BRIAN_GOAL,
    BRIAN_SIGN,
    booked,
    people,
    person_client,
    planned,
    recall,
)
from tests.people.test_person_booking import booked_tests_for

pytestmark = pytest.mark.django_db

# URLs that show nobody's data, and why (the sign-in flow and its pages are tested in test_sign_in.py).
NOT_PERSON_DATA = {
    "sign_in": "starts signing in; shows nobody's data",
    "callback": "finishes signing in (test_sign_in.py: every refused flow)",
    "refused": "why a sign-in was refused, the same words for anyone",
    "sign_out": "POST: ends this browser's session",
    "signed_out": "the same words for anyone",
    "invitation": "a carer's invitation: shows nothing about the person (test_carers.py)",
}

# Each URL with a parameter: whose object it is made from, and the arguments. The test signs in as the
# OTHER person of the pair at Riverside (Arthur <-> Beatrice), and as a carer of that other person.
#   name -> (owner, function of the universe giving the URL's kwargs for an object only the owner has)
PARAMETERS = {
    "change_appointment": ("arthur", lambda u: {"pk": booked_tests_for(u, u.arthur)}),
    "cancel_appointment": ("arthur", lambda u: {"pk": booked_tests_for(u, u.arthur)}),
    "plan_version": ("arthur", lambda u: {"number": 2}),  # Arthur has versions 1 and 2, Beatrice only 1
    "result": ("arthur", lambda u: {"measure": "hba1c"}),  # Arthur's HbA1c; Beatrice has none
    "checkin": ("beatrice", lambda u: {"pk": CheckIn.objects.filter(patient=u.beatrice).values_list(
        "pk", flat=True).first()}),
}

OTHER = {"arthur": "beatrice", "beatrice": "arthur"}


def _names() -> list[str]:
    resolver = get_resolver()
    found = resolver.namespace_dict["people"][1].reverse_dict
    return sorted({name for name in found if isinstance(name, str)})


def markers(u, who: str) -> tuple[str, ...]:
    """Words that appear on someone's pages and nobody else's."""
    return {"arthur": (ARTHUR_GOAL, ARTHUR_SIGN, "Arthur"), "beatrice": (BEATRICE_GOAL, BEATRICE_SIGN, "Beatrice"),
            "brian": (BRIAN_GOAL, BRIAN_SIGN, "Brian", "Hillview")}[who]


def person_session(client: Client, patient) -> int:
    account, link = actions.sign_in(issuer="https://nhs-login.test", sub=f"test-{patient.pk}", level=Level.P9,
                                    patient=patient)
    session = client.session
    now = int(wall_time())
    session[SESSION_KEY] = {"account": account.pk, "generation": account.session_generation, "level": "P9",
                            "link": link.pk, "grant": None, "since": now, "seen": now}
    session.save()
    return account.pk


def carer_grant(patient, *, sub: str = "carer-sarah", **scopes) -> ProxyGrant:
    """A grant in force for `patient`, accepted by the carer's own account (every scope unless said)."""
    now = clock.now()
    made = ProxyGrant.objects.filter(patient=patient, proxy_account__sub=sub).first()
    if made is not None:
        return made
    account, _ = PersonAccount.objects.get_or_create(issuer="https://nhs-login.test", sub=sub, defaults={
        "created_at": now, "last_signed_in_at": now, "highest_level_seen": "P9"})
    return ProxyGrant.objects.create(
        practice=patient.practice, patient=patient, proxy_account=account, proxy_given_name="Sarah",
        proxy_family_name="Brooke", proxy_birth_date=dt.date(1978, 7, 30), proxy_email="sarah@example.org",
        relationship="child", **{s.value: scopes.get(s.value, True) for s in Scope},
        starts_on=clock.today(), ends_on=clock.today() + dt.timedelta(days=365), basis="consent",
        identity_check="nhs_login_p9", granted_by_person=True, created_at=now,
        invitation_digest=f"{sub}-{patient.pk}".ljust(64, "0")[:64], invitation_expires_at=now, accepted_at=now)


def carer_session(client: Client, grant: ProxyGrant) -> None:
    session = client.session
    now = int(wall_time())
    session[SESSION_KEY] = {"account": grant.proxy_account_id, "generation": 0, "level": "P9", "link": None,
                            "grant": grant.pk, "since": now, "seen": now}
    session.save()


def url_of(u, name: str, *, for_other_of: str | None = None) -> str:
    if name in PARAMETERS:
        _owner, kwargs = PARAMETERS[name]
        return reverse(f"people:{name}", kwargs=kwargs(u))
    return reverse(f"people:{name}")


def test_every_url_is_in_the_table(people):  # noqa: F811
    names = set(_names())
    missing = names - set(PARAMETERS) - set(NOT_PERSON_DATA) - set(NO_PARAMETERS)
    assert not missing, f"people URLs with no row in this test's tables: {sorted(missing)}"
    assert not (set(PARAMETERS) | set(NOT_PERSON_DATA) | set(NO_PARAMETERS)) - names, "rows for URLs that are gone"


# The URLs without parameters: each shows only the session's person's data.
NO_PARAMETERS = ("home", "plan", "plan_pdf", "results", "appointments", "checkins", "goals", "care_team", "contact", "carers",
                 "carer_new", "choose", "readings", "reading_new", "agenda",
                 "book", "book_conversation", "book_check", "booked")


def _no_one_else(u, response, *, viewer: str) -> None:
    if response.status_code != 200 or response.get("Content-Type", "").startswith("application/pdf"):
        return
    shown = text(response.content.decode())
    others = [w for who in ("arthur", "beatrice", "brian") if who != viewer for w in markers(u, who) if w in shown]
    assert not others, others


@pytest.mark.parametrize("as_carer", [False, True], ids=["person", "carer"])
def test_another_persons_object_is_not_found_and_no_page_shows_anyone_else(people, client, as_carer):  # noqa: F811
    u = people
    for name in [n for n in _names() if n not in NOT_PERSON_DATA]:
        if name in PARAMETERS:
            owner, _kwargs = PARAMETERS[name]
            viewer = OTHER[owner]
        else:
            viewer = "arthur"
        client.logout()
        if as_carer:
            carer_session(client, carer_grant(getattr(u, viewer), sub=f"carer-of-{viewer}"))
        else:
            person_session(client, getattr(u, viewer))
        response = client.get(url_of(u, name))
        if name in PARAMETERS:
            assert response.status_code == 404, (name, response.status_code)
            assert not any(w in response.content.decode() for w in markers(u, owner)), name
        else:
            assert response.status_code in (200, 302, 403), (name, response.status_code)
            _no_one_else(u, response, viewer=viewer)


def test_choosing_or_ending_someone_elses_grant_is_not_found(people, client):  # noqa: F811
    u = people
    mine = carer_grant(u.arthur, sub="carer-one")
    theirs = carer_grant(u.beatrice, sub="carer-two")
    carer_session(client, mine)
    assert client.post(reverse("people:choose"), {"grant": theirs.pk}).status_code == 404
    client.logout()
    person_session(client, u.arthur)
    response = client.post(reverse("people:carers"), {"grant": theirs.pk, "version": theirs.row_version, "do": "end"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


@pytest.mark.parametrize("how", ["revoked", "ended", "past_end_date", "person_left"])
def test_once_access_ends_every_page_refuses_the_carer_and_shows_nothing(people, client, how):  # noqa: F811
    u = people
    grant = carer_grant(u.arthur)
    carer_session(client, grant)
    assert client.get(reverse("people:plan")).status_code == 200
    if how == "revoked":
        actions.revoke(grant_id=grant.pk, practice_id=u.practice.pk, patient_id=u.arthur.pk, row_version=None,
                       reason="", by=u.nurse)
    elif how == "ended":
        ProxyGrant.objects.filter(pk=grant.pk).update(ended_at=clock.now())
    elif how == "past_end_date":
        ProxyGrant.objects.filter(pk=grant.pk).update(starts_on=clock.today() - dt.timedelta(days=30),
                                                      ends_on=clock.today() - dt.timedelta(days=1))
    else:
        from tandem.patients.models import Patient, RegistrationStatus
        from tandem.recall import stored

        Patient.objects.filter(pk=u.arthur.pk).update(registration_status=RegistrationStatus.LEFT)
        stored.refresh(u.practice.pk, [u.arthur.pk])  # as the import of a deduction does
    first = True
    for name in [n for n in _names() if n not in NOT_PERSON_DATA]:
        if not first:
            carer_session(client, grant)  # the session was ended by the first refusal: try every page afresh
        first = False
        response = client.get(url_of(u, name) if name not in PARAMETERS else
                              reverse(f"people:{name}", kwargs=PARAMETERS[name][1](u)))
        assert response.status_code in (302, 404), (name, response.status_code)
        assert not any(w in response.content.decode() for w in markers(u, "arthur")), name
