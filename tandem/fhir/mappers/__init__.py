"""One pure mapper per FHIR resource type: a validated FHIR model in, Tandem fields out."""

from __future__ import annotations

from .condition import map_condition
from .encounter import map_encounter
from .medication import map_medication
from .observation import map_observation

# Resource types whose contents become rows of the clinical record (Patient is handled
# on its own: people are matched, not inserted).
CLINICAL = {
    "Condition": map_condition,
    "Observation": map_observation,
    "MedicationStatement": map_medication,
    "MedicationRequest": map_medication,
    "Encounter": map_encounter,
}
# Read only to resolve references from the types above.
SUPPORTING = {"Medication"}
# Lab reports: not rows themselves; their results are Observations (tandem.fhir.lab_reports).
REPORTS = {"DiagnosticReport"}
