"""Composing one person's results-and-prompts pack, for all their conditions. Pure: no Django.

`compose()` takes what the record says (readings, agreed targets, conditions, the tests their
review needs, the appointment) and the practice's wording, and returns a `Pack`: every piece of
text the person will read, already worded, plus the numbers a chart needs. Templates only lay it
out (HTML online and by email, PDF standard / large print / easy read).

Rules:
- A result counts for this pack when it was taken on or after `fresh_from` (the tests
  appointment, or a few weeks before the conversation when that is not known).
- A test the review needs is outstanding when none of its measurements has a fresh result. A pack
  with results is not sent while any test is outstanding (`Pack.ready`).
- The target shown is decided by tandem.patients.rules.applicable_target, the one rule every
  screen uses: the person's own agreed target if they have one, else the guideline default for
  their age, registers and frailty, and only for the people a default is meant for.
- For conditions where numbers matter less to what a person can change (COPD, asthma, depression,
  long-term pain), the pack leads with how the person is (breathlessness, flare-ups, mood, pain)
  before any numbers.
- A person who chose not to have results in advance gets the same invitation and prompts with no
  numbers at all (no results, no breathlessness grade).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

from tandem.messaging import wording
from tandem.messaging.wording import EASY_READ
from tandem.patients.rules import Target, TargetInputs, applicable_target
from tandem.terminology import observations

# The measurements a pack shows as numbers, in the order it shows them. Mood questionnaires (PHQ-9,
# GAD-7) are talked through at the conversation, not posted as scores; smoking and the MRC grade are
# said in words.
SHOWN = ("hba1c", "blood_pressure", "total_cholesterol", "ldl", "egfr", "urine_acr", "weight", "bmi",
         "fev1", "cat_score")
# Measurements a test is done when any one of them has a fresh result (blood pressure is recorded as
# a pair). Coded answers and questionnaires never hold a pack back.
REQUIRED = frozenset({"hba1c", "systolic_bp", "diastolic_bp", "total_cholesterol", "ldl", "egfr", "urine_acr",
                      "weight", "bmi", "fev1", "cat_score", "mrc_dyspnoea"})
# A change smaller than this is "about the same" (about the size of a test's own day-to-day variation).
SAME_WITHIN = {"hba1c": 3.0, "blood_pressure": 5.0, "total_cholesterol": 0.3, "ldl": 0.2, "egfr": 3.0,
               "urine_acr": 1.0, "weight": 1.5, "bmi": 0.5, "fev1": 0.1, "cat_score": 2.0}
TITLES = {
    "hba1c": "Blood sugar (HbA1c)", "blood_pressure": "Blood pressure", "total_cholesterol": "Cholesterol",
    "ldl": "LDL cholesterol", "egfr": "Kidney function (eGFR)", "urine_acr": "Protein in urine (ACR)",
    "weight": "Weight", "bmi": "Body mass index (BMI)", "fev1": "Lung function (FEV1)",
    "cat_score": "COPD Assessment Test",
}
UNITS = {"hba1c": "mmol/mol", "blood_pressure": "mmHg", "total_cholesterol": "mmol/L", "ldl": "mmol/L",
         "egfr": "", "urine_acr": "mg/mmol", "weight": "kg", "bmi": "", "fev1": "litres", "cat_score": ""}

# MRC dyspnoea scale (Medical Research Council; Fletcher 1959; NICE NG115), in the person's words.
MRC_WORDS = {
    1: "only get breathless with hard exercise",
    2: "get short of breath when you hurry or walk up a slight hill",
    3: "walk slower than most people your age, or stop for breath when walking at your own pace",
    4: "stop for breath after walking about 100 metres, or after a few minutes on the flat",
    5: "are too breathless to leave the house, or get breathless when dressing",
}
MRC_WORDS_EASY = {
    1: "only get out of breath with hard exercise",
    2: "get out of breath when you walk fast or up a hill",
    3: "walk slowly or stop to get your breath",
    4: "stop to get your breath after a short walk",
    5: "are too out of breath to go out",
}

FOCUS_CONDITIONS: dict[str, tuple[str, ...]] = {
    # focus block -> registers that bring it to the front
    "breathing": ("copd",),
    "asthma": ("asthma",),
    "mood": ("depression", "serious_mental_illness"),
    "pain": ("chronic_pain", "osteoarthritis", "rheumatoid_arthritis"),
}
FOCUS_TITLES = {"breathing": "Your breathing", "asthma": "Your asthma", "mood": "How you have been feeling",
                "pain": "Pain and getting about"}


@dataclass(frozen=True)
class Reading:
    on: dt.date
    value: float
    second: float | None = None  # the diastolic of a blood pressure pair


@dataclass(frozen=True)
class Test:
    """A step of the tests appointment that records measurements (from the recall protocol)."""

    name: str  # what staff see: "HbA1c"
    concepts: tuple[str, ...]


@dataclass(frozen=True)
class Appointment:
    starts_at: dt.datetime
    minutes: int
    with_name: str  # "Nurse Ada Jones"
    place: str  # "at Riverside Surgery, room 3" / "by telephone: we will call you"


@dataclass(frozen=True)
class Person:
    given_name: str
    age: int
    conditions: tuple[str, ...]  # register slugs
    condition_names: tuple[str, ...]  # what the person sees (tandem.terminology.plain_names)
    frail: bool = False  # moderate or severe frailty (electronic Frailty Index)

    def target_inputs(self, personal: Mapping[str, Target]) -> TargetInputs:
        """What decides the targets in this pack: the same inputs as every other screen."""
        return TargetInputs.of(age=self.age, registers=self.conditions, frail=self.frail, personal=dict(personal))


@dataclass(frozen=True)
class Point:
    on: str  # ISO date
    value: float


@dataclass(frozen=True)
class Chart:
    """Numbers for a small trend chart: oldest first. Lines are drawn at the target limits."""

    points: tuple[Point, ...]
    low: float
    high: float
    target_upper: float | None = None
    target_lower: float | None = None
    second: tuple[Point, ...] = ()  # diastolic, for blood pressure


@dataclass(frozen=True)
class Result:
    key: str
    title: str
    value: str  # "62 mmol/mol", "142/86 mmHg"
    on: str  # ISO date of the result
    about: tuple[str, ...]  # what it measures, with the value (paragraphs)
    target: str = ""  # "The target we agreed with you is 58 mmol/mol or lower."
    in_target: bool | None = None
    verdict: str = ""  # "So your result is in target. Well done."
    change: str = ""  # "In July 2025 it was 70 mmol/mol, so it has come down."
    earlier: tuple[tuple[str, str], ...] = ()  # (month, value) newest first, for the table
    chart: Chart | None = None
    personal_target: bool = False
    target_source: str = ""  # the guideline behind a default target


@dataclass(frozen=True)
class Focus:
    key: str
    title: str
    paragraphs: tuple[str, ...]
    questions: tuple[str, ...]


@dataclass(frozen=True)
class Pack:
    variant: str  # standard | large_print | easy_read (wording is easy_read or standard)
    with_results: bool
    given_name: str
    conditions: tuple[str, ...]
    appointment_on: str  # ISO datetime
    opening: tuple[str, ...]
    appointment: tuple[str, ...]
    focus: tuple[Focus, ...]
    results_intro: tuple[str, ...]
    results: tuple[Result, ...]
    prompts_intro: tuple[str, ...]
    what_matters: str
    talk_about: str
    topics_intro: tuple[str, ...]
    topics: tuple[str, ...]
    questions: str
    how_to_reply: tuple[str, ...]
    closing: tuple[str, ...]
    missing: tuple[str, ...] = field(default=())  # tests still outstanding (staff only)

    @property
    def ready(self) -> bool:
        """Can be sent: nothing outstanding, or the person chose no results in advance."""
        return not self.missing or not self.with_results

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping) -> Pack:
        data = dict(data)
        data["focus"] = tuple(Focus(**{**f, "paragraphs": tuple(f["paragraphs"]), "questions": tuple(f["questions"])})
                              for f in data["focus"])
        results = []
        for r in data["results"]:
            r = dict(r)
            if r.get("chart"):
                c = dict(r["chart"])
                c["points"] = tuple(Point(**p) for p in c["points"])
                c["second"] = tuple(Point(**p) for p in c.get("second", ()))
                r["chart"] = Chart(**c)
            r["about"] = tuple(r["about"])
            r["earlier"] = tuple(tuple(e) for e in r["earlier"])
            results.append(Result(**r))
        data["results"] = tuple(results)
        for key in ("conditions", "opening", "appointment", "results_intro", "prompts_intro", "topics_intro",
                    "topics", "how_to_reply", "closing", "missing"):
            data[key] = tuple(data[key])
        return cls(**data)

    def text(self) -> str:
        """All the words the person reads, for the readability score."""
        parts: list[str] = [*self.opening, *self.appointment]
        for f in self.focus:
            parts += [*f.paragraphs, *f.questions]
        parts += self.results_intro
        for r in self.results:
            parts += [*r.about, r.target, r.verdict, r.change]
        parts += [*self.prompts_intro, self.what_matters, self.talk_about, *self.topics_intro, self.questions,
                  *self.how_to_reply, *self.closing]
        return "\n\n".join(p for p in parts if p)


@dataclass(frozen=True)
class Reply:
    link: str
    phone: str
    reply_by: dt.date


# --- Composing -----------------------------------------------------------------------------

def outstanding(tests: Sequence[Test], readings: Mapping[str, Sequence[Reading]], *, fresh_from: dt.date) -> tuple[str, ...]:
    """The tests with no fresh result for any of their measurements."""
    missing = []
    for test in tests:
        needed = [c for c in test.concepts if c in REQUIRED]
        if needed and not any(_fresh(readings.get(c, ()), fresh_from) for c in needed):
            missing.append(test.name)
    return tuple(dict.fromkeys(missing))


def _fresh(rows: Sequence[Reading], fresh_from: dt.date) -> list[Reading]:
    return [r for r in rows if r.on >= fresh_from]


def blood_pressure_pairs(systolic: Sequence[Reading], diastolic: Sequence[Reading]) -> list[Reading]:
    """Systolic and diastolic taken on the same day, as one reading, newest first: with several on one
    day, the lowest of each (observations.blood_pressure_by_day, as QOF counts them)."""
    return [Reading(day, low, second) for day, low, second in observations.blood_pressure_by_day(
        [(r.on, r.value) for r in systolic], [(r.on, r.value) for r in diastolic])]


def compose(*, person: Person, readings: Mapping[str, Sequence[Reading]], personal: Mapping[str, Target],
            tests: Sequence[Test], fresh_from: dt.date, with_results: bool, appointment: Appointment,
            texts: Mapping[str, str], variant: str, reply: Reply, practice_name: str, practice_phone: str) -> Pack:
    """The person's pack. `texts` is the practice's wording for this variant's wording (block key ->
    text; missing keys use Tandem's standard wording). `readings` maps concept -> readings (any order)."""
    words = _Words(texts, EASY_READ if variant == EASY_READ else wording.STANDARD)
    easy = variant == EASY_READ
    readings = {k: sorted(v, key=lambda r: r.on, reverse=True) for k, v in readings.items()}
    readings["blood_pressure"] = blood_pressure_pairs(readings.get("systolic_bp", ()), readings.get("diastolic_bp", ()))
    when = appointment.starts_at
    date_text = f"{when:%A} {when.day} {when:%B}"
    time_text = _time(when)
    opening = words.get("intro" if with_results else "intro_no_results", given_name=person.given_name,
                        practice=practice_name, date=date_text)
    appt = words.get("appointment", date=date_text, time=time_text, with_=appointment.with_name,
                     place=appointment.place, minutes=appointment.minutes)
    results: list[Result] = []
    if with_results:
        for key in SHOWN:
            fresh = _fresh(readings.get(key, ()), fresh_from)
            if fresh:
                results.append(_result(key, readings[key], person=person, personal=personal, words=words, easy=easy))
    focus = _focus(person, readings, words=words, with_results=with_results, easy=easy)
    return Pack(
        variant=variant, with_results=with_results, given_name=person.given_name,
        conditions=person.condition_names, appointment_on=when.isoformat(),
        opening=opening, appointment=appt, focus=focus,
        results_intro=words.get("results_intro") if results else (),
        results=tuple(results),
        prompts_intro=words.get("prompts_intro"),
        what_matters=words.one("what_matters"), talk_about=words.one("talk_about"),
        topics_intro=words.get("topics_intro"), topics=tuple(words.items("topics")),
        questions=words.one("questions"),
        how_to_reply=words.get("how_to_reply", link=reply.link, phone=practice_phone,
                               reply_by=f"{reply.reply_by:%A} {reply.reply_by.day} {reply.reply_by:%B}"),
        closing=words.get("closing", practice=practice_name, phone=practice_phone),
        missing=outstanding(tests, readings, fresh_from=fresh_from),
    )


def _time(when: dt.datetime) -> str:
    hour = when.hour % 12 or 12
    suffix = "am" if when.hour < 12 else "pm"
    return f"{hour}{suffix}" if when.minute == 0 else f"{hour}:{when.minute:02d}{suffix}"


class _Words:
    def __init__(self, texts: Mapping[str, str], wording_variant: str):
        self.texts, self.variant = texts, wording_variant

    def _text(self, key: str) -> tuple[str, wording.Block]:
        block = wording.block(key)
        return self.texts.get(key) or block.default(self.variant), block

    def get(self, key: str, **values) -> tuple[str, ...]:
        text, block = self._text(key)
        values = {k.rstrip("_"): v for k, v in values.items()}
        return tuple(wording.pieces(wording.fill(text, values), block.kind))

    def one(self, key: str, **values) -> str:
        return " ".join(self.get(key, **values))

    def items(self, key: str) -> list[str]:
        text, _ = self._text(key)
        return wording.pieces(text, wording.LIST)


def _number(key: str, value: float) -> str:
    if key in observations.BY_KEY:
        decimals = observations.BY_KEY[key].decimals
        return f"{value:.{decimals}f}"
    return f"{value:.0f}"


def shown_value(key: str, reading: Reading, *, unit: bool = True) -> str:
    """A reading as the pack shows it: "62 mmol/mol", "138/86 mmHg" (without the unit when `unit` is False)."""
    if key == "blood_pressure":
        text = f"{reading.value:.0f}/{reading.second:.0f}"
    else:
        text = _number(key, reading.value)
    return f"{text} {UNITS.get(key, '')}".strip() if unit else text


def _target(key: str, person: Person, personal: Mapping[str, Target]) -> tuple[Target | None, Target | None]:
    """(target, second target) for a result; the second is the diastolic of a blood pressure."""
    inputs = person.target_inputs(personal)
    if key == "blood_pressure":
        systolic = applicable_target("systolic_bp", inputs)
        if systolic is None:
            return None, None
        return systolic, applicable_target("diastolic_bp", inputs)
    return applicable_target(key, inputs), None


def _describe(key: str, target: Target, second: Target | None) -> str:
    unit = UNITS.get(key, "")
    if key == "blood_pressure" and second is not None and target.upper is not None and second.upper is not None:
        return f"{target.upper:g}/{second.upper:g} {unit} or lower"
    return target.describe(unit)


def _previous(rows: Sequence[Reading]) -> Reading | None:
    """The reading to compare with: the one nearest a year before the latest, among those at least
    four months older; else the one before the latest."""
    latest = rows[0]
    older = [r for r in rows[1:] if (latest.on - r.on).days >= 120]
    if older:
        return min(older, key=lambda r: abs((latest.on - r.on).days - 365))
    return rows[1] if len(rows) > 1 else None


def _result(key: str, rows: Sequence[Reading], *, person: Person, personal: Mapping[str, Target], words: _Words,
            easy: bool) -> Result:
    latest = rows[0]
    value = shown_value(key, latest)
    about = words.get(f"about_{key}", value=value)
    target, second = _target(key, person, personal)
    target_text = verdict = ""
    in_target = None
    own = bool(target and target.personal)
    if target is not None:
        target_text = words.one("target_personal" if own else "target_default", target=_describe(key, target, second))
        in_target = target.met_by(latest.value) and (second is None or latest.second is None
                                                     or second.met_by(latest.second))
        verdict = words.one("in_target" if in_target else "out_target")
    change = words.one("first_result")
    before = _previous(rows)
    if before is not None:
        diff = latest.value - before.value
        block = ("change_same" if abs(diff) < SAME_WITHIN.get(key, 0) else
                 "change_down" if diff < 0 else "change_up")
        change = words.one(block, previous=shown_value(key, before), when=f"{before.on:%B %Y}")
    earlier = tuple((f"{r.on:%B %Y}", shown_value(key, r)) for r in rows[1:5])
    chart = _chart(key, rows, target, second) if len(rows) > 1 and not easy else None
    return Result(key=key, title=TITLES[key], value=value, on=latest.on.isoformat(), about=about, target=target_text,
                  in_target=in_target, verdict=verdict, change=change, earlier=earlier, chart=chart,
                  personal_target=own, target_source=(target.source if target is not None and not own else ""))


def _chart(key: str, rows: Sequence[Reading], target: Target | None, second: Target | None) -> Chart:
    shown = list(reversed(rows[:6]))
    points = tuple(Point(r.on.isoformat(), r.value) for r in shown)
    lower_line = tuple(Point(r.on.isoformat(), r.second) for r in shown if r.second is not None)
    values = [p.value for p in points] + [p.value for p in lower_line]
    if target is not None:
        values += [v for v in (target.upper, target.lower) if v is not None]
    if second is not None and second.upper is not None:
        values.append(second.upper)
    low, high = min(values), max(values)
    pad = (high - low) * 0.15 or max(abs(high) * 0.1, 1.0)
    return Chart(points=points, low=round(low - pad, 2), high=round(high + pad, 2),
                 target_upper=target.upper if target else None, target_lower=target.lower if target else None,
                 second=lower_line)


def _focus(person: Person, readings: Mapping[str, Sequence[Reading]], *, words: _Words, with_results: bool,
           easy: bool) -> tuple[Focus, ...]:
    out = []
    has = set(person.conditions)
    for key, registers in FOCUS_CONDITIONS.items():
        if not has & set(registers):
            continue
        if key == "breathing":
            paragraphs = list(words.get("focus_breathing"))
            mrc = readings.get("mrc_dyspnoea", ())
            if with_results and mrc and int(mrc[0].value) in MRC_WORDS:
                grade = int(mrc[0].value)
                grade_words = (MRC_WORDS_EASY if easy else MRC_WORDS)[grade]
                paragraphs += words.get("mrc_said", grade_words=grade_words, when=f"{mrc[0].on:%B %Y}")
            out.append(Focus(key, FOCUS_TITLES[key], tuple(paragraphs), tuple(words.items("breathing_questions"))))
        else:
            out.append(Focus(key, FOCUS_TITLES[key], (), tuple(words.items(f"focus_{key}"))))
    return tuple(out)
