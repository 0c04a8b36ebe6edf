"""Check-ins as staff read them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tandem.careplans.hooks import Rated

from . import rules
from .models import Answer, CheckIn


def day_text(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class Row:
    pk: int
    patient_id: int
    name: str
    opened: str
    closes: str
    channel: str
    status: str
    urgent: bool
    flagged: bool
    needs_call: bool


def row(c: CheckIn, *, today: dt.date) -> Row:
    patient = c.patient
    status = c.get_status_display()
    if c.status == CheckIn.Status.OPEN and c.no_address:
        status = "Could not be sent: no mobile or email address"
    return Row(pk=c.pk, patient_id=c.patient_id, name=f"{patient.given_name} {patient.family_name}",
               opened=day_text(c.opened_on), closes=day_text(c.closes_on), channel=c.get_channel_display(),
               status=status, urgent=c.urgent, flagged=c.flagged,
               needs_call=c.status == CheckIn.Status.OPEN and (c.channel == "phone" or c.no_address))


@dataclass(frozen=True)
class AnswerLine:
    question: str
    answer: str
    flag: str = ""  # red | amber


def answer_lines(c: CheckIn, answer: Answer) -> list[AnswerLine]:
    """Each question asked with its answer, as staff read them, flags beside the answers that raised one."""
    flags = {f["code"]: f["level"] for f in answer.flags}
    by_link = {item["linkId"]: item for item in answer.response.get("item", [])}
    lines = []
    for goal in c.questions.get("goals", []):
        item = by_link.get(f"goal-{goal['id']}")
        level = _goal_level(item)
        lines.append(AnswerLine(f"Goal: {goal['words']}", rules.GAS_STAFF_WORDS[level] if level is not None
                                else "Not answered", flags.get(f"goal:{goal['id']}", "")))
    lines.append(AnswerLine("Confidence now (0 to 10)", "Not answered" if answer.confidence is None
                            else str(answer.confidence)))
    for agreed in c.questions.get("readings", []):
        reading = rules.READINGS[agreed["key"]]
        value = answer.readings.get(agreed["key"])
        lines.append(AnswerLine(f"{reading.words.split(' (')[0]} ({reading.unit})", value or "Not given",
                                flags.get(f"reading:{agreed['key']}", "")))
    if c.questions.get("mood"):
        lines.append(AnswerLine("Mood (PHQ-2, 0 to 6)", "Not answered" if answer.phq2 is None else str(answer.phq2),
                                flags.get("phq2", "")))
    lines.append(AnswerLine("Not coping", "Yes" if answer.not_coping else "No", flags.get("not_coping", "")))
    lines.append(AnswerLine("Anything to talk about before the next review", answer.talk_about or "Nothing"))
    return lines


def _goal_level(item: dict | None) -> int | None:
    if not item:
        return None
    code = item["answer"][0]["valueCoding"]["code"]
    return next((lv.value for lv in rules.GAS_LEVELS if lv.loinc == code), None)


@dataclass(frozen=True)
class GoalProgress:
    goal_id: str
    words: str
    points: list[tuple[str, str, str, int]]  # (day, level in words, source, level)
    latest: int | None


def progress(goals: list[tuple[str, str, int | None]], rated: dict[str, list[Rated]]) -> tuple[list[GoalProgress], str]:
    """Each goal's ratings over time, and the person's GAS T-score from each goal's latest rating.
    `goals`: (id, words, importance) of the plan's goals."""
    out = []
    latest_pairs = []
    for goal_id, words, importance in goals:
        series = rated.get(goal_id, [])
        points = [(day_text(r.on), rules.GAS_STAFF_WORDS[r.level], r.source, r.level) for r in series]
        latest = series[-1].level if series else None
        if latest is not None:
            latest_pairs.append((latest, rules.weight(importance)))
        out.append(GoalProgress(goal_id, words, points, latest))
    return out, rules.t_score_words(rules.t_score(latest_pairs))


# --- Home readings (added from the person's own pages) ---------------------------------------------

@dataclass(frozen=True)
class HomeReadingRow:
    pk: int
    taken: str  # "14 June 2026"
    what: str  # "Home blood pressure"
    value: str  # "182/96 mmHg"
    who: str  # "Entered by the person" / "By Sarah Jones on their behalf" (staff); "Added by you" (person)
    flag: str  # red | amber | ""


def _who(r, *, for_person: bool, carer_grant_id: int | None, person_name: str) -> str:
    """Who added a home reading, worded for staff, for the person, or for a carer (`carer_grant_id`)."""
    carer = r.carer_name or "someone helping them"
    if not for_person:
        return "Entered by the person" if r.grant_id is None else f"By {carer} on their behalf"
    if carer_grant_id is None:  # the person reads it
        return "Added by you" if r.grant_id is None else f"Added for you by {r.carer_name or 'someone helping you'}"
    if r.grant_id == carer_grant_id:
        return "Added by you"
    return f"Added by {person_name or 'them'}" if r.grant_id is None else f"Added by {carer}"


def home_readings(rows, *, for_person: bool = False, carer_grant_id: int | None = None,
                  person_name: str = "") -> list[HomeReadingRow]:
    """Home readings, newest first as given, worded for staff or (`for_person`) for the person's own
    pages: read by the person, or by a carer (`carer_grant_id`, the grant they act under; `person_name`,
    the person's first name)."""
    out = []
    for r in rows:
        reading = rules.READINGS.get(r.key)
        what = reading.short.capitalize() if reading and reading.short else r.key
        unit = reading.unit if reading else ""
        who = _who(r, for_person=for_person, carer_grant_id=carer_grant_id, person_name=person_name)
        levels = {f.get("level") for f in r.flags}
        out.append(HomeReadingRow(pk=r.pk, taken=day_text(r.taken_on), what=what, value=f"{r.text} {unit}".strip(),
                                  who=who, flag=rules.RED if rules.RED in levels else rules.AMBER if levels else ""))
    return out


def reading_outcome(rows) -> dict:
    """What happens next after readings were added: the worst level crossed (red, amber or ""), the
    flags' words, and which way the reading was off the plan's level ("higher", or "lower" for peak flow)."""
    flags = [f for r in rows for f in r.flags]
    levels = {f.get("level") for f in flags}
    level = rules.RED if rules.RED in levels else rules.AMBER if levels else ""
    worse = {rules.READINGS[r.key].worse for r in rows if r.flags and r.key in rules.READINGS}
    way = "lower" if worse == {"lower"} else "higher" if worse == {"higher"} else "higher or lower"
    return {"level": level, "flags": flags, "way": way}
