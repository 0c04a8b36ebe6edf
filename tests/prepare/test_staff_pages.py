"""The staff pages: packs by day or month, one conversation, booking, results in advance, settings."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from tandem.core.models import AuditEvent
from tandem.prepare import actions
from tandem.prepare.models import Conversation, PackPreference


def test_the_month_list_shows_each_pack_and_what_is_outstanding(booked, client):
    client.force_login(booked.admin)
    response = client.get(reverse("prepare:packs") + "?month=2026-06")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Arthur Bennett" in html and "Ready to send" in html
    assert "Waiting for results" in html and "Blood pressure" in html.split("Fatima Green")[1]
    assert AuditEvent.objects.filter(what="prepare.packs", patient_id=booked.fatima.pk).exists()


def test_a_bad_day_in_the_address_shows_this_month_with_a_message(booked, client):
    client.force_login(booked.admin)
    response = client.get(reverse("prepare:packs") + "?day=2026-13-45")
    assert response.status_code == 200
    assert "That date was not recognised" in response.content.decode()


def test_sending_from_the_page_starts_one_job(booked, client):
    from tandem.jobs.models import Job

    client.force_login(booked.admin)
    for _ in range(2):
        response = client.post(reverse("prepare:send"), {"day": "2026-06-23"})
        assert response.status_code == 302
    assert Job.objects.filter(kind=actions.SEND_JOB).count() == 1


def test_the_conversation_page_shows_the_pack_status_and_outstanding_tests(booked, client):
    client.force_login(booked.nurse)
    html = client.get(reverse("prepare:conversation", args=[booked.fatima_talk.pk])).content.decode()
    assert "Tests outstanding" in html and "Blood pressure" in html
    assert "Fatima Green" in html


def test_recording_no_results_in_advance(booked, client):
    client.force_login(booked.admin)
    url = reverse("prepare:preference", args=[booked.arthur_talk.pk])
    assert client.post(url, {"results_in_advance": "maybe"}).status_code == 302
    assert not PackPreference.objects.exists()
    client.post(url, {"results_in_advance": "no"})
    assert PackPreference.objects.get(patient=booked.arthur).results_in_advance is False


def test_a_note_too_long_for_their_choice_is_refused_whole_not_cut(booked, client):
    client.force_login(booked.admin)
    url = reverse("prepare:preference", args=[booked.arthur_talk.pk])
    response = client.post(url, {"results_in_advance": "no", "note": "x" * 301}, follow=True)
    assert response.status_code == 200
    assert "The note about their choice is 301 characters: it can be up to 300." in response.content.decode()
    assert not PackPreference.objects.exists()  # nothing half-kept
    client.post(url, {"results_in_advance": "no", "note": "  Told us by phone  "})
    assert PackPreference.objects.get(patient=booked.arthur).note == "Told us by phone"


def test_booking_with_bad_input_says_what_is_wrong_and_books_nothing(booked, client):
    client.force_login(booked.admin)
    review = booked.arthur_talk.review
    Conversation.objects.filter(pk=booked.arthur_talk.pk).update(state="cancelled")
    url = reverse("prepare:book", args=[review.pk])
    response = client.post(url, {"date": "2026-02-30", "time": "25:00", "minutes": "500", "how": "in_person",
                                 "clinician": ""})
    html = response.content.decode()
    assert response.status_code == 400
    assert "Enter the date of the conversation" in html and "Choose who the person will talk with" in html
    assert not Conversation.objects.filter(review=review, state="booked").exists()
    response = client.post(url, {"date": "2026-06-30", "time": "11:00", "minutes": "30", "how": "phone",
                                 "clinician": str(booked.nurse.pk)})
    assert response.status_code == 302
    talk = Conversation.objects.get(review=review, state="booked")
    assert talk.how == "phone" and talk.minutes == 30


def test_a_stale_booking_form_gets_a_conflict_not_an_overwrite(booked, client):
    client.force_login(booked.admin)
    talk = booked.arthur_talk
    actions.book_conversation(review=talk.review, by=booked.nurse, starts_at=talk.starts_at, minutes=45,
                              clinician=booked.nurse, expected_version=talk.version)
    response = client.post(reverse("prepare:book", args=[talk.review_id]), {
        "date": "2026-06-30", "time": "11:00", "minutes": "20", "how": "in_person",
        "clinician": str(booked.nurse.pk), "version": str(talk.version)})
    assert response.status_code == 400
    assert "Someone else changed this booking" in response.content.decode()
    talk.refresh_from_db()
    assert talk.minutes == 45


def test_settings_need_a_manager_and_refuse_a_window_in_the_wrong_order(booked, client):
    client.force_login(booked.nurse)
    assert client.get(reverse("prepare:settings")).status_code == 403
    client.force_login(booked.manager)
    response = client.post(reverse("prepare:settings"), {"earliest": "5", "latest": "9", "version": "0"})
    assert response.status_code == 400
    assert "at least as many days before" in response.content.decode()
    response = client.post(reverse("prepare:settings"), {"earliest": "12", "latest": "6", "version": "0"})
    assert response.status_code == 302


def test_another_practices_conversation_is_not_found(booked, client):
    client.force_login(booked.other_nurse)
    assert client.get(reverse("prepare:conversation", args=[booked.arthur_talk.pk])).status_code == 404
    assert client.get(reverse("prepare:preview", args=[booked.arthur_talk.pk])).status_code == 404


def test_days_are_listed_by_clinic_day(booked, client):
    client.force_login(booked.admin)
    html = client.get(reverse("prepare:packs") + "?day=2026-06-24").content.decode()
    assert "Beatrice Cole" in html and "Arthur Bennett" not in html
    assert dt.date(2026, 6, 24).strftime("%A") in html
