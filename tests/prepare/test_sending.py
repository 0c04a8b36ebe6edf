"""Sending packs: only when results are in (or the person chose none in advance), within the
practice's window, through the person's channel, and never twice."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tandem.core import clock
from tandem.messaging import link_actions, links
from tandem.messaging.models import OutboxMessage, ReplyLink
from tandem.prepare import actions
from tandem.prepare.models import Pack
from tandem.prepare.queries import packs as queries


def _send(u, **kw):
    return actions.send_packs(practice=u.practice, by=u.admin, day=None, month=dt.date(2026, 6, 1), **kw)


def test_packs_go_to_people_whose_results_are_in_and_wait_for_the_rest(booked):
    summary = _send(booked)
    assert summary.queued == 2
    assert summary.waiting_for_results == 1
    sent = {p.patient_id: p for p in Pack.objects.filter(practice=booked.practice)}
    assert set(sent) == {booked.arthur.pk, booked.beatrice.pk}
    arthur = sent[booked.arthur.pk]
    assert arthur.message.channel == "letter" and arthur.message.template == "results_pack"
    assert "62 mmol/mol" in arthur.message.body
    assert arthur.reading_age is not None and arthur.reading_age <= 12
    assert sent[booked.beatrice.pk].message.channel == "sms"


def test_the_reply_link_is_stored_only_as_a_hash_and_the_text_message_carries_it(booked):
    _send(booked)
    pack = Pack.objects.get(patient=booked.beatrice)
    token = re.search(r"/r/([A-Za-z0-9_-]+)/", link_actions.as_sent(pack.message.body)).group(1)
    assert token not in pack.message.body  # the outbox keeps a mark; the text that leaves carries the link
    link = ReplyLink.objects.get(purpose="pack", object_id=booked.beatrice_talk.pk)
    assert link.token_hash == links.digest(token)
    assert token not in str(pack.content) and token not in pack.html
    assert link.expires_at > booked.beatrice_talk.starts_at


def test_sending_again_sends_nothing_twice(booked):
    _send(booked)
    again = _send(booked)
    assert again.queued == 0 and again.already == 2
    assert OutboxMessage.objects.filter(template="results_pack").count() == 2
    assert Pack.objects.count() == 2


def test_staff_see_which_tests_are_outstanding(booked):
    fatima = queries.prepare_many(booked.practice, [booked.fatima_talk])[0]
    assert not fatima.pack.ready
    assert "Blood pressure" in fatima.pack.missing and "Kidney function (creatinine and eGFR)" in fatima.pack.missing


def test_a_person_who_chose_no_results_in_advance_gets_a_pack_without_numbers(booked):
    actions.set_results_in_advance(practice=booked.practice, patient=booked.arthur, by=booked.nurse, wanted=False)
    _send(booked)
    pack = Pack.objects.get(patient=booked.arthur)
    assert pack.with_results is False
    assert pack.content["results"] == []
    body = re.sub(r"https?://\S+", "", pack.message.body)  # the reply link's token may hold digits
    for number in ("62", "142/86", "4.6", "58", "mmol"):
        assert not re.search(rf"(?<![\w/.]){re.escape(number)}(?![\w/.])", body), number
    assert "rather not see your test results" in body


def test_the_choice_is_respected_the_next_year_too(booked):
    actions.set_results_in_advance(practice=booked.practice, patient=booked.fatima, by=booked.nurse, wanted=False)
    # Fatima's blood pressure is still outstanding, but a pack without numbers does not wait for it.
    summary = _send(booked)
    assert summary.queued == 3
    prepared = queries.prepare_many(booked.practice, [booked.fatima_talk])[0]
    assert prepared.with_results is False  # read from the standing preference, not from this year's review


def test_nothing_goes_before_the_window_opens_or_once_the_conversation_has_passed(booked):
    with clock.frozen(dt.date(2026, 6, 1)):
        early = _send(booked)
    assert early.queued == 0 and early.not_due_yet == 3
    with clock.frozen(dt.date(2026, 6, 26)):
        late = _send(booked)
    assert late.queued == 0 and late.too_late == 3


def test_the_practice_window_moves_when_packs_go(booked):
    actions.save_settings(practice=booked.practice, by=booked.manager, earliest=7, latest=3)
    summary = _send(booked)  # 15 June: Arthur's window (23 June) opens on the 16th
    assert summary.queued == 0 and summary.not_due_yet == 3


def test_a_stale_settings_form_changes_nothing(booked):
    actions.save_settings(practice=booked.practice, by=booked.manager, earliest=10, latest=5, expected_version=0)
    assert actions.save_settings(practice=booked.practice, by=booked.manager, earliest=20, latest=2,
                                 expected_version=0) is None
    assert queries.settings_for(booked.practice).send_earliest_days == 10


def test_the_send_job_reports_progress_and_asks_the_outbox_to_send(booked):
    from tandem.jobs import worker
    from tandem.jobs.models import Job

    job = actions.request_sending(practice=booked.practice, by=booked.admin, month=dt.date(2026, 6, 1))
    assert actions.request_sending(practice=booked.practice, by=booked.admin, month=dt.date(2026, 6, 1)).pk == job.pk
    worker.run_next(worker="test")
    job.refresh_from_db()
    assert job.state == "done", job.error
    assert "2 packs queued" in job.message
    assert Job.objects.filter(kind="messaging.dispatch").exists()


@pytest.mark.parametrize("variant", ["standard", "large_print", "easy_read"])
def test_a_staff_preview_composes_any_format(booked, variant):
    pack = queries.compose_for(booked.arthur_talk, variant=variant)
    assert pack.variant == variant
    assert pack.results
