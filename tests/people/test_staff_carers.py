"""The staff pages for carers' access (ADR 16, section 4): a clinician records access for the
representative of someone who lacks capacity, ends or renews it, and hides entries from carers. Only
the person's own practice, only clinicians; bad input of every shape changes nothing."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import json
import re

import pytest
from django.urls import reverse

from tandem.core import actions as core_actions
from tandem.core import clock
from tandem.core.models import AuditEvent
from tandem.core.rules import Role
from tandem.messaging.models import OutboxMessage
from tandem.patients import actions as patient_actions
from tandem.people import actions
from tandem.people.carers import GrantRequest, StaffDecision
from tandem.people.models import PersonAccount, ProxyActivity, ProxyGrant, ProxyHidden
from tandem.people.rules import Scope

pytestmark = pytest.mark.django_db

D = dt.date
A_YEAR_ON = D(2027, 6, 15)
EVIDENCE = "LPA reference 7000-1234-5678, checked with the Office of the Public Guardian on 12 June 2026"


def text(response) -> str:
    return " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def form(**changes) -> dict:
    """The new-access form as a clinician fills it in: Grace Adeyemi, Margaret's daughter, with an LPA."""
    data = {"given_name": "Grace", "family_name": "Adeyemi", "birth-day": "4", "birth-month": "5",
            "birth-year": "1975", "email": "grace@example.org", "relationship": "child",
            "scopes": ["view_plan", "answer_checkins"], "ends-day": "15", "ends-month": "6", "ends-year": "2027",
            "review-day": "", "review-month": "", "review-year": "", "basis": "lpa_health_welfare",
            "basis_detail": EVIDENCE, "identity_check": "photo_id_seen"}
    data.update(changes)
    return data


def url(name: str, patient, *args) -> str:
    return reverse(f"carers:{name}", args=[patient.pk, *args])


def record(u, patient=None, *, by=None, practice=None, ends_on=A_YEAR_ON) -> ProxyGrant:
    """A grant as staff record it (through the action the page calls)."""
    wanted = GrantRequest(given_name="Grace", family_name="Adeyemi", birth_date=D(1975, 5, 4),
                          email="grace@example.org", relationship="child",
                          scopes=frozenset({Scope.VIEW_PLAN}), starts_on=clock.today(), ends_on=ends_on,
                          review_on=None)
    decision = StaffDecision(basis="lpa_health_welfare", basis_detail=EVIDENCE, identity_check="photo_id_seen")
    return actions.record_by_staff(practice=practice or u.practice, patient=patient or u.patient, wanted=wanted,
                                   decision=decision, by=by or u.nurse)


# --- Recording access -----------------------------------------------------------------------------

def test_a_clinician_records_an_lpa_and_the_representative_is_invited_by_email(nurse_client, universe):
    u = universe
    response = nurse_client.post(url("new", u.patient), form())
    assert response.status_code == 302 and response["Location"] == url("person", u.patient)

    grant = ProxyGrant.objects.get()
    assert (grant.patient, grant.practice, grant.basis, grant.basis_detail) == (
        u.patient, u.practice, "lpa_health_welfare", EVIDENCE)
    assert grant.decided_by == u.nurse and not grant.granted_by_person
    assert (grant.view_plan, grant.answer_checkins, grant.view_results, grant.book) == (True, True, False, False)
    assert (grant.starts_on, grant.ends_on, grant.identity_check) == (D(2026, 6, 15), D(2027, 6, 15), "photo_id_seen")
    assert grant.accepted_at is None and grant.proxy_account is None

    invitation = OutboxMessage.objects.get(template="carer_invitation")
    assert (invitation.channel, invitation.recipient, invitation.patient) == ("email", "grace@example.org", u.patient)

    made = AuditEvent.objects.get(what="person.proxy_grant")
    assert made.user == u.nurse and made.patient_id == u.patient.pk
    said = json.dumps(made.detail)
    assert made.detail["basis"] == "lpa_health_welfare" and made.detail["ends_on"] == "2027-06-15"
    for private in ("Grace", "Adeyemi", "grace@example.org", "1975", "Margaret", "7000-1234"):
        assert private not in said

    page = text(nurse_client.get(response["Location"]))
    assert "We have emailed them an invitation" in page and "their own NHS login" in page
    assert "Grace Adeyemi (son or daughter)" in page and "Invited" in page
    assert "Lasting power of attorney for health and welfare" in page and EVIDENCE in page
    assert "Decided by Nia Evans" in page and "Photo ID seen at the practice" in page
    assert "See the care and support plan, goals and who to contact" in page


def test_full_width_digits_in_a_date_are_read_as_the_same_date(nurse_client, universe):
    response = nurse_client.post(url("new", universe.patient),
                                 form(**{"birth-day": "\uff14", "birth-month": "\uff15", "birth-year": "\uff11\uff19\uff17\uff15"}))
    assert response.status_code == 302
    assert ProxyGrant.objects.get().proxy_birth_date == D(1975, 5, 4)


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"basis": ""}, "basis", "Select the legal basis for this access"),
    ({"basis": "consent"}, "basis", "Select the legal basis for this access"),  # the person's own, not staff's
    ({"basis_detail": ""}, "basis_detail", "Enter what you saw or considered"),
    ({"basis_detail": "x" * 2001}, "basis_detail", "must be 2000 characters or fewer"),
    ({"identity_check": "trust_me"}, "identity_check", "Select how you checked who the carer is"),
    ({"birth-year": "2027"}, "birth-day", "must be 16 or older"),  # a date of birth in the future
    ({"birth-day": "\uff13\uff11", "birth-month": "2"}, "birth-day", "Their date of birth must be a real date"),
    ({"birth-year": "9" * 10_000}, "birth-day", "Their date of birth must be a real date"),
    ({"birth-day": "\u00b2"}, "birth-day", "must be a real date in numbers"),
    ({"ends-day": "31", "ends-month": "2"}, "ends-day", "The date their access ends must be a real date"),
    ({"ends-day": "1", "ends-month": "6", "ends-year": "2026"}, "ends-day", "must be on or after 16 June 2026"),
    ({"ends-year": "2032"}, "ends-day", "must be on or before 15 June 2031"),
    ({"review-day": "1", "review-month": "1", "review-year": "2028"}, "review-day", "on or before 15 June 2027"),
    ({"scopes": []}, "scopes", "Select what they can do"),
    ({"scopes": ["view_plan", "delete_everything"]}, "scopes", "Select what they can do"),
    ({"email": "grace.example.org"}, "email", "Enter an email address in the correct format"),
    ({"email": ""}, "email", "Enter their email address"),
    ({"given_name": "G" * 101}, "given_name", "100 characters or fewer"),
    ({"relationship": "landlord"}, "relationship", "Select how they are related to the person"),
])
def test_bad_input_is_refused_with_a_message_and_changes_nothing(nurse_client, universe, changes, field, message):
    typed = form(**changes)
    response = nurse_client.post(url("new", universe.patient), typed)
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and f'href="#{field}"' in page
    assert message in text(response)
    assert not ProxyGrant.objects.exists() and not OutboxMessage.objects.exists()
    assert not AuditEvent.objects.filter(what="person.proxy_grant").exists()
    # Everything typed is kept (the names, the evidence, the ticked boxes), so only the mistake needs fixing.
    if field != "given_name":
        assert 'value="Grace"' in page
    if field != "basis_detail":
        assert EVIDENCE in page
    if field != "scopes":
        assert re.search(r'value="answer_checkins"\s+checked', page)


# --- Ending and renewing --------------------------------------------------------------------------

def _end(client, u, grant, *, version, reason="Her daughter asked us to stop it"):
    return client.post(url("person", u.patient), {"do": "end", "grant": grant.pk, "row_version": version,
                                                  "reason": reason})


def test_ending_access_with_a_form_older_than_the_grant_is_refused_and_changes_nothing(nurse_client, universe):
    u = universe
    grant = record(u)
    page = nurse_client.get(url("person", u.patient)).content.decode()
    seen = int(re.search(r'name="row_version" value="(\d+)"', page).group(1))
    # Meanwhile, Grace accepts the invitation with her own NHS login.
    account = PersonAccount.objects.create(issuer="https://nhs.example", sub="grace", created_at=clock.now(),
                                           last_signed_in_at=clock.now(), highest_level_seen="P9")
    assert actions.accept(digest=grant.invitation_digest, account=account, family_name="Adeyemi",
                          birth_date="1975-05-04") is not None

    response = _end(nurse_client, u, grant, version=seen)
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at is None and grant.accepted_at is not None
    assert not AuditEvent.objects.filter(what="person.proxy_revoked").exists()
    assert "changed by someone else" in text(nurse_client.get(url("person", u.patient)))

    for version in ("", "abc", "\uff11" * 40):  # a form without a version it can prove is refused the same way
        _end(nurse_client, u, grant, version=version)
        grant.refresh_from_db()
        assert grant.revoked_at is None


def test_ending_access_needs_a_reason_and_then_works_at_once(nurse_client, universe):
    u = universe
    grant = record(u)
    response = _end(nurse_client, u, grant, version=grant.row_version, reason="  ")
    assert response.status_code == 400 and "Enter the reason" in text(response)
    assert f'href="#reason-{grant.pk}"' in response.content.decode()
    response = _end(nurse_client, u, grant, version=grant.row_version, reason="x" * 301)
    assert response.status_code == 400 and "300 characters or fewer" in text(response)
    grant.refresh_from_db()
    assert grant.revoked_at is None

    response = _end(nurse_client, u, grant, version=grant.row_version)
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.revoked_at == clock.now() and grant.revoked_by == u.nurse and not grant.revoked_by_person
    assert grant.revoke_reason == "Her daughter asked us to stop it"
    assert AuditEvent.objects.get(what="person.proxy_revoked").user == u.nurse

    page = text(nurse_client.get(url("person", u.patient)))
    assert "Access ended for Grace Adeyemi" in page
    ended = page.split("Ended", 1)[1]
    assert "Revoked" in ended and "15 June 2026 by Nia Evans: Her daughter asked us to stop it" in ended
    assert "Nobody can see or do anything in Margaret's Tandem for them" in page
    assert "End access now" not in page and "Renew access" not in page  # revoked: give access again instead


def test_an_ended_grant_is_renewed_to_a_new_end_date(nurse_client, universe):
    u = universe
    old = record(u, ends_on=D(2026, 7, 1))
    with clock.frozen(D(2026, 7, 10)):
        page = text(nurse_client.get(url("person", u.patient)))
        assert "Ended" in page and "Renew access" in page
        response = nurse_client.post(url("person", u.patient), {
            "do": "renew", "grant": old.pk, "row_version": old.row_version,
            "ends-day": "31", "ends-month": "2", "ends-year": "2027"})
        assert response.status_code == 400 and "The new end date must be a real date" in text(response)
        assert ProxyGrant.objects.count() == 1
        response = nurse_client.post(url("person", u.patient), {
            "do": "renew", "grant": old.pk, "row_version": old.row_version,
            "ends-day": "10", "ends-month": "7", "ends-year": "2027"})
        assert response.status_code == 302
        page = text(nurse_client.get(url("person", u.patient)))
    assert "Access renewed for Grace Adeyemi until 10 July 2027" in page
    assert "Renewed On 10 July 2026, until 10 July 2027" in page.split("Ended", 1)[1]
    assert "Renew access" not in page  # renewed once: the new grant is not ending yet
    new = ProxyGrant.objects.exclude(pk=old.pk).get()
    assert (new.renewed_from, new.ends_on, new.starts_on, new.basis, new.decided_by) == (
        old, D(2027, 7, 10), D(2026, 7, 10), "lpa_health_welfare", u.nurse)
    assert OutboxMessage.objects.filter(template="carer_invitation").count() == 2  # never accepted: invited again


def test_what_a_carer_did_is_listed_newest_first(nurse_client, universe):
    u = universe
    grant = record(u)
    for what, day in (("checkin.answered", 3), ("home_reading.added", 9), ("agenda.saved", 12)):  # as /my/ writes
        ProxyActivity.objects.create(grant=grant, practice=u.practice, patient=u.patient, what=what, object_id="1",
                                     at=clock.now().replace(day=day))
    page = text(nurse_client.get(url("person", u.patient)))
    assert ("What they did Said what to talk about at the review, 12 June 2026 Added a home reading, 9 June 2026 "
            "Answered a check-in, 3 June 2026") in page


# --- Hidden from carers ---------------------------------------------------------------------------

def test_a_part_of_the_plan_and_a_result_are_hidden_and_shown_again(nurse_client, universe):
    u = universe
    hba1c = patient_actions.record_observation(patient=u.patient, by=None, concept="hba1c",
                                               effective_date=D(2026, 5, 3), value=58)
    page = text(nurse_client.get(url("hidden", u.patient)))
    assert "The person always sees everything. Carers never see what is hidden." in page
    assert "HbA1c: 58 mmol/mol, 3 May 2026" in page and "Hidden from carers on" not in page

    assert nurse_client.post(url("hide", u.patient), {"what": "plan_part", "part": "what_matters",
                                                      "reason": "Asked to keep this private"}).status_code == 302
    assert nurse_client.post(url("hide", u.patient), {"what": "observation", "object_id": hba1c.pk}).status_code == 302
    hidden = {(h.what, h.object_id, h.part): h for h in ProxyHidden.objects.all()}
    assert set(hidden) == {("plan_part", None, "what_matters"), ("observation", hba1c.pk, "")}
    assert all(h.hidden_by == u.nurse and h.shown_again_at is None for h in hidden.values())

    page = text(nurse_client.get(url("hidden", u.patient)))
    assert ("What matters to them (in every version of the plan) Hidden from carers Hidden from carers on 15 June "
            "2026 by Nia Evans: Asked to keep this private Show to carers again") in page
    assert "HbA1c: 58 mmol/mol, 3 May 2026 Hidden from carers" in page

    part = hidden[("plan_part", None, "what_matters")]
    assert nurse_client.post(url("show", u.patient, part.pk)).status_code == 302
    part.refresh_from_db()
    assert part.shown_again_by == u.nurse and part.shown_again_at == clock.now()
    assert ProxyHidden.objects.filter(shown_again_at__isnull=True).get().what == "observation"
    assert AuditEvent.objects.filter(what="person.proxy_shown_again").count() == 1


def _checkin_and_appointment(u):
    """Margaret's first check-in (by phone) and her tests appointment on Wednesday 24 June 2026 at 9:00."""
    from tandem.booking.models import Appointment
    from tandem.careplans import actions as plan_actions
    from tandem.careplans.rules.document import Goal, Plan
    from tandem.checkins.models import CheckIn
    from tandem.clinics import actions as clinic_actions
    from tandem.clinics.actions import Repeat, SessionEntry
    from tandem.clinics.models import ClinicSession
    from tandem.recall.models import Review

    version = plan_actions.save_plan(patient=u.patient, by=u.nurse, base_version=0,
                                     plan=Plan(goals=(Goal(id="g", words="Walk"),))).version
    checkin = CheckIn.objects.create(
        practice=u.practice, patient=u.patient, version=version, number=1, channel="phone", caller=u.nurse,
        opened_on=D(2026, 6, 10), closes_on=D(2026, 6, 16), questionnaire={}, created_at=clock.now(),
        questions={"goals": [{"id": "g", "words": "Walk", "importance": None, "watch": False}], "readings": [],
                   "mood": False})
    hca = core_actions.add_staff(practice=u.practice, username="hca", role=Role.HCA, by=None)
    clinic_actions.add_pattern(practice=u.practice, by=u.nurse, entry=SessionEntry(
        staff_id=hca.pk, role="hca", place="", purpose="tests", start_time=dt.time(9), end_time=dt.time(10),
        slot_minutes=15), repeat=Repeat(weekday=2, every_weeks=1, first_day=D(2026, 6, 24), last_day=D(2026, 6, 24)))
    session = ClinicSession.objects.get()
    review = Review.objects.create(practice=u.practice, patient=u.patient, review_year=2026,
                                   due_month=D(2026, 7, 1), status_on=clock.today(), created_at=clock.now(),
                                   updated_at=clock.now())
    appointment = Appointment.objects.create(
        practice=u.practice, patient=u.patient, review=review, kind="tests", session=session, day=session.day,
        start_time=session.start_time, end_time=session.end_time, minutes=15, staff=hca, created_at=clock.now())
    return checkin, appointment


def test_a_check_in_and_an_upcoming_appointment_are_hidden_from_carers(nurse_client, universe):
    u = universe
    checkin, appointment = _checkin_and_appointment(u)
    page = text(nurse_client.get(url("hidden", u.patient)))
    assert "Check-in sent 10 June 2026 by phone call: waiting for an answer" in page
    assert "Tests appointment, Wednesday 24 June 2026 at 09:00" in page
    for what, entry in (("checkin", checkin), ("appointment", appointment)):
        assert nurse_client.post(url("hide", u.patient), {"what": what, "object_id": entry.pk}).status_code == 302
    assert sorted(ProxyHidden.objects.values_list("what", "object_id")) == [("appointment", appointment.pk),
                                                                          ("checkin", checkin.pk)]
    page = text(nurse_client.get(url("hidden", u.patient)))
    assert "waiting for an answer Hidden from carers" in page and "at 09:00 Hidden from carers" in page
    # Once the appointment is cancelled it is no longer upcoming, but stays listed while it is hidden.
    appointment.state = "cancelled"
    appointment.save()
    assert "Tests appointment, Wednesday 24 June 2026 at 09:00 (cancelled) Hidden from carers" in text(
        nurse_client.get(url("hidden", u.patient)))


def test_hiding_refuses_what_is_not_an_entry_of_theirs(nurse_client, universe):
    u = universe
    theirs = patient_actions.record_observation(patient=u.foreign_patient, by=None, concept="hba1c",
                                                effective_date=D(2026, 5, 3), value=91)
    refused = [({"what": "plan_part", "part": "password"}, 302), ({"what": "everything"}, 302),
               ({"what": "observation", "object_id": theirs.pk}, 404),
               ({"what": "observation", "object_id": "99999999999999999999"}, 404),
               ({"what": "checkin", "object_id": "\u00b2"}, 404)]
    for data, status in refused:
        assert nurse_client.post(url("hide", u.patient), data).status_code == status, data
    response = nurse_client.post(url("hide", u.patient), {"what": "plan_part", "part": "goals", "reason": "x" * 301})
    assert response.status_code == 400 and "300 characters or fewer" in text(response)
    assert 'href="#reason-plan_part-goals"' in response.content.decode()
    assert not ProxyHidden.objects.exists()


# --- Who may ------------------------------------------------------------------------------------

def test_a_patient_at_another_practice_is_not_found_on_any_page(nurse_client, universe):
    u = universe
    theirs = record(u, patient=u.foreign_patient, practice=u.other_practice, by=u.other_nurse)
    their_hidden = actions.hide(practice=u.other_practice, patient=u.foreign_patient, what="plan_part", part="goals",
                                object_id=None, reason="", by=u.other_nurse)
    ours = actions.hide(practice=u.practice, patient=u.patient, what="plan_part", part="goals", object_id=None,
                        reason="", by=u.nurse)
    brian = u.foreign_patient
    for name in ("person", "new", "hidden"):
        assert nurse_client.get(url(name, brian)).status_code == 404, name
    posts = [(url("person", brian), {"do": "end", "grant": theirs.pk, "row_version": theirs.row_version,
                                     "reason": "Not ours"}),
             (url("person", u.patient), {"do": "end", "grant": theirs.pk, "row_version": theirs.row_version,
                                         "reason": "Not ours"}),  # their grant under our patient
             (url("new", brian), form()),
             (url("hide", brian), {"what": "plan_part", "part": "goals"}),
             (url("show", brian, their_hidden.pk), {}),
             (url("show", u.patient, their_hidden.pk), {}),  # their entry under our patient
             (url("show", brian, ours.pk), {})]  # our entry under their patient
    for address, data in posts:
        assert nurse_client.post(address, data).status_code == 404, address
    theirs.refresh_from_db()
    their_hidden.refresh_from_db()
    ours.refresh_from_db()
    assert theirs.revoked_at is None and their_hidden.shown_again_at is None and ours.shown_again_at is None
    assert ProxyGrant.objects.count() == 1


def test_staff_without_clinical_access_are_refused(client, universe):
    u = universe
    grant = record(u)
    client.force_login(u.admin)  # reception and administration: who people are, not their care
    for name in ("person", "new", "hidden"):
        assert client.get(url(name, u.patient)).status_code == 403, name
    assert _end(client, u, grant, version=grant.row_version).status_code == 403
    assert client.post(url("new", u.patient), form(given_name="Other")).status_code == 403
    assert client.post(url("hide", u.patient), {"what": "plan_part", "part": "goals"}).status_code == 403
    grant.refresh_from_db()
    assert grant.revoked_at is None and ProxyGrant.objects.count() == 1 and not ProxyHidden.objects.exists()


def test_a_health_care_assistant_reads_but_does_not_change(client, universe):
    u = universe
    grant = record(u)
    client.force_login(core_actions.add_staff(practice=u.practice, username="hca", role=Role.HCA, by=None))
    response = client.get(url("person", u.patient))
    assert response.status_code == 200 and "Grace Adeyemi" in text(response)
    assert "End access now" not in text(response) and "Record access" not in text(response)
    assert "Hide from carers" not in text(client.get(url("hidden", u.patient)))
    assert _end(client, u, grant, version=grant.row_version).status_code == 403
    assert client.get(url("new", u.patient)).status_code == 403
    grant.refresh_from_db()
    assert grant.revoked_at is None


def test_every_page_read_is_audited_as_a_read_of_the_person(nurse_client, universe):
    u = universe
    for name in ("person", "new", "hidden"):
        nurse_client.get(url(name, u.patient))
    reads = AuditEvent.objects.filter(action=AuditEvent.Action.VIEW, what__startswith="carers.")
    assert sorted(reads.values_list("what", "patient_id", "user")) == [
        ("carers.hidden", u.patient.pk, u.nurse.pk), ("carers.new", u.patient.pk, u.nurse.pk),
        ("carers.person", u.patient.pk, u.nurse.pk)]


def test_the_staff_summary_links_to_the_carers_page(nurse_client, universe):
    page = nurse_client.get(reverse("patients:summary", args=[universe.patient.pk])).content.decode()
    assert f'href="{url("person", universe.patient)}">Carers and representatives</a>' in page
