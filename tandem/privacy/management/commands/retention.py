"""tandem retention [--days N] [--dry-run]

Removes audit log rows older than the retention period (TANDEM_AUDIT_RETENTION_DAYS, 8 years by
default) and records that it did; and the downloads of people's copies of their data older than
TANDEM_SUBJECT_ACCESS_KEEP_DAYS (30 by default); and records of sign-ins older than TANDEM_LOG_RETENTION_DAYS. Run it daily (cron or a systemd timer, beside `tandem backup`);
running it again the same day removes nothing more. See tandem/privacy/README.md.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tandem.privacy import retention


class Command(BaseCommand):
    help = "Remove audit log rows older than the retention period (TANDEM_AUDIT_RETENTION_DAYS)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None,
                            help="keep this many days instead of TANDEM_AUDIT_RETENTION_DAYS (for a one-off)")
        parser.add_argument("--dry-run", action="store_true", help="count what would be removed; remove nothing")

    def handle(self, *args, days=None, dry_run=False, **options):
        try:
            removed = retention.remove_expired(days=days, dry_run=dry_run)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(removed.text(dry_run=dry_run))
        if not dry_run:
            copies = retention.remove_old_copies()
            if copies:
                self.stdout.write(f"Removed the downloads of {copies:,} copies of people's data.")
            sign_ins = retention.remove_old_sign_in_records()
            if sign_ins:
                self.stdout.write(f"Removed {sign_ins:,} records of sign-ins older than the log retention period.")
