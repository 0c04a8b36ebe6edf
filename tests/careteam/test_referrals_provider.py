"""The organisation's side of a referral: its professional sees the referrals to their organisation in their
queue (overdue first and marked, waiting before accepted and in progress, finished ones on a second list),
opens one to see who the person is and what is asked, accepts, starts and completes it with an outcome (or
rejects it, with a reason); the practice sees what came back. Another organisation's professional, or another
practice's, finds nothing there; a stale page changes nothing (409); every read is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tandem.careplans.models import Task, TaskEvent
from tandem.core.models import AuditEvent
from tests.careteam import referral_helpers
from tests.careteam.referral_helpers import refer

world = referral_helpers.world  # the shared people and organisations (a fixture)


@pytest.fixture
def referred(world):
    world.task = refer(world, to=world.nursing)
    return world


def _page(client, task):
    return client.get(reverse("careteam:referral", args=[task.pk]))


def _post(client, task, **data):
    task.refresh_from_db()
    data.setdefault("version", str(task.revision))
    return client.post(reverse("careteam:referral", args=[task.pk]), data)


def test_the_community_matron_sees_the_referral_in_her_queue_and_what_she_needs_to_act(client, referred):
    u = referred
    client.force_login(u.matron)
    queue = client.get(reverse("careteam:referrals"))
    assert queue.status_code == 200
    text = queue.content.decode()
    assert "Dorothy Ashworth" in text and "Wound check and dressing, left leg" in text and "Waiting" in text
    page = _page(client, u.task)
    assert page.status_code == 200
    text = page.content.decode()
    for expected in ("Dorothy Ashworth", "9 April 1941", "999 000 0034", "07700 900123", "12 Mill Lane", "LS6 2AB",
                     "Leg ulcer healing slowly since May", "30 June 2026", "Rowan Patel, GP", "Riverside Surgery",
                     "Accept the referral", "Reject the referral"):
        assert expected in text, expected
    assert reverse("careplans:plan", args=[u.dorothy.pk]) not in text  # the referral, never the plan
    assert client.get(reverse("careteam:plan", args=[u.dorothy.pk])).status_code == 404  # not in her care team


def test_every_read_is_audited_with_the_persons_id_and_no_free_text(client, referred):
    u = referred
    client.force_login(u.matron)
    client.get(reverse("careteam:referrals"))
    _page(client, u.task)
    queue = AuditEvent.objects.get(what="careteam.referrals")
    page = AuditEvent.objects.get(what="careteam.referral")
    assert (queue.patient_id, queue.user_id, queue.practice_id) == (u.dorothy.pk, u.matron.pk, u.practice.pk)
    assert (page.patient_id, page.object_id, page.detail) == (u.dorothy.pk, str(u.task.pk), {"provider": u.nursing.pk})


def test_accepted_started_and_completed_with_an_outcome_and_the_practice_sees_it(client, referred):
    u = referred
    client.force_login(u.matron)
    assert _post(client, u.task, do="accept").status_code == 302
    assert _post(client, u.task, do="start").status_code == 302
    done = _post(client, u.task, do="complete", outcome="Dressed twice weekly; healing well. Discharged to practice.")
    assert done.status_code == 302
    u.task.refresh_from_db()
    assert (u.task.status, u.task.outcome, u.task.updated_by) == (
        "completed", "Dressed twice weekly; healing well. Discharged to practice.", u.matron)
    assert list(TaskEvent.objects.filter(task=u.task).values_list("kind", "by")) == [
        ("created", u.gp.pk), ("accepted", u.matron.pk), ("started", u.matron.pk), ("completed", u.matron.pk)]
    client.force_login(u.gp)
    practice_page = client.get(reverse("careplans:task", args=[u.task.pk])).content.decode()
    assert "Dressed twice weekly; healing well." in practice_page and "Riverside Community Nursing" in practice_page
    home = client.get(reverse("home")).content.decode()
    assert "Dressed twice weekly; healing well." in home


def test_rejecting_needs_a_reason_and_the_reason_goes_back_to_the_practice(client, referred):
    u = referred
    client.force_login(u.matron)
    refused = _post(client, u.task, do="decline", reason="   ")
    assert refused.status_code == 400
    assert "Enter why you are declining" in refused.content.decode()
    u.task.refresh_from_db()
    assert (u.task.status, u.task.revision) == ("requested", 1)
    assert _post(client, u.task, do="decline", reason="Outside our area: refer to Leeds North team").status_code == 302
    u.task.refresh_from_db()
    assert (u.task.status, u.task.decline_reason) == ("declined", "Outside our area: refer to Leeds North team")
    client.force_login(u.gp)
    assert "Outside our area" in client.get(reverse("careplans:tasks") + "?show=sent").content.decode()
    assert "Outside our area" in client.get(reverse("home")).content.decode()


def test_a_stale_page_gets_409_and_nothing_changes(client, referred):
    u = referred
    client.force_login(u.matron)
    stale = str(u.task.revision)
    assert _post(client, u.task, do="accept").status_code == 302
    again = _post(client, u.task, do="decline", reason="Not ours", version=stale)
    assert again.status_code == 409
    assert "Nothing was saved" in again.content.decode()
    u.task.refresh_from_db()
    assert (u.task.status, u.task.revision, u.task.decline_reason) == ("accepted", 2, "")


@pytest.mark.parametrize("who", ["physio", "district_nurse"])
def test_another_organisations_or_another_practices_professional_finds_nothing(client, referred, who):
    u = referred
    client.force_login(getattr(u, who))
    assert _page(client, u.task).status_code == 404
    assert _post(client, u.task, do="accept").status_code == 404
    assert "Dorothy" not in client.get(reverse("careteam:referrals")).content.decode()
    u.task.refresh_from_db()
    assert u.task.status == "requested"
    assert not AuditEvent.objects.filter(what="careteam.referral").exists()


def test_practice_staff_without_a_job_at_the_organisation_cannot_open_its_pages(client, referred):
    u = referred
    client.force_login(u.nurse)
    assert client.get(reverse("careteam:referrals")).status_code == 403
    assert _page(client, u.task).status_code == 403


def test_a_professional_who_has_left_no_longer_sees_the_referrals(client, referred):
    from tandem.careteam import actions as careteam_actions
    from tandem.core.models import ProviderStaff

    u = referred
    staff = ProviderStaff.objects.get(user=u.matron)
    careteam_actions.professional_left(staff=staff, by=None, expected_version=staff.version)
    client.force_login(u.matron)
    assert _page(client, u.task).status_code == 403


def test_overdue_referrals_stand_out_and_come_first_then_waiting_before_accepted(client, world):
    from tandem.careplans import actions

    u = world
    refer(u, to=u.nursing, what="Later: leg review", by_when="2026-07-20")
    accepted = refer(u, to=u.nursing, what="Accepted: bloods at home", by_when="2026-07-01")
    actions.accept_task(task=accepted, by=u.matron, expected_revision=1)
    overdue = refer(u, to=u.nursing, what="Overdue: catheter review", by_when="2026-06-30")
    Task.objects.filter(pk=overdue.pk).update(due_on=dt.date(2026, 6, 10))  # agreed for a day now past
    done = refer(u, to=u.nursing, what="Done: ear syringing", by_when="")
    actions.complete_task(task=done, by=u.matron, outcome="Done at home", expected_revision=1)
    client.force_login(u.matron)
    text = client.get(reverse("careteam:referrals")).content.decode()
    open_part, finished_part = text.split("<h2>Finished</h2>")
    order = [open_part.index(w) for w in ("Overdue: catheter review", "Later: leg review", "Accepted: bloods at home")]
    assert order == sorted(order)
    assert open_part.count("Overdue</strong>") == 1
    assert "Done: ear syringing" in finished_part and "Done: ear syringing" not in open_part
    assert "Outcome: Done at home" in finished_part


@pytest.mark.parametrize("hostile", ["99999999999999999999999", "-1", "\u00b2", "\uff19", "x" * 10_000, ""])
def test_hostile_revisions_and_ids_are_refused_without_a_server_error(client, referred, hostile):
    u = referred
    client.force_login(u.matron)
    response = client.post(reverse("careteam:referral", args=[u.task.pk]), {"do": "accept", "version": hostile})
    assert response.status_code == 409
    assert client.post(reverse("careteam:referral", args=[u.task.pk]),
                       {"do": hostile, "version": "1"}).status_code == 400
    too_long = client.post(reverse("careteam:referral", args=[u.task.pk]),
                           {"do": "complete", "version": "1", "outcome": "x" * 1001})
    assert too_long.status_code == 400 and "1,000 characters or fewer" in too_long.content.decode()
    assert client.get(f"/care-team/referrals/{2**31}/").status_code == 404
    u.task.refresh_from_db()
    assert (u.task.status, u.task.revision) == ("requested", 1)


def test_the_queue_reads_a_fixed_number_of_queries_however_many_referrals(client, world):
    from tests.query_counts import queries_per_page

    u = world
    refer(u, to=u.nursing)
    client.force_login(u.matron)
    url = reverse("careteam:referrals")
    few = queries_per_page(client, {"queue": url})["queue"]
    from tandem.careplans import actions
    from tandem.careplans.rules.document import Referral

    more = tuple(Referral(id="", what=f"Visit {i}", to_provider_id=u.nursing.pk, by_when="2026-06-20")
                 for i in range(8))
    task = refer(u, to=u.nursing, what="Another", more=more)
    actions.complete_task(task=task, by=u.matron, outcome="Done", expected_revision=1)
    many = queries_per_page(client, {"queue": url})["queue"]
    assert few == many == QUEUE_QUERIES


# The session; the user with their memberships (none: two reads); whether they work for an organisation now (the
# access check) and their jobs there (two); the open and the finished referrals with their people, organisations
# and practices (two); the audit row of the people shown (one per practice).
QUEUE_QUERIES = 8
