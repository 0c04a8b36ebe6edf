from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

CONTEXT = {
    "due_month": "2026-07",
    "conditions": ["type 2 diabetes", "high blood pressure"],
    "tests": ["a blood test", "a urine test", "blood pressure", "weight"],
    "tests_minutes": 30,
    "tests_with": "a health care assistant",
    "review_with": "your practice nurse",
}


@pytest.fixture
def patient(universe):
    """Margaret Okafor, reachable by letter, text message and email."""
    p = universe.patient
    p.address_line1, p.town, p.mobile, p.email = "12 Mill Lane", "Leeds", "07700 900123", "m.okafor@example.com"
    p.save()
    practice = universe.practice
    practice.address_line1, practice.town, practice.postcode, practice.phone = (
        "1 Riverside Road", "Leeds", "LS6 1AA", "0113 496 0000")
    practice.save()
    return p


@pytest.fixture
def queue(universe, patient):
    """queue(channel, key=..., variant=..., template=..., context=...) for Margaret, asked for by the admin."""
    from tandem.messaging import actions

    def queue(channel="letter", *, key=None, variant="standard", template="recall_invitation", context=None,
              who=None):
        return actions.queue_message(
            practice=universe.practice, patient=who or patient, channel=channel, template=template,
            context=CONTEXT if context is None else context, idempotency_key=key or f"{template}:{channel}:{variant}",
            by=universe.admin, variant=variant)

    return queue


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF as a reader would see it (poppler's pdftotext)."""
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext is missing: install poppler-utils (scripts/setup-system does)"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "letter.pdf"
        path.write_bytes(pdf)
        return subprocess.run([pdftotext, "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
