"""tandem extract --project ID --user USERNAME --out DIR [--practice ODS]

A de-identified population extract of an evaluation project's practices (or one of them), as Parquet files
partitioned by practice, with a README and the data dictionary (tandem.population.extract). DIR must not exist
or be empty; it holds a whole extract or nothing. The user must be one who may use the project on the
evaluation export page: the practice's manager, or a lead of the project's group."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tandem.population import extract, schema


class Command(BaseCommand):
    help = "Write a de-identified population extract of an evaluation project's practices as Parquet."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True, help="the evaluation project's number (as on /learn/export/)")
        parser.add_argument("--user", required=True, help="the username of whoever makes it (audited)")
        parser.add_argument("--out", required=True, help="the folder to write (must not exist, or be empty)")
        parser.add_argument("--practice", default="", help="one of the project's practices only (its ODS code)")

    def handle(self, *args, project: str, user: str, out: str, practice: str = "", **options):
        try:
            project_id = int(str(project).strip())
        except ValueError:
            raise CommandError(f"--project must be an evaluation project's number, not {str(project)[:20]!r}.") from None
        if not str(out).strip():
            raise CommandError("--out must name a folder to write the extract to.")
        try:
            chosen = extract.scope(project_id=project_id, username=user, practice=practice)
            extract.check_destination(Path(out))
            done = extract.extract(chosen, Path(out))
        except extract.ExtractError as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:  # a folder that cannot be made or written: say which, without a traceback
            raise CommandError(f"Could not write the extract to {out}: {exc.strerror or exc}.") from None
        practices = ", ".join(p.ods_code for p in chosen.practices)
        self.stdout.write(f"Extract of evaluation project {chosen.project.pk} for {practices}:")
        for name in schema.TABLE_NAMES:
            self.stdout.write(f"  {name:<16} {done.table_rows(name):>12,} rows")
        self.stdout.write(f"Written to {done.path}")
