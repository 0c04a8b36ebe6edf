"""Background tasks of careplans (run by `tandem worker`). Tasks call actions only."""

from __future__ import annotations

from tandem.core.rules import Capability
from tandem.jobs.registry import task

from .actions import written


@task(written.PDF_JOB, title="Make a care plan's PDFs", atomic=False, needs=Capability.VIEW_CLINICAL)
def make_plan_pdfs(job, progress):
    made = written.make_pdfs(practice=job.practice, version_id=job.params["version"], by=job.created_by)
    progress(made, made, message=f"{made} formats ready" if made else "Not needed: a newer version has been saved")
