"""The person's own pages, read only: each shows the signed-in person's own plan, results,
appointments, check-ins, goals and contacts, never another person's (Beatrice at the same practice,
Brian at another); the choice not to see results before a review is respected; the plan comes as a
PDF in standard and large print; every read is audited as the person's; the fixed text is plain."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re

import pytest
from django.urls import reverse

from tandem.core.models import AuditEvent
from tandem.messaging.wording.readability import limit_for, score
from tandem.prepare import actions as prepare_actions
from tests.people.test_pages_conftest import (  # noqa: F401 - fixtures
    ARTHUR_GOAL,
    ARTHUR_SIGN,
    BEATRICE_GOAL,
    BEATRICE_SIGN,
    BRIAN_GOAL,
    BRIAN_SIGN,
    booked,
    people,
    person_client,
    planned,
    recall,
)

pytestmark = pytest.mark.django_db

PAGES = ("plan", "results", "appointments", "checkins", "goals", "care_team", "contact")


def page(client, name: str, *args, status: int = 200) -> str:
    response = client.get(reverse(f"people:{name}", args=args))
    assert response.status_code == status, (name, response.status_code)
    if status == 200:
        assert "no-store" in response["Cache-Control"]
    return response.content.decode()


_TAG = re.compile(r"<[^>]+>")


def text(html: str) -> str:
    """What a page says, without its markup, spaces tidied."""
    return " ".join(html_lib.unescape(_TAG.sub(" ", html)).split())


def others(html: str) -> list[str]:
    """Anything of Beatrice's or Brian's that shows on a page."""
    found = [w for w in (BEATRICE_GOAL, BEATRICE_SIGN, BRIAN_GOAL, BRIAN_SIGN, "Beatrice", "Brian", "Hollis",
                         "91 mmol/mol", "COPD Assessment Test", "Hillview") if w in text(html)]
    return found


# --- Nobody else's -------------------------------------------------------------------------------

def test_every_page_shows_arthurs_own_things_and_nothing_of_beatrice_or_brian(person_client, people):  # noqa: F811 - fixtures
    person_client.sign_in(people.arthur)
    for name in PAGES:
        assert others(page(person_client, name)) == [], name
    assert others(page(person_client, "result", "hba1c")) == []


def test_beatrice_at_the_same_practice_sees_her_own_and_nothing_of_arthurs(person_client, people):  # noqa: F811 - fixtures
    person_client.sign_in(people.beatrice)
    seen = {name: text(page(person_client, name)) for name in PAGES}
    assert BEATRICE_GOAL in seen["plan"] and BEATRICE_SIGN in seen["contact"]
    assert "COPD Assessment Test" in seen["results"]
    for name, html in seen.items():
        assert ARTHUR_GOAL not in html and ARTHUR_SIGN not in html and "62 mmol/mol" not in html, name
        assert "Arthur" not in html and "23 June" not in html, name


def test_brian_at_another_practice_sees_only_his_own(person_client, people):  # noqa: F811 - fixtures
    person_client.sign_in(people.brian)
    plan = text(page(person_client, "plan"))
    assert BRIAN_GOAL in plan and ARTHUR_GOAL not in plan and BEATRICE_GOAL not in plan
    results = text(page(person_client, "results"))
    assert "91 mmol/mol" in results and "62 mmol/mol" not in results
    assert "Hillview Medical Centre" in plan and "Riverside" not in plan


def test_another_persons_plan_version_or_measure_is_not_found(person_client, people):  # noqa: F811 - fixtures
    person_client.sign_in(people.beatrice)  # Arthur has a version 2; Beatrice only a version 1
    page(person_client, "plan_version", 2, status=404)
    page(person_client, "result", "hba1c", status=404)  # Arthur's and Brian's measure, not hers
    assert person_client.get(reverse("people:plan_pdf") + "?version=2").status_code == 404
    page(person_client, "result", "not_a_measure", status=404)


def test_without_a_signed_in_person_each_page_goes_to_signing_in(person_client, people):  # noqa: F811 - fixtures
    for name in PAGES:
        response = person_client.get(reverse(f"people:{name}"))
        assert response.status_code == 302 and response["Location"] == reverse("people:sign_in"), name


# --- The plan ------------------------------------------------------------------------------------

def test_the_plan_page_shows_the_current_version_and_links_to_the_earlier_one(person_client, people):  # noqa: F811 - fixtures
    person_client.sign_in(people.arthur)
    html = text(page(person_client, "plan"))
    assert "My care and support plan" in html and ARTHUR_GOAL in html and "Keep glucose tablets with me" in html
    assert "This is an earlier version" not in html
    assert reverse("people:plan_version", args=[1]) in page(person_client, "plan")
    earlier = text(page(person_client, "plan_version", 1))
    assert "This is an earlier version of your plan" in earlier and "Keep glucose tablets with me" not in earlier
    page(person_client, "plan_version", 3, status=404)


def test_the_plan_comes_as_a_pdf_in_standard_and_large_print(person_client, people):  # noqa: F811 - fixtures
    viewer = person_client.sign_in(people.arthur)
    for query, variant in (("", "standard"), ("?print=large", "large_print")):
        response = person_client.get(reverse("people:plan_pdf") + query)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        event = AuditEvent.objects.filter(what="people.plan.pdf").latest("pk")
        assert (event.action, event.user_id, event.patient_id) == ("export", None, people.arthur.pk)
        assert event.detail == {"account": viewer.pk, "grant": None, "version": 2, "format": variant}
    assert "large-print" in person_client.get(reverse("people:plan_pdf") + "?print=large")["Content-Disposition"]
    assert person_client.get(reverse("people:plan_pdf") + "?print=huge").status_code == 404


# --- Results -------------------------------------------------------------------------------------

def test_results_show_the_trend_and_the_target_that_applies_in_plain_words(person_client, people):  # noqa: F811 - fixtures
    person_client.sign_in(people.arthur)
    results = text(page(person_client, "results"))
    assert "Blood sugar (HbA1c)" in results and "62 mmol/mol" in results and "Blood pressure" in results
    detail = text(page(person_client, "result", "hba1c"))
    assert "58 mmol/mol or lower" in detail  # the target he agreed in his plan
    assert "Not in target yet" in detail
    assert "70 mmol/mol" in detail and "2 June 2025" in detail  # every result in the table
    raw = page(person_client, "result", "hba1c")
    assert '<svg class="pack-chart"' in raw and 'role="img"' in raw and "Chart of your Blood sugar (HbA1c)" in raw
    # the chart needs no script: the only one on the page is the warning before signing out (base.jinja)
    assert raw.split("</header>")[-1].count("<script") == 1 and 'id="session-warning"' in raw


def test_a_person_who_chose_no_results_before_their_review_sees_only_earlier_ones(person_client, people):  # noqa: F811 - fixtures
    prepare_actions.set_results_in_advance(practice=people.practice, patient=people.arthur, by=people.nurse,
                                           wanted=False)
    person_client.sign_in(people.arthur)
    results = text(page(person_client, "results"))
    assert "You asked us not to show you new results before your review on Tuesday 23 June 2026" in results
    assert "62 mmol/mol" not in results and "142/86" not in results  # taken for the review on 1 June
    assert "70 mmol/mol" in results  # last year's
    detail = text(page(person_client, "result", "hba1c"))
    assert "62 mmol/mol" not in detail and "70 mmol/mol" in detail
    kept = text(page(person_client, "result", "egfr"))  # only a new result: kept for the review, no number
    assert "Kept for your review: " in kept and "Kidney function (eGFR)" in kept and "58" not in kept
    page(person_client, "result", "cat_score", status=404)  # nothing kept, nothing to show


def test_results_need_a_p9_session_and_the_plan_does_not(person_client, people):  # noqa: F811 - fixtures
    person_client.sign_in(people.arthur, level="P5")
    step_up = reverse("people:sign_in") + "?for=results"  # to NHS login, to prove it with photo ID
    for url in (reverse("people:results"), reverse("people:result", args=["hba1c"])):
        response = person_client.get(url)
        assert (response.status_code, response["Location"]) == (302, step_up)
    assert not AuditEvent.objects.filter(what="people.results").exists()
    assert ARTHUR_GOAL in text(page(person_client, "plan"))


# --- Appointments, check-ins, goals, contact ------------------------------------------------------

def test_appointments_show_the_persons_next_conversation(person_client, people):  # noqa: F811 - fixtures
    person_client.sign_in(people.arthur)
    html = text(page(person_client, "appointments"))
    assert "Tuesday 23 June 2026 at 10:30am" in html and "Riverside Surgery, room 3" in html
    assert 'aria-current="page"' in page(person_client, "appointments")
    assert "24 June" not in html and "25 June" not in html  # Beatrice's and Fatima's


def test_check_ins_due_are_the_persons_own(person_client, people):  # noqa: F811 - fixtures
    person_client.sign_in(people.beatrice)
    assert "Check-in 1: please answer by 21 July 2026. We sent you a text message with a link" in text(
        page(person_client, "checkins"))
    person_client.sign_in(people.arthur)
    html = text(page(person_client, "checkins"))
    assert "There is nothing to answer now" in html and "Check-in 1" not in html


def test_goals_show_how_each_is_going_from_the_review(person_client, people):  # noqa: F811 - fixtures
    person_client.sign_in(people.arthur)
    html = text(page(person_client, "goals"))
    assert f"Goal 1: {ARTHUR_GOAL}" in html
    assert re.search(r"Better than expected ?, at your review on \d+ \w+ 2026", html)


def test_contact_names_the_clinician_the_practice_and_what_to_do_if_worse(person_client, people):  # noqa: F811 - fixtures
    person_client.sign_in(people.arthur)
    html = text(page(person_client, "contact"))
    assert "Your named clinician Nia Evans, practice nurse" in html or "Your named clinician Nia Evans" in html
    assert "Phone 0113 496 0000" in html and "Practice Riverside Surgery" in html
    assert ARTHUR_SIGN in html and "Drink water and check again" in html and "Amber: I feel worse than usual" in html
    assert "Keep glucose tablets with me" in html


# --- Audit and wording ---------------------------------------------------------------------------

def test_every_page_read_is_audited_as_the_persons_with_the_account(person_client, people):  # noqa: F811 - fixtures
    viewer = person_client.sign_in(people.arthur)
    before = AuditEvent.objects.count()
    for name in PAGES:
        page(person_client, name)
    rows = list(AuditEvent.objects.order_by("pk")[before:].values_list("what", "action", "user_id", "patient_id",
                                                                       "detail"))
    people_rows = [r for r in rows if r[0].startswith("people.")]
    assert [r[0] for r in people_rows] == ["people.plan", "people.results", "people.appointments",
                                           "people.checkins", "people.goals", "people.care_team", "people.contact"]
    for what, action, user_id, patient_id, detail in people_rows:
        assert (action, user_id, patient_id) == ("view", None, people.arthur.pk), what
        assert detail["account"] == viewer.pk and detail["grant"] is None


def prose(html: str) -> str:
    """The page's paragraphs (its sentences: headings, labels and the list of pages are left out), less
    the written plan (careplans measures its wording); one paragraph a line, as the score counts them."""
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    start = main.find('<section class="plan-document"')
    if start >= 0:  # to its own </section>: the plan's sections are nested in it
        depth, end = 0, start
        for tag in re.finditer(r"<(/?)section\b", main[start:]):
            depth += -1 if tag.group(1) else 1
            if depth == 0:
                end = start + tag.end()
                break
        main = main[:start] + main[end:]
    return "\n".join(text(p) for p in re.findall(r"<p[ >].*?</p>", main, flags=re.S))


def test_the_pages_fixed_text_reads_at_the_standard_reading_age(person_client, people):  # noqa: F811 - fixtures
    """Arthur's pages (with everything on them) and Margaret's (no plan, results or appointments yet)."""
    prepare_actions.set_results_in_advance(practice=people.practice, patient=people.arthur, by=people.nurse,
                                           wanted=False)  # and the words saying some results are kept
    for who in (people.arthur, people.patient):
        person_client.sign_in(who)
        for name, args in [*((n, ()) for n in PAGES), *((("result", ("hba1c",)), ("plan_version", (1,)))
                                                         if who == people.arthur else ())]:
            measured = score(prose(page(person_client, name, *args)))
            assert measured.words > 5, (who.given_name, name)
            assert measured.reading_age <= limit_for("standard"), (who.given_name, name, measured)



# --- Their care team -------------------------------------------------------------------------------

def test_arthur_sees_who_is_in_his_care_team_and_beatrice_does_not_see_them(person_client, people):  # noqa: F811 - fixtures
    from tandem.careteam import actions as careteam

    u = people
    org = careteam.save_provider(practice=u.practice, by=None, values={
        "name": "Riverside Community Nursing", "kind": "community", "ods_code": "", "service": "", "email": "",
        "phone": "0113 496 0200", "address": ""})
    staff = careteam.add_professional(provider=org, by=None, username="jmarsh", first_name="Jo", last_name="Marsh",
                                      email="jmarsh@example.org", job="Community matron").staff
    careteam.add_member(patient=u.arthur, by=u.nurse, provider=org, professional=staff,
                        role="Weekly leg ulcer dressings at home", scopes=(), agreed_how="in_person",
                        agreed_on=u.arthur.registered_on or dt.date(2026, 6, 1))
    person_client.sign_in(u.arthur)
    seen = text(page(person_client, "care_team"))
    assert "Jo Marsh, community matron, Riverside Community Nursing" in seen
    assert "Weekly leg ulcer dressings at home" in seen and "0113 496 0200" in seen
    assert AuditEvent.objects.filter(what="people.care_team", patient_id=u.arthur.pk).exists()
    person_client.sign_in(u.beatrice)
    assert "Jo Marsh" not in text(page(person_client, "care_team"))
