"""A check-in's answers through the API: the person answered between visits, and a community nurse's
system reads them as QuestionnaireResponse (searched by person, date and status), about the right
Patient, valid FHIR R4."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.checkins import actions, forms
from tandem.checkins.models import Answer, CheckIn
from tandem.fhirapi.auth import id_codec
from tests.checkins.conftest import agreed, booked, planned, recall  # noqa: F401 - fixtures

from .conftest import Api, get_token, ids_of, register

D = dt.date


@pytest.fixture
def settle(monkeypatch):
    from tandem.core import clock

    def to(day):
        moment = dt.datetime.combine(day, dt.time(12), tzinfo=clock.now().tzinfo)
        monkeypatch.setattr(clock, "now", lambda: moment)
        monkeypatch.setattr(clock, "today", lambda: day)
    return to


def test_check_in_answers_are_served_as_questionnaire_responses(agreed, settle):  # noqa: F811
    from tandem.careplans.fhir.common import checked

    settle(D(2026, 7, 15))
    actions.open_due(practice=agreed.practice, by=None, today=D(2026, 7, 15))
    checkin = CheckIn.objects.get()
    read = forms.read({"goal-walk": "1", "reading-home_bp": "132/80", "confidence": "7"}, checkin.questions)
    actions.record_answer(checkin_id=checkin.pk, practice=agreed.practice, answers=read.answers, given_by="person")
    answer = Answer.objects.get()
    api = Api(get_token(register(), agreed.nurse, "user/QuestionnaireResponse.rs")["access_token"])
    person = id_codec().encode("Patient", agreed.beatrice.pk)
    rid = id_codec().encode("QuestionnaireResponse", answer.pk)

    found = api.get("QuestionnaireResponse", {"patient": person}).json()
    assert ids_of(found) == [rid]
    resource = found["entry"][0]["resource"]
    checked(resource)
    assert resource["subject"] == {"reference": f"Patient/{person}"} and resource["status"] == "completed"
    items = {i["linkId"]: i for i in resource["item"]}
    assert items["confidence"]["answer"] == [{"valueInteger": 7}]
    assert items["reading-home_bp"]["answer"] == [{"valueString": "132/80"}]
    assert api.get(f"QuestionnaireResponse/{rid}").json()["id"] == rid
    assert ids_of(api.get("QuestionnaireResponse", {"authored": "2026-07-15"}).json()) == [rid]
    assert ids_of(api.get("QuestionnaireResponse", {"authored": "lt2026-07"}).json()) == []
    assert ids_of(api.get("QuestionnaireResponse", {"_lastUpdated": "ge2026-07-15T11:00:00+01:00"}).json()) == [rid]
    assert ids_of(api.get("QuestionnaireResponse", {"status": "in-progress"}).json()) == []
    # the token's scope is QuestionnaireResponse only
    assert api.get("Patient").status_code == 403
