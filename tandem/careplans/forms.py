"""The conversation workspace's form, read into a care plan (rules.document.Plan). Checks and cleans
what was typed; saves nothing.

Field names are the plan's own paths ("goals.0.actions.1.confidence"); an input's id is its name
with hyphens ("goals-0-actions-1-confidence"), so a problem's field path points at its input.

Rows left blank are ignored, so the plan's row numbers can differ from the form's: `Parsed` keeps
which form row each plan row came from, and `form_path()` turns a plan path (as in a
rules.document.Problem from validate()) into the form's, so problems are shown against what the
clinician typed. Numbers and dates that cannot be read are reported against their field and kept
as typed in `values`, which always holds everything posted, so the form can be shown again as it was.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from tandem.core.parsing import digits, read_decimal, read_id, read_iso_date, read_version
from tandem.core.parsing import read_date as read_boxes

from .rules.agreed_checkins import READINGS, CheckIns, ReadingAgreement
from .rules.document import (
    AREAS,
    DECISIONS,
    AboutMe,
    Action,
    Decision,
    Goal,
    Information,
    MedicationAgreement,
    Need,
    Participant,
    Plan,
    Problem,
    Referral,
    Signpost,
    TargetAgreement,
    WarningSign,
)

ABOUT = ("what_matters", "people", "communication", "please_do", "please_dont", "strengths")
TEXTS = ("information", "self_management", "rescue", "review_by", "follow_ups")
# Lists of rows, in the order the form shows them, with each row's fields.
LISTS = {
    "needs": ("id", "text", "conditions"),
    "goals": ("id", "words", "importance", "stage", "outcome", "attainment", "watch"),
    "targets": ("id", "concept", "upper", "lower", "reason"),
    "medicines": ("id", "kind", "medicine", "reason", "agreed_by"),
    "warning_signs": ("id", "level", "signs", "what_to_do", "contact"),
    "participants": ("id", "name", "relationship"),
    "referrals": ("id", "what", "to", "why", "by_when"),
    "information_items": ("id", "text", "conditions"),
}
ACTION_FIELDS = ("id", "what", "who", "who_name", "when", "strategies", "status", "confidence")
# Where to add a row (the "add" button's value): a list, or one goal's actions.
ADDABLE = re.compile(r"^(needs|goals|targets|medicines|warning_signs|participants|referrals|information_items"
                     r"|goals\.\d{1,3}\.actions)$")
MAX_ROWS = 60  # of any one list; more than a conversation could hold
MAX_NOTE = 200
MAX_REFERRAL_WHAT, MAX_REFERRAL_WHY = 500, 1000  # what a referral asks (a task holds 500), and why
_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SLUG = re.compile(r"^[a-z0-9_]{1,40}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MONTHS = {m.lower(): i for i, m in enumerate(
    ("", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December")) if m}
_MONTHS |= {name[:3]: i for name, i in list(_MONTHS.items())} | {"sept": 9}


DATES = ("review_date", "held_on", "agreed_on")  # each typed as day, month and year


def field_id(path: str) -> str:
    """The id of the input for a form path."""
    if path in DATES:
        return f"{path}-day"
    return path.replace(".", "-")


def tidy(value: object) -> str:
    text = value if isinstance(value, str) else ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def read_date(text: str) -> dt.date | None:
    """A date as a clinician might type it: 14/7/2026, 14-07-26, 2026-07-14, 14 July 2026."""
    folded = digits(text[:40])
    if folded is None:  # a superscript or fraction: refused, not guessed at
        return None
    text = folded.lower().replace(",", " ")
    iso = read_iso_date(text)
    if iso is not None:
        return iso
    match = re.fullmatch(r"([0-9]{1,2})\s*[/.\- ]\s*([0-9]{1,2}|[a-z]{3,9})\.?\s*[/.\- ]\s*([0-9]{2}|[0-9]{4})", text)
    if not match:
        return None
    day, month_text, year_text = match.groups()
    month = int(month_text) if month_text.isdecimal() else _MONTHS.get(month_text)
    year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    try:
        return dt.date(year, month or 0, int(day))
    except ValueError:
        return None


def date_text(iso: str) -> str:
    """An ISO date as the form shows it (14/7/2026); anything else as it is."""
    try:
        day = dt.date.fromisoformat(iso)
    except (TypeError, ValueError):
        return iso or ""
    return f"{day.day}/{day.month}/{day.year}"


def _number(text: str) -> float | None:
    return read_decimal(text)


@dataclass
class Parsed:
    plan: Plan
    values: dict[str, str | list[str]]  # everything posted, by form path, tidied
    problems: list[Problem] = field(default_factory=list)  # by form path
    rows: dict[str, str] = field(default_factory=dict)  # plan row path -> form row path
    base_version: int = 0
    conversation: str = ""
    note: str = ""
    add: str = ""  # where to add a row, if the clinician asked for one

    def form_path(self, path: str) -> str:
        """The form's path for a plan path ("goals.0.words" -> "goals.2.words")."""
        parts = path.split(".")
        for size in (4, 2):
            if len(parts) >= size and ".".join(parts[:size]) in self.rows:
                tail = parts[size:]
                if tail == ["to_role"]:
                    tail = ["to"]
                return ".".join([self.rows[".".join(parts[:size])], *tail])
        return path

    def with_problems(self, problems: list[Problem]) -> list[Problem]:
        """This form's own problems and `problems` (plan paths, from validate()), one per field, in
        the order of the form."""
        out: dict[str, Problem] = {p.field: p for p in self.problems}
        for problem in problems:
            where = self.form_path(problem.field)
            out.setdefault(where, Problem(where, problem.message))
        return sorted(out.values(), key=lambda p: form_order(p.field))


# Fields in the order the form shows them (within a section, and within a row).
_SECTIONS = ("base_version", "conversation", "held_by_id", "held_on", "about", "needs", "goals", "targets",
             "medicines", "information_items", "information", "self_management", "services", "service",
             "warning_signs", "rescue", "participants", "agreed_with_person", "agreed_on", "review_date", "review_by",
             "follow_ups", "referrals", "named_clinician_id", "checkins", "areas", "decisions", "note")
_FIELDS = (*ABOUT, "id", "decision", "text", "conditions", "words", "importance", "stage", "outcome", "actions", "what", "who",
           "who_name", "when", "confidence", "status", "strategies", "concept", "upper", "lower", "reason", "kind",
           "medicine", "agreed_by", "why", "level", "signs", "what_to_do", "contact", "name", "relationship", "to",
           "to_role", "by_when", "attainment", "watch", "every", "channel", "caller_id", "readings", "reading", "amber",
           "red", "mood")


def form_order(path: str) -> tuple:
    """Sort key: the order fields appear in on the form."""
    parts = path.split(".")
    rank = _SECTIONS.index(parts[0]) if parts[0] in _SECTIONS else len(_SECTIONS)
    return (rank, *[(int(p), 0) if p.isdecimal() else (-1, _FIELDS.index(p) if p in _FIELDS else len(_FIELDS))
                    for p in parts[1:]])


class _Reader:
    def __init__(self, data: Mapping):
        self.data = data
        self.values: dict[str, str | list[str]] = {}
        self.problems: list[Problem] = []
        self.rows: dict[str, str] = {}
        self.decisions: dict[str, str] = {}  # item id -> keep | change | close

    def text(self, path: str, limit: int | None = None) -> str:
        value = tidy(self.data.get(path, ""))
        if limit is not None and len(value) > limit:
            # Kept as typed (nothing is lost) and refused with the limit named.
            self.problem(path, f"This is {len(value):,} characters long. The limit is {limit:,}: shorten it.")
        if path in self.data:
            self.values[path] = value
        return value

    def many(self, path: str) -> list[str]:
        getlist = getattr(self.data, "getlist", None)
        raw = getlist(path) if getlist else self.data.get(path, [])
        raw = [raw] if isinstance(raw, str) else list(raw or [])
        found = list(dict.fromkeys(tidy(v) for v in raw if tidy(v)))
        self.values[path] = found
        return found

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def whole(self, path: str, low: int, high: int, label: str) -> int | None:
        text = self.text(path)
        if not text:
            return None
        folded = digits(text)
        if folded is not None and re.fullmatch(r"[+-]?[0-9]{1,6}", folded):
            return int(folded)  # out of range: validate() says so
        self.problem(path, f"{label} must be a whole number from {low} to {high}.")
        return None

    def number(self, path: str, label: str) -> float | None:
        text = self.text(path)
        if not text:
            return None
        value = _number(text)
        if value is None:
            self.problem(path, f"Enter the {label} as a number, for example 58 or 7.5.")
        return value

    def indices(self, prefix: str) -> list[int]:
        pattern = re.compile(rf"^{re.escape(prefix)}\.([0-9]{{1,3}})\.")
        found = sorted({int(m.group(1)) for key in self.data.keys() if (m := pattern.match(key))})
        return found[:MAX_ROWS]

    def row_id(self, path: str) -> str:
        value = self.text(path)
        value = value if _ID.match(value) else ""
        if value:  # an item from an earlier plan: what the clinician decided about it, if they have
            choice = self.text(path.removesuffix(".id") + ".decision")
            if choice in DECISIONS:
                self.decisions[value] = choice
        return value


def parse(data: Mapping, *, services: Mapping[int, str] | None = None) -> Parsed:
    """Read the posted form (a QueryDict, or a dict whose multiple values are lists) into a plan.
    `services`: the practice's directory (id -> name), for the names of the services chosen."""
    r = _Reader(data)
    about = AboutMe(**{name: r.text(f"about.{name}") for name in ABOUT})
    held_by = r.text("held_by_id")
    plan = Plan(
        about=about, needs=_needs(r), goals=_goals(r), targets=_targets(r), medicines=_medicines(r),
        information=r.text("information"), self_management=r.text("self_management"),
        services=_services(r, services or {}), warning_signs=_signs(r), rescue=r.text("rescue"),
        participants=_participants(r), agreed_with_person=r.text("agreed_with_person") == "yes",
        review_date=_review_date(r), review_by=r.text("review_by"), follow_ups=r.text("follow_ups"),
        referrals=_referrals(r), areas=tuple(a for a in r.many("areas") if a in AREAS),
        information_items=_information(r),
        held_by_id=read_id(held_by),
        named_clinician_id=read_id(r.text("named_clinician_id")),
        checkins=_checkins(r),
        held_on=_date_of(r, "held_on", "the conversation was held"),
        agreed_on=_date_of(r, "agreed_on", "the plan was agreed"),
    )
    plan = replace(plan, decisions=tuple(Decision(item_id, choice) for item_id, choice in r.decisions.items()))
    base_text = r.text("base_version")
    base = read_version(base_text) or 0
    add = r.text("add")
    return Parsed(plan=plan, values=r.values, problems=r.problems, rows=r.rows, base_version=base,
                  conversation=r.text("conversation"), note=r.text("note", MAX_NOTE),
                  add=add if ADDABLE.match(add) else "")


def _needs(r: _Reader) -> tuple[Need, ...]:
    out = []
    for i in r.indices("needs"):
        p = f"needs.{i}"
        need = Need(id=r.row_id(f"{p}.id"), text=r.text(f"{p}.text"),
                    conditions=tuple(c for c in r.many(f"{p}.conditions") if _SLUG.match(c)))
        if need.text or need.conditions:
            r.rows[f"needs.{len(out)}"] = p
            out.append(need)
    return tuple(out)


def _actions(r: _Reader, goal: str, plan_goal: str) -> tuple[Action, ...]:
    out = []
    for j in r.indices(f"{goal}.actions"):
        p = f"{goal}.actions.{j}"
        action = Action(id=r.row_id(f"{p}.id"), what=r.text(f"{p}.what"), who=r.text(f"{p}.who") or "person",
                        who_name=r.text(f"{p}.who_name"), when=r.text(f"{p}.when"),
                        strategies=r.text(f"{p}.strategies"), status=r.text(f"{p}.status") or "not_started",
                        confidence=r.whole(f"{p}.confidence", 0, 10, "Confidence"))
        typed = action.what or action.who_name or action.when or action.strategies or r.values.get(f"{p}.confidence")
        if typed:
            r.rows[f"{plan_goal}.actions.{len(out)}"] = p
            out.append(action)
    return tuple(out)


def _goals(r: _Reader) -> tuple[Goal, ...]:
    out = []
    for i in r.indices("goals"):
        p = f"goals.{i}"
        plan_goal = f"goals.{len(out)}"
        goal = Goal(id=r.row_id(f"{p}.id"), words=r.text(f"{p}.words"),
                    importance=r.whole(f"{p}.importance", 1, 10, "How important it is"),
                    stage=r.text(f"{p}.stage") or "new", outcome=r.text(f"{p}.outcome"),
                    attainment=r.whole(f"{p}.attainment", -2, 2, "How it went"),
                    watch=r.text(f"{p}.watch") == "yes", actions=_actions(r, p, plan_goal))
        if goal.words or goal.outcome or goal.actions or r.values.get(f"{p}.importance"):
            r.rows[plan_goal] = p
            out.append(goal)
        else:  # a blank goal: forget any row paths its (blank) actions left
            for key in [k for k in r.rows if k.startswith(plan_goal + ".")]:
                del r.rows[key]
    return tuple(out)


def _targets(r: _Reader) -> tuple[TargetAgreement, ...]:
    out = []
    for i in r.indices("targets"):
        p = f"targets.{i}"
        target = TargetAgreement(concept=r.text(f"{p}.concept"), upper=r.number(f"{p}.upper", "highest value"),
                                 lower=r.number(f"{p}.lower", "lowest value"), reason=r.text(f"{p}.reason"))
        typed = target.concept or r.values.get(f"{p}.upper") or r.values.get(f"{p}.lower") or target.reason
        if typed:
            r.rows[f"targets.{len(out)}"] = p
            out.append(target)
    return tuple(out)


def _medicines(r: _Reader) -> tuple[MedicationAgreement, ...]:
    out = []
    for i in r.indices("medicines"):
        p = f"medicines.{i}"
        med = MedicationAgreement(id=r.row_id(f"{p}.id"), kind=r.text(f"{p}.kind"), medicine=r.text(f"{p}.medicine"),
                                  reason=r.text(f"{p}.reason"), agreed_by=r.text(f"{p}.agreed_by"))
        if med.kind or med.medicine or med.reason or med.agreed_by:
            r.rows[f"medicines.{len(out)}"] = p
            out.append(med)
    return tuple(out)


_SERVICE_FIELD = re.compile(r"^service\.(\w{1,12})\.(id|why|name)$")


def _services(r: _Reader, directory: Mapping[int, str]) -> tuple[Signpost, ...]:
    for key in r.data.keys():
        if _SERVICE_FIELD.match(key):
            r.text(key)  # kept as typed, also for services not (or no longer) ticked
    out = []
    for key in r.many("services")[:MAX_ROWS]:
        p = f"service.{key}"
        service_id = read_id(key)
        name = directory.get(service_id) if service_id is not None else None
        name = name or r.text(f"{p}.name", 120)
        if not name:
            continue  # not in the directory and no name: nothing to signpost to
        r.rows[f"services.{len(out)}"] = p
        out.append(Signpost(id=r.row_id(f"{p}.id"), service_id=service_id, name=name, why=r.text(f"{p}.why")))
    return tuple(out)


def _information(r: _Reader) -> tuple[Information, ...]:
    out = []
    for i in r.indices("information_items"):
        p = f"information_items.{i}"
        item = Information(id=r.row_id(f"{p}.id"), text=r.text(f"{p}.text"),
                           conditions=tuple(c for c in r.many(f"{p}.conditions") if _SLUG.match(c)))
        if item.text:
            r.rows[f"information_items.{len(out)}"] = p
            out.append(item)
    return tuple(out)


def _signs(r: _Reader) -> tuple[WarningSign, ...]:
    out = []
    for i in r.indices("warning_signs"):
        p = f"warning_signs.{i}"
        sign = WarningSign(id=r.row_id(f"{p}.id"), level=r.text(f"{p}.level"), signs=r.text(f"{p}.signs"),
                           what_to_do=r.text(f"{p}.what_to_do"), contact=r.text(f"{p}.contact"))
        if sign.signs or sign.what_to_do or sign.contact:
            r.rows[f"warning_signs.{len(out)}"] = p
            out.append(sign)
    return tuple(out)


def _participants(r: _Reader) -> tuple[Participant, ...]:
    out = []
    for i in r.indices("participants"):
        p = f"participants.{i}"
        r.text(f"{p}.id")
        person = Participant(name=r.text(f"{p}.name"), relationship=r.text(f"{p}.relationship"))
        if person.name or person.relationship:
            r.rows[f"participants.{len(out)}"] = p
            out.append(person)
    return tuple(out)


def _referrals(r: _Reader) -> tuple[Referral, ...]:
    out = []
    for i in r.indices("referrals"):
        p = f"referrals.{i}"
        to = r.text(f"{p}.to")
        kind, _, value = to.partition(":")
        to_role = value if kind == "role" and _SLUG.match(value) else ""
        to_user = read_id(value) if kind == "user" else None
        to_provider = read_id(value) if kind == "provider" else None
        if to and not (to_role or to_user or to_provider):
            r.problem(f"{p}.to", "Choose who should do it from the list.")
        when_text = r.text(f"{p}.by_when")
        when = read_date(when_text) if when_text else None
        if when_text and when is None:
            r.problem(f"{p}.by_when", "Enter the date as a real date, for example 14/7/2026.")
        why = r.text(f"{p}.why", MAX_REFERRAL_WHY)
        referral = Referral(id=r.row_id(f"{p}.id"), what=r.text(f"{p}.what", MAX_REFERRAL_WHAT), to_role=to_role,
                            to_user_id=to_user, to_provider_id=to_provider, by_when=when.isoformat() if when else "",
                            why=why)
        if referral.what or to or when_text or why:
            r.rows[f"referrals.{len(out)}"] = p
            out.append(referral)
    return tuple(out)


def _checkins(r: _Reader) -> CheckIns:
    """The check-ins agreed: how often, how, who phones, which home readings (with levels) and mood."""
    every = r.text("checkins.every")
    readings = []
    for key in r.many("checkins.readings"):
        if key in READINGS:
            readings.append(ReadingAgreement(key=key, amber=r.text(f"checkins.reading.{key}.amber", 20),
                                             red=r.text(f"checkins.reading.{key}.red", 20)))
    for key in READINGS:  # levels typed for a reading not ticked: kept as typed, not agreed
        for name in ("amber", "red"):
            r.text(f"checkins.reading.{key}.{name}", 20)
    return CheckIns(every=every, channel=r.text("checkins.channel") or "text",
                    caller_id=read_id(r.text("checkins.caller_id")), readings=tuple(readings),
                    mood=r.text("checkins.mood") == "yes")


def _review_date(r: _Reader) -> str:
    return _date_of(r, "review_date", "review date", example="15 6 2027")


def _date_of(r: _Reader, name: str, label: str, example: str = "15 6 2026") -> str:
    """A date typed in three boxes (day, month, year), as an ISO date; a problem if it is not one."""
    day, month, year = (r.text(f"{name}.{part}") for part in ("day", "month", "year"))
    read = read_boxes(day, month, year, label=label)
    if read.value is not None:
        return read.value.isoformat()
    if not read.error:
        return ""
    what = "the review date" if name == "review_date" else f"the date {label}"
    r.problem(name, f"Enter {what} as a real date, for example {example}.")
    return ""


# --- From a plan to the form's values ------------------------------------------------------------


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def values_of(plan: Plan) -> dict[str, str | list[str]]:
    """The form's values for a plan (the inverse of parse, row numbers the plan's own)."""
    v: dict[str, str | list[str]] = {f"about.{name}": getattr(plan.about, name) for name in ABOUT}
    for name in TEXTS:
        v[name] = getattr(plan, name)
    for i, need in enumerate(plan.needs):
        v |= {f"needs.{i}.id": need.id, f"needs.{i}.text": need.text, f"needs.{i}.conditions": list(need.conditions)}
    for i, goal in enumerate(plan.goals):
        p = f"goals.{i}"
        v |= {f"{p}.id": goal.id, f"{p}.words": goal.words, f"{p}.stage": goal.stage, f"{p}.outcome": goal.outcome,
              f"{p}.importance": "" if goal.importance is None else str(goal.importance),
              f"{p}.attainment": "" if goal.attainment is None else str(goal.attainment),
              f"{p}.watch": "yes" if goal.watch else ""}
        for j, action in enumerate(goal.actions):
            a = f"{p}.actions.{j}"
            v |= {f"{a}.{name}": getattr(action, name) for name in ACTION_FIELDS if name != "confidence"}
            v[f"{a}.confidence"] = "" if action.confidence is None else str(action.confidence)
    for i, target in enumerate(plan.targets):
        p = f"targets.{i}"
        v |= {f"{p}.id": "", f"{p}.concept": target.concept, f"{p}.upper": _num(target.upper),
              f"{p}.lower": _num(target.lower), f"{p}.reason": target.reason}
    for i, med in enumerate(plan.medicines):
        v |= {f"medicines.{i}.{name}": getattr(med, name) for name in LISTS["medicines"]}
    v["services"] = [service_key(s, i) for i, s in enumerate(plan.services)]
    for i, service in enumerate(plan.services):
        p = f"service.{service_key(service, i)}"
        v |= {f"{p}.id": service.id, f"{p}.why": service.why, f"{p}.name": service.name}
    for i, sign in enumerate(plan.warning_signs):
        v |= {f"warning_signs.{i}.{name}": getattr(sign, name) for name in LISTS["warning_signs"]}
    for i, person in enumerate(plan.participants):
        v |= {f"participants.{i}.id": "", f"participants.{i}.name": person.name,
              f"participants.{i}.relationship": person.relationship}
    for i, ref in enumerate(plan.referrals):
        to = f"user:{ref.to_user_id}" if ref.to_user_id is not None else (f"role:{ref.to_role}" if ref.to_role else "")
        to = f"provider:{ref.to_provider_id}" if ref.to_provider_id is not None else to
        v |= {f"referrals.{i}.id": ref.id, f"referrals.{i}.what": ref.what, f"referrals.{i}.to": to,
              f"referrals.{i}.why": ref.why, f"referrals.{i}.by_when": date_text(ref.by_when)}
    for i, item in enumerate(plan.information_items):
        v |= {f"information_items.{i}.id": item.id, f"information_items.{i}.text": item.text,
              f"information_items.{i}.conditions": list(item.conditions)}
    for name in DATES:
        try:
            day = dt.date.fromisoformat(getattr(plan, name))
        except ValueError:
            continue
        v |= {f"{name}.day": str(day.day), f"{name}.month": str(day.month), f"{name}.year": str(day.year)}
    v["held_by_id"] = "" if plan.held_by_id is None else str(plan.held_by_id)
    v["named_clinician_id"] = "" if plan.named_clinician_id is None else str(plan.named_clinician_id)
    agreed = plan.checkins
    v |= {"checkins.every": agreed.every, "checkins.channel": agreed.channel if agreed.every else "",
          "checkins.caller_id": "" if agreed.caller_id is None else str(agreed.caller_id),
          "checkins.mood": "yes" if agreed.mood else "", "checkins.readings": [x.key for x in agreed.readings]}
    for reading in agreed.readings:
        v |= {f"checkins.reading.{reading.key}.amber": reading.amber, f"checkins.reading.{reading.key}.red": reading.red}
    decided = {d.id: d.choice for d in plan.decisions}
    for path, value in list(v.items()):
        if path.endswith(".id") and value in decided:
            v[path.removesuffix(".id") + ".decision"] = decided[value]
    v["agreed_with_person"] = "yes" if plan.agreed_with_person else ""
    v["areas"] = list(plan.areas)
    return v


def service_key(service: Signpost, index: int) -> str:
    """A chosen service's key in the form: its directory id, or (not in the directory) its place."""
    return str(service.service_id) if service.service_id is not None else f"n{index}"


def row_count(values: Mapping[str, object], prefix: str) -> int:
    """How many rows of a list the values hold (the highest row number plus one)."""
    pattern = re.compile(rf"^{re.escape(prefix)}\.([0-9]{{1,3}})\.")
    found = [int(m.group(1)) for key in values if (m := pattern.match(key))]
    return min(max(found) + 1, MAX_ROWS) if found else 0


def _row_number(part: str) -> int | None:
    return int(part) if 0 < len(part) <= 3 and part.isascii() and part.isdigit() else None


def row_counts(values: Mapping[str, object]) -> dict[str, int]:
    """`row_count` of every list the values hold, read in one pass: by list ("goals") and by each
    goal's actions ("goals.0.actions"); a list with no rows is not there."""
    highest: dict[str, int] = {}
    for key in values:
        parts = key.split(".", 4)
        if len(parts) < 3 or (number := _row_number(parts[1])) is None:
            continue
        highest[parts[0]] = max(highest.get(parts[0], -1), number)
        if len(parts) == 5 and parts[2] == "actions" and (action := _row_number(parts[3])) is not None:
            prefix = f"{parts[0]}.{parts[1]}.actions"
            highest[prefix] = max(highest.get(prefix, -1), action)
    return {prefix: min(number + 1, MAX_ROWS) for prefix, number in highest.items()}
