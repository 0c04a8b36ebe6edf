"""Recording a review's results at the point of care: the form, its checks, and what it changes."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.core.models import AuditEvent
from tandem.patients.models import Observation

from .conftest import form, review_of, url_for

D = dt.date


def values(patient, concept):
    return sorted(Observation.objects.filter(patient=patient, concept=concept).values_list("effective_date", "value"))


def test_the_form_asks_only_for_what_the_plan_needs_with_the_last_result(booked, hca_client):
    html = hca_client.get(url_for(review_of(booked.fatima))).content.decode()  # hypertension
    assert 'name="bp1_systolic"' in html and 'name="weight"' in html and 'name="egfr"' in html
    assert 'name="hba1c"' not in html and 'name="phq9_1"' not in html and 'name="cat_score"' not in html
    html = hca_client.get(url_for(review_of(booked.arthur))).content.decode()  # diabetes and hypertension
    assert html.count('name="bp1_systolic"') == 1 and 'name="hba1c"' in html
    assert "Last: 62 mmol/mol on 1 June 2026" in html and "Last: 142/86 mmHg on 1 June 2026" in html


def test_copd_asks_for_the_cat_score_and_the_mrc_grade(booked, hca_client):
    patient = booked.beatrice  # COPD
    html = hca_client.get(url_for(review_of(patient))).content.decode()
    assert "Last: grade 3 on 1 June 2026" in html and 'name="cat_score"' in html and 'name="bp1_systolic"' not in html
    response = hca_client.post(url_for(review_of(patient)), form(cat_score="41", mrc_dyspnoea="2"))
    assert response.status_code == 400 and "COPD Assessment Test must be a whole number from 0 to 40" in response.content.decode()
    response = hca_client.post(url_for(review_of(patient)), form(cat_score="21", mrc_dyspnoea="2"))
    assert response.status_code == 302
    assert values(patient, "cat_score")[-1] == (D(2026, 6, 15), 21.0)
    assert Observation.objects.get(patient=patient, concept="mrc_dyspnoea", value=2).code == "391123006"


def test_two_blood_pressures_are_kept_and_the_lowest_of_each_is_used(booked, hca_client):
    patient = booked.fatima
    response = hca_client.post(url_for(review_of(patient)), form(bp1_systolic="152", bp1_diastolic="84",
                                                                bp2_systolic="144", bp2_diastolic="88"))
    assert response.status_code == 302
    assert values(patient, "systolic_bp") == [(D(2026, 6, 15), 144.0), (D(2026, 6, 15), 152.0)]
    html = hca_client.get(response["Location"]).content.decode()
    assert "Reading used: 144/84 mmHg" in html
    assert "Above the target (QOF 2024/25 HYP008): 140/90 mmHg or lower." in html
    assert "recorded by Hannah Cole" in html


def test_a_personal_target_is_the_one_the_reading_is_shown_against(booked, hca_client):
    from tandem.patients import actions

    patient = booked.fatima
    actions.agree_target(patient=patient, by=booked.nurse, concept="systolic_bp", upper=150)
    actions.agree_target(patient=patient, by=booked.nurse, concept="diastolic_bp", upper=90)
    response = hca_client.post(url_for(review_of(patient)), form(bp1_systolic="146", bp1_diastolic="84"))
    html = hca_client.get(response["Location"]).content.decode()
    assert "Within the target agreed with them: 150/90 mmHg or lower." in html


def test_weight_and_height_give_a_bmi_recorded_as_its_concept(booked, hca_client):
    patient = booked.fatima
    hca_client.post(url_for(review_of(patient)), form(weight="88", height="1.75", height_unit="m"))
    assert values(patient, "height") == [(D(2026, 6, 15), 175.0)]
    assert values(patient, "bmi") == [(D(2026, 6, 15), 28.7)]
    row = Observation.objects.get(patient=patient, concept="bmi")
    assert (row.code_system, row.code) == ("loinc", "39156-5")


def test_hba1c_in_percent_is_converted_as_the_import_converts_it(booked, hca_client):
    patient = booked.arthur
    hca_client.post(url_for(review_of(patient)), form(hba1c="7.5", hba1c_unit="%"))
    assert values(patient, "hba1c")[-1] == (D(2026, 6, 15), 58.5)


def test_questionnaires_are_scored_and_the_total_recorded(booked, hca_client):
    from tests.recall.conftest import person

    dilys = booked.dilys  # depression
    answers = {f"phq9_{n}": "2" for n in range(1, 10)} | {f"gad7_{n}": "1" for n in range(1, 8)}
    response = hca_client.post(url_for(review_of(dilys)), form(**answers))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert values(dilys, "phq9") == [(D(2026, 6, 15), 18.0)] and values(dilys, "gad7") == [(D(2026, 6, 15), 7.0)]
    html = hca_client.get(response["Location"]).content.decode()
    assert "18 score (moderately severe)" in html and "7 score (mild)" in html
    assert person  # the recall people fixture


def test_a_half_answered_questionnaire_saves_nothing(booked, hca_client):
    dilys = booked.dilys
    response = hca_client.post(url_for(review_of(dilys)), form(phq9_1="1", phq9_2="2"))
    assert response.status_code == 400
    assert "Answer all 9 PHQ-9 questions, or none of them (question 3 has no answer)" in response.content.decode()
    assert not Observation.objects.filter(patient=dilys, concept="phq9").exists()


@pytest.mark.parametrize("field, typed, message", [
    ("hba1c", "7.5", "HbA1c 7.5 mmol/mol is outside the plausible range 15 to 200 mmol/mol. Check the value and its unit."),
    ("hba1c", "1" * 30, "HbA1c must be a number"),
    ("hba1c", "5,8", "HbA1c must be a number"),
    ("egfr", "١٢", "eGFR 12 mL/min/1.73m2"),  # Arabic-Indic digits are read as the digits they are
    ("weight", "0.5", "Weight 0.5 kg is outside the plausible range 2 to 400 kg."),
])
def test_an_implausible_or_unreadable_value_is_refused_with_its_reason_and_nothing_is_saved(
        booked, hca_client, field, typed, message):
    patient = booked.arthur
    before = Observation.objects.filter(patient=patient).count()
    data = form(bp1_systolic="130", bp1_diastolic="80", **{field: typed})
    response = hca_client.post(url_for(review_of(patient)), data)
    html = response.content.decode()
    if field == "egfr":  # a readable value in range: saved with the rest
        assert response.status_code == 302 and values(patient, "egfr")[-1] == (D(2026, 6, 15), 12.0)
        return
    assert response.status_code == 400 and "There is a problem" in html and message in html
    assert "<title>Error:" in html
    assert 'value="130"' in html  # what was typed is kept
    assert Observation.objects.filter(patient=patient).count() == before  # all or nothing


def test_a_reading_the_wrong_way_round_or_half_typed_is_refused(booked, hca_client):
    patient = booked.fatima
    response = hca_client.post(url_for(review_of(patient)), form(bp1_systolic="80", bp1_diastolic="120",
                                                                bp2_systolic="130"))
    html = response.content.decode()
    assert response.status_code == 400
    assert "is not above the diastolic (bottom) reading" in html and "Enter the second diastolic" in html
    assert not Observation.objects.filter(patient=patient, concept="systolic_bp").exists()


def test_a_future_date_or_one_before_birth_is_refused_and_a_past_date_is_kept(booked, hca_client):
    patient = booked.fatima
    url = url_for(review_of(patient))
    response = hca_client.post(url, form(weight="80", **{"taken-day": "16", "taken-month": "6", "taken-year": "2026"}))
    assert response.status_code == 400 and "must be on or before 15 June 2026" in response.content.decode()
    response = hca_client.post(url, form(weight="80", **{"taken-day": "1", "taken-month": "1", "taken-year": "1970"}))
    assert response.status_code == 400 and "must be on or after" in response.content.decode()
    response = hca_client.post(url, form(weight="80", **{"taken-day": "10", "taken-month": "6", "taken-year": "2026"}))
    assert response.status_code == 302 and values(patient, "weight") == [(D(2026, 6, 10), 80.0)]


def test_an_empty_form_or_a_missing_token_saves_nothing(booked, hca_client):
    url = url_for(review_of(booked.fatima))
    response = hca_client.post(url, form())
    assert response.status_code == 400 and "Enter at least one result" in response.content.decode()
    response = hca_client.post(url, {**form(weight="80"), "token": "x' OR 1=1"})
    assert response.status_code == 400 and "This form has expired" in response.content.decode()
    assert not Observation.objects.filter(patient=booked.fatima, concept="weight").exists()


def test_sending_the_same_form_twice_records_once(booked, hca_client):
    patient = booked.fatima
    data = form(bp1_systolic="130", bp1_diastolic="80", weight="80")
    first = hca_client.post(url_for(review_of(patient)), data)
    again = hca_client.post(url_for(review_of(patient)), data)
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert len(values(patient, "systolic_bp")) == 1 and len(values(patient, "weight")) == 1
    assert AuditEvent.objects.filter(what="results", patient_id=patient.pk).count() == 1


def test_a_race_between_two_saves_of_one_form_records_once(booked, hca):
    """The second save of a form meets the first's rows by their source ids and writes nothing."""
    from tandem.results import actions
    from tandem.results.forms import Entry

    review = review_of(booked.fatima)
    entries = [Entry("weight", 80.0)]
    first = actions.record_results(review=review, patient=booked.fatima, by=hca, entries=entries,
                                   taken_on=D(2026, 6, 15), token="a" * 32)
    second = actions.record_results(review=review, patient=booked.fatima, by=hca, entries=entries,
                                    taken_on=D(2026, 6, 15), token="a" * 32)
    assert not first.again and second.again and [r.pk for r in first.rows] == [r.pk for r in second.rows]
    with pytest.raises(actions.ResultsError):
        actions.record_results(review=review_of(booked.arthur), patient=booked.fatima, by=hca, entries=entries,
                               taken_on=D(2026, 6, 15), token="b" * 32)


def test_administrators_are_refused_and_another_practice_review_is_not_found(booked, client):
    client.force_login(booked.admin)
    assert client.get(url_for(review_of(booked.fatima))).status_code == 403
    client.force_login(booked.other_nurse)
    assert client.get(url_for(review_of(booked.fatima))).status_code == 404


def test_the_pack_waiting_for_hba1c_is_ready_once_it_is_recorded_here(planned, hca, hca_client):
    from django.urls import reverse
    from django.utils import timezone

    from tandem.prepare import actions as prepare_actions
    from tests.prepare.conftest import _results

    u = planned
    tests_day = D(2026, 6, 1)
    _results(u.arthur, u.nurse, [("bp", tests_day, (132, 78)), ("total_cholesterol", tests_day, 4.6),
                                 ("ldl", tests_day, 2.4), ("egfr", tests_day, 58), ("urine_acr", tests_day, 2.1),
                                 ("weight", tests_day, 88.0), ("bmi", tests_day, 29.1)])
    starts = dt.datetime(2026, 6, 23, 10, 30, tzinfo=timezone.get_current_timezone())
    prepare_actions.book_conversation(review=review_of(u.arthur), by=u.admin, starts_at=starts, minutes=30,
                                      clinician=u.nurse, place="Riverside Surgery, room 3")
    packs = reverse("prepare:packs") + "?day=2026-06-23"
    html = hca_client.get(packs).content.decode()
    assert "Waiting for results" in html and "Outstanding: HbA1c" in html
    assert f'href="{url_for(review_of(u.arthur))}">Record results' in html  # the waiting pack links to its results
    hca_client.force_login(u.admin)  # an administrator cannot record results: no link
    assert "Record results" not in hca_client.get(packs).content.decode()
    hca_client.force_login(hca)
    page = hca_client.get(url_for(review_of(u.arthur))).content.decode()
    assert "Still outstanding" in page and "<li>HbA1c</li>" in page
    response = hca_client.post(url_for(review_of(u.arthur)), form(hba1c="61"))
    page = hca_client.get(response["Location"]).content.decode()
    assert "All the tests are in: the pack for the conversation on 23 June 2026 is ready to send." in page
    html = hca_client.get(packs).content.decode()
    assert "Waiting for results" not in html and "Outstanding: HbA1c" not in html


def test_the_page_reads_a_fixed_number_of_queries_however_many_results(booked, hca_client):
    """Pinned: the form for a person with a booked conversation (its pack is composed to say what is
    outstanding) costs the same with one year of results or five."""
    from tests.prepare.conftest import _results
    from tests.query_counts import queries_per_page

    path = url_for(review_of(booked.arthur))
    few = queries_per_page(hca_client, {"results": path})["results"]
    _results(booked.arthur, booked.nurse, [("hba1c", D(2022 + n, 3, 1), 60 + n) for n in range(4)]
             + [("bp", D(2022 + n, 3, 1), (140 + n, 80)) for n in range(4)])
    many = queries_per_page(hca_client, {"results": path})["results"]
    assert few == many
    assert many == 20, many  # session and user 2, review, patient and its audit row, facts, readings, registers,
    # targets, conversation, and the pack (prepare_many: facts, targets, registers, preferences, sent packs, readings...)


def coded(patient, concept):
    return sorted(Observation.objects.filter(patient=patient, concept=concept)
                  .values_list("effective_date", "code_system", "code", "value_code"))


def test_the_foot_check_records_each_foot_and_shows_the_higher_risk(booked, hca_client):
    patient = booked.arthur  # diabetes
    html = hca_client.get(url_for(review_of(patient))).content.decode()
    assert 'name="foot_risk_left"' in html and 'name="foot_risk_right"' in html
    assert html.count('type="radio" value="" checked><label class="nhsuk-label nhsuk-radios__label" for="foot_risk_') == 2
    assert "Not examined (for example, after an amputation)" in html and 'name="inhaler_technique"' not in html
    response = hca_client.post(url_for(review_of(patient)), form(foot_risk_left="low", foot_risk_right="moderate"))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert coded(patient, "foot_risk") == [(D(2026, 6, 15), "snomed", "394675000", "low"),  # left, low risk
                                          (D(2026, 6, 15), "snomed", "394682001", "moderate")]  # right, moderate
    assert AuditEvent.objects.filter(what="results", patient_id=patient.pk).count() == 1
    html = hca_client.get(response["Location"]).content.decode()
    assert "Diabetic foot risk" in html and "Moderate risk (left foot: low risk, right foot: moderate risk)" in html
    html = hca_client.get(url_for(review_of(patient))).content.decode()
    assert "Last: Moderate risk (left foot: low risk, right foot: moderate risk) on 15 June 2026" in html


def test_one_foot_may_be_recorded_alone_and_only_the_latest_check_is_shown_as_last(booked, hca_client):
    from tandem.patients import actions

    patient = booked.arthur
    actions.record_observation(patient=patient, by=booked.nurse, concept="foot_risk", effective_date=D(2025, 6, 2),
                               value_code="high", code_system="snomed", code="394676004")
    html = hca_client.get(url_for(review_of(patient))).content.decode()
    assert "Last: High risk (left foot only) on 2 June 2025" in html
    response = hca_client.post(url_for(review_of(patient)), form(foot_risk_right="active"))
    assert response.status_code == 302
    assert coded(patient, "foot_risk")[-1] == (D(2026, 6, 15), "snomed", "394673007", "active")
    html = hca_client.get(url_for(review_of(patient))).content.decode()
    assert "Last: Active foot problem, ulcerated (right foot only) on 15 June 2026" in html


def test_inhaler_technique_is_recorded_as_observed_with_its_outcome(booked, hca_client):
    patient = booked.beatrice  # COPD
    html = hca_client.get(url_for(review_of(patient))).content.decode()
    assert 'name="inhaler_technique"' in html and 'name="foot_risk_left"' not in html
    assert "Watch them use each inhaler (and spacer) they have. No earlier result." in html
    response = hca_client.post(url_for(review_of(patient)), form(inhaler_technique="needs_help"))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert coded(patient, "inhaler_technique") == [(D(2026, 6, 15), "snomed", "170614009", "needs_help")]
    assert "Needs help with technique" in hca_client.get(response["Location"]).content.decode()
    html = hca_client.get(url_for(review_of(patient))).content.decode()
    assert "Last: Needs help with technique on 15 June 2026" in html


@pytest.mark.parametrize("who, field, typed, message", [
    ("arthur", "foot_risk_left", "extreme", "Select the left foot&#39;s risk: low, moderate or high, or an active foot problem"),
    ("arthur", "foot_risk_right", "394673007", "Select the right foot&#39;s risk"),  # a code is not a choice
    ("beatrice", "inhaler_technique", "perfect", "Select whether their inhaler technique was good or needs help"),
])
def test_a_choice_not_offered_is_refused_and_nothing_is_saved(booked, hca_client, who, field, typed, message):
    patient = getattr(booked, who)
    before = Observation.objects.filter(patient=patient).count()
    data = {"weight": "80", "foot_risk_right": "low", field: typed}  # a good answer too: nothing is saved
    response = hca_client.post(url_for(review_of(patient)), form(**data))
    html = response.content.decode()
    assert response.status_code == 400 and "There is a problem" in html and message in html
    assert f'href="#{field}"' in html
    assert Observation.objects.filter(patient=patient).count() == before  # not the weight either


def test_people_without_diabetes_or_an_inhaler_condition_are_not_asked(booked, hca_client):
    html = hca_client.get(url_for(review_of(booked.fatima))).content.decode()  # hypertension
    assert 'name="foot_risk_left"' not in html and 'name="inhaler_technique"' not in html
    response = hca_client.post(url_for(review_of(booked.fatima)), form(weight="80", foot_risk_left="low",
                                                                      inhaler_technique="good"))
    assert response.status_code == 302  # fields the plan does not ask for are ignored
    assert not coded(booked.fatima, "foot_risk") and not coded(booked.fatima, "inhaler_technique")
