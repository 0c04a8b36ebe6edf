"""Helpers for the FHIR import tests: fixture files and importing them through the action."""

from __future__ import annotations

import copy
import io
import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
NHS = "https://fhir.nhs.uk/Id/nhs-number"


def load(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def as_file(data: dict | list | str | bytes, name: str = "bundle.json") -> tuple[str, io.BytesIO]:
    if isinstance(data, dict):
        data = json.dumps(data)
    elif isinstance(data, list):  # NDJSON lines
        data = "\n".join(json.dumps(r) for r in data) + "\n"
    if isinstance(data, str):
        data = data.encode()
    return name, io.BytesIO(data)


def collection(*resources: dict, kind: str = "collection") -> dict:
    return {"resourceType": "Bundle", "type": kind, "entry": [{"resource": copy.deepcopy(r)} for r in resources]}


def with_nhs_number(patient: dict, number: str) -> dict:
    patient = copy.deepcopy(patient)
    patient.setdefault("identifier", []).append({"system": NHS, "value": number})
    return patient


@pytest.fixture
def run_import(universe):
    """Import files into the universe's first practice as its administrator; returns the reports."""
    from tandem.fhir import actions

    def run(*files, practice=None, by=None):
        return actions.import_files(files=list(files), practice=practice or universe.practice,
                                    by=by or universe.admin)

    return run
