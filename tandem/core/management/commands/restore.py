"""tandem restore PATH [--force]

Puts a backup made by `tandem backup` into the configured database (DATABASE_URL). Refuses a database
that already holds data unless --force is given, which replaces everything in it with the backup.
Says what it restored: practices, patients, plan versions and audit rows.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tandem.core import backup


class Command(BaseCommand):
    help = "Restore the whole database from a backup made by `tandem backup`."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup file")
        parser.add_argument("--force", action="store_true",
                            help="replace everything in a database that already holds data")

    def handle(self, *args, path, force=False, **options):
        try:
            done = backup.restore(Path(path), force=force)
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from None
        counted = ", ".join(f"{n:,} {label}" for label, n in done.counts.items())
        self.stdout.write(f"Restored {done.path} into {backup.describe()}: {counted}.")
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write("The backup is from an earlier version of Tandem: run `tandem migrate` next.")
