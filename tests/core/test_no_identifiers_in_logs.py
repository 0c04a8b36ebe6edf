"""Logs carry primary keys only: never names, NHS numbers or free text."""

from __future__ import annotations

import logging

from django.urls import reverse

from tandem.core.logging import RedactIdentifiersFilter, redact


def test_redaction_masks_nhs_numbers_emails_and_postcodes():
    text = redact("patient 999 000 0018 (9990000018) mail m.okafor@example.com at LS1 4AB")
    assert "0018" not in text
    assert "example.com" not in text
    assert "LS1 4AB" not in text
    assert text.count("[nhs-number]") == 2


def test_redaction_masks_a_reply_links_token():
    from tandem.messaging import links

    token, _ = links.new_token()
    text = redact(f'"GET /r/{token}/pack/ HTTP/1.1" 410')
    assert token not in text and "/r/[link]/pack/" in text


def test_filter_rewrites_records_from_any_library():
    record = logging.LogRecord("lib", logging.ERROR, __file__, 1, "failed for %s", ("9990000018",), None)
    RedactIdentifiersFilter().filter(record)
    assert "9990000018" not in record.getMessage()


def test_a_working_session_logs_no_identifiers(client, universe, caplog):
    caplog.set_level(logging.DEBUG)
    client.post(reverse("core:login"), {"username": "nurse", "password": "correct-horse-battery"})
    client.post(reverse("patients:search"), {"q": "Okafor"}, follow=True)
    client.post(reverse("patients:search"), {"q": "999 000 0018"}, follow=True)
    client.get(reverse("patients:summary", args=[universe.patient.pk]))
    client.get(reverse("patients:summary", args=[universe.foreign_patient.pk]))  # a 404 is logged
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for identifier in ("Okafor", "Margaret", "9990000018", "999 000 0018", "LS1 4AB", "Hollis", "9990000026"):
        assert identifier not in logged, f"{identifier!r} reached the logs"
