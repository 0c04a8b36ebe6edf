"""Message templates live in any installed app's jinja2/messaging/messages/ folder, may include other
apps' partials, and may carry an HTML email part that is sent beside the plain text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tandem.messaging import actions, catalogue, rules

VALUES = {"patient": {"given_name": "Ann", "family_name": "Lee", "name": "Ann Lee", "nhs_number": "999 000 0018"},
          "practice": {"name": "Riverside Surgery", "address_lines": ["1 Riverside Road"], "phone": "0113 496 0000",
                       "ods_code": "A81001"},
          "today": dt.date(2026, 6, 15), "recipient_lines": ["Ann Lee", "1 Mill Lane", "LS1 4AB"]}


@pytest.fixture
def apps_dirs(tmp_path, monkeypatch):
    """Two made-up apps' jinja2 folders after messaging's own: `make(app, path, text)` writes a file."""
    a, b = tmp_path / "alpha" / "jinja2", tmp_path / "beta" / "jinja2"
    a.mkdir(parents=True), b.mkdir(parents=True)
    monkeypatch.setattr(catalogue, "roots", lambda: (catalogue.ROOT, a, b))
    catalogue.environment.cache_clear()

    def make(app: Path, path: str, text: str) -> None:
        target = app / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    make.alpha, make.beta = a, b
    yield make
    catalogue.environment.cache_clear()


def test_templates_are_found_in_other_apps_through_the_app_registry():
    roots = catalogue.roots()
    assert roots[0] == catalogue.ROOT
    assert any(root.parts[-2:] == ("prepare", "jinja2") for root in roots)
    pack = catalogue.get("results_pack")
    assert catalogue.folder("results_pack").is_relative_to(Path(__file__).parents[2] / "tandem" / "prepare")
    assert pack.channels == {rules.LETTER, rules.EMAIL, rules.SMS}
    names = {t.name for t in catalogue.all_templates()}
    assert {"recall_invitation", "recall_reminder", "results_pack"} <= names


def test_a_template_may_include_another_apps_partial_and_keeps_the_escaping_rules(apps_dirs):
    apps_dirs(apps_dirs.alpha, "messaging/messages/probe/letter.html.jinja",
              '{% include "beta/part.html.jinja" %}<h1>{{ note }}</h1>')
    apps_dirs(apps_dirs.alpha, "messaging/messages/probe/sms.txt.jinja", "Text: {{ note }}")
    apps_dirs(apps_dirs.beta, "beta/part.html.jinja", "<p>From beta, for {{ patient.name }}</p>")
    values = {**VALUES, "note": "<b>Tom & Jerry</b>"}
    letter = catalogue.render(name="probe", channel="letter", variant="standard", values=values)
    assert "<p>From beta, for Ann Lee</p>" in letter.letter_html
    assert "<h1>&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;</h1>" in letter.letter_html
    assert letter.subject == "<b>Tom & Jerry</b>"  # the heading's text, as text
    sms = catalogue.render(name="probe", channel="sms", variant="standard", values=values)
    assert sms.body == "Text: <b>Tom & Jerry</b>"  # text is never shown as HTML unescaped
    with pytest.raises(catalogue.TemplateProblem, match="needs something the context does not give"):
        catalogue.render(name="probe", channel="letter", variant="standard", values=VALUES)


def test_the_same_name_in_two_apps_is_an_error_not_a_silent_choice(apps_dirs):
    apps_dirs(apps_dirs.alpha, "messaging/messages/twice/sms.txt.jinja", "A")
    apps_dirs(apps_dirs.beta, "messaging/messages/twice/sms.txt.jinja", "B")
    with pytest.raises(catalogue.TemplateProblem, match="defined twice"):
        catalogue.get("twice")
    with pytest.raises(catalogue.TemplateProblem, match="no message template called"):
        catalogue.get("../twice")


def test_an_email_html_file_gives_the_email_an_html_part(apps_dirs):
    for name in ("plain", "rich"):
        apps_dirs(apps_dirs.alpha, f"messaging/messages/{name}/email_subject.txt.jinja", "Hello")
        apps_dirs(apps_dirs.alpha, f"messaging/messages/{name}/email.txt.jinja", "Dear {{ patient.name }}")
    apps_dirs(apps_dirs.alpha, "messaging/messages/rich/email.html.jinja", "<p>Dear {{ patient.name }} {{ '&' }} co</p>")
    apps_dirs(apps_dirs.alpha, "messaging/messages/rich/email.easy_read.html.jinja", "<p>Hi {{ patient.given_name }}</p>")
    plain = catalogue.render(name="plain", channel="email", variant="standard", values=VALUES)
    assert (plain.subject, plain.body, plain.letter_html) == ("Hello", "Dear Ann Lee", "")
    rich = catalogue.render(name="rich", channel="email", variant="standard", values=VALUES)
    assert rich.body == "Dear Ann Lee" and rich.letter_html == "<p>Dear Ann Lee &amp; co</p>"
    easy = catalogue.render(name="rich", channel="email", variant="easy_read", values=VALUES)
    assert easy.letter_html == "<p>Hi Ann</p>"
    large = catalogue.render(name="rich", channel="email", variant="large_print", values=VALUES)
    assert large.letter_html == rich.letter_html


def test_the_day_filter_says_the_weekday():
    day = catalogue.environment().filters["day"]
    assert day("2026-06-23T10:30:00+01:00") == "Tuesday 23 June"
    assert day(dt.date(2026, 6, 23)) == day("2026-06-23") == "Tuesday 23 June"
    assert day(None) == ""


def test_an_email_with_html_is_sent_as_text_with_an_html_alternative(queue, mailoutbox):
    from tandem.prepare.presenters import pack as examples

    link = "https://tandem.example.nhs.uk/r/abc"
    email = queue("email", template="results_pack", context={"pack": examples.example(), "link": link})
    assert email.letter_html.startswith("<!DOCTYPE html>")
    plain = queue("email", key="plain")  # recall_invitation has no HTML part
    actions.dispatch_pending()
    sent = {m.extra_headers["X-Tandem-Message"]: m for m in mailoutbox}
    rich = sent[str(email.pk)]
    assert rich.body == email.body and link in rich.body
    assert rich.alternatives[0].mimetype == "text/html" and rich.alternatives[0].content == email.letter_html
    message = rich.message()
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.get_payload()] == ["text/plain", "text/html"]
    assert sent[str(plain.pk)].alternatives == [] and sent[str(plain.pk)].message().get_content_type() == "text/plain"
