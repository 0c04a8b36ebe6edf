"""Letters made many at a time (letters.to_pdfs: in batches, in several processes, or laid out
together as one document) are the letters made one at a time (letters.to_pdf), and the dispatcher
that makes them ahead still sends every letter once."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tandem.messaging import actions, catalogue, letters
from tandem.messaging.models import LetterPdf, OutboxMessage

from .conftest import CONTEXT, pdf_text

PRACTICE = {"name": "Riverside Surgery", "ods_code": "A81001", "phone": "0113 496 0000",
            "address_lines": ["1 Riverside Road", "Leeds", "LS6 1AA"]}


def letter_html(n: int, *, variant: str = "standard", template: str = "recall_invitation", points: int = 0) -> str:
    """A letter for person n; `points` lines of things to bring make it longer (up to several pages)."""
    name = f"Person{n} Example"
    values = {**CONTEXT, "invited_on": "2026-06-02", "patient": {"given_name": f"Person{n}", "family_name": "Example", "name": name,
                                     "nhs_number": "999 000 0018"},
              "practice": PRACTICE, "today": dt.date(2026, 6, 15),
              "recipient_lines": [name, f"{n} Mill Lane", "Leeds", "LS6 2AB"],
              "prepare": [f"Point {k} for person {n}: bring your inhaler and a list of your medicines."
                          for k in range(points)]}
    return catalogue.render(name=template, channel="letter", variant=variant, values=values).letter_html


def mixed_letters(count: int = 24) -> list[str]:
    variants = ["standard", "large_print", "easy_read", "standard"]
    templates = ["recall_invitation", "recall_reminder"]
    return [letter_html(n, variant=variants[n % 4], template=templates[n % 3 % 2], points=(n * 7) % 26)
            for n in range(count)]


def page_numbers(text: str) -> list[tuple[int, int]]:
    return [(int(x), int(y)) for x, y in re.findall(r"Page (\d+) of (\d+)", text)]


def same_letters(batched, alone) -> None:
    assert len(batched) == len(alone)
    for n, (made, single) in enumerate(zip(batched, alone, strict=True)):
        assert made is not None, f"letter {n} was not made"
        assert made[1] == single[1], f"letter {n}: {made[1]} pages, {single[1]} on its own"
        assert pdf_text(made[0]) == pdf_text(single[0]), f"letter {n} reads differently"


@pytest.fixture
def no_singles(monkeypatch):
    """Fail if any letter is made on its own: proves that a batch laid out together made them."""
    def refuse(html):
        raise AssertionError("a letter was made on its own")

    monkeypatch.setattr(letters, "_alone", refuse)


def test_batched_letters_read_and_paginate_as_letters_made_one_at_a_time(no_singles):
    htmls = mixed_letters()
    alone = [letters.to_pdf(h) for h in htmls]
    assert {pages for _, pages in alone} >= {1, 2, 3}  # short and long letters, in every format
    same_letters(letters.to_pdfs(htmls, together=True), alone)


def test_each_letter_numbers_its_own_pages_and_the_markers_do_not_show(no_singles):
    htmls = [letter_html(n, points=(n * 11) % 30) for n in range(6)]
    for pdf, pages in letters.to_pdfs(htmls, together=True):
        text = pdf_text(pdf)
        assert page_numbers(text) == [(k, pages) for k in range(1, pages + 1)]
        assert b"tandem-batch" not in pdf and "tandem" not in text.lower()
        assert text.count("Riverside Surgery") >= pages  # the practice footer on every page


def test_each_letter_keeps_its_own_running_footer(no_singles):
    # The same footer in every letter is placed once; different ones stay with their letters.
    htmls = [letter_html(n, points=12 + n).replace('<div class="practicefooter">Riverside Surgery',
                                                   f'<div class="practicefooter">Footer{n} Surgery')
             for n in range(4)]
    batch = letters._batches(htmls, letters.BATCH_SIZE)[0][0]
    assert letters._document(batch).count("practicefooter\">") == 4
    same = [letter_html(n) for n in range(4)]
    assert letters._document(letters._batches(same, letters.BATCH_SIZE)[0][0]).count("practicefooter\">") == 1
    for n, (pdf, pages) in enumerate(letters.to_pdfs(htmls, together=True)):
        text = pdf_text(pdf)
        assert pages >= 2 and text.count(f"Footer{n} Surgery") == pages
        assert not re.search(rf"Footer(?!{n} )\d", text)


def test_large_print_keeps_its_own_page_style_in_a_batch(no_singles):
    htmls = [letter_html(n, variant="large_print", points=n * 4) for n in range(4)]
    made = letters.to_pdfs(htmls, together=True)
    same_letters(made, [letters.to_pdf(h) for h in htmls])
    assert all(page_numbers(pdf_text(pdf))[-1] == (pages, pages) for pdf, pages in made)


def test_letters_are_batched_by_template_and_format(no_singles):
    htmls = mixed_letters()
    batches, alone = letters._batches(htmls, letters.BATCH_SIZE)
    assert alone == [] and len(batches) < len(htmls)
    for batch in batches:
        assert len({letter.key for letter in batch}) == 1
    assert sorted(letter.index for batch in batches for letter in batch) == list(range(len(htmls)))
    assert max(len(b) for b in letters._batches(htmls * 3, 5)[0]) == 5  # never more than the batch size


def test_a_letter_that_cannot_be_made_does_not_stop_the_others(monkeypatch):
    real = letters._render

    def render(html):
        if "Person3 " in html:
            raise ValueError("broken")
        return real(html)

    monkeypatch.setattr(letters, "_render", render)
    htmls = [letter_html(n, points=n) for n in range(6)]
    for together in (False, True):
        made = letters.to_pdfs(htmls, together=together)
        assert made[3] is None
        assert all(made[n] is not None for n in (0, 1, 2, 4, 5))
        assert "Dear Person4 Example," in pdf_text(made[4][0])


def test_a_letter_whose_styles_would_notice_the_batch_is_made_alone():
    first_page = letter_html(1).replace("</style>", "@page :first { margin-top: 30mm; }</style>")
    counted = letter_html(2).replace("</style>", "@page { counter-increment: page 2; }</style>")
    owl = letter_html(3).replace("</style>", "body > div { margin: 0; }</style>")
    plain = [letter_html(n) for n in (4, 5)]
    htmls = [first_page, counted, owl, *plain]
    batches, alone = letters._batches(htmls, letters.BATCH_SIZE)
    assert alone == [0, 1, 2] and [[x.index for x in b] for b in batches] == [[3, 4]]
    same_letters(letters.to_pdfs(htmls, together=True), [letters.to_pdf(h) for h in htmls])


def test_a_letter_that_starts_on_a_named_page_is_checked_after_layout_and_made_alone():
    # Its first page is the "opening" page, not its block's, so its numbering would not restart.
    htmls = [letter_html(n).replace("</style>", ".top { page: opening; }</style>") for n in range(3)]
    batches, alone = letters._batches(htmls, letters.BATCH_SIZE)
    assert alone == [] and len(batches) == 1
    checked = letters._split(letters._render(letters._document(batches[0])), batches[0])
    assert checked == [None, None, None]
    same_letters(letters.to_pdfs(htmls, together=True), [letters.to_pdf(h) for h in htmls])


def pack_letters() -> list[str]:
    """Results-and-prompts packs (with their own styles in the body, charts with SVG ids, and a
    prompt sheet on a named page with the person's name at the top), for six people."""
    from tandem.prepare.presenters import pack as examples

    htmls = []
    for n in range(6):
        variant = ["standard", "large_print", "easy_read"][n % 3]
        pack = examples.example(variant, with_results=n != 3)
        name = f"Person{n} Example"
        values = {"pack": pack, "link": f"https://reply.example/r/{n}", "today": dt.date(2026, 6, 12),
                  "patient": {"given_name": f"Person{n}", "family_name": "Example", "name": name,
                              "nhs_number": "999 000 0018"},
                  "practice": PRACTICE, "recipient_lines": [name, f"{n} Mill Lane", "Leeds", "LS6 2AB"]}
        htmls.append(catalogue.render(name="results_pack", channel="letter", variant=variant,
                                      values=values).letter_html)
    return htmls


def test_results_packs_in_a_batch_are_the_packs_made_one_at_a_time(no_singles):
    htmls = pack_letters() * 2
    made = letters.to_pdfs(htmls, together=True)
    same_letters(made, [letters.to_pdf(h) for h in htmls])
    for n, (pdf, pages) in enumerate(made):
        text = pdf_text(pdf)
        assert page_numbers(text) == [(k, pages) for k in range(1, pages + 1)]
        assert f"Person{n % 6} Example, NHS number" in text  # the prompt sheet's header is this person's
        assert not re.search(rf"Person(?!{n % 6} )\d Example", text)


def test_letters_in_a_batch_fetch_nothing(monkeypatch):
    asked = []

    def refuse(url, *args, **kwargs):
        asked.append(url)
        raise letters.LetterProblem("Letters may not load anything from outside")

    monkeypatch.setattr(letters, "_no_fetching", refuse)
    htmls = [letter_html(n).replace("<h2>", '<img src="https://tracker.example/p.png" alt=""><h2>', 1)
             for n in range(3)]
    for together in (False, True):
        asked.clear()
        made = letters.to_pdfs(htmls, together=together)
        assert all(made) and asked and all(url.startswith("https://tracker.example/") for url in asked)


@pytest.mark.parametrize("together", [False, True])
def test_letters_made_many_at_a_time_are_the_letters_made_one_at_a_time(together):
    htmls = mixed_letters(6) + pack_letters()[:3]
    same_letters(letters.to_pdfs(htmls, together=together), [letters.to_pdf(h) for h in htmls])


@pytest.mark.parametrize("together", [False, True])
def test_two_processes_make_the_same_letters(together):
    htmls = mixed_letters(8)
    with letters.Renderer(workers=2, batch_size=3, together=together) as renderer:
        made = renderer.pdfs(htmls)
        assert renderer.workers == 2  # the pool worked (it falls back to one process otherwise)
    same_letters(made, [letters.to_pdf(h) for h in htmls])


def test_more_processes_only_for_many_letters():
    assert letters.workers_for(3) == 1
    assert 1 <= letters.workers_for(letters.POOL_FROM) <= letters.MAX_WORKERS


# --- Dispatch ----------------------------------------------------------------------------------

@pytest.fixture
def people(universe):
    """Twelve more patients with postal addresses."""
    from tandem.patients import actions as patient_actions
    from tandem.patients.rules import nhs_check_digit

    made = []
    n = 100
    while len(made) < 12:
        n += 1
        first_nine = f"999{n:06d}"
        digit = nhs_check_digit(first_nine)
        if digit is None:
            continue
        made.append(patient_actions.register_patient(
            practice=universe.practice, by=None, nhs_number=f"{first_nine}{digit}", given_name=f"Person{n}",
            family_name="Example", date_of_birth=dt.date(1950, 1, 1), sex="female", postcode="LS6 2AB",
            address_line1=f"{n} Mill Lane", town="Leeds"))
    return made


def queue_letters(universe, people, **kwargs) -> list[OutboxMessage]:
    variants = ["standard", "large_print", "easy_read", "standard"]
    requests = [actions.MessageRequest(patient=p, channel="letter", template="recall_invitation", context=CONTEXT,
                                       idempotency_key=f"batch:{p.pk}", variant=variants[i % 4])
                for i, p in enumerate(people)]
    return actions.queue_messages(practice=universe.practice, by=universe.admin, requests=requests)


def test_dispatch_makes_letters_ahead_in_batches_and_sends_each_once(universe, people, queue, monkeypatch):
    messages = queue_letters(universe, people)
    sms = queue("sms")
    made_ahead, documents = [], []
    real_add, real_render = letters.Prepared.add, letters._render

    def add(self, htmls):
        states = set(OutboxMessage.objects.filter(letter_html__in=htmls).values_list("state", flat=True))
        assert states == {"queued"}, "letters are made before they are claimed"
        made_ahead.append(len(htmls))
        return real_add(self, htmls)

    def render(html):
        documents.append(html)
        return real_render(html)

    monkeypatch.setattr(letters.Prepared, "add", add)
    monkeypatch.setattr(letters, "_render", render)
    summary = actions.dispatch_pending()
    assert made_ahead == [len(messages)]
    assert len(documents) == 3  # one document per format (standard, large print, easy read), none when sent
    assert summary.sent + summary.delivered == len(messages) + 1 and summary.failed == summary.held == 0
    assert LetterPdf.objects.filter(message__in=messages).count() == len(messages)
    for message in messages:
        message.refresh_from_db()
        assert message.state == "sent" and message.attempts == 1
        stored = LetterPdf.objects.get(message=message)
        alone, pages = letters.to_pdf(message.letter_html)
        assert stored.pages == pages and pdf_text(bytes(stored.pdf)) == pdf_text(alone)
    sms.refresh_from_db()
    assert sms.state in ("sent", "delivered")
    assert actions.dispatch_pending().tried == 0  # nothing is sent twice


def test_a_letter_made_ahead_but_claimed_elsewhere_is_not_sent_again(universe, people, monkeypatch):
    messages = queue_letters(universe, people[:4])
    taken = messages[2]
    real_add = letters.Prepared.add

    def add(self, htmls):
        made = real_add(self, htmls)
        assert actions._claim(taken.pk) is not None  # another dispatcher claims it meanwhile
        return made

    monkeypatch.setattr(letters.Prepared, "add", add)
    summary = actions.dispatch_pending()
    assert (summary.sent, summary.waiting) == (3, 1)
    taken.refresh_from_db()
    assert taken.state == "sending" and taken.attempts == 0
    assert not LetterPdf.objects.filter(message=taken).exists()


def test_letters_that_could_not_be_made_ahead_are_made_when_sent(universe, people, monkeypatch):
    messages = queue_letters(universe, people[:5])
    real = letters._render
    failing = {messages[1].letter_html}

    def render(html):
        if html in failing:
            raise MemoryError("not now")
        return real(html)

    monkeypatch.setattr(letters, "_render", render)
    real_add = letters.Prepared.add

    def add(self, htmls):
        made = real_add(self, htmls)
        failing.clear()  # it can be made by the time it is sent
        return made

    monkeypatch.setattr(letters.Prepared, "add", add)
    summary = actions.dispatch_pending()
    assert summary.sent == 5 and LetterPdf.objects.filter(message__in=messages).count() == 5


def test_a_failure_making_letters_ahead_leaves_sending_as_it_was(universe, people, monkeypatch):
    messages = queue_letters(universe, people[:3])
    monkeypatch.setattr(letters.Prepared, "add", lambda self, htmls: 1 / 0)
    summary = actions.dispatch_pending()
    assert summary.sent == 3 and LetterPdf.objects.filter(message__in=messages).count() == 3


def test_dispatch_with_a_pool_of_processes(universe, people, monkeypatch):
    messages = queue_letters(universe, people)
    monkeypatch.setattr(letters, "POOL_FROM", 2)
    monkeypatch.setattr(letters, "BATCH_SIZE", 4)
    workers = letters.workers_for(len(messages))
    pools = []
    real_close = letters.Renderer.close

    def close(self):
        pools.append(self._pool is not None)
        real_close(self)

    monkeypatch.setattr(letters.Renderer, "close", close)
    summary = actions.dispatch_pending()
    assert summary.sent == len(messages)
    assert pools[0] == (workers > 1)  # a pool when there is more than one CPU
    for message in messages:
        stored = LetterPdf.objects.get(message=message)
        assert stored.pages == letters.to_pdf(message.letter_html)[1]
