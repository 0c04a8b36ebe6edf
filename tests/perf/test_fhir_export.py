"""The FHIR export page no longer validates every resource against the R4B models on each download
(the tests do, here and in tests/careplans/test_fhir.py): what it serves is exactly the document that
passes that validation."""

from __future__ import annotations

import json

from django.urls import reverse

from tandem.careplans.fhir.bundle import document
from tandem.careplans.queries.fhir import export_source
from tests.perf.test_query_counts import bigger_plan, save


def test_the_downloaded_document_is_the_validated_one(client, booked):
    u = booked
    client.force_login(u.nurse)
    save(client, u, bigger_plan(u, 3))
    served = json.loads(client.get(reverse("careplans:fhir", args=[u.arthur.pk])).content)
    validated = document(export_source(practice=u.practice, patient_id=u.arthur.pk, by=u.nurse), validate=True)
    assert served == json.loads(json.dumps(validated))
    assert served["entry"][0]["resource"]["resourceType"] == "Composition"
