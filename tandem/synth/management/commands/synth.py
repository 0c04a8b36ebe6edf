"""tandem synth --patients N --seed S [--practice ODS] [--practice-name NAME] [--replace]

Creates (or fills) a practice with synthetic patients whose ages, conditions, results, medicines
and contacts look like England's (see tandem/synth/epidemiology.py). The same seed gives the same
patients. A practice that already has synthetic patients is refused unless --replace is given,
which deletes them first; patients registered by other means are never touched.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from tandem.core import actions as core_actions
from tandem.core.models import Practice
from tandem.synth.generate import CAPACITY, RangeExhausted, practice_details
from tandem.synth.load import SynthError, load_practice

DEFAULT_ODS = "Y99999"  # Y9xxxx codes are not allocated to real practices


class Command(BaseCommand):
    help = "Create a synthetic practice whose patients look like England's (deterministic for a seed)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, default=1000, help="how many patients (default 1000)")
        parser.add_argument("--seed", type=int, default=1, help="random seed: same seed, same patients (default 1)")
        parser.add_argument("--practice", default=DEFAULT_ODS,
                            help=f"ODS code of the practice; created if new (default {DEFAULT_ODS})")
        parser.add_argument("--practice-name", default="", help="name for a new practice (default: made up)")
        parser.add_argument("--replace", action="store_true",
                            help="delete the practice's existing synthetic patients first")
        parser.add_argument("--chunk-size", type=int, default=5000, help="patients generated and written at a time")

    def handle(self, *args, patients: int, seed: int, practice: str, practice_name: str = "",
               replace: bool = False, chunk_size: int = 5000, **options):
        if patients < 1 or patients > CAPACITY:
            raise CommandError(f"--patients must be between 1 and {CAPACITY:,} (the NHS numbers in the 999 test range).")
        if seed < 0:
            raise CommandError("--seed must be 0 or more.")
        if chunk_size < 1:
            raise CommandError("--chunk-size must be 1 or more.")
        ods = practice.strip().upper()
        target = Practice.objects.filter(ods_code=ods).first()
        if target is None:
            details = practice_details(seed)
            if practice_name:
                details["name"] = practice_name
            target = core_actions.create_practice(ods_code=ods, by=None, **details)
            self.stdout.write(f"Created practice {target.name} ({target.ods_code}).")
        elif practice_name and practice_name != target.name:
            self.stdout.write(f"Using the existing practice {target.name} ({target.ods_code}); --practice-name ignored.")

        verbosity = options.get("verbosity", 1)

        def progress(done: int, total: int) -> None:
            if verbosity > 1:
                self.stdout.write(f"  {done:,} of {total:,} patients")

        try:
            result = load_practice(practice=target, patients=patients, seed=seed, by=None, replace=replace,
                                   chunk_size=chunk_size, progress=progress)
        except (SynthError, RangeExhausted) as exc:
            raise CommandError(str(exc)) from exc
        if result.deleted:
            self.stdout.write(f"Deleted {result.deleted:,} earlier synthetic patients.")
        self.stdout.write(
            f"{target.name} ({target.ods_code}): {result.patients:,} synthetic patients (seed {seed}), "
            f"{result.total_rows:,} rows in {result.seconds:.1f} s."
        )
        if verbosity > 1:
            for name, count in result.rows.items():
                self.stdout.write(f"  {name}: {count:,}")
