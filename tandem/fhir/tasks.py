"""The background import of uploaded FHIR files (asked for by tandem.fhir.actions.start_import)."""

from __future__ import annotations

from tandem.core.db_statistics import refresh_statistics
from tandem.core.rules import Capability
from tandem.jobs.registry import JobError, task
from tandem.patients.models import Patient

from . import actions, staging


@task(actions.IMPORT_TASK, title="Import FHIR files", atomic=False, needs=Capability.IMPORT_RECORDS)
def import_uploaded_files(job, progress):
    """Each file is imported in its own transaction (all or nothing per file, tandem.fhir.actions), so
    the job is not atomic: what it reports is what it stored. Running it again imports the same files
    again, which creates nothing twice."""
    folder, stored = job.params.get("folder", ""), job.params.get("files", [])
    try:
        files = staging.open_staged(folder, stored)
    except staging.StagingError as exc:
        raise JobError(str(exc)) from None
    progress(0, len(files), message=f"0 of {len(files)} files imported")
    try:
        reports = actions.import_files(
            files=files, practice=job.practice, by=job.created_by,
            progress=lambda done, total: progress(done, total, message=f"{done} of {total} files imported"))
    finally:
        for _, stream in files:
            stream.close()
    staging.save_report(folder, reports)
    staging.discard_uploads(folder)
    if any(r.imported and r.created for r in reports):
        # Rows arrived in bulk: the query planner learns how many (tandem.core.db_statistics).
        refresh_statistics([Patient, *actions.TABLES.values()])
    rejected = sum(1 for r in reports if not r.imported)
    progress(len(files), len(files), message=f"{len(files) - rejected} of {len(files)} files imported"
             + (f"; {rejected} not imported" if rejected else ""))
