"""Reading a check-in's answers as typed (online by the person, or by staff on the phone) into
rules.Answers, with a message for each answer that cannot be read. Saves nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tandem.core.parsing import digits, read_date, read_int

from . import rules
from .actions import home_reading_earliest, read_home_reading

MAX_TALK = 2000


@dataclass
class Read:
    answers: rules.Answers
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def read(data: Mapping, questions: Mapping) -> Read:
    values: dict[str, str] = {}
    errors: dict[str, str] = {}

    def text(name: str, limit: int = 40) -> str:
        raw = data.get(name, "")
        raw = raw if isinstance(raw, str) else ""
        values[name] = raw[: max(limit, 40) + 10]
        return raw.strip()

    levels = {}
    for goal in questions.get("goals", []):
        name = f"goal-{goal['id']}"
        typed = text(name)
        if typed:
            level = read_int(typed, label="The answer", minimum=-2, maximum=2)
            if level.value is None:
                errors[name] = "Choose one of the answers"
            else:
                levels[goal["id"]] = level.value
    confidence = None
    typed = text("confidence")
    if typed:
        found = read_int(typed, label="Confidence", minimum=0, maximum=10)
        if found.value is None:
            errors["confidence"] = "Enter a whole number from 0 to 10"
        confidence = found.value
    readings = {}
    for agreed in questions.get("readings", []):
        reading = rules.READINGS.get(agreed.get("key"))
        if reading is None:
            continue
        name = f"reading-{reading.key}"
        typed = digits(text(name))
        if typed is None:
            errors[name] = f"Enter the reading as a number, for example {reading.example}"
            continue
        value, error = rules.read_value(reading, typed)
        if error:
            errors[name] = error
        elif value is not None:
            readings[reading.key] = value
    phq = [None, None]
    if questions.get("mood"):
        for i, (link, _text, _code) in enumerate(rules.PHQ2_ITEMS):
            typed = text(link)
            if typed:
                found = read_int(typed, label="The answer", minimum=0, maximum=3)
                if found.value is None:
                    errors[link] = "Choose one of the answers"
                phq[i] = found.value
    talk = text("talk-about", MAX_TALK)
    if len(talk) > MAX_TALK:
        errors["talk-about"] = f"Keep this under {MAX_TALK:,} characters (it is {len(talk):,}). You could say the rest when we talk"
        values["talk-about"] = talk  # kept whole so nothing they wrote is lost
    not_coping = text("not-coping") == "yes"
    return Read(rules.Answers(goal_levels=levels, confidence=confidence, readings=readings, phq2=(phq[0], phq[1]),
                              not_coping=not_coping, talk_about=talk[:MAX_TALK]), values, errors)


# --- Home readings from the person's own pages ---------------------------------------------------

@dataclass
class ReadHomeReadings:
    """What the home readings form sent: each reading typed (key -> text, folded), the day they were
    taken, the values to show again, and a message for each box that cannot be read."""

    typed: dict[str, str] = field(default_factory=dict)
    taken_on: object = None  # a date when read
    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def read_home_readings(data: Mapping, keys: tuple[str, ...], *, today) -> ReadHomeReadings:
    """The readings in `keys` (empty boxes are readings not taken; at least one is needed) and the
    date they were taken (not in the future, not more than a year ago), each read the way a
    check-in's readings are (tandem.checkins.actions.read_home_reading). Saves nothing."""
    out = ReadHomeReadings()

    def raw(name: str) -> str:
        value = data.get(name, "")
        value = value if isinstance(value, str) else ""
        out.values[name] = value[:50]
        return value

    for key in keys:
        name = f"reading-{key}"
        typed = raw(name)
        if not typed.strip():
            continue
        value, error = read_home_reading(key, typed)
        if value is None:
            out.errors[name] = error
        else:
            out.typed[key] = typed
    if not out.typed and not out.errors and keys:
        reading = rules.READINGS[keys[0]]
        out.errors[f"reading-{keys[0]}"] = f"Enter your reading, for example {reading.example}"
    day, month, year = raw("taken-day"), raw("taken-month"), raw("taken-year")
    earliest = home_reading_earliest(today)
    taken = read_date(day, month, year, label="The date you took it", earliest=earliest, latest=today, example=today)
    if taken.error:
        out.errors["taken-day"] = (
            "The date you took it must be today or in the past" if taken.problem == "too_late" else
            "The date you took it must be in the last year" if taken.problem == "too_early" else taken.error)
    elif taken.value is None:
        out.errors["taken-day"] = "Enter the date you took it"
    out.taken_on = taken.value
    return out
