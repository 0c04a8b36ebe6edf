"""Synthetic people for page tests, built through the patient actions (as a user would record them).

Dates are relative to the pinned test clock (15 June 2026), so "the last 12 months"
and "the last 5 years" always contain the same readings.
"""

from __future__ import annotations

import datetime as dt

from tandem.core import clock
from tandem.patients import actions

# SNOMED CT diagnosis codes, each in its condition's codelist (tandem/terminology/codelists).
TYPE_2_DIABETES = "44054006"
HYPERTENSION = "38341003"
CKD_STAGE_3A = "700378005"
COPD = "13645005"
DEPRESSION = "35489007"
ASTHMA = "195967001"

# Eleven regular medicines and one when needed; names, doses and dm+d codes from
# tandem/terminology/medicines.csv.
MEDICINES = [
    ("Metformin 500mg tablets", "One tablet twice a day with meals", "325278007", True),
    ("Empagliflozin 10mg tablets", "One tablet once a day", "25290511000001101", True),
    ("Ramipril 5mg capsules", "One capsule once a day", "318902004", True),
    ("Amlodipine 5mg tablets", "One tablet once a day", "319283006", True),
    ("Indapamide 2.5mg tablets", "One tablet each morning", "317956008", True),
    ("Atorvastatin 20mg tablets", "One tablet at night", "320030001", True),
    ("Umeclidinium bromide 65micrograms/dose / Vilanterol 22micrograms/dose dry powder inhaler",
     "One inhalation once a day", "24645511000001105", True),
    ("Sertraline 50mg tablets", "One tablet once a day", "", True),
    ("Omeprazole 20mg gastro-resistant capsules", "One capsule once a day", "317291008", True),
    ("Gliclazide 80mg tablets", "One tablet twice a day with breakfast and the evening meal", "325242002", True),
    ("Aspirin 75mg dispersible tablets", "One tablet once a day", "319773006", True),
    ("Salbutamol 100micrograms/dose inhaler CFC free", "Two puffs when needed for breathlessness",
     "320139002", False),
]


def months_ago(today: dt.date, months: int) -> dt.date:
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return dt.date(year, month + 1, min(today.day, 28))


def multimorbid_patient(*, practice, by, nhs_number: str = "9990000034", given_name: str = "Dorothy",
                        family_name: str = "Whitfield", carer_name: str = "Alan Whitfield"):
    """A 79-year-old with type 2 diabetes, hypertension, CKD stage 3, COPD and depression."""
    today = clock.today()
    patient = actions.register_patient(
        practice=practice, by=by, nhs_number=nhs_number, given_name=given_name, family_name=family_name,
        date_of_birth=dt.date(1947, 2, 11), sex="female", address_line1="14 Mill Lane", town="Leeds",
        postcode="LS6 2QT", mobile="07700 900123", preferred_channel="phone", registered_on=dt.date(1990, 5, 1),
    )
    actions.record_condition(patient=patient, by=by, code=HYPERTENSION, onset_date=dt.date(2004, 9, 1))
    actions.record_condition(patient=patient, by=by, code=TYPE_2_DIABETES, onset_date=dt.date(2009, 3, 12))
    actions.record_condition(patient=patient, by=by, code=COPD, onset_date=dt.date(2013, 11, 20))
    actions.record_condition(patient=patient, by=by, code=DEPRESSION, onset_date=dt.date(2019, 6, 3))
    actions.record_condition(patient=patient, by=by, code=CKD_STAGE_3A, onset_date=dt.date(2021, 1, 15))
    actions.record_condition(patient=patient, by=by, code=ASTHMA, onset_date=dt.date(1995, 4, 1),
                             resolved_date=dt.date(2013, 11, 20))
    actions.record_condition(patient=patient, by=by, code="90560007", term="Gout",
                             onset_date=dt.date(2016, 2, 2))

    # Six-monthly reviews for seven years: HbA1c drifting up, blood pressure above target lately.
    hba1c = [52, 55, 54, 58, 61, 60, 63, 66, 64, 68, 70, 67, 69, 72]
    systolic = [134, 138, 131, 142, 139, 136, 144, 141, 146, 139, 148, 143, 145, 146]
    diastolic = [80, 82, 78, 84, 80, 79, 86, 83, 85, 81, 88, 84, 86, 84]
    egfr = [68, 66, 63, 61, 60, 58, 57, 55, 54, 52, 51, 50, 49, 48]
    for i in range(14):
        when = months_ago(today, 6 * (13 - i) + 1)
        actions.record_observation(patient=patient, by=by, concept="hba1c", value=hba1c[i], effective_date=when)
        actions.record_blood_pressure(patient=patient, by=by, systolic=systolic[i], diastolic=diastolic[i],
                                      effective_date=when)
        actions.record_observation(patient=patient, by=by, concept="egfr", value=egfr[i], effective_date=when)
    last = months_ago(today, 1)
    copd_review = months_ago(today, 8)
    for concept, value, when in [
        ("total_cholesterol", 4.6, last), ("ldl", 2.4, last), ("urine_acr", 4.2, last), ("bmi", 31.4, last),
        ("weight", 82.5, last), ("fev1", 1.42, copd_review), ("cat_score", 18, copd_review),
        ("mrc_dyspnoea", 3, copd_review), ("phq9", 9, months_ago(today, 3)), ("phq9", 14, months_ago(today, 15)),
    ]:
        actions.record_observation(patient=patient, by=by, concept=concept, value=value, effective_date=when)
    actions.record_observation(patient=patient, by=by, concept="smoking", value_code="ex", effective_date=last)

    for name, dose, code, regular in MEDICINES:
        actions.record_medication(patient=patient, by=by, name=name, dose=dose, dmd_code=code, is_regular=regular,
                                  start_date=dt.date(2021, 3, 1))
    actions.record_medication(patient=patient, by=by, name="Naproxen 250mg tablets", dose="One tablet when needed",
                              dmd_code="329806007", is_regular=False, start_date=dt.date(2020, 1, 10),
                              end_date=months_ago(today, 4))

    actions.record_encounter(patient=patient, by=by, date=months_ago(today, 1), kind="face_to_face",
                             clinician_role="nurse", reason="Long-term condition review")
    actions.record_encounter(patient=patient, by=by, date=months_ago(today, 3), kind="telephone",
                             clinician_role="gp", reason="Low mood follow-up")
    actions.record_encounter(patient=patient, by=by, date=months_ago(today, 5), kind="face_to_face",
                             clinician_role="hca", status="dna", reason="Blood tests")
    actions.record_encounter(patient=patient, by=by, date=months_ago(today, 7), kind="face_to_face",
                             clinician_role="gp", reason="Chest infection")
    actions.record_encounter(patient=patient, by=by, date=today + dt.timedelta(days=18), kind="face_to_face",
                             clinician_role="nurse", status="booked", reason="Care planning conversation")
    actions.record_hospital_event(patient=patient, by=by, kind="ae", start_date=months_ago(today, 7),
                                  end_date=months_ago(today, 7), reason="Breathlessness")
    actions.record_hospital_event(patient=patient, by=by, kind="emergency", start_date=months_ago(today, 30),
                                  end_date=months_ago(today, 30) + dt.timedelta(days=4),
                                  reason="Exacerbation of COPD")

    actions.add_related_person(patient=patient, by=by, name=carer_name, relationship="spouse", is_carer=True,
                               is_next_of_kin=True, phone="07700 900456")
    actions.add_related_person(patient=patient, by=by, name="Susan Green", relationship="child",
                               has_proxy_access=True, email="susan.green@example.com")
    actions.set_reasonable_adjustment(patient=patient, by=by, kind="large_print")
    actions.set_reasonable_adjustment(patient=patient, by=by, kind="interpreter", detail="Polish")
    return patient
