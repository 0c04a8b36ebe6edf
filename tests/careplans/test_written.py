"""The written care plan: the staff page (latest and earlier versions, what changed, copies given),
the PDF in standard and large print, page breaks, and escaping of what was typed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from tandem.careplans import actions, queries
from tandem.careplans.models import CopyGiven
from tandem.careplans.rules import example
from tandem.careplans.rules.document import (
    Action,
    Goal,
    MedicationAgreement,
    Plan,
    Signpost,
    TargetAgreement,
    WarningSign,
)
from tandem.careplans.views.written import document_html
from tandem.core.models import AuditEvent
from tandem.messaging import letters
from tests.browser.conftest import browser, check_accessibility, page, screenshot, sign_in, visit  # noqa: F401
from tests.pdf import page_of, pdf_pages

WALK = "Walk to my daughter's house without stopping"
NASTY = "<script>alert(1)</script> & \"x\""




def first_plan(**more) -> Plan:
    goal = Goal(id="g1", words=WALK, importance=9, actions=(
        Action(id="a1", what="Walk 10 minutes after lunch", when="every day", confidence=8),))
    values = {"goals": (goal,), "targets": (TargetAgreement("hba1c", upper=58),), "review_date": "2027-06-14",
              "review_by": "Nurse Nia Evans", "agreed_with_person": True}
    return Plan(**{**values, **more})


@pytest.fixture
def two_versions(booked):
    """Arthur's plan, version 1 then version 2 (HbA1c target 58 -> 53, the goal achieved, a rescue pack)."""
    saved = actions.save_plan(patient=booked.arthur, by=booked.nurse, plan=first_plan(), base_version=0,
                              conversation=booked.arthur_talk, note="First plan")
    goal = queries.plan_of(saved.version).goals[0]  # with the id it was given
    v2 = Plan(goals=(Goal(id=goal.id, words=goal.words, importance=9, stage="achieved", actions=goal.actions),),
              targets=(TargetAgreement("hba1c", upper=53),), review_date="2027-06-14", review_by="Nurse Nia Evans",
              agreed_with_person=True, rescue="Prednisolone 30mg for 5 days")
    actions.save_plan(patient=booked.arthur, by=booked.nurse, plan=v2, base_version=1, note="Target tightened")
    return booked


def url(booked, **query) -> str:
    base = reverse("careplans:plan", kwargs={"patient_id": booked.arthur.pk})
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def pdf_url(booked, **query) -> str:
    base = reverse("careplans:plan_pdf", kwargs={"patient_id": booked.arthur.pk})
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


# --- The staff page ------------------------------------------------------------------------------

def test_the_page_shows_the_latest_version_in_plain_words_and_the_persons_own(client, two_versions):
    client.force_login(two_versions.nurse)
    response = client.get(url(two_versions))
    html = response.content.decode()
    assert response.status_code == 200
    assert "My care and support plan" in html
    assert WALK.replace("'", "&#39;") in html
    assert "Average blood sugar (HbA1c)" in html and "53 mmol/mol or lower" in html
    assert "2 of 2 (the latest)" in html
    assert "This is an earlier version" not in html
    assert "Prednisolone 30mg for 5 days" in html


def test_viewing_the_plan_is_audited_with_the_version(client, two_versions):
    client.force_login(two_versions.nurse)
    client.get(url(two_versions))
    event = AuditEvent.objects.filter(what="careplans.plan", action="view", user=two_versions.nurse).get()
    assert event.patient_id == two_versions.arthur.pk
    assert event.detail == {"version": 2}


def test_what_changed_since_the_last_review_is_shown(client, two_versions):
    client.force_login(two_versions.nurse)
    html = client.get(url(two_versions)).content.decode()
    assert "What changed since the last review" in html
    assert "HbA1c target changed from 58 to 53 mmol/mol or lower" in html
    assert "is now Achieved" in html
    assert "Rescue medicines or anticipatory medicines added" in html


def test_an_earlier_version_is_marked_clearly_and_shows_what_it_said(client, two_versions):
    client.force_login(two_versions.nurse)
    response = client.get(url(two_versions, version=1))
    html = response.content.decode()
    assert response.status_code == 200
    assert "This is an earlier version (version 1 of 2)" in html
    assert f'<a href="{url(two_versions)}">See the latest version (version 2)</a>' in html
    assert "58 mmol/mol or lower" in html and "53 mmol/mol or lower" not in html
    assert "This is the first version of the plan." in html


def test_every_version_is_listed_with_who_saved_it_and_its_note(client, two_versions):
    client.force_login(two_versions.nurse)
    html = client.get(url(two_versions)).content.decode()
    assert "First plan" in html and "Target tightened" in html
    assert html.count("by Nia Evans") >= 2
    assert f"{url(two_versions)}?version=1" in html


@pytest.mark.parametrize("version", ["3", "0", "abc", "-1"])
def test_a_version_that_does_not_exist_is_not_found(client, two_versions, version):
    client.force_login(two_versions.nurse)
    assert client.get(url(two_versions, version=version)).status_code == 404
    assert client.get(pdf_url(two_versions, version=version)).status_code == 404


def test_a_person_without_a_plan_has_a_page_saying_so_and_no_pdf(client, booked):
    client.force_login(booked.nurse)
    response = client.get(reverse("careplans:plan", kwargs={"patient_id": booked.beatrice.pk}))
    assert response.status_code == 200
    assert "No care plan has been saved for" in response.content.decode()
    assert client.get(reverse("careplans:plan_pdf", kwargs={"patient_id": booked.beatrice.pk})).status_code == 302


def test_administrators_cannot_see_the_plan(client, two_versions):
    client.force_login(two_versions.admin)
    assert client.get(url(two_versions)).status_code == 403
    assert client.get(pdf_url(two_versions)).status_code == 403


def test_another_practices_patient_is_not_found(client, two_versions):
    client.force_login(two_versions.other_nurse)
    assert client.get(url(two_versions)).status_code == 404
    assert client.get(pdf_url(two_versions)).status_code == 404
    post = client.post(reverse("careplans:copy_given", kwargs={"patient_id": two_versions.arthur.pk}),
                       {"version": "2", "how": "printed", "on[day]": "15", "on[month]": "6", "on[year]": "2026"})
    assert post.status_code == 404
    assert not CopyGiven.objects.exists()


# --- Copies given ----------------------------------------------------------------------------------

def copy_url(booked) -> str:
    return reverse("careplans:copy_given", kwargs={"patient_id": booked.arthur.pk})


def test_a_copy_given_is_recorded_against_its_version_and_listed(client, two_versions):
    client.force_login(two_versions.nurse)
    response = client.post(copy_url(two_versions), {"version": "1", "how": "posted", "on[day]": "12",
                                                    "on[month]": "6", "on[year]": "2026"})
    assert response.status_code == 302
    copy = CopyGiven.objects.get()
    assert (copy.version.version, copy.how, copy.on) == (1, "posted", dt.date(2026, 6, 12))
    assert AuditEvent.objects.filter(what="careplans.copy_given", patient_id=two_versions.arthur.pk).exists()
    html = client.get(response["Location"]).content.decode()
    assert "Posted on 12 June 2026, recorded by Nia Evans" in html


def test_the_copy_form_starts_with_today(client, two_versions):
    client.force_login(two_versions.nurse)
    html = client.get(url(two_versions)).content.decode()
    assert 'id="on-day" name="on[day]" type="text" value="15"' in html
    assert 'name="on[month]" type="text" value="6"' in html and 'name="on[year]" type="text" value="2026"' in html


@pytest.mark.parametrize(("day", "month", "year", "how", "message"), [
    ("16", "6", "2026", "printed", "The date the copy was given cannot be in the future"),
    ("31", "2", "2026", "printed", "The date the copy was given must be a real date"),
    ("", "", "", "printed", "Enter the date the copy was given"),
    ("1", "6", "26", "printed", "Enter the year in full"),
    ("15", "6", "2026", "", "Choose how the copy was given"),
    ("15", "6", "2026", "by pigeon", "Choose how the copy was given"),
])
def test_a_bad_copy_is_refused_with_a_clear_error_and_nothing_saved(client, two_versions, day, month, year, how,
                                                                    message):
    client.force_login(two_versions.nurse)
    response = client.post(copy_url(two_versions), {"version": "2", "how": how, "on[day]": day, "on[month]": month,
                                                    "on[year]": year})
    html = response.content.decode()
    assert response.status_code == 400
    assert message in html
    assert "There is a problem" in html and "<title>Error:" in html
    assert not CopyGiven.objects.exists()


def test_a_copy_of_a_version_that_does_not_exist_is_not_found(client, two_versions):
    client.force_login(two_versions.nurse)
    response = client.post(copy_url(two_versions), {"version": "7", "how": "printed", "on[day]": "15",
                                                    "on[month]": "6", "on[year]": "2026"})
    assert response.status_code == 404
    assert not CopyGiven.objects.exists()


# --- The PDF -----------------------------------------------------------------------------------------

def test_the_pdf_is_a_pdf_of_the_chosen_version_and_downloading_it_is_audited(client, two_versions):
    client.force_login(two_versions.nurse)
    response = client.get(pdf_url(two_versions, version=1))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pages = pdf_pages(response.content)
    assert 1 <= len(pages) <= 4
    text = " ".join(pages)
    assert "My care and support plan" in text and "58 mmol/mol or lower" in text
    event = AuditEvent.objects.filter(what="careplans.plan", action="export").get()
    assert (event.patient_id, event.detail) == (two_versions.arthur.pk, {"version": 1, "format": "standard"})


def test_large_print_has_more_pages_than_standard(client, booked):
    plan, _directory = example.plan()
    actions.save_plan(patient=booked.arthur, by=booked.nurse, plan=plan, base_version=0)
    client.force_login(booked.nurse)
    standard = pdf_pages(client.get(pdf_url(booked)).content)
    large = pdf_pages(client.get(pdf_url(booked, format="large_print")).content)
    assert 3 <= len(standard) <= 8
    assert len(large) > len(standard)
    assert client.get(pdf_url(booked, format="huge")).status_code == 404


# --- Escaping ----------------------------------------------------------------------------------------

def test_what_was_typed_is_escaped_on_the_page_and_literal_in_the_pdf(client, booked):
    plan = Plan(goals=(Goal(id="", words=NASTY, actions=(Action(id="", what=NASTY, who_name=NASTY),)),),
                medicines=(MedicationAgreement(id="", kind="stop", medicine=NASTY, reason=NASTY),),
                services=(Signpost(id="", service_id=None, name=NASTY, why=NASTY),),
                warning_signs=(WarningSign(id="", level="red", signs=NASTY, what_to_do=NASTY, contact=NASTY),),
                rescue=NASTY)
    actions.save_plan(patient=booked.arthur, by=booked.nurse, plan=plan, base_version=0, note=NASTY)
    client.force_login(booked.nurse)
    html = client.get(url(booked)).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;x&#34;" in html
    text = " ".join(pdf_pages(client.get(pdf_url(booked)).content))
    assert text.count(NASTY) >= 6


# --- Page breaks (the made-up person's plan: three goals, a green/amber/red plan) ---------------------

@pytest.fixture(scope="module")
def example_pdfs(django_db_blocker):
    from tandem.core.models import Practice
    from tandem.patients.models import Patient

    practice = Practice(name="Riverside Surgery", phone=example.PRACTICE_PHONE, address_line1="1 Riverside Road",
                        town="Leeds", postcode="LS6 1AA")
    patient = Patient(given_name="Margaret", family_name="Okafor", nhs_number="9990000018",
                      address_line1="12 Mill Lane", town="Leeds", postcode="LS1 4AB")
    return {variant: pdf_pages(letters.to_pdf(document_html(example.written(), practice=practice, patient=patient,
                                                             variant=variant, today=dt.date(2026, 6, 23)))[0])
            for variant in ("standard", "large_print")}


def test_a_goal_and_its_actions_are_on_one_page_in_standard_print(example_pdfs):
    pages = example_pdfs["standard"]
    plan, _ = example.plan()
    for goal in plan.goals:
        words = " ".join(goal.words.split()[:6])
        assert {page_of(pages, words)} == {page_of(pages, " ".join(a.what.split()[:5])) for a in goal.actions}


def test_in_large_print_a_goal_is_on_the_same_page_as_its_first_action(example_pdfs):
    pages = example_pdfs["large_print"]
    plan, _ = example.plan()
    for goal in plan.goals:
        assert page_of(pages, " ".join(goal.words.split()[:5])) == page_of(pages, " ".join(
            goal.actions[0].what.split()[:5]))


def test_if_things_get_worse_starts_a_page_and_is_kept_together(example_pdfs):
    pages = example_pdfs["standard"]
    start = page_of(pages, "If things get worse")
    assert pages[start].split("Page ")[0].find("If things get worse") < 80  # at the top of its page
    assert {page_of(pages, "Green: I feel as well as usual"), page_of(pages, "Amber: I feel worse than usual"),
            page_of(pages, "Red: I feel very unwell"), page_of(pages, "My rescue medicines")} == {start}


def test_later_pages_carry_the_persons_name_and_nhs_number(example_pdfs):
    for pages in example_pdfs.values():
        assert all("Margaret Okafor, NHS number 999 000 0018" in text for text in pages[1:])
        assert all(f"of {len(pages)}" in text for text in pages)


# --- In a browser ----------------------------------------------------------------------------------

@pytest.mark.browser
def test_a_nurse_reads_the_plan_records_a_copy_and_opens_an_earlier_version(transactional_db, booked, page):  # noqa: F811
    from playwright.sync_api import expect

    plan, _ = example.plan()
    actions.save_plan(patient=booked.arthur, by=booked.nurse, plan=plan, base_version=0, note="Annual review")
    saved = queries.plan_of(queries.latest(booked.practice, booked.arthur))
    actions.save_plan(patient=booked.arthur, by=booked.nurse, base_version=1, note="Target tightened",
                      plan=Plan.from_dict({**saved.as_dict(), "targets": [
                          {"concept": "hba1c", "upper": 53}, {"concept": "systolic_bp", "upper": 140},
                          {"concept": "diastolic_bp", "upper": 90}]}))
    sign_in(page, "nurse")
    visit(page, url(booked))
    expect(page.get_by_role("heading", name="My care and support plan")).to_be_visible()
    expect(page.get_by_text("HbA1c target changed from 58 to 53 mmol/mol or lower")).to_be_visible()
    screenshot(page, "careplans-written-plan")
    page.get_by_label("Printed and handed over").check()
    page.get_by_role("button", name="Record copy given").click()
    page.wait_for_load_state()
    expect(page.get_by_text("Printed and handed over on 15 June 2026").first).to_be_visible()
    expect(page.get_by_label("Emailed")).to_have_count(0)  # Arthur has no email address
    page.get_by_label("Posted", exact=True).check()
    page.locator("#on-day").fill("16")
    page.get_by_role("button", name="Record copy given").click()
    expect(page.get_by_text("The date the copy was given cannot be in the future").first).to_be_visible()
    check_accessibility(page)
    page.get_by_label("Show another version").select_option("1")
    page.get_by_role("button", name="Show this version").click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.get_by_text("This is an earlier version (version 1 of 2)")).to_be_visible()


def test_emailed_cannot_be_recorded_for_someone_with_no_email_address(client, two_versions):
    from tandem.careplans.models import CopyGiven

    client.force_login(two_versions.nurse)
    assert not two_versions.arthur.email
    response = client.post(copy_url(two_versions), {"version": "2", "how": "email", "on[day]": "15",
                                                    "on[month]": "6", "on[year]": "2026"})
    assert response.status_code == 400
    assert "has no email address on record" in response.content.decode()
    assert not CopyGiven.objects.exists()


def test_opening_the_copy_address_goes_to_the_plans_copies(client, two_versions):
    client.force_login(two_versions.nurse)
    response = client.get(copy_url(two_versions))
    assert response.status_code == 302 and response["Location"].endswith("/plan/#copies")


def test_the_page_reads_the_same_number_of_rows_however_many_versions(client, two_versions,
                                                                       django_assert_max_num_queries):
    for number in (3, 4, 5, 6):
        saved = queries.plan_of(queries.latest(two_versions.practice, two_versions.arthur))
        version = actions.save_plan(patient=two_versions.arthur, by=two_versions.nurse, plan=saved,
                                    base_version=number - 1).version
        actions.record_copy_given(version=version, by=two_versions.nurse, how="printed")
    client.force_login(two_versions.nurse)
    with django_assert_max_num_queries(20):
        assert client.get(url(two_versions, version=4)).status_code == 200


def test_a_plan_with_almost_nothing_in_it_still_reads_sensibly(client, booked):
    actions.save_plan(patient=booked.arthur, by=booked.nurse, plan=Plan(), base_version=0)
    client.force_login(booked.nurse)
    html = client.get(url(booked)).content.decode()
    assert "This plan has not been agreed with me yet." in html
    assert "We will contact you when it is time for your next review" in html
    text = " ".join(pdf_pages(client.get(pdf_url(booked, format="large_print")).content))
    assert "My care and support plan" in text and "Who was there" in text
