"""A sample written care plan as PDFs and PNG pages, to read as the person keeping it would.

    .venv/bin/python scripts/sample-plan.py [--out docs/careplans]               # from the demo database
    .venv/bin/python scripts/sample-plan.py --synthetic [--out docs/careplans]   # a made-up plan, no database

From the demo database (DATABASE_URL, default var/tandem.sqlite3, after `make demo`) it takes the
latest version of the care plan with the most goals (ties: the most versions). With --synthetic it
builds a rich plan for a made-up person, Margaret, 76, with type 2 diabetes, COPD and high blood
pressure: what matters to her, three goals with actions and how sure she feels, her own targets,
medicines started and stopped, services from the practice's directory, a green/amber/red plan with
a rescue pack, who was there, and her next review.

Writes plan-standard.pdf and plan-large-print.pdf, one PNG per page (`pdftoppm -png -r 60`,
plan-<format>-<page>.png) and README.md listing them.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")

import samples  # noqa: E402 - scripts/samples.py, found through the path set above

VARIANTS = ("standard", "large_print")


def synthetic() -> tuple[object, object, object, str]:
    """(Written, practice, patient, description) for the made-up plan; unsaved rows, no database."""
    from tandem.careplans.rules import example
    from tandem.core.models import Practice
    from tandem.patients.models import Patient


    practice = Practice(name="Riverside Surgery", ods_code="Y90001", phone=example.PRACTICE_PHONE,
                        address_line1="1 Riverside Road", town="Leeds", postcode="LS6 1AA")
    patient = Patient(given_name="Margaret", family_name="Okafor", nhs_number="9990000018",
                      address_line1="12 Mill Lane", town="Leeds", postcode="LS1 4AB")
    written = example.written()
    return (written, practice, patient,
            "a made-up person (tandem/careplans/rules/example.py): type 2 diabetes, COPD and high blood pressure")


def from_demo():
    from django.db import DatabaseError

    from tandem.careplans.models import CarePlan, PlanVersion
    from tandem.careplans.views.written import written

    best = None
    try:
        records = list(CarePlan.objects.filter(version__gt=0).select_related("patient", "practice"))
    except DatabaseError:
        raise SystemExit("This database has no care plan tables yet. Run `make demo` (or `tandem migrate`) first, "
                         "or use --synthetic.") from None
    for record in records:
        version = PlanVersion.objects.select_related("conversation__clinician", "created_by", "practice").get(
            plan=record, version=record.version)
        goals = len(version.content.get("goals") or [])
        rank = (goals, record.version)
        if best is None or rank > best[0]:
            best = (rank, record, version)
    if best is None:
        raise SystemExit("No saved care plan in this database. Run `make demo` first, or use --synthetic.")
    _rank, record, version = best
    patient = record.patient
    return (written(version, patient, record.practice), record.practice, patient,
            f"demo patient {patient.pk}, version {version.version} of their plan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--synthetic", action="store_true", help="a made-up plan; no database needed")
    parser.add_argument("--out", default=str(ROOT / "docs" / "careplans"))
    args = parser.parse_args()
    samples.pdftoppm()

    import django

    django.setup()
    from tandem.careplans.views.written import document_html
    from tandem.core import clock
    from tandem.messaging import letters

    written, practice, patient, about = synthetic() if args.synthetic else from_demo()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    today = dt.date(2026, 6, 23) if args.synthetic else clock.today()
    rows = []
    for variant in VARIANTS:
        html = document_html(written, practice=practice, patient=patient, variant=variant, today=today)
        pdf, pages = letters.to_pdf(html)
        stem = f"plan-{variant.replace('_', '-')}"
        samples.write_pdf_and_pages(out, stem, pdf)
        rows.append((variant, stem, pages))
    samples.write_readme(out, title="Sample written care plan", rows=rows, made_by=(
        f"Made by `scripts/sample-plan.py{' --synthetic' if args.synthetic else ''}` for {about}. "
        "The plan as printed for the person (A4 PDF, standard 12pt and large print 18pt); PNG pages at 60 dpi."))


if __name__ == "__main__":
    main()
