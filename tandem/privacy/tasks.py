"""Background tasks of privacy (run by `tandem worker`). Tasks call actions only."""

from __future__ import annotations

from tandem.core.rules import Capability
from tandem.jobs.registry import JobError, task

from . import actions


@task(actions.EXPORT_JOB, title="Make a copy of a person's data", atomic=False, needs=Capability.MANAGE_PRACTICE)
def make_subject_access_export(job, progress):
    progress(0, 1, message="Reading the record and making the PDF")
    made = actions.make_export(practice=job.practice, export_id=job.params["export"])
    if made is None:
        raise JobError("That request is no longer there.")
    progress(1, 1, message=f"Ready to download: {made.pages} pages")
