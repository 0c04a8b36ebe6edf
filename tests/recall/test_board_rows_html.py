"""The board's rows written in Python (recall.presenters.rows_html) are exactly what the template's
loop wrote, for every kind of row (each status, due reasons, stages, booking, nothing to record),
for clinicians and administrators, with typed text that must stay text."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import engines
from markupsafe import Markup

from tandem.core import derived
from tandem.patients.models import Patient
from tandem.recall import presenters, queries

from .crowd import crowd

TODAY = dt.date(2026, 6, 15)

#: The loop board.jinja had, kept here to hold rows_html to it.
LOOP = """{% set board_next = board_url | urlencode %}{% for r in rows %}
    <tr class="nhsuk-table__row">
      {#- #} <th scope="row" class="nhsuk-table__cell">
        {#- #} <a href="{{ r.review_url }}">{{ r.name }}</a>
        {#- #} <span class="tandem-block tandem-secondary">NHS number <span class="tandem-nowrap">{{ r.nhs_number }}</span></span>
        {#- #} <span class="tandem-block tandem-secondary">Born {{ r.date_of_birth }}</span>
      {#- #} </th>
      {#- #} <td class="nhsuk-table__cell">
        {#- #} <strong>{{ r.due }}</strong>
        {%- if r.due_reason %} <span class="tandem-block tandem-secondary">{{ r.due_reason }}</span>{% endif %}
        {#- #} <span class="tandem-block"><strong class="nhsuk-tag {{ r.tag_class }}">{{ r.status_label }}</strong></span>
        {%- if r.stage != r.status_label %} <span class="tandem-block">{{ r.stage }}</span>{% endif %}
        {%- if r.next_step %} <span class="tandem-block tandem-secondary">{{ r.next_step }}</span>{% endif %}
      {#- #} </td>
      {#- #} <td class="nhsuk-table__cell">
        {#- #} <span class="tandem-block">{{ r.conditions | join(", ") }}</span>
        {%- if r.tier and clinical %} <span class="tandem-block tandem-secondary">{{ r.tier }}</span>{% endif %}
        {#- #} <details class="nhsuk-details">
          {#- #} <summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">Tests: {{ r.tests_summary }}<span class="nhsuk-u-visually-hidden"> for {{ r.name }}</span></span></summary>
          {#- #} <div class="nhsuk-details__text">
            {%- if r.tests %} <ul>{% for t in r.tests %}<li>{{ t }}</li>{% endfor %}</ul>{% else %}<p>No tests needed.</p>{% endif %}
            {%- for n in (r.not_due if clinical else []) %}<p class="nhsuk-u-margin-bottom-0">Not needed this time: {{ n }}</p>{% endfor %}
          {#- #} </div>
        {#- #} </details>
        {#- #} <span class="tandem-block">Conversation: {{ r.conversation }}</span>
        {%- if r.conversation_reasons and clinical %} <span class="tandem-block tandem-secondary">Because of {{ r.conversation_reasons }}</span>{% endif %}
      {#- #} </td>
      {#- #} <td class="nhsuk-table__cell">
        {#- #} {{ r.channel }}
        {%- for note in r.notes %}<span class="tandem-block tandem-secondary">{{ note }}</span>{% endfor %}
      {#- #} </td>
      {#- #} <td class="nhsuk-table__cell">
        {%- if r.quick_responses %}
        {#- #} <form method="post" action="{{ r.respond_url }}" class="recall-respond">
          {#- #} {{ csrf_field }}
          {#- #} <input type="hidden" name="next" value="{{ board_url }}">
          {#- #} <div class="nhsuk-form-group nhsuk-u-margin-bottom-0">
            {#- #} <label class="nhsuk-label nhsuk-u-visually-hidden" for="response-{{ r.review_id }}">What {{ r.name }} did</label>
            {#- #} <select class="nhsuk-select" id="response-{{ r.review_id }}" name="response">
              {#- #} <option value="" selected>Choose a response</option>
              {%- for choice in r.quick_responses %}<option value="{{ choice.value }}">{{ choice.label }}</option>{% endfor %}
            {#- #} </select>
          {#- #} </div>
          {#- #} <button class="nhsuk-button nhsuk-button--secondary nhsuk-button--small" type="submit">Record<span class="nhsuk-u-visually-hidden"> for {{ r.name }}</span></button>
        {#- #} </form>
        {%- endif %}
        {%- if r.can_book %} <a class="tandem-block" href="{{ r.review_url }}?next={{ board_next }}#response">Record a booking<span class="nhsuk-u-visually-hidden"> for {{ r.name }}</span> (date and time)</a>{% endif %}
        {%- if not r.responses %} <span class="tandem-secondary">Nothing to record</span>{% endif %}
      {#- #} </td>
    </tr>
  {% endfor %}"""

CSRF = Markup('<input type="hidden" name="csrfmiddlewaretoken" value="t0k3n">')


def view_rows(practice):
    settings = queries.settings_for(practice)
    items = queries.export_rows(practice=practice, by=None, filters=queries.BoardFilters(when=queries.WHOLE_YEAR),
                                today=TODAY)
    return presenters.rows(items, policy=settings.policy(), today=TODAY,
                           now=dt.datetime(2026, 6, 15, 12, 0), settings=settings)


@pytest.mark.parametrize("clinical", [True, False])
def test_the_rows_are_what_the_template_wrote(universe, clinical):
    people = crowd(universe.practice, 24)
    hostile = people[0]
    Patient.objects.filter(pk=hostile.pk).update(given_name='<script>alert("x")</script>', family_name="O'Brien & Co")
    derived.changed(None, practice_id=universe.practice.pk, patient_ids=[hostile.pk], what={derived.NAMES})
    rows = view_rows(universe.practice)
    assert {r.status for r in rows} >= {"planned", "invited", "booked", "attended", "did_not_attend", "declined"}
    assert any(r.due_reason for r in rows) and any(not r.responses for r in rows) and any(r.can_book for r in rows)
    board_url = "/recall/?when=year&status=&cohort=&tier=&condition=a%26b"
    expected = engines["jinja2"].env.from_string(LOOP).render(rows=rows, clinical=clinical, csrf_field=CSRF,
                                                              board_url=board_url)
    found = presenters.rows_html(rows, clinical=clinical, csrf_field=CSRF, board_url=board_url)
    assert str(found) == expected
    assert "<script>" not in str(found) and "&lt;script&gt;" in str(found)


def test_an_empty_board_has_no_rows(universe):
    assert str(presenters.rows_html([], clinical=True, csrf_field=CSRF, board_url="/recall/")) == ""

