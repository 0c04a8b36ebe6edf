"""tandem import-careplan FILE... [--practice ODS] [--user USERNAME]

Imports care plan documents (FHIR R4 document Bundles, as Tandem exports them from
/care-plans/<patient>/fhir.json) into a practice: each becomes a new version of the plan of the person
at the practice with its NHS number. Each file stands alone: one with any problem saves nothing, and
the problems are listed with where they are. The exit status is 1 if any file was not imported.

`tandem import-fhir` is for records (conditions, results, medicines) and refuses document Bundles on
purpose; a care plan document is read as a whole and becomes one plan version.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tandem.careplans.actions import PlanConflict, PlanError
from tandem.careplans.actions.fhir import import_plan
from tandem.core.models import Practice, User


class Command(BaseCommand):
    help = "Import care plan documents (FHIR R4 document Bundles) as new versions of people's plans."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="FHIR JSON document Bundles, one care plan each")
        parser.add_argument("--practice", help="ODS code of the practice (needed when there is more than one)")
        parser.add_argument("--user", help="username to record as the person who imported the plans")

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
        failed = 0
        for file in paths:
            try:
                saved = import_plan(practice=target, by=by, document=file.read_bytes())
            except PlanError as error:
                failed += 1
                self.stdout.write(f"{file.name}: not imported; nothing was saved.")
                for problem in error.problems:
                    self.stdout.write(f"  - {problem.field}: {problem.message}")
                continue
            except PlanConflict:
                failed += 1
                self.stdout.write(f"{file.name}: not imported: the plan was saved by someone else meanwhile. "
                                  "Try again.")
                continue
            self.stdout.write(f"{file.name}: saved as version {saved.version.version} of the plan "
                              f"(patient {saved.version.patient_id}).")
        if failed:
            raise CommandError(f"{failed} of {len(paths)} files not imported.", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"Imported {len(paths)} care plan{'s' if len(paths) != 1 else ''} "
                                             f"into {target.ods_code}."))
