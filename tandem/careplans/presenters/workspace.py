"""Shape the conversation workspace for its templates: the form's values, problems and rows; the
choices each field offers; the checklist; the draft notice. (A saved plan at a glance, for the plan
so far and a conflict, is in plans.py.) Plain, already-decided values: the templates make no
decisions and run no queries.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from django.utils import timezone

from tandem.careplans.rules.agreed_checkins import CADENCES, CHANNELS, GAS_STAFF_WORDS, READINGS
from tandem.core.parsing import read_int
from tandem.terminology import observations

from .. import forms
from ..models import LocalService
from ..rules import carry
from ..rules import checklist as checklist_rules
from ..rules.document import (
    ACTION_STATUS,
    CONFIDENCE_REWORK_BELOW,
    DECISIONS,
    GOAL_STAGE,
    LEVELS,
    MEDICATION_KINDS,
    WHO,
    Plan,
    Problem,
)
from .plans import ROLE_CHOICES, time_text, when_text

# Rows each list starts with when it has none: one to type into (three for the contingency plan:
# green, amber and red).
MIN_ROWS = {"needs": 1, "goals": 1, "actions": 1, "targets": 1, "medicines": 1, "warning_signs": 3,
            "participants": 1, "referrals": 1, "information_items": 1}
LIST_NAMES = ("needs", "goals", "targets", "medicines", "warning_signs", "participants", "referrals",
              "information_items")
# The first field of a new row, to put the cursor in.
FIRST_FIELD = {"needs": "text", "goals": "words", "actions": "what", "targets": "concept", "medicines": "kind",
               "warning_signs": "signs", "participants": "name", "referrals": "what", "information_items": "text"}
ADD_LABELS = {"needs": "Add another need", "goals": "Add another goal", "actions": "Add another action",
              "targets": "Add another target", "medicines": "Add another medicine agreement",
              "warning_signs": "Add another warning sign", "participants": "Add another person",
              "referrals": "Add another referral", "information_items": "Add another piece of information"}
LEVEL_ORDER = ("green", "amber", "red")


def review_example(today: dt.date) -> str:
    """A review date a year from today, as the date fields take it: "15 6 2027"."""
    day = carry.year_after(today)
    return f"{day.day} {day.month} {day.year}"


# --- The form ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    value: str
    text: str


@dataclass(frozen=True)
class ServiceOption:
    key: str
    name: str
    kind: str
    description: str
    contact: str


@dataclass(frozen=True)
class Options:
    """What each field offers to choose from."""

    conditions: tuple[Choice, ...] = ()  # the person's long-term conditions (register slugs)
    concepts: tuple[Choice, ...] = ()  # measurements a target can be agreed for
    medicines: tuple[str, ...] = ()  # the person's current medicines, offered as they type
    services: tuple[ServiceOption, ...] = ()  # the practice's directory, and any no longer in it
    referral_to: tuple[Choice, ...] = ()  # roles, then named members of staff, then organisations outside
    who: tuple[Choice, ...] = tuple(Choice(k, v) for k, v in WHO.items())
    status: tuple[Choice, ...] = tuple(Choice(k, v) for k, v in ACTION_STATUS.items())
    stage: tuple[Choice, ...] = tuple(Choice(k, v) for k, v in GOAL_STAGE.items())
    medication_kinds: tuple[Choice, ...] = tuple(Choice(k, v) for k, v in MEDICATION_KINDS.items())
    levels: tuple[Choice, ...] = tuple(Choice(k, v) for k, v in LEVELS.items())
    clinicians: tuple[Choice, ...] = ()  # who can hold the conversation
    decisions: tuple[Choice, ...] = tuple(Choice(k, v) for k, v in DECISIONS.items())
    cadences: tuple[Choice, ...] = tuple(Choice(k, v[0]) for k, v in CADENCES.items())
    channels: tuple[Choice, ...] = tuple(Choice(k, v) for k, v in CHANNELS.items())
    readings: tuple[Choice, ...] = tuple(Choice(k, f"{r.short[0].upper()}{r.short[1:]} ({r.unit})") for k, r in READINGS.items())
    # Each reading's level labels: "Home blood pressure: amber at or above (mmHg)"
    level_labels: tuple[tuple[str, str, str], ...] = tuple(
        (k, *(f"{r.short[0].upper()}{r.short[1:]}: {level} at or {'below' if r.worse == 'lower' else 'above'} ({r.unit})"
              for level in ("amber", "red"))) for k, r in READINGS.items())
    # Goal Attainment Scaling levels as staff choose them at a review
    attainment: tuple[Choice, ...] = tuple(Choice(str(v), f"{w[0].upper()}{w[1:]}") for v, w in GAS_STAFF_WORDS.items())


@cache
def target_concepts() -> tuple[Choice, ...]:
    return tuple(Choice(c.key, f"{c.name} ({c.unit})" if c.unit not in ("score", "grade") else c.name)
                 for c in observations.CONCEPTS if not c.coded)


@cache
def _service_kinds() -> dict[str, str]:
    """What each kind of local service is called, as `get_kind_display()` says it."""
    return {value: str(label) for value, label in LocalService.Kind.choices}


def options(*, conditions: Iterable[tuple[str, str]], medicines: Iterable[str], services: Sequence,
            staff: Iterable[tuple[int, str, str]], plan: Plan, clinicians: Mapping[int, str] | None = None,
            providers: Iterable[tuple[int, str, str]] = ()) -> Options:
    """`conditions`: (slug, name); `services`: LocalService rows; `staff`: (user id, name, role); `providers`:
    the practice's active organisations outside it (id, name, kind)."""
    kinds = _service_kinds()
    offered = [ServiceOption(str(s.pk), s.name, kinds.get(s.kind, s.kind), s.description, s.contact) for s in services]
    in_directory = {s.pk for s in services}
    for i, signpost in enumerate(plan.services):  # chosen before, since gone from the directory
        if signpost.service_id not in in_directory:
            offered.append(ServiceOption(forms.service_key(signpost, i), signpost.name, "No longer in the directory",
                                         "", ""))
    referral_to = [Choice(f"role:{role}", text) for role, text in ROLE_CHOICES]
    referral_to += [Choice(f"user:{pk}", f"{name} ({role})") for pk, name, role in staff]
    providers = list(providers)
    referral_to += [Choice(f"provider:{pk}", f"{name} (outside the practice: {kind})") for pk, name, kind in providers]
    listed = {pk for pk, _, _ in providers}
    for ref in plan.referrals:  # referred to before, since gone from the list
        if ref.to_provider_id is not None and ref.to_provider_id not in listed:
            listed.add(ref.to_provider_id)
            referral_to.append(Choice(f"provider:{ref.to_provider_id}",
                                      f"{ref.to_provider_name or 'An organisation'} (no longer on the list)"))
    return Options(conditions=tuple(Choice(slug, name) for slug, name in conditions),
                   concepts=target_concepts(), medicines=tuple(dict.fromkeys(medicines)),
                   services=tuple(offered), referral_to=tuple(referral_to),
                   clinicians=tuple(Choice(str(pk), name) for pk, name in (clinicians or {}).items()))


@dataclass(frozen=True)
class FormState:
    """The form as it is shown: values by path, problems by path, and how many rows each list has."""

    values: Mapping[str, str | list[str]]
    errors: Mapping[str, str]
    counts: Mapping[str, int]  # "goals": 2, "goals.0.actions": 1, ...
    base_version: int
    conversation_id: int | None
    carried: frozenset[str] = frozenset()  # ids of the items of the plan before this conversation
    focus: str = ""  # the id of the field to put the cursor in (a row just added)
    problems: tuple[Problem, ...] = ()  # in the order of the form
    flags: Mapping[str, str] = dataclasses.field(default_factory=dict)  # item id -> what to check about it

    def v(self, path: str) -> str:
        value = self.values.get(path, "")
        return value if isinstance(value, str) else ""

    def many(self, path: str) -> list[str]:
        value = self.values.get(path, [])
        return value if isinstance(value, list) else ([value] if value else [])

    def error(self, path: str) -> str:
        return self.errors.get(path, "")

    def count(self, key: str) -> int:
        return self.counts.get(key, 0)

    def level(self, index: int) -> str:
        """A warning sign row's level: as chosen, or for a new row green, amber, then red."""
        return self.v(f"warning_signs.{index}.level") or LEVEL_ORDER[min(index, len(LEVEL_ORDER) - 1)]

    def low_confidence(self, path: str) -> bool:
        confidence = read_int(self.v(path), label="Confidence", minimum=0, maximum=10).value
        return confidence is not None and confidence < CONFIDENCE_REWORK_BELOW

    def is_carried(self, index: int) -> bool:
        return self.from_before(f"goals.{index}")

    def from_before(self, row: str) -> bool:
        """Whether the row at `row` ("medicines.2", "service.7") holds an item of the earlier plan."""
        item_id = self.v(f"{row}.id")
        return bool(item_id) and item_id in self.carried

    def flag(self, row: str) -> str:
        return self.flags.get(self.v(f"{row}.id"), "")

    @property
    def error_list(self) -> list[dict]:
        return [{"text": p.message, "href": "#" + forms.field_id(p.field)} for p in self.problems]


def form_state(values: Mapping[str, str | list[str]], *, base_version: int, conversation_id: int | None,
               problems: Sequence[Problem] = (), add: str = "", carried: Iterable[str] = (),
               flags: Mapping[str, str] | None = None) -> FormState:
    held = forms.row_counts(values)
    counts: dict[str, int] = {}
    for name in LIST_NAMES:
        counts[name] = max(held.get(name, 0), MIN_ROWS[name])
    focus = ""
    if add in LIST_NAMES:
        focus = forms.field_id(f"{add}.{counts[add]}.{FIRST_FIELD[add]}")
        counts[add] += 1
    for i in range(counts["goals"]):
        key = f"goals.{i}.actions"
        counts[key] = max(held.get(key, 0), MIN_ROWS["actions"])
        if add == key:
            focus = forms.field_id(f"{key}.{counts[key]}.{FIRST_FIELD['actions']}")
            counts[key] += 1
    ordered = tuple(sorted(problems, key=lambda p: forms.form_order(p.field)))
    errors: dict[str, str] = {}
    for p in ordered:
        errors.setdefault(p.field, p.message)
    return FormState(values=values, errors=errors, counts=counts, base_version=base_version,
                     conversation_id=conversation_id, carried=frozenset(carried), focus=focus, problems=ordered,
                     flags=dict(flags or {}))


def new_row(add: str, index: int) -> FormState:
    """An empty form for one new row (fetched by htmx), with the cursor in its first field."""
    kind = "actions" if add.endswith(".actions") else add
    return FormState(values={}, errors={}, counts={}, base_version=0, conversation_id=None,
                     focus=forms.field_id(f"{add}.{index}.{FIRST_FIELD[kind]}"))


@dataclass(frozen=True)
class AddButton:
    """An "Add another ..." button: `add` names the list (as posted without JavaScript); `index` is
    the number the new row gets (htmx asks for that row alone)."""

    add: str
    index: int
    label: str
    target: str  # the id of the element the rows are in

    @property
    def id(self) -> str:
        return "add-" + forms.field_id(self.add)


def add_button(add: str, index: int) -> AddButton:
    kind = "actions" if add.endswith(".actions") else add
    return AddButton(add=add, index=index, label=ADD_LABELS[kind], target=forms.field_id(add) + "-rows")


# --- Checklist -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckLine:
    key: str
    label: str
    met: bool
    why: str
    ticked: bool = False


@dataclass(frozen=True)
class Checklist:
    areas: tuple[CheckLine, ...]
    criteria: tuple[CheckLine, ...]
    gaps: int


# What would show an area is covered, for one not covered yet.
AREA_HINTS = {
    "medication_review": "tick it, or record a medicine agreement",
    "education_self_management": "tick it, or record information given or self-management support",
    "psychological_social": "tick it, or record what matters or a need",
    "social_support": "tick it, or record people important to them or a service",
    "prevention": "tick it, or record a target or warning signs",
}


def checklist(plan: Plan, *, had_agenda: bool, proactive: bool) -> Checklist:
    areas = tuple(CheckLine(c.key, c.label, c.met, c.why if c.met else AREA_HINTS.get(c.key, c.why),
                            c.key in plan.areas) for c in checklist_rules.areas(plan))
    criteria = tuple(CheckLine(c.key, c.label, c.met, c.why)
                     for c in checklist_rules.criteria(plan, had_agenda=had_agenda, proactive=proactive))
    return Checklist(areas=areas, criteria=criteria, gaps=sum(not c.met for c in (*areas, *criteria)))


# --- Notices -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DraftNotice:
    saved: str  # "10:42am on 15 June 2026"
    base_version: int
    saved_since: int  # the plan's version now, when it was saved after the draft was started (else 0)


def draft_notice(draft, *, current_version: int) -> DraftNotice | None:
    if draft is None:
        return None
    return DraftNotice(saved=when_text(draft.updated_at), base_version=draft.base_version,
                       saved_since=current_version if current_version != draft.base_version else 0)


def conversation_text(conversation) -> str:
    if conversation is None:
        return ""
    starts = timezone.localtime(conversation.starts_at)
    who = f" with {conversation.clinician.display_name}" if conversation.clinician_id else ""
    return f"{starts:%A} {starts.day} {starts:%B %Y} at {time_text(starts)}{who}"


# --- The plan before this conversation ---------------------------------------------------------------


@dataclass(frozen=True)
class CarriedNotes:
    """What the workspace says about the plan before this conversation: what mattered most then, and
    what is not offered because it no longer fits the person."""

    last_what_matters: str
    left_out: tuple[carry.LeftOut, ...]


def carried_notes(offered: carry.Offer | None, earlier: Plan) -> CarriedNotes | None:
    if offered is None or earlier == Plan():
        return None
    return CarriedNotes(last_what_matters=offered.last_what_matters, left_out=offered.left_out)
