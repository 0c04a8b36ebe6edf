"""No page of a letter holds only its sign-off (or the closing lines and the "other formats" box):
the invitation, the reminder, the invitation after a missed appointment and the results-and-prompts
pack, in standard, large print and easy read. Letters of
many lengths are made into PDFs with WeasyPrint and read page by page, as a person would."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tandem.messaging import catalogue, letters
from tandem.prepare.presenters import pack as examples
from tests.pdf import pdf_pages

from .conftest import CONTEXT

PATIENT = {"given_name": "Margaret", "family_name": "Okafor", "name": "Margaret Okafor", "nhs_number": "999 000 0018"}
PRACTICE = {"name": "Riverside Surgery", "address_lines": ["1 Riverside Road", "Leeds", "LS6 1AA"],
            "phone": "0113 496 0000", "ods_code": "A81001"}
BASE = {"patient": PATIENT, "practice": PRACTICE, "today": dt.date(2026, 6, 15),
        "recipient_lines": ["Margaret Okafor", "12 Mill Lane", "Leeds", "LS1 4AB"]}
FOOTER = "Riverside Surgery Page of"
VARIANTS = ("standard", "large_print", "easy_read")
# What may sit at the end of a letter and must not be alone on a page.
INVITATION_ENDING = {
    "standard": "Yours sincerely, Riverside Surgery. If you would like this letter in large print, easy read, "
                "another language or another format, call us on 0113 496 0000.",
    "easy_read": "Need help with this letter? Call us on 0113 496 0000.",
}
INVITATION_ENDING["large_print"] = INVITATION_ENDING["standard"]
PACK_ENDING = {
    "standard": "If you cannot come, please call us on 0113 496 0000 so we can find you another time. We look "
                "forward to seeing you. Riverside Surgery. If you would like this pack in large print, easy "
                "read, another language or another format, call us on 0113 496 0000.",
    "easy_read": "If you cannot come, please call us. Our number is 0113 496 0000. See you soon. Riverside Surgery",
}
PACK_ENDING["large_print"] = PACK_ENDING["standard"]


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9']+", text.lower()))


def lone_ending_pages(pdf: bytes, ending: str) -> list[int]:
    """Pages (from 1) whose words are all from the ending and the page footer."""
    allowed = _words(ending) | _words(FOOTER) | {str(n) for n in range(1, 30)}
    return [number for number, page in enumerate(pdf_pages(pdf), start=1)
            if number > 1 and not _words(page) - allowed]


# Each letter about the yearly review, with what it needs beyond the invitation's context; the reply
# box (QR code and short code) is in every one, as when recall sends them.
REPLY = {"reply_code": "KX7M 4TQ9", "reply_address": "example.org/r",
         "reply_qr": '<svg xmlns="http://www.w3.org/2000/svg" width="25mm" height="25mm"></svg>'}
RECALL_LETTERS = {
    "recall_invitation": {},
    "recall_reminder": {"invited_on": "2026-06-02", "final": True},
    "recall_reinvitation": {"missed_on": "2026-07-08"},
}


def invitation_htmls(variant: str, template: str = "recall_invitation") -> list[str]:
    """Letters whose endings fall at every height of a page: from no preparation lines to many."""
    out = []
    for count in range(0, 16):
        for line in ("Bring a urine sample in the pot we gave you.",
                     "Please bring all your inhalers and spacers, and a list of any medicines you buy yourself."):
            context = {**CONTEXT, **RECALL_LETTERS[template], **(REPLY if count % 2 else {}),
                       "prepare": [line] * count}
            out.append(catalogue.render(name=template, channel="letter", variant=variant,
                                        values={**BASE, **context}).letter_html)
    return out


def pack_htmls(variant: str) -> list[str]:
    """Packs whose endings fall at every height of a page: prompt sheets with more and more topics."""
    out = []
    for count in range(0, 14):
        topics = "\n".join(f"Something else that matters to me, number {n}" for n in range(count))
        texts = {"topics": topics} if count else {}
        pack = examples.example(variant, texts=texts)
        out.append(catalogue.render(name="results_pack", channel="letter", variant=variant,
                                    values={**BASE, "pack": pack, "link": "example.org/r with the code KX7M 4TQ9"})
                   .letter_html)
    return out


@pytest.mark.parametrize("template", list(RECALL_LETTERS))
@pytest.mark.parametrize("variant", VARIANTS)
def test_no_invitation_page_holds_only_the_sign_off(variant, template):
    made = letters.to_pdfs(invitation_htmls(variant, template))
    lone = {i: lone_ending_pages(pdf, INVITATION_ENDING[variant]) for i, (pdf, _pages) in enumerate(made)}
    assert not {i: pages for i, pages in lone.items() if pages}
    assert max(pages for _pdf, pages in made) >= 2  # the sweep did cross pages


@pytest.mark.parametrize("variant", VARIANTS)
def test_no_pack_page_holds_only_the_closing(variant):
    made = letters.to_pdfs(pack_htmls(variant))
    lone = {i: lone_ending_pages(pdf, PACK_ENDING[variant]) for i, (pdf, _pages) in enumerate(made)}
    assert not {i: pages for i, pages in lone.items() if pages}


def test_a_page_of_only_the_sign_off_is_found():
    """The check itself: a letter forced to put its sign-off on a page of its own is caught."""
    html = catalogue.render(name="recall_invitation", channel="letter", variant="standard",
                            values={**BASE, **CONTEXT}).letter_html
    forced = html.replace('<div class="signoff">', '<div class="signoff" style="break-before: page">')
    forced = forced.replace("break-before: avoid", "break-before: auto")
    pdf, _pages = letters.to_pdf(forced)
    assert lone_ending_pages(pdf, INVITATION_ENDING["standard"])
    assert not lone_ending_pages(letters.to_pdf(html)[0], INVITATION_ENDING["standard"])
