"""tandem import-careplan FILE... [--practice ODS] [--user USERNAME]

Imports care plan documents (FHIR R4 document Bundles, as Tandem exports them from
/care-plans/<patient>/fhir.json) into a practice: each becomes a new version of the plan of the person
at the practice with its NHS number. Each file stands alone: one with any problem saves nothing, and
the problems are listed with where they are. The exit status is 1 if any file was not imported.

`tandem import-fhir` is for records (conditions, results, medicines) and refuses document Bundles on
purpose; a care plan document is read as a whole and becomes one plan version.
"""

from __future__ import annotations

from django.core.management.base import CommandError

from tandem.careplans.actions import PlanConflict, PlanError
from tandem.careplans.actions.fhir import import_plan
from tandem.core.management.importing import ImportCommand


class Command(ImportCommand):
    help = "Import care plan documents (FHIR R4 document Bundles) as new versions of people's plans."

    files_help = "FHIR JSON document Bundles, one care plan each"
    user_help = "username to record as the person who imported the plans"

    def handle(self, *args, files, practice=None, user=None, **options):
        target = self.practice(practice)
        by = self.user(user)
        paths = self.paths(files)
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
