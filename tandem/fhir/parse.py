"""Reading a file into entries: a FHIR Bundle (JSON), NDJSON, or a single resource. Pure.

Accepted:
- Bundles of type collection, transaction and batch: sets of resources to record.
- Bundles of type searchset (a FHIR search result): its resources are records like a
  collection's; its OperationOutcome entries are skipped.
- NDJSON (FHIR Bulk Data export): one resource per line. Files named *.ndjson or
  *.jsonl are read line by line from disk.
- A single resource (e.g. an HL7 example file), treated as a one-entry file.

Refused, with a reason: document Bundles (an attested document such as a discharge
letter: its content belongs to the document and is read as one), message Bundles,
history Bundles (several versions of one record, including deletions) and
transaction/batch responses (replies from a server, not records). A transaction or
batch entry asking to DELETE is refused too: importing never deletes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from tandem.core.parsing import JsonRefused, load_json

from .mappers.common import shown
from .report import Problem, Where
from .validate import validate_envelope

ACCEPTED_BUNDLE_TYPES = ("collection", "transaction", "batch", "searchset")
REFUSED_BUNDLE_TYPES = {
    "document": "it is a FHIR document (an attested record such as a letter), which is read as a whole, "
                "not imported into the record",
    "message": "it is a FHIR message (an event sent between systems), not a set of records",
    "history": "it is a history of changes (several versions of records, including deletions), "
               "not the current records",
    "transaction-response": "it is a server's reply to a transaction, not a set of records",
    "batch-response": "it is a server's reply to a batch, not a set of records",
}
NDJSON_SUFFIXES = (".ndjson", ".jsonl", ".ndj")
ACCEPTED_DESCRIPTION = (
    "Tandem imports FHIR R4 Bundles of type collection, transaction or batch, and NDJSON files."
)


@dataclass(frozen=True)
class Entry:
    where: Where
    resource: dict


@dataclass
class ParsedFile:
    kind: str = ""
    entries: list[Entry] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    count: int = 0  # entries or lines read

    def problem(self, where: Where, reason: str) -> None:
        self.problems.append(Problem(where, reason))


def where_of(resource: object, number: int | None, full_url: str = "", line_based: bool = False) -> Where:
    label = ""
    if isinstance(resource, dict):
        rtype = resource.get("resourceType")
        rid = resource.get("id")
        if isinstance(rtype, str) and rtype:
            label = f"{rtype}/{rid}" if isinstance(rid, str) and rid else rtype
    return Where(number=number, line_based=line_based, full_url=full_url, resource=label[:120])


def _json_error(exc: json.JSONDecodeError) -> str:
    return f"is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."


def _lines(stream: BinaryIO) -> Iterator[tuple[int, str | None]]:
    """(line number, text or None if not UTF-8) for each non-blank line."""
    for number, raw in enumerate(stream, start=1):
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if not raw.strip():
            continue
        try:
            yield number, raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, None


def _read_ndjson(lines: Iterator[tuple[int, str | None]], parsed: ParsedFile) -> ParsedFile:
    parsed.kind = "NDJSON"
    for number, text in lines:
        parsed.count += 1
        where = Where(number=number, line_based=True)
        if text is None:
            parsed.problem(where, "this line is not UTF-8 text.")
            continue
        try:
            resource = load_json(text)
        except json.JSONDecodeError as exc:
            parsed.problem(where, f"this line is not valid JSON: {exc.msg} (column {exc.colno}).")
            continue
        except JsonRefused as exc:
            parsed.problem(where, f"this line is not a FHIR resource: {exc}.")
            continue
        if not isinstance(resource, dict):
            parsed.problem(where, "this line is not a FHIR resource (a JSON object with a resourceType).")
            continue
        where = where_of(resource, number, line_based=True)
        if resource.get("resourceType") == "Bundle":
            parsed.problem(where, "this line is a Bundle; in NDJSON each line must be one resource.")
            continue
        parsed.entries.append(Entry(where, resource))
    if parsed.count == 0:
        parsed.problem(Where(), "The file is empty.")
    return parsed


def _read_bundle(data: dict, parsed: ParsedFile) -> ParsedFile:
    bundle_type = data.get("type")
    parsed.kind = f"Bundle ({bundle_type})" if isinstance(bundle_type, str) else "Bundle"
    if bundle_type in REFUSED_BUNDLE_TYPES:
        parsed.problem(Where(resource="Bundle"), f"This Bundle cannot be imported: {REFUSED_BUNDLE_TYPES[bundle_type]}. "
                       + ACCEPTED_DESCRIPTION)
        return parsed
    raw_entries = data.get("entry") or []
    if not isinstance(raw_entries, list):
        parsed.problem(Where(resource="Bundle"), "'entry' must be a list of entries.")
        return parsed
    envelope = dict(data)
    envelope["entry"] = [
        {k: v for k, v in e.items() if k != "resource"} if isinstance(e, dict) else e for e in raw_entries
    ]
    problems_at: dict[int | None, list[str]] = {}
    for index, reason in validate_envelope(envelope):
        problems_at.setdefault(index, []).append(reason)
    for reason in problems_at.pop(None, []):
        parsed.problem(Where(resource="Bundle"), reason[:1].upper() + reason[1:] + ".")
    if bundle_type not in ACCEPTED_BUNDLE_TYPES:
        if not parsed.problems:
            parsed.problem(Where(resource="Bundle"),
                           f"Bundle type {shown(bundle_type)} is not one Tandem can import. {ACCEPTED_DESCRIPTION}")
        return parsed
    for index, entry in enumerate(raw_entries):
        parsed.count += 1
        number = index + 1
        if not isinstance(entry, dict):
            parsed.problem(Where(number=number), "this entry is not a Bundle entry (a JSON object).")
            continue
        full_url = entry.get("fullUrl") if isinstance(entry.get("fullUrl"), str) else ""
        resource = entry.get("resource")
        where = where_of(resource, number, full_url)
        for reason in problems_at.get(index, []):
            parsed.problem(where, f"this entry is not valid FHIR R4: {reason}.")
        request = entry.get("request") if isinstance(entry.get("request"), dict) else {}
        method = str(request.get("method") or "").upper()
        if method == "DELETE":
            parsed.problem(where, "this entry asks to delete a record; importing into Tandem never deletes. "
                                  "Remove this entry, or record the change in the practice's system.")
            continue
        if resource is None:
            if method in ("GET", "HEAD"):
                continue  # a read request in a batch: nothing to record
            parsed.problem(where, "this entry has no resource.")
            continue
        if not isinstance(resource, dict):
            parsed.problem(where, "this entry has a resource that is not a JSON object.")
            continue
        parsed.entries.append(Entry(where, resource))
    return parsed


def read(name: str, stream: BinaryIO) -> ParsedFile:
    """Read one file. Problems are collected, not raised: the caller reports them all."""
    parsed = ParsedFile()
    if name.lower().endswith(NDJSON_SUFFIXES):
        return _read_ndjson(_lines(stream), parsed)
    raw = stream.read()
    if not raw.strip():
        parsed.problem(Where(), "The file is empty.")
        return parsed
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        parsed.problem(Where(), "The file is not UTF-8 text, so it is not FHIR JSON.")
        return parsed
    try:
        data = load_json(text)
    except JsonRefused as exc:
        parsed.problem(Where(), f"The file is JSON but not FHIR: {exc}.")
        return parsed
    except json.JSONDecodeError as exc:
        if exc.msg == "Extra data":  # several JSON values, one per line: NDJSON named .json
            lines = ((n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip())
            return _read_ndjson(lines, parsed)
        parsed.problem(Where(), "The file " + _json_error(exc))
        return parsed
    if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
        parsed.problem(Where(), "The file is JSON but not FHIR: it should be a Bundle or a resource, "
                                "a JSON object with a resourceType.")
        return parsed
    if data["resourceType"] == "Bundle":
        return _read_bundle(data, parsed)
    parsed.kind = "single resource"
    parsed.count = 1
    parsed.entries.append(Entry(where_of(data, 1), data))
    return parsed
