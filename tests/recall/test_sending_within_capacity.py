"""Sending invitations respects staff time: staff send as many first invitations as the coming weeks
can absorb; more needs the practice manager's explicit confirmation. The board's counts and staff
time refresh when the sending job finishes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tandem.jobs import worker
from tandem.jobs.models import Job
from tandem.messaging.models import OutboxMessage
from tandem.recall import actions
from tandem.recall.actions import SettingsChange

D = dt.date
SEND = "/recall/send/"


def staff_time(practice, manager, *, hca: int, nurse: int):
    actions.save_settings(practice=practice, by=manager, change=SettingsChange(
        scheme="birth_month", condition_months=(), first_invitation_weeks=4, reminder_weeks=(2, 4),
        response_wait_days=14, hca_minutes=hca, nurse_minutes=nurse, pharmacist_minutes=0, gp_minutes=0))


@pytest.fixture
def tight(planned):
    """June's batch is 4 first invitations (Fatima, June; Beatrice, Colin and Edwin, July): staff time
    for only some of them. Edwin has no address, so three can actually go."""
    staff_time(planned.practice, planned.manager, hca=20, nurse=20)
    return planned


def test_the_preview_offers_what_the_staff_time_can_absorb(tight):
    preview = actions.preview_sending(practice=tight.practice, month=D(2026, 6, 1))
    assert preview.first == 4 and preview.capacity_set
    assert 0 < preview.within < preview.first and preview.beyond == preview.first - preview.within


def test_sending_within_capacity_sends_only_what_fits_and_says_how_many_were_held_back(client, tight):
    preview = actions.preview_sending(practice=tight.practice, month=D(2026, 6, 1))
    client.force_login(tight.admin)
    page = client.get(SEND).content.decode()
    assert "Not enough staff time for every invitation" in page
    assert f"Send {preview.within} invitation" in page
    assert "Only the practice manager can send the other" in page
    response = client.post(SEND, {"scope": "within"})
    assert response.status_code == 302
    worker.run_pending(limit=1)
    job = Job.objects.get(kind="recall.send_invitations")
    sent_to = set(OutboxMessage.objects.values_list("patient_id", flat=True))
    assert len(sent_to) <= preview.within
    assert f"{preview.beyond} invitations held back" in job.message or \
        f"{preview.beyond:,} invitations held back" in job.message


def test_an_administrator_cannot_send_beyond_the_staff_time(client, tight):
    client.force_login(tight.admin)
    response = client.post(SEND, {"scope": "all", "confirm": "yes"})
    assert response.status_code == 400
    assert "Only the practice manager can send more invitations" in response.content.decode()
    assert not Job.objects.filter(kind="recall.send_invitations").exists()


def test_the_manager_must_confirm_sending_beyond_the_staff_time(client, tight):
    client.force_login(tight.manager)
    response = client.post(SEND, {"scope": "all"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "nhsuk-error-summary" in page and "Confirm that you want to send" in page
    assert not Job.objects.filter(kind="recall.send_invitations").exists()
    response = client.post(SEND, {"scope": "all", "confirm": "yes"})
    assert response.status_code == 302
    job = Job.objects.get(kind="recall.send_invitations")
    assert job.params["beyond_capacity"] is True
    worker.run_pending(limit=1)
    assert OutboxMessage.objects.count() == 3  # everyone with an address


def test_the_board_counts_refresh_while_the_job_runs_and_stop_once_it_has_finished(client, planned):
    client.force_login(planned.admin)
    client.post(SEND, {"scope": "within"})
    board = client.get("/recall/").content.decode()
    assert 'hx-get="/recall/summary/"' in board  # polls while the job is waiting or running
    before = client.get(reverse("recall:summary")).content.decode()
    assert "Invited" not in before
    worker.run_pending(limit=1)
    after = client.get(reverse("recall:summary"), HTTP_HX_REQUEST="true").content.decode()
    assert "Invited: <strong>" in after  # the counts now show the invitations sent
    assert "hx-get" not in after  # and polling stops
