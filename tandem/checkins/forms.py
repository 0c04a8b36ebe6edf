"""Reading a check-in's answers as typed (online by the person, or by staff on the phone) into
rules.Answers, with a message for each answer that cannot be read. Saves nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from tandem.core.parsing import digits, read_int

from . import rules

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
