"""Prepare tests: people with reviews, results from their tests appointment, and a conversation
booked, all through the actions.

    person     conditions                        results (tests appointment 1 June 2026)      conversation
    Arthur     type 2 diabetes, hypertension     HbA1c 62 (70 a year ago), BP, cholesterol,   23 June 2026 10:30
                                                 eGFR, urine ACR, weight and BMI: complete    with the nurse
    Beatrice   COPD                              CAT score, MRC grade 3, BMI; no FEV1 needed  24 June 2026 14:00
                                                 (spirometry not due); complete
    Fatima     hypertension                      none yet: blood pressure outstanding         25 June 2026 09:00
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.recall.conftest import ADDRESS, code_for, person, planned, recall, review_of  # noqa: F401

D = dt.date


def _results(patient, by, rows):
    from tandem.patients import actions

    for concept, on, value in rows:
        if concept == "bp":
            actions.record_blood_pressure(patient=patient, by=by, systolic=value[0], diastolic=value[1],
                                          effective_date=on)
        else:
            actions.record_observation(patient=patient, by=by, concept=concept, effective_date=on, value=value)


@pytest.fixture
def booked(planned):  # noqa: F811 - the recall fixture, imported above
    """`planned` plus results and booked conversations (see the module docstring)."""
    from django.utils import timezone

    from tandem.prepare import actions

    u = planned
    tests_day = D(2026, 6, 1)
    _results(u.arthur, u.nurse, [
        ("hba1c", D(2025, 6, 2), 70), ("hba1c", tests_day, 62),
        ("bp", D(2025, 6, 2), (150, 88)), ("bp", tests_day, (142, 86)),
        ("total_cholesterol", tests_day, 4.6), ("ldl", tests_day, 2.4), ("egfr", tests_day, 58),
        ("urine_acr", tests_day, 2.1), ("weight", tests_day, 88.0), ("bmi", tests_day, 29.1),
    ])
    _results(u.beatrice, u.nurse, [
        ("cat_score", tests_day, 18), ("mrc_dyspnoea", tests_day, 3), ("bmi", tests_day, 24.0),
        ("weight", tests_day, 64.0), ("fev1", D(2026, 3, 1), 1.4),
    ])
    tz = timezone.get_current_timezone()

    def at(day, hour, minute=0):
        return dt.datetime(2026, 6, day, hour, minute, tzinfo=tz)

    u.arthur_talk = actions.book_conversation(review=review_of(u.arthur), by=u.admin, starts_at=at(23, 10, 30),
                                              minutes=30, clinician=u.nurse, place="Riverside Surgery, room 3")
    u.beatrice_talk = actions.book_conversation(review=review_of(u.beatrice), by=u.admin, starts_at=at(24, 14),
                                                minutes=25, clinician=u.nurse, place="Riverside Surgery, room 3")
    u.fatima_talk = actions.book_conversation(review=review_of(u.fatima), by=u.admin, starts_at=at(25, 9),
                                              minutes=20, clinician=u.nurse, place="Riverside Surgery, room 3")
    return u
