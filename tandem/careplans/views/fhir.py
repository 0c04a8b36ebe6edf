"""The care plan as a FHIR R4 document: GET /care-plans/<patient_id>/fhir.json (the latest version, or
?version=N for an earlier one), application/fhir+json, audited as an export."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.views.decorators.http import require_GET

from tandem.core.parsing import read_id
from tandem.core.permissions import practice_required
from tandem.core.rules import Capability

from ..fhir.bundle import document
from ..queries.fhir import export_source

CONTENT_TYPE = "application/fhir+json; charset=utf-8"


@require_GET
@practice_required(Capability.VIEW_CLINICAL)
def fhir_document(request, patient_id: int):
    number = None
    if "version" in request.GET:
        number = read_id(request.GET["version"])
        if number is None:
            raise Http404("No such version of this care plan")
    source = export_source(practice=request.practice, patient_id=patient_id, by=request.user, number=number)
    if source is None:
        messages.info(request, "There is no saved care plan to export yet.")
        return redirect("patients:summary", pk=patient_id)
    # The mappers are pure and validated against the R4B models in the tests: not again on every download.
    body = json.dumps(document(source, validate=False), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="care-plan-{patient_id}-v{source.version}.fhir.json"'
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("<id:patient_id>/fhir.json", fhir_document, name="fhir"),
]
