"""A pack sent by letter is made into its PDF once, in the background job that sends it, and kept
beside its message (messaging's LetterPdf): opening it from the pack or the outbox, however often,
lays out nothing on the request."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tandem.jobs.worker import run_pending
from tandem.messaging import letters
from tandem.messaging.models import LetterPdf
from tandem.prepare import actions
from tandem.prepare.models import Pack
from tests.pdf import pdf_pages


@pytest.fixture
def renders(monkeypatch):
    made: list[int] = []
    real_one, real_many = letters.to_pdf, letters.to_pdfs

    def one(html, *args, **kwargs):
        made.append(1)
        return real_one(html, *args, **kwargs)

    def many(htmls, *args, **kwargs):
        htmls = list(htmls)
        made.extend(1 for _ in htmls)
        return real_many(htmls, *args, **kwargs)

    monkeypatch.setattr(letters, "to_pdf", one)
    monkeypatch.setattr(letters, "to_pdfs", many)
    return made


def test_a_letter_pack_is_made_once_in_the_background_and_served_from_storage(client, booked, renders):
    actions.request_sending(practice=booked.practice, by=booked.admin, month=dt.date(2026, 6, 1))
    run_pending()  # the sending job, then the outbox's dispatch job it asks for
    pack = Pack.objects.select_related("message").get(patient=booked.arthur)
    assert pack.message.channel == "letter"
    kept = LetterPdf.objects.get(message=pack.message)
    made_in_background = len(renders)
    assert made_in_background >= 1
    client.force_login(booked.nurse)
    url = reverse("messaging:letter", args=[pack.message.pk])
    first, second = client.get(url), client.get(url + "?download=1")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content == bytes(kept.pdf)
    assert len(renders) == made_in_background
    assert "62 mmol/mol" in " ".join(pdf_pages(first.content))
