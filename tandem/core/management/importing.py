"""What every `tandem import-...` command shares: choosing the practice, the importing user, and
checking the files exist before anything is read."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tandem.core.models import Practice, User


class ImportCommand(BaseCommand):
    files_help = "files to import"
    user_help = "username to record in the audit log as the importer"

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help=self.files_help)
        parser.add_argument("--practice", help="ODS code of the practice (needed when there is more than one)")
        parser.add_argument("--user", help=self.user_help)

    def practice(self, ods: str | None) -> Practice:
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

    def user(self, username: str | None) -> User | None:
        if not username:
            return None
        found = User.objects.filter(username=username).first()
        if found is None:
            raise CommandError(f"No user is called {username}.")
        return found

    def paths(self, files) -> list[Path]:
        paths = [Path(f) for f in files]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise CommandError("Not found: " + ", ".join(missing))
        return paths
