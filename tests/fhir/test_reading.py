"""Reading files: which bundles are accepted, and how unreadable files are reported. No database."""

from __future__ import annotations

import io
import json

import pytest

from tandem.fhir import parse

from .conftest import FIXTURES, collection

PATIENT = {"resourceType": "Patient", "id": "p1"}


def read(data, name="file.json"):
    raw = data if isinstance(data, bytes) else (data if isinstance(data, str) else json.dumps(data)).encode()
    return parse.read(name, io.BytesIO(raw))


@pytest.mark.parametrize("kind", ["collection", "transaction", "batch", "searchset"])
def test_collection_transaction_batch_and_searchset_bundles_are_read(kind):
    parsed = read(collection(PATIENT, kind=kind))
    assert parsed.problems == []
    assert parsed.kind == f"Bundle ({kind})"
    assert [e.resource["id"] for e in parsed.entries] == ["p1"]


@pytest.mark.parametrize(("kind", "why"), [
    ("document", "FHIR document"),
    ("message", "FHIR message"),
    ("history", "history of changes"),
    ("transaction-response", "reply to a transaction"),
])
def test_other_bundle_types_are_refused_saying_why_and_what_is_accepted(kind, why):
    parsed = read(collection(PATIENT, kind=kind))
    assert parsed.entries == []
    [problem] = parsed.problems
    assert why in problem.reason
    assert "collection, transaction or batch" in problem.reason


def test_a_bundle_without_a_type_is_refused():
    bundle = collection(PATIENT)
    del bundle["type"]
    parsed = read(bundle)
    assert parsed.entries == []
    assert any("'type' is required" in p.reason for p in parsed.problems)


def test_malformed_json_is_reported_with_line_and_column():
    text = (FIXTURES / "transaction_multimorbid.json").read_text()
    broken = text.replace('"status": "final",', '"status": "final"', 1)
    parsed = read(broken)
    [problem] = parsed.problems
    assert "is not valid JSON" in problem.reason
    assert "line" in problem.reason and "column" in problem.reason


def test_ndjson_lines_are_entries_and_a_bad_line_is_named():
    lines = json.dumps(PATIENT) + "\n\n" + '{"resourceType": "Observation", "id": "x",' + "\n"
    parsed = read(lines, name="export.ndjson")
    assert parsed.kind == "NDJSON"
    assert len(parsed.entries) == 1
    [problem] = parsed.problems
    assert problem.where.describe() == "Line 3"
    assert "not valid JSON" in problem.reason


def test_ndjson_named_json_is_recognised():
    parsed = read(json.dumps(PATIENT) + "\n" + json.dumps({**PATIENT, "id": "p2"}) + "\n", name="export.json")
    assert parsed.kind == "NDJSON"
    assert [e.resource["id"] for e in parsed.entries] == ["p1", "p2"]


def test_a_single_resource_file_is_one_entry():
    parsed = read(PATIENT)
    assert parsed.kind == "single resource"
    assert parsed.entries[0].where.resource == "Patient/p1"


def test_a_delete_in_a_transaction_is_refused():
    bundle = collection(PATIENT, kind="transaction")
    bundle["entry"].append({"request": {"method": "DELETE", "url": "Patient/p9"}})
    parsed = read(bundle)
    [problem] = parsed.problems
    assert problem.where.number == 2
    assert "never deletes" in problem.reason


def test_json_that_is_not_fhir_is_refused():
    assert "not FHIR" in read([1, 2, 3]).problems[0].reason
    assert "empty" in read(b"   ").problems[0].reason
    assert "not UTF-8" in read(b"\xff\xfe{}").problems[0].reason
