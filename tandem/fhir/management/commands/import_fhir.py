"""tandem import-fhir FILE... [--practice ODS] [--user USERNAME]

Imports FHIR R4 Bundles (collection, transaction, batch) and NDJSON files into a
practice. Each file is imported completely or not at all; the report says what was
imported, what was skipped, and for a rejected file which entries are wrong and why.
The exit status is 1 if any file was rejected.
"""

from __future__ import annotations

from contextlib import ExitStack

from django.core.management.base import CommandError

from tandem.core.db_statistics import refresh_statistics
from tandem.core.management.importing import ImportCommand
from tandem.fhir import actions
from tandem.fhir.report import render_text
from tandem.patients.models import Patient


class Command(ImportCommand):
    help = "Import FHIR R4 Bundles or NDJSON files into a practice (each file all-or-nothing)."

    files_help = "FHIR JSON Bundles or NDJSON files"
    user_help = "username to record in the audit log as the importer"

    def handle(self, *args, files, practice=None, user=None, **options):
        target = self.practice(practice)
        by = self.user(user)
        paths = self.paths(files)
        with ExitStack() as stack:
            streams = [(p.name, stack.enter_context(p.open("rb"))) for p in paths]
            reports = actions.import_files(files=streams, practice=target, by=by)
        self.stdout.write(render_text(reports))
        if any(not r.rejected for r in reports):  # rows written in bulk: fresh planner statistics
            refresh_statistics((Patient, *actions.TABLES.values()))
        rejected = sum(1 for r in reports if r.rejected)
        if rejected:
            raise CommandError(f"{rejected} of {len(reports)} files rejected; nothing from those files was stored.",
                               returncode=1)
        self.stdout.write(self.style.SUCCESS(f"Imported {len(reports)} file{'s' if len(reports) != 1 else ''} "
                                             f"into {target.ods_code}."))
