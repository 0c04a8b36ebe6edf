"""FHIR R4 import: Bundles and NDJSON files read into the patient record.

The pipeline, one module per step:

    parse.py      bytes -> entries (Bundle envelope checks, NDJSON lines)
    validate.py   each resource checked against the FHIR R4B models (fhir.resources)
    mappers/      one pure module per resource type: FHIR model -> Tandem fields
    lab_reports.py  DiagnosticReports: which Observations are whose results
    plan.py       the whole file mapped, references resolved; problems collected
    actions.py    the write path: one transaction per file, set-based, audited
    report.py     what happened, for the upload page and the command line

Everything before actions.py is pure (no Django) so it is tested without a database.
"""
