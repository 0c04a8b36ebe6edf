"""Sample results-and-prompts packs as PDFs and PNG pages, to look at as the person receiving them would.

    .venv/bin/python scripts/sample-packs.py [--out docs/packs]               # from the demo database
    .venv/bin/python scripts/sample-packs.py --synthetic [--out docs/packs]   # a made-up pack, no database

From the demo database (DATABASE_URL, default var/tandem.sqlite3, after `make demo`) it picks a
person with a booked care planning conversation, several long-term conditions (COPD among them when
there is one) and all their results in, and composes their pack with queries.packs.compose_for.
With --synthetic it uses presenters.pack.example() instead: type 2 diabetes, high blood pressure,
COPD and chronic kidney disease, with made-up readings over four years.

Writes pack-<format>.pdf and one PNG per page (pack-<format>-<page>.png, `pdftoppm -png -r 60`) for
the standard, large-print and easy-read letters, and README.md listing them.
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

VARIANTS = ("standard", "large_print", "easy_read")
SAMPLE_LINK = "https://tandem.example.nhs.uk/r/7GkQ2mXbN4pR"


def synthetic() -> tuple[dict, dict, list[str], dict]:
    """(values for each variant's letter without `pack`, packs by variant, address lines, description)."""
    from tandem.prepare.presenters import pack as examples

    name, phone = examples.EXAMPLE_PRACTICE
    patient = {"given_name": "Margaret", "family_name": "Okafor", "name": "Margaret Okafor",
               "nhs_number": "999 000 0018"}
    practice = {"name": name, "ods_code": "Y90001", "phone": phone,
                "address_lines": ["1 Riverside Road", "Leeds", "LS6 1AA"]}
    packs = {variant: examples.example(variant, link=SAMPLE_LINK) for variant in VARIANTS}
    lines = ["Margaret Okafor", "12 Mill Lane", "Leeds", "LS1 4AB"]
    about = "a made-up person (presenters.pack.example): " + ", ".join(examples.EXAMPLE_PERSON.condition_names)
    return {"patient": patient, "practice": practice}, packs, lines, {"about": about}


def from_demo() -> tuple[dict, dict, list[str], dict]:
    from django.db.models import Count

    from tandem.messaging import actions as messaging
    from tandem.prepare.models import Conversation
    from tandem.prepare.queries import packs as pack_queries
    from tandem.registers.models import RegisterMembership

    talks = (Conversation.objects.filter(state=Conversation.State.BOOKED)
             .select_related("patient", "practice", "clinician", "review"))
    counts = dict(RegisterMembership.objects.filter(patient__in=talks.values("patient")).values("patient")
                  .annotate(n=Count("register")).values_list("patient", "n"))
    copd = set(RegisterMembership.objects.filter(register="copd").values_list("patient", flat=True))
    ranked = sorted((t for t in talks if counts.get(t.patient_id, 0) >= 3),
                    key=lambda t: (t.patient_id not in copd, -counts[t.patient_id], t.starts_at, t.pk))
    for talk in ranked[:200]:
        pack = pack_queries.compose_for(talk, variant="standard", link=SAMPLE_LINK, by=None)
        if pack.ready and pack.with_results and len(pack.results) >= 4:
            break
    else:
        raise SystemExit("No booked conversation for a person with 3 or more conditions and all their results in. "
                         "Run `make demo` first, or use --synthetic.")
    patient, practice = talk.patient, talk.practice
    packs = {variant: pack_queries.compose_for(talk, variant=variant, link=SAMPLE_LINK, by=None)
             for variant in VARIANTS}
    practice_values = {"name": practice.name, "ods_code": practice.ods_code, "phone": practice.phone,
                       "address_lines": [line for line in (practice.address_line1, practice.address_line2,
                                                           practice.town, practice.postcode) if line]}
    lines = messaging.postal_lines(patient) or [messaging.patient_values(patient)["name"]]
    about = (f"demo patient {patient.pk} (conversation {talk.pk}): "
             + ", ".join(packs["standard"].conditions))
    return {"patient": messaging.patient_values(patient), "practice": practice_values}, packs, lines, {"about": about}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--synthetic", action="store_true", help="compose a made-up pack; no database needed")
    parser.add_argument("--out", default=str(ROOT / "docs" / "packs"))
    args = parser.parse_args()
    samples.pdftoppm()

    import django

    django.setup()
    from tandem.core import clock
    from tandem.messaging import catalogue, letters

    base, packs, lines, info = synthetic() if args.synthetic else from_demo()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    today = dt.date(2026, 6, 12) if args.synthetic else clock.today()
    rows = []
    for variant in VARIANTS:
        values = {**base, "pack": packs[variant], "link": SAMPLE_LINK, "today": today, "recipient_lines": lines}
        html = catalogue.render(name="results_pack", channel="letter", variant=variant, values=values).letter_html
        pdf, pages = letters.to_pdf(html)
        stem = f"pack-{variant.replace('_', '-')}"
        samples.write_pdf_and_pages(out, stem, pdf)
        rows.append((variant, stem, pages))
    samples.write_readme(out, title="Sample results-and-prompts packs", rows=rows, made_by=(
        f"Made by `scripts/sample-packs.py{' --synthetic' if args.synthetic else ''}` for "
        f"{info['about']}. Letters as posted (A4 PDF); PNG pages at 60 dpi."))


if __name__ == "__main__":
    main()
