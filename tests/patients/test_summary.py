"""The patient summary: everything a nurse needs on one page, shaped the way they read it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.core import actions as core_actions
from tandem.core.rules import Role
from tandem.patients import actions, charts, presenters
from tandem.patients.models import Condition, Observation
from tests.browser.people import multimorbid_patient

TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def dorothy(universe):
    return multimorbid_patient(practice=universe.practice, by=universe.nurse)


def summary_page(client, patient) -> str:
    response = client.get(reverse("patients:summary", args=[patient.pk]))
    assert response.status_code == 200
    return response.content.decode()


def text_of(html: str) -> str:
    """The page as a person reads it: tags removed, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    end = html.find("</section>", start)
    return text_of(html[start:end])


# --- What the page shows -------------------------------------------------------------

def test_summary_shows_every_long_term_condition_together(nurse_client, dorothy):
    html = summary_page(nurse_client, dorothy)
    conditions = section(html, "conditions")
    assert conditions.startswith('id="conditions">Long-term conditions 5 ')
    for name, term, since in [
        ("Hypertension", "Hypertensive disorder, systemic arterial", "1 September 2004"),
        ("Type 2 diabetes mellitus", "Diabetes mellitus type 2", "12 March 2009"),
        ("Chronic obstructive pulmonary disease", "Chronic obstructive pulmonary disease", "20 November 2013"),
        ("Chronic kidney disease stage 3 to 5", "Chronic kidney disease stage 3A", "15 January 2021"),
        ("Depression", "Depressive disorder", "3 June 2019"),
    ]:
        assert f"{name} {term} Since {since}" in conditions
    assert "Other problems Gout (since 2 February 2016)" in conditions
    assert "Resolved conditions (1) Asthma: Asthma from 1 April 1995, resolved 20 November 2013" in conditions


def test_banner_and_reasonable_adjustments_come_first(nurse_client, dorothy):
    html = summary_page(nurse_client, dorothy)
    page = text_of(html)
    assert "Dorothy WHITFIELD NHS number 999 000 0034 Born 11 February 1947 (79 years) Sex Female" in page
    assert "Address 14 Mill Lane, Leeds, LS6 2QT" in page
    adjustments = page.index("Reasonable adjustments Interpreter: Polish Large print")
    assert adjustments < page.index("Long-term conditions")
    assert html.index("Reasonable adjustments") < html.index('id="conditions"')


def test_latest_results_with_trend_and_target(nurse_client, dorothy):
    html = summary_page(nurse_client, dorothy)
    results = section(html, "results")
    assert ("HbA1c 72 mmol/mol 15 May 2026 Before: 69 mmol/mol, 15 Nov 2025" in results)
    assert "Above target 58 mmol/mol or lower (QOF 2024/25 DM020)" in results
    assert "Blood pressure 146/84 mmHg 15 May 2026" in results
    assert "Above target 140/90 mmHg or lower (QOF 2024/25 HYP008)" in results
    assert "eGFR 48 mL/min/1.73m² 15 May 2026" in results
    assert "Smoking status Ex-smoker" in results
    assert "MRC dyspnoea scale Grade 3" in results
    # Each trend chart has a text alternative naming its readings.
    chart = re.search(r'<svg class="tandem-trend"[^>]*role="img" aria-labelledby="trend-hba1c-title"', html)
    assert chart
    title = re.search(r'<title id="trend-hba1c-title">([^<]+)</title>', html).group(1)
    assert title.startswith("HbA1c readings over the last 5 years, oldest first: 61 mmol/mol in Nov 2021, 60 mmol/mol in")
    assert title.endswith("72 mmol/mol in May 2026. Target 58 mmol/mol or lower (QOF 2024/25 DM020).")


def test_blood_pressure_target_is_150_90_from_age_80(universe, nurse_client):
    def person(nhs_number, born):
        patient = actions.register_patient(practice=universe.practice, by=None, nhs_number=nhs_number,
                                           given_name="Ada", family_name="Byrne", date_of_birth=born)
        actions.record_blood_pressure(patient=patient, by=None, systolic=146, diastolic=84,
                                      effective_date=dt.date(2026, 6, 1))
        return section(summary_page(nurse_client, patient), "results")

    assert "146/84 mmHg 1 June 2026 One reading Above target 140/90 mmHg or lower" in person(
        "9990000034", dt.date(1946, 6, 16))  # 79 the day before their birthday
    assert "146/84 mmHg 1 June 2026 One reading In target 150/90 mmHg or lower" in person(
        "9990000042", dt.date(1946, 6, 15))  # 80 today


def test_diastolic_alone_over_target_is_out_of_target():
    rows = [_obs("systolic_bp", 128, TODAY), _obs("diastolic_bp", 92, TODAY)]
    (bp,) = presenters.results(rows, age=60, ltcs=set(), today=TODAY)
    assert (bp.value, bp.status.text) == ("128/92 mmHg", "Above target")


def test_targets_are_shown_only_for_the_people_they_were_set_for():
    rows = [_obs("hba1c", 44, TODAY), _obs("ldl", 2.6, TODAY)]
    without = {r.key: r for r in presenters.results(rows, age=60, ltcs={"hypertension"}, today=TODAY)}
    assert without["hba1c"].status is None and without["ldl"].status is None
    diabetic = {r.key: r for r in presenters.results(
        rows, age=60, ltcs={"diabetes_type2", "coronary_heart_disease"}, today=TODAY)}
    assert diabetic["hba1c"].status.text == "In target"
    assert diabetic["ldl"].status.text == "Above target"
    assert diabetic["ldl"].target.startswith("2 mmol/L or lower")


def test_medicines_with_polypharmacy_flag_and_recently_stopped(nurse_client, dorothy):
    medicines = section(summary_page(nurse_client, dorothy), "medicines")
    assert medicines.startswith('id="medicines">Medicines 11 regular ')
    assert "Polypharmacy 11 regular medicines" in medicines
    assert "Metformin 500mg tablets For: Type 2 diabetes mellitus One tablet twice a day with meals 1 Mar 2021" \
        in medicines
    assert "When needed" in medicines and "Salbutamol 100micrograms/dose inhaler CFC free" in medicines
    assert "Stopped in the last 12 months (1)" in medicines and "Naproxen 250mg tablets" in medicines


def test_no_polypharmacy_flag_below_ten_regular_medicines(universe, nurse_client):
    patient = actions.register_patient(practice=universe.practice, by=None, nhs_number="9990000034",
                                       given_name="Ada", family_name="Byrne", date_of_birth=dt.date(1950, 1, 1))
    for i in range(9):
        actions.record_medication(patient=patient, by=None, name=f"Medicine {i}", start_date=dt.date(2020, 1, 1))
    medicines = section(summary_page(nurse_client, patient), "medicines")
    assert "9 regular" in medicines
    assert "Polypharmacy" not in medicines


def test_recent_contacts_with_counts_for_the_last_12_months(nurse_client, dorothy):
    contacts = section(summary_page(nurse_client, dorothy), "contacts")
    assert "3 appointments attended 1 did not attend 1 A&amp;E attendance 0 emergency admissions" in contacts
    assert "15 Nov 2025 A&amp;E attendance Breathlessness Same day" in contacts
    assert "15 Jan 2026 Face to face Blood tests Health care assistant Did not attend" in contacts
    assert "3 Jul 2026 Face to face Care planning conversation Practice nurse Booked" in contacts
    assert "Exacerbation of COPD" not in contacts  # 30 months ago


def test_a_busy_year_shows_the_latest_contacts_first_and_folds_the_rest(universe, nurse_client):
    for week in range(20):
        actions.record_encounter(patient=universe.patient, by=None, date=TODAY - dt.timedelta(weeks=week + 1),
                                 clinician_role="nurse", reason=f"Visit {week + 1}")
    contacts = section(summary_page(nurse_client, universe.patient), "contacts")
    assert "20 appointments attended" in contacts
    first_table, folded = contacts.split("Earlier in the last 12 months (12 more)")
    assert "Visit 1 " in first_table and "Visit 8 " in first_table
    assert "Visit 9 " not in first_table
    assert "Visit 9 " in folded and "Visit 20 " in folded


def test_earlier_hospital_stay_is_mentioned_when_none_is_recent(universe, nurse_client):
    patient = actions.register_patient(practice=universe.practice, by=None, nhs_number="9990000034",
                                       given_name="Ada", family_name="Byrne", date_of_birth=dt.date(1950, 1, 1))
    actions.record_hospital_event(patient=patient, by=None, kind="emergency", start_date=dt.date(2024, 2, 3),
                                  end_date=dt.date(2024, 2, 7), reason="Pneumonia")
    contacts = section(summary_page(nurse_client, patient), "contacts")
    assert "0 emergency admissions" in contacts
    assert "The last was on 3 February 2024: Emergency admission." in contacts


def test_named_clinician_carers_and_contact_details(universe, nurse_client, dorothy):
    actions.set_named_clinician(patient=dorothy, by=universe.nurse, clinician=universe.nurse)
    html = summary_page(nurse_client, dorothy)
    care = section(html, "care-team")
    assert "Named clinician Nia Evans, Practice nurse" in care
    assert "Carer Alan Whitfield (Spouse or partner), 07700 900456" in care
    assert "Next appointment 3 July 2026, Practice nurse" in care
    assert "Prefers to be contacted by Phone call" in care
    assert "Mobile: 07700 900123" in care
    assert "Registration Registered since 1 May 1990" in care
    people = section(html, "people")
    assert "Alan Whitfield Spouse or partner Carer Next of kin 07700 900456" in people
    assert "Susan Green Son or daughter Proxy access susan.green@example.com" in people


def test_what_people_typed_is_escaped(universe, nurse_client, dorothy):
    actions.add_related_person(patient=dorothy, by=None, name="<script>alert(1)</script>", relationship="friend",
                               is_carer=True)
    html = summary_page(nurse_client, dorothy)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_a_deceased_person_is_marked_in_the_banner(universe, nurse_client):
    patient = actions.register_patient(
        practice=universe.practice, by=None, nhs_number="9990000034", given_name="Ada", family_name="Byrne",
        date_of_birth=dt.date(1930, 1, 1), registration_status="deceased", date_of_death=dt.date(2026, 5, 2),
    )
    page = text_of(summary_page(nurse_client, patient))
    assert "Ada BYRNE Deceased" in page
    assert "(96 years)" in page  # age at death
    assert "Registration Deceased, died 2 May 2026" in page


def test_a_person_with_an_empty_record_still_has_a_readable_summary(nurse_client, universe):
    page = text_of(summary_page(nurse_client, universe.patient))
    assert "No long-term conditions are recorded." in page
    assert "No results are recorded." in page
    assert "No current medicines are recorded." in page
    assert "No appointments in the last 12 months." in page
    assert "No carers or important people are recorded." in page
    assert "Reasonable adjustments None recorded" in page


# --- Who may see it -------------------------------------------------------------------

def test_health_care_assistant_can_read_the_summary(client, universe, dorothy):
    hca = core_actions.add_staff(practice=universe.practice, username="hca", role=Role.HCA, by=None)
    client.force_login(hca)
    assert "Long-term conditions" in summary_page(client, dorothy)


def test_administrator_can_search_but_not_read_the_clinical_summary(client, universe, dorothy):
    client.force_login(universe.admin)
    assert client.get(reverse("patients:summary", args=[dorothy.pk])).status_code == 403
    found = client.post(reverse("patients:search"), {"q": "whitfield"}, follow=True)
    assert found.status_code == 200
    assert "Dorothy WHITFIELD" in found.content.decode()


def test_another_practices_patient_is_not_found(nurse_client, universe):
    assert nurse_client.get(reverse("patients:summary", args=[universe.foreign_patient.pk])).status_code == 404


# --- Cost --------------------------------------------------------------------------

def _queries_for_summary(client, patient) -> int:
    with CaptureQueriesContext(connection) as captured:
        summary_page(client, patient)
    return len(captured)


def test_queries_do_not_grow_with_the_size_of_the_record(universe, nurse_client, django_assert_max_num_queries):
    patient = multimorbid_patient(practice=universe.practice, by=None)
    actions.set_named_clinician(patient=patient, by=None, clinician=universe.nurse)
    summary_page(nurse_client, patient)  # the first request of a session also stores the practice chosen
    before = _queries_for_summary(nurse_client, patient)
    for year in range(2000, 2026):
        actions.record_condition(patient=patient, by=None, code="90560007", term=f"Problem {year}",
                                 onset_date=dt.date(year, 1, 1))
        actions.record_observation(patient=patient, by=None, concept="weight", value=70 + year % 7,
                                   effective_date=dt.date(year, 6, 1))
        actions.record_medication(patient=patient, by=None, name=f"Medicine {year}",
                                  start_date=dt.date(year, 1, 1))
        actions.record_encounter(patient=patient, by=None, date=dt.date(2026, 1, 1) + dt.timedelta(days=year - 2000))
        actions.add_related_person(patient=patient, by=None, name=f"Friend {year}", relationship="friend")
    after = _queries_for_summary(nurse_client, patient)
    assert after == before
    # One of them reads frailty for the register facts (tandem.patients.facts); one reads the person's
    # contacts of the last two years for the continuity panel (tandem.continuity.person).
    with django_assert_max_num_queries(14):
        summary_page(nurse_client, patient)


# --- Pure shaping ------------------------------------------------------------------

def _cond(code: str, onset: dt.date, term: str = "", resolved: dt.date | None = None) -> Condition:
    return Condition(code=code, term=term or code, onset_date=onset, resolved_date=resolved)


def _obs(concept: str, value: float, when: dt.date, pk: int = 0) -> Observation:
    return Observation(pk=pk or None, concept=concept, value=value, effective_date=when)


def test_codes_of_one_condition_are_grouped_and_a_resolved_code_resolves_it():
    grouped = presenters.conditions([
        _cond("433144002", dt.date(2019, 1, 1), "Chronic kidney disease stage 3"),
        _cond("700378005", dt.date(2021, 1, 1), "Chronic kidney disease stage 3A"),
        _cond("44054006", dt.date(2010, 1, 1), "Diabetes mellitus type 2"),
        _cond("315051004", dt.date(2024, 5, 1), "Diabetes resolved"),  # QOF DMRES_COD
    ])
    assert [(g.slug, g.terms, g.since) for g in grouped.current] == [
        ("ckd_3_5", ("Chronic kidney disease stage 3", "Chronic kidney disease stage 3A"), dt.date(2019, 1, 1)),
    ]
    assert [(g.slug, g.resolved_on) for g in grouped.resolved] == [("diabetes_type2", dt.date(2024, 5, 1))]
    assert grouped.other == ()  # the "resolved" code is not a problem of its own
    assert grouped.count == 1


def test_a_diagnosis_after_its_resolved_code_is_current_again():
    grouped = presenters.conditions([
        _cond("38341003", dt.date(2005, 1, 1)),
        _cond("162659009", dt.date(2012, 1, 1)),  # hypertension resolved
        _cond("38341003", dt.date(2020, 1, 1)),
    ])
    assert [g.slug for g in grouped.current] == ["hypertension"]


def test_trend_chart_places_readings_and_target_inside_the_box():
    chart = charts.trend_chart([[(dt.date(2022, 1, 1), 70), (dt.date(2024, 1, 1), 50), (dt.date(2026, 1, 1), 60)]],
                               start=dt.date(2021, 6, 15), end=TODAY, targets=[58], description="d")
    (line,) = chart.lines
    xs = [x for x, _ in line.dots]
    ys = [y for _, y in line.dots]
    assert xs == sorted(xs) and all(0 <= x <= chart.width for x in xs)
    assert all(0 <= y <= chart.height for y in ys + list(chart.targets))
    assert ys[0] < ys[2] < ys[1]  # 70 highest on the page, 50 lowest
    assert line.latest == line.dots[-1]


def test_trend_chart_ignores_readings_outside_its_window_and_draws_nothing_for_none():
    old = [(dt.date(2010, 1, 1), 90.0)]
    assert charts.trend_chart([old], start=dt.date(2021, 6, 15), end=TODAY, description="d") is None
    flat = charts.trend_chart([[(dt.date(2025, 1, 1), 5.0), (dt.date(2026, 1, 1), 5.0)]],
                              start=dt.date(2021, 6, 15), end=TODAY, description="d")
    assert len({y for _, y in flat.lines[0].dots}) == 1
