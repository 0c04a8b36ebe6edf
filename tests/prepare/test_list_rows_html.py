"""The list of packs writes its table rows in Python (presenters.packs.rows_html): each row must be
what the template's loop wrote, character for character, with whatever a person's name or a note
holds shown as text."""

from __future__ import annotations

import pytest
from django.template import engines

from tandem.messaging import links
from tandem.messaging.queries import LinkSeen
from tandem.prepare.presenters import packs as presenters

# The loop packs.jinja had, rendered with Tandem's own tag macro (the page as it was).
LOOP = """{% from "nhsuk/components/tag/macro.jinja" import tag %}
  {% for r in rows %}
    <tr class="nhsuk-table__row">
      <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading">When </span>{{ r.starts }}</td>
      <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading">Person </span>
        <a href="{{ conversation_url(r.conversation_id) }}">{{ r.name }}</a><br><span class="nhsuk-body-s">NHS number {{ r.nhs_number }}</span></td>
      <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading">With </span>{{ r.with_name }}</td>
      <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading">Pack </span>
        {{ tag({"text": r.label, "classes": r.tag}) }}<br><span class="nhsuk-body-s">{{ r.detail }}</span></td>
      <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading">Their reply </span>
        {% if r.replied %}{{ tag({"text": "Replied", "classes": "nhsuk-tag--green"}) }}<br>{% endif %}{% set ls = link_states.get(r.conversation_id) if link_states is defined else none %}{% if ls and not ls.works %}{{ tag({"text": "Link " ~ ls.state.value, "classes": "nhsuk-tag--red" if ls.state.value == "locked" else "nhsuk-tag--grey"}) }} <a href="{{ conversation_url(r.conversation_id) }}#pack">Send a new link</a><br>{% endif %}<span class="nhsuk-body-s">{{ r.reply }}</span></td>
      <td class="nhsuk-table__cell"><span class="nhsuk-table-responsive__heading">How it goes </span>{{ r.how }}{% if r.reading_age %}<br><span class="nhsuk-body-s">Reading age {{ "%.0f" | format(r.reading_age) }}</span>{% endif %}</td>
    </tr>
  {% endfor %}"""

SCRIPT = '<script>alert("x & \'y\'")</script>'


def _row(pk: int, status: str = "ready", **changes) -> presenters.Row:
    label, tag = presenters.STATUS_LABELS[status]
    values = dict(conversation_id=pk, patient_id=pk + 100, name="Arthur Bennett", nhs_number="943 476 5919",
                  starts="Tue 23 Jun, 10:30am", with_name="Nurse Nora Hughes", status=status, label=label, tag=tag,
                  detail="Goes out when packs are next sent", missing=(), how="Letter, large print",
                  reading_age=None)
    return presenters.Row(**(values | changes))


ROWS = [
    _row(1),
    _row(2, "sent", reading_age=7.4, reply="Replied online, 12 June", replied=True),
    _row(3, "waiting", detail="Outstanding: Blood pressure, HbA1c. No results in advance (their choice)",
         missing=("Blood pressure", "HbA1c"), reading_age=0.0),
    _row(4, "sent", reading_age=12.5, reply="A carer replied on paper (typed in by staff), 3 June", replied=True),
    _row(5, "no_address", name=SCRIPT, with_name=SCRIPT, detail=SCRIPT, how=SCRIPT, reply=SCRIPT,
         starts=SCRIPT, nhs_number=SCRIPT),
    _row(6, "too_late", reading_age=9.5),
    _row(7, "not_due", replied=True),
]
LINKS = {2: LinkSeen(links.LinkState.OPEN), 3: LinkSeen(links.LinkState.LOCKED),
         4: LinkSeen(links.LinkState.EXPIRED), 7: LinkSeen(links.LinkState.LOCKED)}


def _url(pk: int) -> str:
    return f"/prepare/conversations/{pk}/"


@pytest.mark.parametrize("rows", [ROWS, ROWS[:1], []])
def test_the_rows_are_what_the_template_wrote(rows):
    expected = engines["jinja2"].env.from_string(LOOP).render(rows=rows, conversation_url=_url, link_states=LINKS)
    assert expected.startswith("\n  ")  # the text before the loop, not part of the rows
    assert str(presenters.rows_html(rows, conversation_url=_url, link_states=LINKS)) == expected[len("\n  "):]


def test_typed_text_stays_text():
    html = str(presenters.rows_html([ROWS[4]], conversation_url=_url, link_states={}))
    assert "<script>" not in html
    assert html.count("&lt;script&gt;alert(&#34;x &amp; &#39;y&#39;&#34;)&lt;/script&gt;") == 7


def test_a_link_that_no_longer_works_is_shown_with_a_way_to_send_a_new_one():
    html = str(presenters.rows_html(ROWS, conversation_url=_url, link_states=LINKS))
    assert '<strong class="nhsuk-tag nhsuk-tag--red">Link locked</strong> <a href="/prepare/conversations/3/#pack">' in html
    assert '<strong class="nhsuk-tag nhsuk-tag--grey">Link expired</strong>' in html
    assert html.count("Send a new link") == 3  # the open link needs none
    assert "Reading age 7<" in html and "Reading age 12<" in html and "Reading age 10<" in html
    assert "Reading age 0" not in html
