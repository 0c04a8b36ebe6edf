"""The person's own pages, shaped for their templates from what `people.queries` read.

Nothing here reads on its own account except through the presenters it reuses: the written plan
(`tandem.careplans.presenters.written`, the same words as the PDF and the staff page) and the results
as the results pack words them (`tandem.prepare.rules.pack`: what each result means, the target that
applies to the person by `tandem.patients.rules.applicable_target`, the change since last time and
the trend chart's numbers). Dates are in words; nothing shows an identifier.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from tandem.booking.rules import KIND_LABELS
from tandem.careplans.models import PlanVersion
from tandem.careplans.presenters import written as written_plans
from tandem.careplans.rules import wording
from tandem.careplans.rules.agreed_checkins import GAS_BY_VALUE
from tandem.checkins.models import Answer, Channel, CheckIn
from tandem.core import clock
from tandem.patients.presenters.base import named_clinician_text
from tandem.patients.rules import age_on, frail_for_targets
from tandem.prepare.queries import packs as pack_queries
from tandem.prepare.queries.wording import current_texts
from tandem.prepare.rules import pack as pack_rules
from tandem.terminology.plain_names import plain_names

from . import queries
from .rules import PLAN_PARTS, Purpose, allows

PRINTS = {"standard": "standard", "large": "large_print"}  # ?print= -> the PDF's format


def long_date(value) -> str:
    return wording.long_date(value)


def day_and_date(day: dt.date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def time_words(when: dt.datetime | dt.time) -> str:
    hour = when.hour % 12 or 12
    suffix = "am" if when.hour < 12 else "pm"
    return f"{hour}{suffix}" if when.minute == 0 else f"{hour}:{when.minute:02d}{suffix}"


# --- The plan ------------------------------------------------------------------------------------

def plan(viewer, version: PlanVersion) -> wording.Written:
    """The version in the words the person reads (as in the PDF and on the staff page); for a carer,
    without the parts staff hid from carers (the person always sees every part)."""
    return redacted(written_plans.written(version, viewer.patient, viewer.practice), queries.hidden(viewer))


def redacted(written: wording.Written, hidden: queries.Hidden) -> wording.Written:
    """`written` without the hidden parts (each emptied, so the page and the PDF leave its heading out)."""
    if not hidden.plan_parts:
        return written
    empty = {part: () for part in hidden.plan_parts if part in PLAN_PARTS}
    if "goals" in empty:
        empty["reached"] = ()
    return dataclasses.replace(written, **empty)


def versions(rows, *, shown: int) -> list[dict]:
    """The list of versions: each with its date and what changed, the one on screen marked."""
    return [{"number": number, "on": long_date(timezone.localtime(saved).date()), "note": note,
             "current": number == shown} for number, saved, note in rows]


# --- Results -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ResultsPage:
    results: tuple[pack_rules.Result, ...]
    withheld: tuple[str, ...]  # titles of measures with a newer result kept for the review
    withheld_keys: frozenset[str]
    withheld_until: str  # "Tuesday 23 June 2026"
    history: dict  # key -> ((date, value), ...) newest first, every result shown
    taken: dict  # key -> the latest result's date in words


def _readings(found: queries.Results) -> dict[str, list[pack_rules.Reading]]:
    kept = {}
    for concept, rows in found.readings.items():
        shown = [pack_rules.Reading(on, value) for on, value in rows
                 if found.withheld_from is None or on < found.withheld_from]
        if shown:
            kept[concept] = shown
    return kept


def _withheld_keys(found: queries.Results) -> tuple[str, ...]:
    """The measures (as the pack shows them) with a result kept for the review, in the pack's order."""
    if found.withheld_from is None:
        return ()
    newer = {concept for concept, rows in found.readings.items() if any(on >= found.withheld_from for on, _ in rows)}
    if {"systolic_bp", "diastolic_bp"} & newer:
        newer.add("blood_pressure")
    return tuple(key for key in pack_rules.SHOWN if key in newer)


def results(viewer, found: queries.Results) -> ResultsPage:
    """Each measure's latest result the person may see now, what it means and the target that applies
    to them, worded as their results pack words it (the practice's own wording where it has changed it)."""
    today = found.age_on
    registers = found.registers
    person = pack_rules.Person(given_name=viewer.patient.given_name, age=age_on(viewer.patient.date_of_birth, today),
                               conditions=registers, condition_names=plain_names(registers),
                               frail=frail_for_targets(found.frailty))
    readings = _readings(found)
    practice = viewer.practice
    # The pack is composed for its results only: its appointment and reply parts are not shown here.
    composed = pack_rules.compose(
        person=person, readings=readings, personal=found.personal, tests=(), fresh_from=dt.date.min,
        with_results=True, appointment=pack_rules.Appointment(clock.now(), 0, "", ""),
        texts=current_texts(practice, "standard"), variant="standard",
        reply=pack_rules.Reply("", practice.phone, today), practice_name=practice.name, practice_phone=practice.phone)
    ordered = {k: sorted(v, key=lambda r: r.on, reverse=True) for k, v in readings.items()}
    ordered["blood_pressure"] = pack_rules.blood_pressure_pairs(ordered.get("systolic_bp", ()),
                                                                ordered.get("diastolic_bp", ()))
    history = {key: tuple((long_date(r.on), pack_rules.shown_value(key, r)) for r in rows)
               for key, rows in ordered.items() if key in pack_rules.TITLES}
    until = (day_and_date(timezone.localtime(found.withheld_until).date()) if found.withheld_until else "")
    withheld = _withheld_keys(found)
    return ResultsPage(results=composed.results, withheld=tuple(pack_rules.TITLES[k] for k in withheld),
                       withheld_keys=frozenset(withheld), withheld_until=until,
                       history=history, taken={r.key: long_date(r.on) for r in composed.results})


def measure_of(page: ResultsPage, key: str) -> pack_rules.Result | None:
    return next((r for r in page.results if r.key == key), None)


# --- Appointments --------------------------------------------------------------------------------

def appointments(booked, talks, *, practice_name: str) -> list[dict]:
    """Booked appointments and care planning conversations, soonest first, in words."""
    rows = []
    for a in booked:
        place = a.session.place or practice_name
        rows.append({"sort": (a.day, a.start_time), "what": KIND_LABELS.get(a.kind, "Appointment"),
                     "when": f"{day_and_date(a.day)} at {time_words(a.start_time)}",
                     "minutes": a.minutes, "with": a.staff.display_name, "where": f"at {place}"})
    for t in talks:
        starts = timezone.localtime(t.starts_at)
        rows.append({"sort": (starts.date(), starts.time()), "what": "Care planning conversation",
                     "when": f"{day_and_date(starts.date())} at {time_words(starts)}", "minutes": t.minutes,
                     "with": pack_queries.clinician_name(t), "where": pack_queries.place_words(t)})
    return sorted(rows, key=lambda row: row["sort"])


# --- Check-ins -----------------------------------------------------------------------------------

HOW_ASKED = {Channel.TEXT: "We sent you a text message with a link to answer it.",
             Channel.EMAIL: "We sent you an email with a link to answer it.",
             Channel.PHONE: "We will phone you to ask the questions."}
GIVEN_BY = {Answer.From.PERSON: "You answered online", Answer.From.CARER: "Someone helping you answered online",
            Answer.From.PHONE: "You answered on the phone"}


def checkins(rows: list[CheckIn], *, next_on: dt.date | None) -> dict:
    """Check-ins waiting for an answer, and those done (answered or not), newest first."""
    due = [{"pk": c.pk, "number": c.number, "closes": long_date(c.closes_on), "opened": long_date(c.opened_on),
            "how": HOW_ASKED.get(c.channel, "")} for c in rows if c.status == CheckIn.Status.OPEN]
    done = []
    for c in rows:
        if c.status == CheckIn.Status.ANSWERED:
            answer = getattr(c, "answer", None)
            when = long_date(timezone.localtime(c.answered_at).date()) if c.answered_at else long_date(c.opened_on)
            done.append({"number": c.number, "when": when, "status": "Answered",
                         "how": GIVEN_BY.get(answer.given_by, "") if answer is not None else ""})
        elif c.status == CheckIn.Status.MISSED:
            done.append({"number": c.number, "when": long_date(c.closes_on), "status": "Not answered", "how": ""})
    return {"due": due, "done": done, "next_on": long_date(next_on) if next_on else ""}


# --- Goals ---------------------------------------------------------------------------------------

def goal_ids(version: PlanVersion) -> tuple[str, ...]:
    """The ids of the plan's current goals, in the order the written plan numbers them (its own rule:
    worded goals not yet reached)."""
    from tandem.careplans.queries import plan_of

    return tuple(g.id for g in plan_of(version).goals if g.words.strip() and g.stage != "achieved")


def goals(written: wording.Written | None, ids: tuple[str, ...], ratings: dict) -> list[dict]:
    """Each current goal with every rating it has had (check-ins and reviews), newest first."""
    if written is None:
        return []
    out = []
    for goal, goal_id in zip(written.goals, ids, strict=False):
        rated = [{"on": long_date(r.on), "words": GAS_BY_VALUE[r.level].words if r.level in GAS_BY_VALUE else "",
                  "source": r.source.lower()} for r in reversed(ratings.get(goal_id, []))]
        out.append({"number": goal.number, "words": goal.words, "importance": goal.importance,
                    "stage": goal.stage, "latest": rated[0] if rated else None, "earlier": rated[1:]})
    return out


# --- Who to contact ------------------------------------------------------------------------------

def contact(viewer, patient, written: wording.Written | None) -> dict:
    """Their named clinician, how to reach the practice, and the plan's contingency levels."""
    practice = viewer.practice
    named = named_clinician_text(patient) if patient.named_clinician_id else ""
    return {"named_clinician": named or "", "practice_name": practice.name, "phone": practice.phone,
            "address": [line for line in (practice.address_line1, practice.address_line2, practice.town,
                                          practice.postcode) if line],
            "levels": written.levels if written is not None else (),
            "rescue": written.rescue if written is not None else ()}


# --- What every page of the person's shows around its content -------------------------------------

PAGES: tuple[tuple[str, str, Purpose], ...] = (
    ("plan", "plan", Purpose.PLAN), ("results", "results", Purpose.RESULTS),
    ("appointments", "appointments", Purpose.APPOINTMENTS), ("checkins", "check-ins", Purpose.CHECKINS),
    ("readings", "home readings", Purpose.READINGS), ("agenda", "questions for the next review", Purpose.AGENDA),
    ("goals", "goals", Purpose.PLAN), ("care_team", "care team", Purpose.PLAN),
    ("contact", "who to contact", Purpose.PLAN),
    ("carers", "who can see your pages", Purpose.CARERS),
)


def frame(viewer) -> dict:
    """The practice, whose pages these are ("Your" or, for a carer, "Margaret's"), and the list of pages
    this session may open (a carer's only those their access covers)."""
    carer = viewer.grant is not None
    whose = f"{viewer.patient.given_name}'s" if carer else "Your"
    nav = []
    for name, words, purpose in PAGES:
        if not allows(viewer.grant, purpose):
            continue
        label = f"{whose} {words}" if name not in ("contact", "carers") else (
            "Who to contact" if name == "contact" else "Who can see your pages")
        nav.append((name, label))
    return {"practice": viewer.practice, "viewer": viewer, "nav": nav, "whose": whose,
            "idle_seconds": settings.TANDEM_PERSON_IDLE_MINUTES * 60,
            "helping": f"{viewer.patient.given_name} {viewer.patient.family_name}" if carer else ""}
