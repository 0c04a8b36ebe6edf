"""Check-in tests build on the prepare fixtures (Beatrice: COPD, prefers texts, has a mobile)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.prepare.conftest import booked, planned, recall  # noqa: F401

D = dt.date


def agreed_plan(u, *, every="monthly", channel="text", caller=None, mood=True):
    from tandem.careplans.rules.agreed_checkins import CheckIns, ReadingAgreement
    from tandem.careplans.rules.document import Goal, Plan, WarningSign

    return Plan(
        goals=(Goal(id="walk", words="Walk to the shop without stopping", importance=8, watch=True),
               Goal(id="sleep", words="Sleep through the night", importance=4)),
        warning_signs=(WarningSign(id="w1", level="amber", signs="More breathless than usual",
                                   what_to_do="Start the rescue pack", contact="The practice nurse"),
                       WarningSign(id="w2", level="red", signs="Very high blood pressure or chest pain",
                                   what_to_do="Call the surgery today and ask for the duty doctor",
                                   contact="Riverside Surgery 0113 496 0000")),
        review_date="2027-06-01", agreed_with_person=True, named_clinician_id=u.nurse.pk,
        checkins=CheckIns(every=every, channel=channel, caller_id=caller.pk if caller else None, mood=mood,
                          readings=(ReadingAgreement("home_bp", amber="150/95", red="180/110"),)))


@pytest.fixture
def agreed(booked):  # noqa: F811
    from tandem.careplans import actions

    booked.version = actions.save_plan(patient=booked.beatrice, by=booked.nurse, plan=agreed_plan(booked),
                                       base_version=0).version
    return booked


def working_link(message) -> str:
    """The /r/<token>/ address in a message as it is sent."""
    from tandem.messaging import link_actions

    found = re.search(r"/r/([A-Za-z0-9_-]{20,})/", link_actions.as_sent(message.body))
    assert found, message.body
    return found.group(1)


def born(patient) -> dict:
    b = patient.date_of_birth
    return {"dob[day]": str(b.day), "dob[month]": str(b.month), "dob[year]": str(b.year)}
