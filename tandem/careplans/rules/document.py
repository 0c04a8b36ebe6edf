"""A personalised care and support plan as data. Pure: no Django.

The plan follows the PRSB Personalised Care and Support Plan standard v2.0 (Professional Record
Standards Body): About me (what matters most, people important to me, how to communicate with me,
please do / please don't, strengths), needs and concerns, goals and hopes in the person's own words
(importance 1-10) with actions (what, who, when, strategies, status, confidence 0-10) and outcomes,
clinical targets agreed as the person's own, treatment and medication agreements, information and
self-management support, support services, a contingency plan (warning signs, what should happen,
who to contact, anticipatory medicines), who took part and that the person agreed it, and the
planned review date and who is responsible.

A plan is stored whole, as JSON, in each version (tandem.careplans.models.PlanVersion); `from_dict`
and `as_dict` round-trip it. Items in lists carry a stable `id` so versions can be compared item by
item (rules/changes.py) and exported with stable FHIR ids. `validate()` returns every problem with
the field it belongs to, in words a clinician can act on; nothing is saved while there are any.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace

from .agreed_checkins import CADENCES, CHANNELS, READINGS, CheckIns, ReadingAgreement, levels_of

# Who does an action (PRSB: "who").
WHO = {"person": "The person", "carer": "A carer or family member", "professional": "A named professional",
       "service": "A service"}
ACTION_STATUS = {"not_started": "Not started", "in_progress": "Under way", "done": "Done",
                 "stopped": "Stopped"}
GOAL_STAGE = {"new": "New", "working_on": "Working on it", "achieved": "Achieved",
              "partly": "Partly achieved", "not_achieved": "Not achieved", "dropped": "No longer wanted"}
MEDICATION_KINDS = {"start": "Start", "stop": "Stop", "change": "Change the dose or how it is taken",
                    "deprescribe": "Reduce or stop (deprescribe)", "continue": "Carry on as now"}
LEVELS = {"green": "Green: a good day", "amber": "Amber: getting worse", "red": "Red: urgent"}
# The five areas a care planning conversation should cover (the seeds' and PRODUCT.md's checklist).
AREAS = {
    "medication_review": "Medication review",
    "education_self_management": "Education and self-management",
    "psychological_social": "Psychological and social assessment",
    "social_support": "Social support",
    "prevention": "Prevention",
}
# What the clinician decided, in this conversation, about each item carried over from the plan
# agreed at an earlier conversation (see rules/carry.py). No item is carried without one.
DECISIONS = {"keep": "Keep it as it is", "change": "Keep it, changed as shown", "close": "Close it: leave it out"}
CONFIDENCE_REWORK_BELOW = 7  # an action the person is less sure of than this: rework it together
MAX_TEXT = 2000


def new_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class AboutMe:
    what_matters: str = ""
    people: str = ""  # people important to me
    communication: str = ""  # how to communicate with me
    please_do: str = ""
    please_dont: str = ""
    strengths: str = ""


@dataclass(frozen=True)
class Need:
    id: str
    text: str
    conditions: tuple[str, ...] = ()  # register slugs it relates to


@dataclass(frozen=True)
class Action:
    id: str
    what: str
    who: str = "person"  # key of WHO
    who_name: str = ""  # the carer, professional or service by name
    when: str = ""  # "every morning", "by the end of March"
    strategies: str = ""
    status: str = "not_started"
    confidence: int | None = None  # 0-10, the person's own
    author: str = ""  # who added it, when a member of the wider care team did (tandem.careteam)

    @property
    def needs_rework(self) -> bool:
        return self.confidence is not None and self.confidence < CONFIDENCE_REWORK_BELOW


@dataclass(frozen=True)
class Goal:
    id: str
    words: str  # in the person's own words
    importance: int | None = None  # 1-10
    stage: str = "new"
    outcome: str = ""  # how it went, at review
    actions: tuple[Action, ...] = ()
    # How it went at this review, on the Goal Attainment Scaling levels -2..+2 (tandem.checkins.rules)
    attainment: int | None = None
    watch: bool = False  # tell the named clinician if a check-in says it is going much worse than expected
    author: str = ""  # who added it, when a member of the wider care team did (tandem.careteam)


@dataclass(frozen=True)
class TargetAgreement:
    concept: str  # tandem.terminology.observations key
    upper: float | None = None
    lower: float | None = None
    reason: str = ""


@dataclass(frozen=True)
class MedicationAgreement:
    id: str
    kind: str  # key of MEDICATION_KINDS
    medicine: str
    reason: str = ""
    agreed_by: str = ""  # who agreed it (the person and the prescriber, by name or role)


@dataclass(frozen=True)
class Signpost:
    id: str
    service_id: int | None  # the practice's local services directory
    name: str
    why: str = ""
    author: str = ""  # who added it, when a member of the wider care team did (tandem.careteam)


@dataclass(frozen=True)
class Information:
    """A piece of information given (a leaflet, a website, advice), and the conditions it is for
    (register slugs; none: it is for anyone). Information about a condition the person no longer
    has is not carried into a later plan."""

    id: str
    text: str
    conditions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decision:
    """Keep, change or close (DECISIONS) an item (by its id) from the plan of an earlier conversation."""

    id: str
    choice: str


@dataclass(frozen=True)
class WarningSign:
    id: str
    level: str  # green | amber | red
    signs: str
    what_to_do: str = ""
    contact: str = ""  # who to contact and how
    author: str = ""  # who added it, when a member of the wider care team did (tandem.careteam)


@dataclass(frozen=True)
class Referral:
    """A need for another member of the team: becomes a task for that person or role, or for an organisation
    outside the practice (one of its providers, tandem.core.models.Provider). Exactly one of the three."""

    id: str
    what: str  # what the practice asks
    to_role: str = ""  # tandem.core.rules.Role value
    to_user_id: int | None = None
    by_when: str = ""  # ISO date or empty
    to_provider_id: int | None = None  # an organisation outside the practice
    why: str = ""  # why the practice asks (a referral to an organisation: its letter says so)
    to_provider_name: str = ""  # the organisation's name as the plan shows it, filled in when the plan is saved


@dataclass(frozen=True)
class Participant:
    name: str
    relationship: str = ""  # carer, daughter, advocate...


@dataclass(frozen=True)
class Plan:
    about: AboutMe = field(default_factory=AboutMe)
    needs: tuple[Need, ...] = ()
    goals: tuple[Goal, ...] = ()
    targets: tuple[TargetAgreement, ...] = ()
    medicines: tuple[MedicationAgreement, ...] = ()
    information: str = ""  # information given, as free text (plans saved before information items)
    information_items: tuple[Information, ...] = ()  # information given, piece by piece
    self_management: str = ""  # self-management support
    services: tuple[Signpost, ...] = ()
    warning_signs: tuple[WarningSign, ...] = ()
    rescue: str = ""  # anticipatory medicines or rescue packs
    participants: tuple[Participant, ...] = ()
    agreed_with_person: bool = False
    review_date: str = ""  # ISO date
    review_by: str = ""  # who is responsible for the review (name or role)
    follow_ups: str = ""  # follow-up contacts to arrange
    referrals: tuple[Referral, ...] = ()
    areas: tuple[str, ...] = ()  # AREAS the clinician marked as covered
    # The conversation: who held it (a member of the practice's clinical staff, by user id, and their
    # name and role as the plan shows it), the day it was held, and the day the plan was agreed.
    held_by_id: int | None = None
    held_by: str = ""  # "Nia Evans, practice nurse"
    held_on: str = ""  # ISO date
    agreed_on: str = ""  # ISO date
    decisions: tuple[Decision, ...] = ()  # about items carried over from an earlier conversation's plan
    # The person's named clinician, chosen in the plan (a member of the practice's clinical staff).
    named_clinician_id: int | None = None
    named_clinician: str = ""
    checkins: CheckIns = field(default_factory=CheckIns)  # support between visits, as agreed

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping | None) -> Plan:
        return _build(cls, data or {})

    def goal(self, goal_id: str) -> Goal | None:
        return next((g for g in self.goals if g.id == goal_id), None)


_NESTED = {
    "about": AboutMe, "needs": Need, "goals": Goal, "actions": Action, "targets": TargetAgreement,
    "medicines": MedicationAgreement, "services": Signpost, "warning_signs": WarningSign,
    "referrals": Referral, "participants": Participant, "information_items": Information, "decisions": Decision,
    "checkins": CheckIns, "readings": ReadingAgreement,
}


def _build(cls, data: Mapping):
    known = {f.name: f for f in fields(cls)}
    values = {}
    for name, value in data.items():
        if name not in known:
            continue  # a field from a newer or older version of the schema: ignored, never fatal
        nested = _NESTED.get(name)
        if nested is not None and isinstance(value, list | tuple):
            value = tuple(_build(nested, v) for v in value if isinstance(v, Mapping))
        elif nested is not None and isinstance(value, Mapping):
            value = _build(nested, value)
        elif isinstance(value, list):
            value = tuple(value)
        values[name] = value
    return cls(**values)


def keep_authors(plan: Plan, previous: Plan) -> Plan:
    """`plan` with who added each goal, action, support service and warning sign kept from `previous` (by the
    item's id): the workspace's form does not carry it, so saving a plan from it never loses it."""
    authors = {g.id: g.author for g in previous.goals if g.author}
    authors |= {a.id: a.author for g in previous.goals for a in g.actions if a.author}
    authors |= {s.id: s.author for s in previous.services if s.author}
    authors |= {w.id: w.author for w in previous.warning_signs if w.author}
    if not authors:
        return plan

    def kept(item):
        return replace(item, author=authors[item.id]) if not item.author and item.id in authors else item

    return replace(plan, goals=tuple(replace(kept(g), actions=tuple(kept(a) for a in g.actions)) for g in plan.goals),
                   services=tuple(kept(s) for s in plan.services),
                   warning_signs=tuple(kept(w) for w in plan.warning_signs))


# --- Validation ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    field: str  # a path like "goals.0.actions.1.confidence", for the form to point at
    message: str


def _text(value: str, where: str, label: str, problems: list[Problem]) -> None:
    if len(value or "") > MAX_TEXT:
        problems.append(Problem(where, f"{label} is too long: keep it under {MAX_TEXT:,} characters."))


def _whole(value, low: int, high: int, where: str, label: str, problems: list[Problem]) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        problems.append(Problem(where, f"{label} must be a whole number from {low} to {high}."))


def validate(plan: Plan, *, known_concepts: Mapping[str, tuple[float, float] | None], today: dt.date,
             historical: bool = False) -> list[Problem]:
    """Everything wrong with a plan. `known_concepts` maps the measurements a target can be agreed
    for to their plausible range. A `historical` plan (one read back from a document, made on an
    earlier day) keeps the review date it was given, even if that day has passed."""
    problems: list[Problem] = []
    for name in ("what_matters", "people", "communication", "please_do", "please_dont", "strengths"):
        _text(getattr(plan.about, name), f"about.{name}", "This answer", problems)
    for i, need in enumerate(plan.needs):
        if not need.text.strip():
            problems.append(Problem(f"needs.{i}.text", "Say what the need or concern is, or remove it."))
        _text(need.text, f"needs.{i}.text", "A need", problems)
    for i, goal in enumerate(plan.goals):
        where = f"goals.{i}"
        if not goal.words.strip():
            problems.append(Problem(f"{where}.words", "Write the goal in the person's own words, or remove it."))
        _text(goal.words, f"{where}.words", "A goal", problems)
        _whole(goal.importance, 1, 10, f"{where}.importance", "How important it is", problems)
        _whole(goal.attainment, -2, 2, f"{where}.attainment", "How it went", problems)
        if goal.stage not in GOAL_STAGE:
            problems.append(Problem(f"{where}.stage", "Choose where the goal has got to."))
        for j, action in enumerate(goal.actions):
            at = f"{where}.actions.{j}"
            if not action.what.strip():
                problems.append(Problem(f"{at}.what", "Say what will be done, or remove the action."))
            if action.who not in WHO:
                problems.append(Problem(f"{at}.who", "Choose who will do it."))
            elif action.who != "person" and not action.who_name.strip():
                problems.append(Problem(f"{at}.who_name", f"Name the {WHO[action.who].lower().removeprefix('a ')}."))
            if action.status not in ACTION_STATUS:
                problems.append(Problem(f"{at}.status", "Choose how the action is going."))
            _whole(action.confidence, 0, 10, f"{at}.confidence", "Confidence", problems)
            for name in ("what", "when", "strategies"):
                _text(getattr(action, name), f"{at}.{name}", "This answer", problems)
    seen: set[str] = set()
    for i, target in enumerate(plan.targets):
        where = f"targets.{i}"
        if target.concept not in known_concepts:
            problems.append(Problem(f"{where}.concept", "Choose a measurement a target can be agreed for."))
            continue
        if target.concept in seen:
            problems.append(Problem(f"{where}.concept", "There is already a target for this measurement."))
        seen.add(target.concept)
        if target.upper is None and target.lower is None:
            problems.append(Problem(f"{where}.upper", "Give the target: the highest (or lowest) value agreed."))
        plausible = known_concepts[target.concept]
        for name in ("upper", "lower"):
            value = getattr(target, name)
            if value is not None and plausible and not plausible[0] <= value <= plausible[1]:
                problems.append(Problem(f"{where}.{name}", f"{value:g} is outside the plausible range "
                                                           f"({plausible[0]:g} to {plausible[1]:g}). Check it."))
        if target.upper is not None and target.lower is not None and target.lower > target.upper:
            problems.append(Problem(f"{where}.lower", "The lowest value cannot be above the highest."))
    for i, med in enumerate(plan.medicines):
        if med.kind not in MEDICATION_KINDS:
            problems.append(Problem(f"medicines.{i}.kind", "Choose start, stop, change, reduce or carry on."))
        if not med.medicine.strip():
            problems.append(Problem(f"medicines.{i}.medicine", "Name the medicine."))
        if med.kind in ("stop", "deprescribe", "change", "start") and not med.reason.strip():
            problems.append(Problem(f"medicines.{i}.reason", "Give the reason, in words the person will understand."))
    for i, sign in enumerate(plan.warning_signs):
        if sign.level not in LEVELS:
            problems.append(Problem(f"warning_signs.{i}.level", "Choose green, amber or red."))
        if not sign.signs.strip():
            problems.append(Problem(f"warning_signs.{i}.signs", "Describe the warning signs, or remove this row."))
    for i, ref in enumerate(plan.referrals):
        if not ref.what.strip():
            problems.append(Problem(f"referrals.{i}.what", "Say what the other member of the team should do."))
        in_practice = bool(ref.to_role) or ref.to_user_id is not None  # a named person may come with their role
        if not in_practice and ref.to_provider_id is None:
            problems.append(Problem(f"referrals.{i}.to_role", "Choose who should do it."))
        elif in_practice and ref.to_provider_id is not None:
            problems.append(Problem(f"referrals.{i}.to_role", "Choose one: someone at the practice, or an "
                                                              "organisation outside it."))
        _text(ref.what, f"referrals.{i}.what", "What they should do", problems)
        _text(ref.why, f"referrals.{i}.why", "Why", problems)
        if ref.by_when and not _is_date(ref.by_when):
            problems.append(Problem(f"referrals.{i}.by_when", "Enter the date as a real date, for example 2026-07-14."))
    for i, info in enumerate(plan.information_items):
        if not info.text.strip():
            problems.append(Problem(f"information_items.{i}.text", "Say what information was given, or remove it."))
        _text(info.text, f"information_items.{i}.text", "This answer", problems)
    problems += medicine_conflicts(plan.medicines)
    problems += checkin_problems(plan.checkins)
    held = _dates(plan, today, problems)
    if plan.review_date:
        if not _is_date(plan.review_date):
            problems.append(Problem("review_date", "Enter the review date as a real date, for example 2027-06-14."))
        elif dt.date.fromisoformat(plan.review_date) <= today and not historical:
            problems.append(Problem("review_date", "The review date must be after today."))
        elif held is not None and dt.date.fromisoformat(plan.review_date) <= held:
            problems.append(Problem("review_date", "The review date must be after the conversation."))
    for d in plan.decisions:
        if d.choice not in DECISIONS:
            problems.append(Problem("decisions", "Choose keep, change or close for each item from the last plan."))
            break
    unknown = [a for a in plan.areas if a not in AREAS]
    if unknown:
        problems.append(Problem("areas", "Only the five areas can be ticked."))
    for name in ("information", "self_management", "rescue", "follow_ups"):
        _text(getattr(plan, name), name, "This answer", problems)
    return problems


def checkin_problems(agreed: CheckIns) -> list[Problem]:
    """What is wrong with the check-ins agreed (none agreed: nothing to check)."""
    if not agreed.every:
        return []
    problems: list[Problem] = []
    if agreed.every not in CADENCES:
        problems.append(Problem("checkins.every", "Choose how often to check in."))
    if agreed.channel not in CHANNELS:
        problems.append(Problem("checkins.channel", "Choose how to check in: a text, an email or a phone call."))
    elif agreed.channel == "phone" and agreed.caller_id is None:
        problems.append(Problem("checkins.caller_id", "Choose who will phone them."))
    seen: set[str] = set()
    for reading in agreed.readings:
        if reading.key not in READINGS or reading.key in seen:
            problems.append(Problem("checkins.readings", "Choose home readings from the list."))
            break
        seen.add(reading.key)
        for name, message in levels_of(reading)[2]:
            problems.append(Problem(f"checkins.reading.{reading.key}.{name}", message))
    return problems


def _dates(plan: Plan, today: dt.date, problems: list[Problem]) -> dt.date | None:
    """Check when the conversation was held and when the plan was agreed; the day it was held."""
    held = agreed = None
    for name, label in (("held_on", "the conversation was held"), ("agreed_on", "the plan was agreed")):
        text = getattr(plan, name)
        if not text:
            continue
        if not _is_date(text):
            problems.append(Problem(name, f"Enter the date {label} as a real date, for example 15 6 2026."))
            continue
        day = dt.date.fromisoformat(text)
        if day > today:
            problems.append(Problem(name, f"The date {label} cannot be in the future."))
        if name == "held_on":
            held = day
        else:
            agreed = day
    if held is not None and agreed is not None and agreed < held:
        problems.append(Problem("agreed_on", "The plan cannot be agreed before the conversation was held."))
    if plan.agreed_with_person and plan.held_on and not plan.agreed_on:
        problems.append(Problem("agreed_on", "Enter the date the plan was agreed."))
    return held


# "Carry on as now" for every medicine the person takes ("All current medicines"; not "All other medicines").
_ALL_MEDICINES = re.compile(r"^(?!.*\b(except|but|apart|other|besides)\b)\s*(all|every)(\s+(of|my|their|the|current|regular|present|usual))*"
                            r"\s+(medicines?|medications?|tablets|treatments?)\b", re.IGNORECASE)
_CHANGING = {"stop": "stopping", "deprescribe": "cutting down", "change": "changing"}


def about_all_medicines(medicine: str) -> bool:
    """Whether an agreement names all the person's medicines at once ("All current medicines")."""
    return bool(_ALL_MEDICINES.match(medicine or ""))


def medicine_key(medicine: str) -> str:
    """The medicine an agreement is about, for comparing: its first word, in lower case
    ("Doxazosin 4mg tablets" -> "doxazosin")."""
    words = re.findall(r"[a-z][a-z-]+", (medicine or "").lower())
    return words[0] if words else ""


def medicine_conflicts(medicines: tuple[MedicationAgreement, ...]) -> list[Problem]:
    """Agreements that cannot both stand: carrying on with every medicine beside stopping, cutting
    down or changing one; or carrying on with a medicine and stopping or changing it."""
    problems: list[Problem] = []
    changing = [m for m in medicines if m.kind in _CHANGING and m.medicine.strip()]
    for i, med in enumerate(medicines):
        if med.kind != "continue":
            continue
        if about_all_medicines(med.medicine) and changing:
            names = ", ".join(f"{_CHANGING[m.kind]} {m.medicine.strip()}" for m in changing[:3])
            problems.append(Problem(f"medicines.{i}.medicine", f"'Carry on as now' with all medicines cannot stand "
                                    f"beside {names}: name the medicines they carry on with."))
            continue
        key = medicine_key(med.medicine)
        clash = next((m for m in changing if key and medicine_key(m.medicine) == key), None)
        if clash is not None:
            problems.append(Problem(f"medicines.{i}.kind", f"{med.medicine.strip()} is both carried on and "
                                    f"{'stopped' if clash.kind in ('stop', 'deprescribe') else 'changed'}: "
                                    "keep one agreement."))
    return problems


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        return False
    return True


def with_ids(plan: Plan) -> Plan:
    """Give every list item without an id a new one (items typed in a form arrive without)."""
    def fix(items):
        return tuple(item if item.id else replace(item, id=new_id()) for item in items)

    goals = tuple(replace(g if g.id else replace(g, id=new_id()), actions=fix(g.actions)) for g in plan.goals)
    return replace(plan, needs=fix(plan.needs), goals=goals, medicines=fix(plan.medicines),
                   services=fix(plan.services), warning_signs=fix(plan.warning_signs), referrals=fix(plan.referrals),
                   information_items=fix(plan.information_items))
