"""tandem import-fhir FILE... [--practice ODS] [--user USERNAME]

Imports FHIR R4 Bundles (collection, transaction, batch) and NDJSON files into a
practice. Each file is imported completely or not at all; the report says what was
imported, what was skipped, and for a rejected file which entries are wrong and why.
The exit status is 1 if any file was rejected.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tandem.core.models import Practice, User
from tandem.fhir import actions
from tandem.fhir.report import render_text


class Command(BaseCommand):
    help = "Import FHIR R4 Bundles or NDJSON files into a practice (each file all-or-nothing)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="FHIR JSON Bundles or NDJSON files")
        parser.add_argument("--practice", help="ODS code of the practice (needed when there is more than one)")
        parser.add_argument("--user", help="username to record in the audit log as the importer")

    def _practice(self, ods: str | None) -> Practice:
        if ods:
            try:
                return Practice.objects.get(ods_code=ods.strip().upper())
            except Practice.DoesNotExist:
                raise CommandError(f"No practice has the ODS code {ods}.") from None
        practices = list(Practice.objects.all()[:2])
        if len(practices) == 1:
            return practices[0]
        if not practices:
            raise CommandError("There is no practice to import into; create one first.")
        raise CommandError("There is more than one practice: say which with --practice ODS_CODE.")

    def handle(self, *args, files, practice=None, user=None, **options):
        target = self._practice(practice)
        by = None
        if user:
            by = User.objects.filter(username=user).first()
            if by is None:
                raise CommandError(f"No user is called {user}.")
        paths = [Path(f) for f in files]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise CommandError("Not found: " + ", ".join(missing))
        with ExitStack() as stack:
            streams = [(p.name, stack.enter_context(p.open("rb"))) for p in paths]
            reports = actions.import_files(files=streams, practice=target, by=by)
        self.stdout.write(render_text(reports))
        rejected = sum(1 for r in reports if r.rejected)
        if rejected:
            raise CommandError(f"{rejected} of {len(reports)} files rejected; nothing from those files was stored.",
                               returncode=1)
        self.stdout.write(self.style.SUCCESS(f"Imported {len(reports)} file{'s' if len(reports) != 1 else ''} "
                                             f"into {target.ods_code}."))
