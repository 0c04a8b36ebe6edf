"""Screenshots of the running demo (`make demo`), as a nurse sees it.

    .venv/bin/python scripts/screenshot-demo.py [--base http://127.0.0.1:8000] [--out docs/screenshots]

Picks a typical multimorbid person from the demo practice (4 to 6 long-term conditions, with a
carer and a reasonable adjustment), signs in as the demo nurse, finds them by NHS number and
opens their summary.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def typical_multimorbid_patient():
    import django

    django.setup()
    from django.db.models import Count, Q

    from tandem.patients.models import Patient
    from tandem.terminology import codelists

    ltc_codes = set().union(*(codelists.get(slug).codes for slug in codelists.LTC_SLUGS))
    return (
        Patient.objects.filter(practice__ods_code="Y90001", registration_status="registered")
        .annotate(ltcs=Count("conditions", filter=Q(conditions__code__in=ltc_codes,
                                                        conditions__resolved_date__isnull=True), distinct=True),
                  adjustments_n=Count("adjustments", distinct=True),
                  carers_n=Count("related_people", filter=Q(related_people__is_carer=True), distinct=True))
        .filter(ltcs__gte=4, ltcs__lte=6, adjustments_n__gte=1, carers_n__gte=1)
        .order_by("-ltcs", "pk")
        .first()
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    patient = typical_multimorbid_patient()
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{args.base}/sign-in/")
        page.fill("#id_username", "nurse")
        page.fill("#id_password", "tandem-demo")
        page.click("button:has-text('Sign in')")
        page.screenshot(path=str(out / "demo-home.png"), full_page=True)
        page.goto(f"{args.base}/patients/")
        page.fill("input[name=q]", patient.nhs_number_display)
        page.keyboard.press("Enter")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(out / "demo-search.png"), full_page=True)
        page.goto(f"{args.base}/patients/{patient.pk}/")
        page.screenshot(path=str(out / "demo-patient-summary.png"), full_page=True)
        print(f"patient {patient.pk}: {patient.ltcs} long-term conditions; screenshots in {out}")  # noqa: T201
        browser.close()


if __name__ == "__main__":
    main()
