"""Every URL that takes a patient must 404 for another practice's patient.

The URL list is discovered from the URLconf, so a new patient URL is covered the
moment it is added: if its parameter is not named `pk` or `patient_id`, this test
fails and asks for it to be listed.
"""

from __future__ import annotations

import pytest
from django.urls import get_resolver, reverse
from django.urls.converters import IntConverter

from tests.core.url_patterns import named_patterns

PATIENT_KWARGS = {"pk", "patient_id", "patient_pk", "review_pk"}
# URLs whose parameter is an object belonging to one patient (not the patient itself): the
# namespace and parameter say which kind of object to make for the patient under test.
PATIENT_OBJECTS: dict[tuple[str, str], str] = {
    ("prepare", "pk"): "conversation",
    ("prepare", "review_pk"): "review",
    ("booking", "review_pk"): "review",
    ("results", "review_pk"): "review",
}
# Namespaced URL names whose integer parameter is not a patient (say what it is instead).
NOT_PATIENT_URLS: dict[str, str] = {
    "people:change_appointment": "an appointment of the signed-in person's own review (tests/people/"
                                 "test_person_booking.py: another's is not found, for the person and for a carer)",
    "people:cancel_appointment": "an appointment of the signed-in person's own review (tests/people/test_person_booking.py)",
    "carers:show": "an entry hidden from a person's carers, under the person's id (tests/people/test_staff_carers.py: "
                   "another practice's person or entry is not found)",
    "people:checkin": "a check-in of the signed-in person's own (tests/people/test_every_person_url.py: another's is "
                      "not found, for the person and for a carer)",
    "people:plan_version": "a version of the signed-in person's own plan (tests/people/test_pages.py: another's is not found)",
    "people:result": "a measure's code, read from the signed-in person's own results (tests/people/test_pages.py)",
    "booking:cancel": "an appointment (tests/booking/test_pages.py: another practice's is not found)",
    "booking:outcome": "an appointment (tests/booking/test_pages.py)",
    "booking:arrival": "an appointment (tests/booking/test_day_list.py: another practice's is not found)",
    "clinics:pattern": "a clinic session pattern (tests/clinics/test_pages.py: another practice's is not found)",
    "clinics:pattern_end": "a clinic session pattern",
    "clinics:session": "a clinic session (tests/clinics/test_pages.py: another practice's is not found)",
    "clinics:session_cancel": "a clinic session",
    "clinics:session_hold": "a clinic session",
    "clinics:leave_remove": "a member of staff's leave",
    "jobs:detail": "a background job id",
    "jobs:progress": "a background job id",
    "jobs:status": "a background job id",
    "jobs:retry": "a background job id",
    "messaging:message": "an outbox message id",
    "messaging:letter": "an outbox message id",
    "messaging:resolve": "an outbox message id",
    "messaging:demo_email": "an email in the demo mailbox",
    "messaging:demo_attachment": "a file of an email in the demo mailbox (tests/messaging/test_attachments.py)",
    "messaging:fresh_link": "a reply link (tests/messaging/test_reply_links.py: another practice's is not found)",
    "registers:cohort_edit": "a cohort id",
    "registers:cohort_delete": "a cohort id",
    "careplans:service_edit": "a service in the practice's local services directory",
    "learn:step": "a step of the care planning cycle, from a list (tests/learn/test_funnel_pages.py: another "
                  "practice's people never appear)",
    "learn:change": "a note of what the practice changed (tests/learn/test_changes.py: another practice's is not found)",
    "learn:group": "a primary care network or ICB (tests/learn/test_group.py: only its leads, others not found)",
    "learn:group_csv": "a primary care network or ICB (tests/learn/test_group.py)",
    "learn:export": "an evaluation project (tests/learn/test_export.py: another practice's or group's is not found)",
    "checkins:checkin": "a check-in (tests/checkins/test_checkins.py: another practice's is not found)",
    "checkins:fhir": "a check-in (tests/checkins/test_checkins.py: another practice's is not found)",
    "careplans:task": "a care plan task (tests/careplans/test_task_lifecycle.py: another practice's is not found)",
    "prepare:wording_version": "a version number of the practice's own pack wording",
    "prepare:wording_use_again": "a version number of the practice's own pack wording",
    # The person's reply link: no account, a random token checked with their date of birth
    # (tests/prepare/test_agenda.py: unknown 404, expired or locked 410, another pack unreachable).
    "reply:start": "a reply link's token",
    "reply:pack": "a reply link's token",
    "reply:reply": "a reply link's token",
    "reply:sent": "a reply link's token",
    # The wider care team (tandem.careteam): objects of one person under the person's id, checked in
    # tests/careteam/test_care_team.py (another practice's person or object is not found); and the pages of
    # professionals outside the practice, who see only the people whose care team they are in.
    "careteam:end": "a member of a person's care team, under the person's id (tests/careteam/test_care_team.py)",
    "careteam:decline": "an addition to a person's plan, under the person's id (tests/careteam/test_care_team.py)",
    "careteam:withdraw": "a care team professional's own addition (tests/careteam/test_care_team.py: not theirs, "
                         "not found)",
    "careteam:plan": "a person whose care team the professional is in (tests/careteam/test_care_team.py: anyone "
                     "else, of any practice, is not found)",
    "careteam:add_to_plan": "a person whose care team the professional is in (tests/careteam/test_care_team.py)",
    "careteam:organisation": "an organisation on the practice's list (tests/careteam/test_care_team.py: another "
                             "practice's is not found)",
    "careteam:professional_new": "an organisation on the practice's list",
    "careteam:professional_left": "an organisation on the practice's list and one of its professionals",
    "careteam:referral": "a referral to the professional's organisation (tests/careteam/test_referrals_provider.py: "
                         "another organisation's or another practice's is not found)",
    # The FHIR API (tandem.fhirapi): opaque resource ids, not integers, behind a bearer token
    # (tests/fhirapi/test_api.py: another practice's resource and an unauthorised person's are not found).
    "fhirapi:read": "a FHIR resource's opaque id (tests/fhirapi/test_api.py)",
}


def patient_urls() -> list[tuple[str, str]]:
    found = []
    for name, pattern in named_patterns(get_resolver().url_patterns):
        converters = getattr(pattern.pattern, "converters", {})
        params = {k for k, c in converters.items() if isinstance(c, IntConverter)}
        if not params or name in NOT_PATIENT_URLS:
            continue
        patient_params = params & PATIENT_KWARGS
        assert patient_params, (
            f"URL {name} takes {sorted(params)}; name the patient parameter pk/patient_id, "
            "or list it in NOT_PATIENT_URLS with what it is"
        )
        found.append((name, patient_params.pop()))
    return found


URLS = patient_urls()


def _object_id(name: str, param: str, patient) -> int:
    """The id to put in the URL for this patient: the patient's own, or one of their objects."""
    kind = PATIENT_OBJECTS.get((name.split(":")[0], param))
    if kind is None:
        return patient.pk
    import datetime as dt

    from django.utils import timezone

    from tandem.core import clock
    from tandem.prepare import actions
    from tandem.recall.models import Review

    now = clock.now()
    review, _ = Review.objects.get_or_create(
        patient=patient, review_year=2026,
        defaults={"practice": patient.practice, "due_month": dt.date(2026, 7, 1), "status_on": clock.today(),
                  "created_at": now, "updated_at": now})
    if kind == "review":
        return review.pk
    starts = dt.datetime.combine(clock.today() + dt.timedelta(days=10), dt.time(10), tzinfo=timezone.get_current_timezone())
    conversation = review.conversations.filter(state="booked").first() or actions.book_conversation(
        review=review, by=None, starts_at=starts, minutes=20, clinician=None)
    return conversation.pk


def test_there_are_patient_urls_to_check():
    assert URLS, "no patient URLs discovered - the discovery is broken"


def _staff_who_may_open(name: str, universe):
    """A nurse where the access table lets a nurse open the URL; otherwise the practice manager
    (e.g. the subject access pages). Scoping is tested with someone the role table lets in."""
    from tandem.core import actions
    from tandem.core.rules import URL_ACCESS, Capability, Role, can

    needs = {URL_ACCESS[name].read, URL_ACCESS[name].change}
    if all(not isinstance(need, Capability) or can({Role.NURSE}, need) for need in needs):
        return universe.nurse
    return actions.add_staff(practice=universe.practice, username="manager", role=Role.MANAGER, by=None)


@pytest.mark.parametrize(("name", "param"), URLS)
def test_other_practices_patient_is_not_found(client, universe, name, param):
    client.force_login(_staff_who_may_open(name, universe))
    ours, theirs = _object_id(name, param, universe.patient), _object_id(name, param, universe.foreign_patient)
    own = client.get(reverse(name, kwargs={param: ours}))
    assert own.status_code in (200, 302, 405), f"{name} should work for our own patient"
    response = client.get(reverse(name, kwargs={param: theirs}))
    if own.status_code == 405:  # POST-only endpoints: refusing the method says nothing about the record
        assert response.status_code in (404, 405), f"{name} leaked another practice's patient"
        response = client.post(reverse(name, kwargs={param: theirs}))
    assert response.status_code == 404, f"{name} leaked another practice's patient"


@pytest.mark.parametrize(("name", "param"), URLS)
def test_manager_of_other_practice_cannot_see_patient(client, universe, name, param):
    from tandem.core import actions
    from tandem.core.rules import Role

    manager = actions.add_staff(practice=universe.other_practice, username="othermanager", role=Role.MANAGER, by=None)
    client.force_login(manager)
    url = reverse(name, kwargs={param: _object_id(name, param, universe.patient)})
    response = client.get(url)
    if response.status_code == 405:  # POST-only endpoints: the method is refused before any record is read
        response = client.post(url)
    assert response.status_code == 404
