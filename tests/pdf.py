"""Reading PDFs in tests the way a person would: the text of each page (poppler's pdftotext)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path


def pdf_pages(pdf: bytes) -> list[str]:
    """Each page's text in reading order, spaces tidied (pdftotext ends each page with a form feed)."""
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext is missing: install poppler-utils (scripts/setup-system does)"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "document.pdf"
        path.write_bytes(pdf)
        text = subprocess.run([pdftotext, str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [" ".join(page.split()) for page in text.split("\f")[:-1]]


def page_of(pages: list[str], text: str) -> int:
    """The index of the first page with `text` on it (fails when it is on none)."""
    found = [i for i, page in enumerate(pages) if text in page]
    assert found, f"{text!r} is on no page"
    return found[0]
