"""A nurse holds a care planning conversation with Arthur (type 2 diabetes and hypertension), who
sent his agenda and was sent his results pack, and whose plan from last year had two goals. She reads
his agenda first, records how last year's goals went, adds two goals with actions and his confidence
(one below 7: the prompt appears), a medicine agreement, a service, a contingency plan and a review
date, and saves; the written plan opens. What she typed survives a reload before saving. Every page
and every step is checked with axe."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import browser, check_accessibility, page, screenshot, sign_in, visit  # noqa: F401

pytestmark = [pytest.mark.browser]

D = dt.date


@pytest.fixture
def talk(transactional_db, booked):
    """Arthur's conversation on 23 June 2026: his medicines, his daughter as carer, the practice's
    services, last year's plan, his results pack sent and his agenda in, all through the actions."""
    from tandem.careplans import actions as plan_actions
    from tandem.careplans.rules.document import AboutMe, Action, Goal, Plan, TargetAgreement
    from tandem.core import clock
    from tandem.patients import actions as patient_actions
    from tandem.prepare import actions as prepare_actions
    from tandem.prepare.actions import agenda as agenda_actions

    u = booked
    for name, dose, regular in [
        ("Metformin 500mg tablets", "One tablet twice a day with meals", True),
        ("Gliclazide 80mg tablets", "One tablet twice a day", True),
        ("Ramipril 5mg capsules", "One capsule once a day", True),
        ("Atorvastatin 20mg tablets", "One tablet at night", True),
        ("Paracetamol 500mg tablets", "Two tablets up to four times a day when needed", False),
    ]:
        patient_actions.record_medication(patient=u.arthur, by=u.nurse, name=name, dose=dose, is_regular=regular,
                                          start_date=D(2022, 1, 10))
    patient_actions.add_related_person(patient=u.arthur, by=u.nurse, name="Jo Bennett", relationship="child",
                                       is_carer=True, phone="07700 900456")
    patient_actions.set_named_clinician(patient=u.arthur, by=u.nurse, clinician=u.nurse)
    u.walking, _ = (plan_actions.save_service(practice=u.practice, by=u.manager, name=name, kind=kind,
                                              description=about, contact="0113 496 0100")
                    for name, kind, about in [
                        ("Leeds Walking for Health", "exercise", "Free weekly led walks"),
                        ("Diabetes education (DESMOND)", "education", "A day course on type 2 diabetes")])
    last_year = Plan(
        about=AboutMe(what_matters="Keeping the allotment going", people="My daughter Jo"),
        goals=(Goal(id="", words="Walk to the allotment and back without stopping", importance=8, stage="working_on",
                    actions=(Action(id="", what="Walk 10 minutes after lunch", when="every day", confidence=7),)),
               Goal(id="", words="Cut down on biscuits", importance=5)),
        targets=(TargetAgreement(concept="hba1c", upper=58, reason="agreed with Arthur"),),
        review_date="2026-06-01", review_by="Practice nurse", agreed_with_person=True)
    with clock.frozen(dt.datetime(2025, 6, 20, 10, 0)):
        plan_actions.save_plan(patient=u.arthur, by=u.nurse, plan=last_year, base_version=0, note="Annual review 2025")
    summary = prepare_actions.send_packs(practice=u.practice, by=u.admin, day=D(2026, 6, 23))
    assert summary.queued >= 1, summary.text()
    agenda_actions.record_agenda(conversation=u.arthur_talk, via="online", by=None, reply=agenda_actions.Reply(
        what_matters="Getting back to the allotment.\nSleeping through the night.",
        topics=("Sleep", "Medicines and side effects"), questions="Can I stop one of my tablets?",
        coming_with="My daughter Jo", from_who="person"))
    return u


def _autosaved(page, last_field) -> None:  # noqa: F811 - the page under test
    """Leave the field last typed in (as the clinician moves on) and wait for the autosave it sends."""
    with page.expect_response(lambda r: r.url.endswith("/autosave/") and r.status == 200):
        last_field.press("Tab")
    expect(page.locator("#autosave-status")).to_contain_text("Draft saved at")


def test_a_nurse_plans_together_with_arthur_and_saves_the_plan(page, talk):  # noqa: F811
    u = talk
    workspace = f"/care-plans/{u.arthur.pk}/"
    sign_in(page, "nurse")
    visit(page, workspace)
    main = page.locator("main")

    # His agenda comes first: before his results and everything else.
    headings = main.locator("h2").all_inner_texts()
    assert headings[0].startswith("Their agenda"), headings
    agenda = page.locator("#agenda")
    expect(agenda).to_contain_text("Getting back to the allotment.")
    expect(agenda).to_contain_text("Medicines and side effects")
    expect(page.locator("#results")).to_contain_text("HbA1c")
    expect(page.locator("#results")).to_contain_text("62 mmol/mol")
    expect(page.locator("#results summary")).to_contain_text("The pack they were sent")
    expect(page.locator("#previous")).to_contain_text("Walk to the allotment and back without stopping")
    expect(page.locator("#medicines")).to_contain_text("Gliclazide 80mg tablets")
    expect(page.locator("#care-team")).to_contain_text("Jo Bennett")
    expect(page.locator("#registers-and-tier")).to_contain_text("Why")

    # Last year's goals are in the form, to record how they went, and to keep, change or close.
    expect(page.locator("#goals-0 > legend")).to_contain_text("from the last plan")
    page.locator("#goals-0-stage").select_option("partly")
    page.locator("#goals-0-outcome").fill("Gets halfway, then rests on the bench")
    page.locator('input[name="goals.0.decision"][value="change"]').check()
    page.locator('input[name="goals.0.actions.0.decision"][value="keep"]').check()
    page.locator("#goals-1-stage").select_option("achieved")
    page.locator('input[name="goals.1.decision"][value="close"]').check()
    page.locator("#about-what_matters").fill("Getting back to the allotment. Sleeping through the night.")

    # Two new goals, added without leaving the page.
    page.get_by_role("button", name="Add another goal").click()
    expect(page.locator("#goals-2-words")).to_be_focused()
    page.locator("#goals-2-words").fill("Sleep through the night")
    page.locator("#goals-2-importance").fill("9")
    page.locator("#goals-2-actions-0-what").fill("No tea or coffee after 4pm")
    page.locator("#goals-2-actions-0-when").fill("every day")
    page.locator("#goals-2-actions-0-confidence").fill("5")
    prompt = page.locator("#goals-2-actions-0-confidence-prompt")
    expect(prompt).to_contain_text("Confidence is below 7: can you make this action smaller or easier")
    check_accessibility(page)
    # Made smaller together: he is sure he can do that.
    page.locator("#goals-2-actions-0-what").fill("No coffee after 4pm")
    page.locator("#goals-2-actions-0-confidence").fill("8")
    expect(prompt).to_be_empty()

    page.get_by_role("button", name="Add another goal").click()
    page.locator("#goals-3-words").fill("Understand my diabetes tablets")
    page.locator("#goals-3-importance").fill("7")
    page.locator("#goals-3-actions-0-what").fill("Go on the diabetes education day")
    page.locator("#goals-3-actions-0-who").select_option("service")
    page.locator("#goals-3-actions-0-who_name").fill("Diabetes education (DESMOND)")
    page.locator("#goals-3-actions-0-when").fill("by September")
    page.locator("#goals-3-actions-0-confidence").fill("6")
    expect(page.locator("#goals-3-actions-0-confidence-prompt")).to_contain_text("Confidence is below 7")
    _autosaved(page, page.locator("#goals-3-actions-0-confidence"))
    check_accessibility(page)

    # What is typed survives closing the page: it comes back from the draft.
    visit(page, workspace)
    expect(page.locator("#draft-notice")).to_contain_text("Your unsaved changes from")
    expect(page.locator("#goals-2-words")).to_have_value("Sleep through the night")
    expect(page.locator("#goals-3-actions-0-confidence-prompt")).to_contain_text("Confidence is below 7")

    # A medicine agreement, from his current medicines.
    page.locator("#medicines-0-kind").select_option("deprescribe")
    page.locator("#medicines-0-medicine").fill("Gliclazide 80mg tablets")
    page.locator("#medicines-0-reason").fill("Low sugars in the night may be waking you; your HbA1c has come down")
    page.locator("#medicines-0-agreed_by").fill("Arthur and Nurse Evans")

    # A service from the practice's directory, and why.
    page.get_by_label("Leeds Walking for Health", exact=True).check()
    page.locator(f"#service-{u.walking.pk}-why").fill("Company on the walks")

    # The contingency plan: green and red.
    page.locator("#warning_signs-0-signs").fill("Sugars between 4 and 10, sleeping well")
    page.locator("#warning_signs-0-what_to_do").fill("Carry on with the plan")
    page.locator("#warning_signs-2-signs").fill("Sugars under 4 and not coming up, or very drowsy")
    page.locator("#warning_signs-2-what_to_do").fill("Take glucose tablets, then something to eat")
    page.locator("#warning_signs-2-contact").fill("999 if he cannot swallow")

    page.locator("#participants-0-name").fill("Jo Bennett")
    page.locator("#participants-0-relationship").fill("Daughter and carer")
    page.get_by_label("The plan was agreed with Arthur").check()
    page.locator("#review_date-day").fill("15")
    page.locator("#review_date-month").fill("6")
    page.locator("#review_date-year").fill("2027")
    page.get_by_label("Medication review", exact=True).check()
    page.locator("#review_by").fill("Nia Evans, practice nurse")
    _autosaved(page, page.locator("#review_by"))
    expect(page.locator("#areas-medication_review-status")).to_contain_text("Covered")
    check_accessibility(page)
    page.evaluate("window.scrollTo(0, 0)")  # the save bar where it starts, above the form
    screenshot(page, "careplans-workspace")

    page.get_by_role("button", name="Save the plan").first.click()
    page.wait_for_url(re.compile(rf".*/care-plans/{u.arthur.pk}/plan/"))
    check_accessibility(page)
    main = page.locator("main")
    expect(main).to_contain_text("Care plan saved as version 2")
    expect(main).to_contain_text("Sleep through the night")

    # Back in the workspace: no draft left, and the plan so far is the new version.
    visit(page, workspace)
    expect(page.locator("#draft-notice")).to_have_count(0)
    expect(page.locator("#previous")).to_contain_text("Version 2")
    expect(page.locator("#previous")).to_contain_text("Understand my diabetes tablets")


def test_without_htmx_add_another_brings_the_form_back_with_everything_typed(page, talk):  # noqa: F811
    """As if htmx did not load (an old browser, a blocked script): the buttons post the form."""
    page.route("**/static/htmx/**", lambda route: route.abort())
    sign_in(page, "nurse")
    visit(page, f"/care-plans/{talk.arthur.pk}/")
    page.locator("#goals-0-outcome").fill("Gets halfway")
    page.get_by_role("button", name="Add another goal").click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page.locator("#goals-0-outcome")).to_have_value("Gets halfway")
    expect(page.locator("#goals-2-words")).to_be_focused()
    page.locator("#goals-2-words").fill("Sleep through the night")
    page.locator("#goals-2-importance").fill("lots")
    page.get_by_role("button", name="Save the plan").first.click()
    page.wait_for_load_state()
    check_accessibility(page)
    expect(page).to_have_title(re.compile("^Error: "))
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("How important it is must be a whole number from 1 to 10")
    expect(summary.get_by_role("link")).to_have_count(1)
    expect(summary.get_by_role("link")).to_have_attribute("href", "#goals-2-importance")
    expect(page.locator("#goals-2-importance")).to_have_value("lots")
    expect(page.locator("#goals-2-words")).to_have_value("Sleep through the night")
    expect(page.locator("#goals-0-outcome")).to_have_value("Gets halfway")
    screenshot(page, "careplans-workspace-error")


def test_the_pack_he_was_sent_appears_when_its_box_is_opened(page, talk):  # noqa: F811
    """The pack is not part of the page: opening its box reads it (htmx), and says so to screen readers."""
    sign_in(page, "nurse")
    visit(page, f"/care-plans/{talk.arthur.pk}/")
    box = page.locator("#results details.careplans-pack")
    expect(box.locator("#pack-content")).to_contain_text("See the pack as sent")
    with page.expect_response(lambda r: r.url.endswith(f"/care-plans/{talk.arthur.pk}/pack/") and r.status == 200):
        box.locator("summary").click()
    expect(box.locator("#pack-content")).to_contain_text("Your appointment")
    expect(box.locator("#pack-status")).to_have_text("The pack they were sent is shown.")
    check_accessibility(page)
    # Closing and opening it again does not read it again.
    box.locator("summary").click()
    box.locator("summary").click()
    expect(box.locator("#pack-content")).to_contain_text("Your appointment")
