"""Finding a patient and the patient summary."""

from __future__ import annotations

from django.shortcuts import render

from tandem.core.permissions import practice_required
from tandem.core.rules import Capability

from . import queries


@practice_required(Capability.VIEW_PATIENT)
def search(request):
    return render(request, "patients/search.jinja", {"active_section": "patients"})


@practice_required(Capability.VIEW_CLINICAL)
def summary(request, pk: int):
    patient = queries.get_patient(practice=request.practice, pk=pk, by=request.user)
    return render(request, "patients/summary.jinja", {"patient": patient, "active_section": "patients"})
