"""The pack's formats: the letter (standard, large print, easy read) as PDF, the accessible HTML for
the online page and the email, the email's text and HTML parts, and the text message. Built from a
pack composed by rules.pack.compose (presenters.pack.example: type 2 diabetes, high blood pressure,
COPD and chronic kidney disease)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tandem.messaging import catalogue, letters
from tandem.messaging import rules as messaging_rules
from tandem.prepare.presenters import pack as examples
from tandem.prepare.rules import pack as rules
from tests.pdf import page_of, pdf_pages

LINK = examples.EXAMPLE_LINK
PHONE = examples.EXAMPLE_PRACTICE[1]
WHOSE = "Margaret Okafor, NHS number 999 000 0018"
PATIENT = {"given_name": "Margaret", "family_name": "Okafor", "name": "Margaret Okafor", "nhs_number": "999 000 0018"}
PRACTICE = {"name": "Riverside Surgery", "address_lines": ["1 Riverside Road", "Leeds", "LS6 1AA"], "phone": PHONE,
            "ods_code": "A81001"}
UNITS = ("mmol", "mmHg", "mg/mmol", " kg", "out of 40")


def values(pack: rules.Pack, *, patient: dict = PATIENT, link: str = LINK) -> dict:
    return {"pack": pack, "link": link, "patient": patient, "practice": PRACTICE, "today": dt.date(2026, 6, 12),
            "recipient_lines": [patient["name"], "12 Mill Lane", "Leeds", "LS1 4AB"]}


def render(pack: rules.Pack, channel: str, variant: str, **kwargs) -> catalogue.Rendered:
    return catalogue.render(name="results_pack", channel=channel, variant=variant, values=values(pack, **kwargs))




class Made:
    def __init__(self, variant: str, *, with_results: bool = True):
        self.pack = examples.example(variant, with_results=with_results)
        self.html = render(self.pack, "letter", variant).letter_html
        pdf, self.page_count = letters.to_pdf(self.html)
        self.pages = pdf_pages(pdf)
        assert len(self.pages) == self.page_count
        self.text = " ".join(self.pages)


@pytest.fixture(scope="module")
def made():
    return {variant: Made(variant) for variant in ("standard", "large_print", "easy_read")}


@pytest.fixture(scope="module")
def without_results():
    return {variant: Made(variant, with_results=False) for variant in ("standard", "easy_read")}


def assert_prompt_sheet_starts_a_page(made: Made, heading: str) -> None:
    first = page_of(made.pages, heading)
    # The page before ends the letter part; the sheet's page starts with the person's name and NHS
    # number (its running header) and then the sheet's heading.
    assert made.pages[first].startswith(f"{WHOSE} {heading}")
    assert made.pack.what_matters not in made.pages[first - 1]
    assert all(WHOSE in page for page in made.pages[first:])
    assert not any(WHOSE in page for page in made.pages[:first])
    assert made.pack.closing[0] in " ".join(made.pages[first:])


def test_the_standard_letter_leads_with_breathing_then_results_then_the_prompt_sheet_on_its_own_page(made):
    letter = made["standard"]
    text, pack = letter.text, letter.pack
    assert [f.key for f in pack.focus] == ["breathing"] and len(pack.results) == 8
    order = ["Getting ready for your appointment on Tuesday 23 June", "Your appointment", "Your breathing",
             "Your results", "Blood sugar (HbA1c)", "Your questions sheet", pack.how_to_reply[0][:40], pack.closing[0]]
    positions = [text.index(words) for words in order]
    assert positions == sorted(positions)
    assert_prompt_sheet_starts_a_page(letter, "Your questions sheet")
    assert "Riverside Surgery" in letter.pages[0] and "LS1 4AB" in letter.pages[0]  # letterhead and address
    assert 5 <= letter.page_count <= 10


def test_no_result_is_split_across_pages(made):
    letter = made["standard"]
    for result in letter.pack.results:
        page = letter.pages[page_of(letter.pages, f"{result.title} {result.value}")]
        assert result.change in page and result.about[0] in page
        assert f"{result.title}: your results" in page or not result.earlier  # its table


def test_each_result_says_in_words_and_a_symbol_whether_it_is_in_target(made):
    html = made["standard"].html
    pack = made["standard"].pack
    hba1c, bp = (next(r for r in pack.results if r.key == key) for key in ("hba1c", "blood_pressure"))
    assert (hba1c.in_target, bp.in_target) == (False, True)
    assert html.count("Not in target yet</span>") == 1 and html.count("In target</span>") == 1
    assert html.count('class="pack-mark__symbol"') == 2  # the symbol beside each word
    # Charts: inline SVG with a dashed target line labelled in words, and a table of the same numbers.
    assert html.count('<svg class="pack-chart"') == sum(1 for r in pack.results if r.chart)
    assert "http" not in re.sub(r'xmlns="http://www.w3.org/2000/svg"|' + re.escape(LINK), "", html)
    assert made["standard"].text.count("Target") >= 2


def test_large_print_has_the_same_words_in_bigger_type_and_breaks_sensibly(made):
    large, standard = made["large_print"], made["standard"]
    assert '<body class="large_print">' in large.html
    assert large.pack.text() == standard.pack.text()
    for words in (standard.pack.opening[1], standard.pack.results[0].about[0], standard.pack.closing[0]):
        assert words in large.text
    assert large.page_count > standard.page_count
    assert 'font-size="18.2"' in large.html  # chart labels scaled up with the chart
    assert_prompt_sheet_starts_a_page(large, "Your questions sheet")
    for result in large.pack.results:  # a result's words stay together, its chart and table follow
        page = large.pages[page_of(large.pages, f"{result.title} {result.value}")]
        assert result.change in page


def test_easy_read_has_pictures_short_sentences_and_no_charts(made):
    easy = made["easy_read"]
    assert easy.pack.variant == "easy_read" and all(r.chart is None for r in easy.pack.results)
    assert '<svg class="pack-chart"' not in easy.html and "<table" not in easy.html
    assert easy.html.count('<div class="idea">') >= len(easy.pack.results) + 8
    assert easy.html.count('class="pack-number"') == len(easy.pack.results)
    assert "We want to know how your breathing is." in easy.text
    assert easy.text.index("Your breathing") < easy.text.index("Your test results")
    assert_prompt_sheet_starts_a_page(easy, "Your questions sheet")


def test_a_pack_without_results_in_advance_has_no_numbers_at_all(without_results, made):
    results = made["standard"].pack.results
    for variant, letter in without_results.items():
        assert not letter.pack.results and not letter.pack.with_results
        for unit in UNITS:
            assert unit not in letter.text, (variant, unit)
        for result in results:
            assert result.value not in letter.text
        assert "Your results" not in letter.text and '<svg class="pack-chart"' not in letter.html and "<table" not in letter.html
        assert "walk slower" not in letter.text and "walk slowly" not in letter.text  # no breathlessness grade
        assert_prompt_sheet_starts_a_page(letter, "Your questions sheet")
    # Online, in every channel: the only figures left are the date, time, length, phone number and link.
    from django.template.loader import render_to_string

    pack = without_results["standard"].pack
    email = render(pack, "email", "standard")
    for text in (render_to_string("prepare/pack/body.html.jinja", {"pack": pack}), email.letter_html, email.body,
                 render(pack, "sms", "standard").body):
        text = re.sub(r"<style>.*?</style>|<[^>]+>|&#?\w+;|^\d\. ", " ", text, flags=re.S | re.M)
        for allowed in (LINK, PHONE, "23 June", "10:30am", "30 minutes", "19 June", "room 3", "#"):
            text = text.replace(allowed, "")
        assert not re.search(r"\d", text), re.findall(r".{30}\d.{10}", text)


def test_the_html_is_accessible_in_the_sites_environment():
    from django.template.loader import render_to_string

    pack = examples.example()
    html = render_to_string("prepare/pack/body.html.jinja", {"pack": pack})
    assert "<h1" not in html and html.count("<h2") >= 4 and html.count('<h3 class="nhsuk-card__heading') == 8
    charts = re.findall(r'<svg class="pack-chart"[^>]*role="img"[^>]*aria-labelledby="([^"]+)"', html)
    assert len(charts) == sum(1 for r in pack.results if r.chart)
    for ids in charts:
        title, desc = ids.split()
        assert f'<title id="{title}">' in html and f'<desc id="{desc}">' in html
    assert "June 2025: 68; June 2026: 61. The dashed line is the target, 58." in html
    assert html.count('<table class="pack-history nhsuk-table">') == sum(1 for r in pack.results if r.earlier)
    assert "Not in target yet" in html and "nhsuk-tag" in html and "&#10003;" in html
    assert "Send us your answers" not in html  # no link given: the page has its own reply button
    assert 'href="https://x.example/r/1"' in render_to_string("prepare/pack/body.html.jinja",
                                                               {"pack": pack, "link": "https://x.example/r/1"})
    # The stored JSON form lays out the same.
    again = render_to_string("prepare/pack/body.html.jinja", {"pack": rules.Pack.from_dict(pack.as_dict())})
    assert again == html


def test_the_email_is_the_pack_as_text_with_an_html_part():
    pack = examples.example()
    email = render(pack, "email", "standard")
    assert email.subject == "Your results and questions for your appointment on Tuesday 23 June – Riverside Surgery"
    assert LINK in email.body and "are in this email" in email.body and "date of birth" in email.body
    assert "Blood sugar (HbA1c): 61 mmol/mol (not in target yet)" in email.body
    assert "<" not in email.body
    html = email.letter_html
    assert html.startswith("<!DOCTYPE html>") and '<div class="pack">' in html and f'href="{LINK}"' in html
    assert "<link" not in html and "<img" not in html and "src=" not in html  # nothing to fetch
    easy = render(examples.example("easy_read"), "email", "easy_read")
    assert "pack--easy-read" in easy.letter_html and '<svg class="pack-chart"' not in easy.letter_html
    none = render(examples.example(with_results=False), "email", "standard")
    assert none.subject.startswith("Getting ready for your appointment on Tuesday 23 June")


@pytest.mark.parametrize("with_results", [True, False])
def test_the_text_message_is_short(with_results):
    link = "https://tandem.riversidesurgery.example.nhs.uk/r/Xq7Lm2Nb9Kp4Rt6Vw8Yz"
    sms = render(examples.example(with_results=with_results), "sms", "standard", link=link).body
    assert link in sms and "Tuesday 23 June" in sms and sms.endswith("You will need your date of birth.")
    assert messaging_rules.sms_parts(sms) <= 2
    assert ("Your results and questions" in sms) == with_results


EVIL_NAME = '<script>alert(1)</script> & "Bob"'


def test_everything_typed_is_escaped_in_html_and_pdf():
    person = rules.Person(EVIL_NAME, 70, ("hypertension",), ("High blood pressure",))
    texts = {"what_matters": "What <b>bold</b> thing matters?", "topics": "Money\n<b>bold</b> topic",
             "closing": "Bye from {practice} <b>bold</b>"}
    pack = rules.compose(
        person=person, readings={"systolic_bp": [rules.Reading(dt.date(2026, 6, 1), 150)],
                                 "diastolic_bp": [rules.Reading(dt.date(2026, 6, 1), 90)]},
        personal={}, tests=(), fresh_from=dt.date(2026, 5, 20), with_results=True,
        appointment=rules.Appointment(dt.datetime(2026, 6, 23, 10, 30), 30, "Nurse <i>Ann</i>", "at <u>Room 3</u>"),
        texts=texts, variant="standard", reply=rules.Reply(LINK, PHONE, dt.date(2026, 6, 19)),
        practice_name="Smith & Jones <Surgery>", practice_phone=PHONE)
    patient = {**PATIENT, "given_name": EVIL_NAME, "name": f"{EVIL_NAME} Okafor"}
    html = render(pack, "letter", "standard", patient=patient).letter_html
    assert "<script>" not in html and "<b>" not in html and "<i>Ann" not in html and "<u>" not in html
    assert "Dear &lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Bob&#34;" in html
    assert html.count("&lt;b&gt;bold&lt;/b&gt;") == 3
    assert "Nurse &lt;i&gt;Ann&lt;/i&gt;" in html and "Smith &amp; Jones &lt;Surgery&gt;" in html
    text = " ".join(pdf_pages(letters.to_pdf(html)[0]))
    assert f"Dear {EVIL_NAME}" in text and f"{EVIL_NAME} Okafor, NHS number" in text
    assert "What <b>bold</b> thing matters?" in text and "<b>bold</b> topic" in text
    assert "Nurse <i>Ann</i>, at <u>Room 3</u>" in text and "Bye from Smith & Jones <Surgery> <b>bold</b>" in text
    for variant in ("easy_read", "large_print"):
        other = render(pack, "letter", variant, patient=patient).letter_html
        assert "<script>" not in other and "<b>" not in other
    email = render(pack, "email", "standard", patient=patient).letter_html
    assert "<script>" not in email and "<b>" not in email and "&lt;b&gt;bold&lt;/b&gt;" in email
    from django.template.loader import render_to_string

    online = render_to_string("prepare/pack/body.html.jinja", {"pack": pack})
    assert "<script>" not in online and "<b>" not in online and "&lt;script&gt;" in online


def test_a_queued_pack_letter_becomes_a_pdf_through_the_outbox(universe):
    from tandem.messaging import actions
    from tandem.messaging.models import LetterPdf

    patient = universe.patient
    patient.address_line1, patient.town = "12 Mill Lane", "Leeds"
    patient.save()
    message = actions.queue_message(
        practice=universe.practice, patient=patient, channel="letter", template="results_pack",
        variant="large_print", context={"pack": examples.example(), "link": LINK},
        idempotency_key="pack:test", by=universe.admin)
    assert message.subject == "Getting ready for your appointment on Tuesday 23 June"
    assert "Your questions sheet" in message.body and "Margaret Okafor, NHS number 999 000 0018" in message.body
    actions.dispatch_pending()
    pdf = LetterPdf.objects.get(message=message)
    assert pdf.pages > 10
    pages = pdf_pages(bytes(pdf.pdf))
    assert pages[page_of(pages, "Your questions sheet")].startswith(WHOSE)
