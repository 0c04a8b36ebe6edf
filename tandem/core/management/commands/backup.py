"""tandem backup [--output PATH]

A backup of the whole database: SQLite's online backup API (the server carries on meanwhile), or
pg_dump's custom format on PostgreSQL. Written to var/backups/ unless --output says where; readable
by its owner only. See the README for how often to run it and how to restore.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tandem.core import backup, clock


class Command(BaseCommand):
    help = "Back up the whole database to one file."

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="where to write it (default var/backups/tandem-<when>.<kind>)")

    def handle(self, *args, output=None, **options):
        try:
            path = Path(output) if output else backup.default_path(clock.now())
            done = backup.backup(path)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        counted = ", ".join(f"{n:,} {label}" for label, n in done.counts.items())
        self.stdout.write(f"Backed up {backup.describe()} to {done.path} ({done.size:,} bytes): {counted}.")
