"""A sample written care plan as PDFs and PNG pages, to read as the person keeping it would.

    .venv/bin/python scripts/sample-plan.py [--out docs/careplans]               # from the demo database
    .venv/bin/python scripts/sample-plan.py --synthetic [--out docs/careplans]   # a made-up plan, no database
    .venv/bin/python scripts/sample-plan.py --after-conversation [--out docs/careplans]

From the demo database (DATABASE_URL, default var/tandem.sqlite3, after `make demo`) it takes the
latest version of the care plan with the most goals (ties: the most versions). With --synthetic it
builds a rich plan for a made-up person, Margaret, 76, with type 2 diabetes, COPD and high blood
pressure: what matters to her, three goals with actions and how sure she feels, her own targets,
medicines started and stopped, services from the practice's directory, a green/amber/red plan with
a rescue pack, who was there, and her next review.

With --after-conversation it first records this year's conversation for a demo person with a booked
conversation and last year's plan, through the workspace page itself (signed in as the clinician it
is booked with, on the day of the conversation): it records where each of last year's goals has got to (the first
reached, so recorded as achieved and closed; the second partly, carried on), keeps the other items
offered from last year, closes a medicine agreement flagged against their medication list, ticks that
the plan was agreed and presses "Save the plan". The sample is the plan that makes.

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
CONVERSATION_DAY = [dt.date(2026, 6, 23)]  # the day of the conversation recorded (--after-conversation)
# How the nurse records last year's goals at the review (--after-conversation), in the order offered:
# where each has got to, how it went, and keep, change or close.
REVIEWED_GOALS = [("achieved", "Did it by the autumn, and still going", "close"),
                  ("partly", "Some weeks yes, some no", "change")]


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


class _Form:
    """The values a browser would post from the workspace's plan form (inputs, ticks, selects, text)."""

    def __init__(self, html: str):
        from html.parser import HTMLParser

        self.values: dict[str, list[str]] = {}
        form = self

        class Reader(HTMLParser):
            inside = False
            textarea = select = None

            def handle_starttag(self, tag, attrs):
                a = dict(attrs)
                if tag == "form" and a.get("id") == "plan-form":
                    self.inside = True
                if not self.inside or "name" not in a or "disabled" in a:
                    if tag == "option" and self.select and "selected" in a:
                        form.values.setdefault(self.select, []).append(a.get("value", ""))
                    return
                name = a["name"]
                if tag == "input" and a.get("type") in ("checkbox", "radio"):
                    if "checked" in a:
                        form.values.setdefault(name, []).append(a.get("value", ""))
                elif tag == "input" and a.get("type") != "submit":
                    form.values.setdefault(name, []).append(a.get("value", ""))
                elif tag == "textarea":
                    self.textarea = name
                    form.values.setdefault(name, []).append("")
                elif tag == "select":
                    self.select = name

            def handle_endtag(self, tag):
                if tag == "form":
                    self.inside = False
                elif tag == "textarea":
                    self.textarea = None
                elif tag == "select":
                    self.select = None

            def handle_data(self, data):
                if self.textarea:
                    form.values[self.textarea][-1] += data

        Reader().feed(html)
        for name, got in self.values.items():
            if name.endswith("_matters") or name.startswith("about.") or name in ("information", "self_management"):
                got[:] = [v.strip("\n") for v in got]


def after_conversation():
    """Record this year's conversation for a demo person with last year's plan, through the workspace."""
    import re

    from django.test import Client

    from tandem.careplans.models import PlanVersion
    from tandem.careplans.views.written import written
    from tandem.core import clock
    from tandem.core.models import User
    from tandem.prepare.models import Conversation

    talks = (Conversation.objects.filter(state=Conversation.State.BOOKED, patient__care_plan__version__gt=0)
             .select_related("patient", "practice", "clinician").order_by("starts_at", "pk"))
    talk = next((t for t in talks if not PlanVersion.objects.filter(conversation=t).exists()), None)
    if talk is None:
        raise SystemExit("No demo person with a booked conversation and last year's plan. Run `make demo` first.")
    # Signed in as the clinician the conversation is booked with (who holds it), else the demo nurse.
    clinician = talk.clinician if talk.clinician is not None else User.objects.get(username="nurse")
    client = Client(HTTP_HOST="localhost")
    client.force_login(clinician)
    workspace = f"/care-plans/{talk.patient_id}/"
    with clock.frozen(talk.starts_at + dt.timedelta(minutes=talk.minutes)):
        page = client.get(workspace)
        assert page.status_code == 200, page.status_code
        html = page.content.decode()
        form = _Form(html).values
        for name in [n for n in form if n.endswith(".id") and f'name="{n[:-3]}.decision"' in html]:
            row = name[:-3]
            form[f"{row}.decision"] = ["keep"]
        for i in range(20):  # a medicine agreement flagged against their medicines now is closed
            if f"medicines.{i}.id" in form and f"medicines-{i}" in html:
                part = html.split(f'id="medicines-{i}"')[1].split("</fieldset>")[0]
                if "Check:" in part:
                    form[f"medicines.{i}.decision"] = ["close"]
        # Each of last year's goals is reviewed with the person, as a nurse would: the first was reached
        # (recorded as achieved, and closed: the plan acknowledges it), the second went partly and is
        # carried on, changed; the others are kept as this year's work.
        goals = [n[:-3] for n in form if re.fullmatch(r"goals\.\d+\.id", n) and form[n][0]
                 and f'name="{n[:-3]}.decision"' in html]
        for row, (stage, outcome, decision) in zip(goals, REVIEWED_GOALS, strict=False):
            form[f"{row}.stage"], form[f"{row}.outcome"], form[f"{row}.decision"] = [stage], [outcome], [decision]
        form["agreed_with_person"] = ["yes"]
        form["note"] = ["Annual review"]
        form["save"] = ["plan"]
        response = client.post(workspace, form)
        if response.status_code != 302:
            problems = re.findall(r'<a href="#[^"]*">([^<]*)</a>', response.content.decode())
            raise SystemExit(f"The conversation could not be saved ({response.status_code}): {problems}")
    version = PlanVersion.objects.filter(conversation=talk).select_related("practice").latest("version")
    CONVERSATION_DAY[0] = clock.today() if talk.starts_at is None else talk.starts_at.date()
    plan = written(version, talk.patient, talk.practice)
    CHECKED[:] = checks(version, talk, plan)
    return (plan, talk.practice, talk.patient,
            f"demo patient {talk.patient_id}, after this year's conversation was recorded in the workspace "
            f"(version {version.version} of their plan)")


CHECKED: list[str] = []  # what was checked in the plan made (--after-conversation), for the README


def checks(version, talk, plan) -> list[str]:
    """Check the plan made against the record, as a clinician reading it would; stop if any fails."""
    from tandem.careplans.actions import clinical_staff, conversation_day
    from tandem.careplans.rules import carry, document
    from tandem.patients import facts as record_facts
    from tandem.patients.models import Medication
    from tandem.patients.rules import age_on, applicable_target

    content = document.Plan.from_dict(version.content)
    patient = talk.patient
    day = conversation_day(talk, talk.starts_at.date())  # checked afterwards: the day it was held
    booked = clinical_staff(talk.practice).get(talk.clinician_id, "")
    on_day = record_facts.for_patient(talk.practice, patient.pk, today=day)
    inputs = on_day.target_inputs(date_of_birth=patient.date_of_birth, on=day)
    taking = [m.name for m in Medication.objects.filter(patient=patient, end_date__isnull=True)]
    usual_bp = [t.value for t in plan.targets if t.usual and t.name == "Blood pressure"]
    systolic, diastolic = applicable_target("systolic_bp", inputs), applicable_target("diastolic_bp", inputs)
    expected_bp = f"{systolic.upper:g}/{diastolic.upper:g} mmHg or lower" if systolic and diastolic else ""
    found = [
        (plan.clinician == booked and booked != "",
         f"Held by the clinician it was booked with: {plan.clinician}."),
        (content.held_on == content.agreed_on == day.isoformat() and plan.made_on == plan.agreed_on,
         f"Made and agreed on the day of the conversation, {plan.made_on}; next review {plan.review_on}, "
         f"with {plan.review_with}."),
        (all(g.stage != document.GOAL_STAGE["achieved"] for g in plan.goals),
         f"No achieved goal shown as current work: {len(plan.reached)} acknowledged under 'Goals I reached "
         f"since my last plan', {len(plan.goals)} current, each with where it has got to this year."),
        (not carry.medicine_flags(content.medicines, taking) and not document.medicine_conflicts(content.medicines),
         f"Medicine agreements ({len(content.medicines)}) all fit the {len(taking)} medicines on the "
         "medication list that day, and none contradicts another."),
        (all(carry.fits(i.conditions, on_day.registers) for i in content.information_items),
         f"Every piece of information ({len(content.information_items)}) fits a condition they have "
         "(or anyone)."),
        (usual_bp == ([expected_bp] if expected_bp else []),
         f"Targets for age and frailty on the day: aged {age_on(patient.date_of_birth, day)}"
         f"{', moderately or severely frail' if inputs.frail else ''}; blood pressure {', '.join(usual_bp) or 'none'}"
         " (150/90 from 80 years, 140/90 under 80: QOF HYP008/HYP009)."),
    ]
    failed = [text for ok, text in found if not ok]
    if failed:
        raise SystemExit("The sample plan does not hold up: " + " ".join(failed))
    return [text for _ok, text in found]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--synthetic", action="store_true", help="a made-up plan; no database needed")
    parser.add_argument("--after-conversation", action="store_true",
                        help="record this year's conversation for a demo person first, through the workspace")
    parser.add_argument("--out", default=str(ROOT / "docs" / "careplans"))
    args = parser.parse_args()
    samples.pdftoppm()

    import django

    django.setup()
    from tandem.careplans.views.written import document_html
    from tandem.core import clock
    from tandem.messaging import letters

    if args.synthetic:
        written, practice, patient, about = synthetic()
    elif args.after_conversation:
        written, practice, patient, about = after_conversation()
    else:
        written, practice, patient, about = from_demo()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    today = dt.date(2026, 6, 23) if args.synthetic else clock.today()
    if args.after_conversation:
        today = CONVERSATION_DAY[0]
    rows = []
    for variant in VARIANTS:
        html = document_html(written, practice=practice, patient=patient, variant=variant, today=today)
        pdf, pages = letters.to_pdf(html)
        stem = f"plan-{variant.replace('_', '-')}"
        samples.write_pdf_and_pages(out, stem, pdf)
        rows.append((variant, stem, pages))
    flag = " --synthetic" if args.synthetic else (" --after-conversation" if args.after_conversation else "")
    samples.write_readme(out, title="Sample written care plan", rows=rows, made_by=(
        f"Made by `scripts/sample-plan.py{flag}` for {about}. "
        "The plan as printed for the person (A4 PDF, standard 12pt and large print 18pt); PNG pages at 60 dpi."))
    if CHECKED:
        with (out / "README.md").open("a", encoding="utf-8") as readme:
            readme.write("\n## What was checked\n\nMade on a fresh demo database (`tandem migrate`, then "
                         "`tandem demo_setup --patients 400`, seed 42, with `DATABASE_URL` pointing at a file of its "
                         "own). Checked by the script against the record (it stops if any check fails), then every "
                         "page read as the person would:\n\n" + "".join(f"- {line}\n" for line in CHECKED))


if __name__ == "__main__":
    main()
