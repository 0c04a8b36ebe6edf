"""Recall tests: a practice whose people are on registers, built through the actions.

Registers are worked out the way the practice's refresh works them out (tandem.registers), from
diagnosis codes recorded through the patient actions.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tests.browser.conftest import pytest_collection_modifyitems  # noqa: F401

D = dt.date


def code_for(slug: str) -> str:
    """A diagnosis code that puts a person on this register and no other."""
    from tandem.terminology import codelists

    return next(c for c in sorted(codelists.get(slug).codes) if codelists.conditions_for_code(c) == (slug,))


def person(practice, *, nhs_number, given, family, born, conditions=(), by=None, adjustments=(), **fields):
    from tandem.patients import actions

    patient = actions.register_patient(practice=practice, by=by, nhs_number=nhs_number, given_name=given,
                                       family_name=family, date_of_birth=born, **fields)
    for slug in conditions:
        actions.record_condition(patient=patient, by=by, code=code_for(slug), onset_date=D(2015, 1, 1))
    for kind in adjustments:
        actions.set_reasonable_adjustment(patient=patient, by=by, kind=kind)
    return patient


ADDRESS = {"address_line1": "3 Park Row", "town": "Leeds", "postcode": "LS1 5AB"}


@pytest.fixture
def recall(universe):
    """Riverside Surgery with six people on registers (and Margaret, on none), registers refreshed.

    due (birth month)   person                     conditions                    reached by
    March 2027          Arthur Bennett             type 2 diabetes, hypertension letter
    July 2026           Beatrice Cole              COPD                          text message
    July 2026           Colin Dare                 asthma                        large-print letter
    August 2026         Dilys Evans                depression                    letter (prefers text, no mobile)
    July 2026           Edwin Ford                 heart failure                 nothing: no address
    June 2026           Fatima Green               hypertension                  email
    """
    from tandem.core import actions as core_actions
    from tandem.core.rules import Role
    from tandem.registers import actions as register_actions

    u = universe
    practice = u.practice
    practice.address_line1, practice.town, practice.postcode, practice.phone = (
        "1 Riverside Road", "Leeds", "LS6 1AA", "0113 496 0000")
    practice.save()
    u.manager = core_actions.add_staff(practice=practice, username="manager", role=Role.MANAGER, by=None,
                                       password="correct-horse-battery", first_name="Priya", last_name="Shah")
    u.arthur = person(practice, nhs_number="9990000034", given="Arthur", family="Bennett", born=D(1950, 3, 9),
                      conditions=["diabetes_type2", "hypertension"], preferred_channel="letter", **ADDRESS)
    u.beatrice = person(practice, nhs_number="9990000042", given="Beatrice", family="Cole", born=D(1960, 7, 1),
                        conditions=["copd"], preferred_channel="sms", mobile="07700 900001", **ADDRESS)
    u.colin = person(practice, nhs_number="9990000050", given="Colin", family="Dare", born=D(1970, 7, 20),
                     conditions=["asthma"], preferred_channel="email", email="colin@example.org",
                     adjustments=["large_print"], **ADDRESS)
    u.dilys = person(practice, nhs_number="9990000069", given="Dilys", family="Evans", born=D(1980, 8, 5),
                     conditions=["depression"], preferred_channel="sms", **ADDRESS)
    u.edwin = person(practice, nhs_number="9990000077", given="Edwin", family="Ford", born=D(1945, 7, 30),
                     conditions=["heart_failure"], preferred_channel="letter")
    u.fatima = person(practice, nhs_number="9990000085", given="Fatima", family="Green", born=D(1975, 6, 12),
                      conditions=["hypertension"], preferred_channel="email", email="fatima@example.org", **ADDRESS)
    register_actions.refresh_practice(practice=practice, by=None)
    return u


@pytest.fixture
def planned(recall):
    from tandem.recall import actions

    actions.plan_reviews(practice=recall.practice, by=recall.admin)
    return recall


def review_of(patient):
    from tandem.recall.models import Review

    return Review.objects.get(patient=patient)
