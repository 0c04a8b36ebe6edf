"""_lastUpdated on clinical rows: when Tandem last wrote each, by every writer (the actions, the FHIR import's
inserts and corrections, the bulk loader), so a system syncing a person's results asks only for what changed."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.utils import timezone

from tandem.core import clock
from tandem.fhirapi.auth import id_codec
from tandem.patients import actions as patient_actions
from tandem.patients.models import Condition, Observation

pytestmark = pytest.mark.django_db


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def test_a_sync_asks_only_for_what_changed_since_it_last_asked(universe, user_api):
    u = universe
    with clock.frozen(_at(dt.date(2026, 6, 1))):
        old = patient_actions.record_observation(patient=u.patient, by=u.nurse, concept="weight", value=70,
                                                 effective_date=dt.date(2026, 6, 1))
        condition = patient_actions.record_condition(patient=u.patient, by=u.nurse, code="44054006",
                                                     term="Type 2 diabetes mellitus", onset_date=dt.date(2015, 1, 1))
    with clock.frozen(_at(dt.date(2026, 6, 10))):
        new = patient_actions.record_observation(patient=u.patient, by=u.nurse, concept="weight", value=71,
                                                 effective_date=dt.date(2026, 6, 10))
        patient_actions.resolve_condition(condition=condition, by=u.nurse, resolved_date=dt.date(2026, 6, 9))
    pid = id_codec().encode("Patient", u.patient.pk)
    found = user_api.get("Observation", {"patient": pid, "_lastUpdated": "gt2026-06-05"}).json()
    assert [e["resource"]["id"] for e in found["entry"]] == [id_codec().encode("Observation", new.pk)]
    assert found["entry"][0]["resource"]["meta"]["lastUpdated"].startswith("2026-06-10")
    assert old.pk != new.pk
    changed = user_api.get("Condition", {"patient": pid, "_lastUpdated": "ge2026-06-10"}).json()
    assert changed["total"] == 1  # resolving it is a change


def test_the_fhir_import_stamps_what_it_adds_and_what_it_corrects(universe):
    from tandem.fhir.actions import import_files

    u = universe
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
        "resourceType": "Observation", "id": "w1", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
        "subject": {"identifier": {"system": "https://fhir.nhs.uk/Id/nhs-number", "value": u.patient.nhs_number}},
        "effectiveDateTime": "2026-05-01", "valueQuantity": {"value": 80, "unit": "kg"}}}]}
    with clock.frozen(_at(dt.date(2026, 6, 2))):
        import_files(practice=u.practice, by=u.nurse, files=[("a.json", io.BytesIO(json.dumps(bundle).encode()))])
    row = Observation.objects.get(source_id__endswith="w1")
    assert row.recorded_at == _at(dt.date(2026, 6, 2))
    bundle["entry"][0]["resource"]["valueQuantity"]["value"] = 81
    with clock.frozen(_at(dt.date(2026, 6, 12))):
        import_files(practice=u.practice, by=u.nurse, files=[("a.json", io.BytesIO(json.dumps(bundle).encode()))])
    row.refresh_from_db()
    assert (row.value, row.recorded_at) == (81, _at(dt.date(2026, 6, 12)))
    assert Condition.objects.count() == 0
