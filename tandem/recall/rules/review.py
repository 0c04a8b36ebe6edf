"""A person's combined review: the tests appointment and the care planning conversation. Pure.

The tests appointment is the union of what all the person's conditions need, each step once: blood
pressure is measured once even if three conditions ask for it, and one blood sample serves every
blood test. Each step is given to the first role, in ROLE_ORDER, that may do it and that the
practice has (so an HCA does what an HCA may, and a nurse what only a nurse may). A step with
`when_due_months` is left out when it was recorded within that many months (spirometry).

The conversation's length grows with the number and complexity of conditions (ConversationPolicy:
base minutes, plus per_condition x (sum of complexity weights - 1), rounded up, capped; a "longer
appointment" adjustment adds more after the cap). A GP or specialist nurse should hold it when a
condition asks for that (heart failure), the person has severe frailty, is in the case management
tier, or has lead_conditions or more long-term conditions; otherwise a practice nurse.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .dates import add_months
from .protocols import CONVERSATION, HCA, ROLE_NAMES, ROLE_ORDER, TESTS, Item, Protocols

PRACTICE_NURSE = "practice_nurse"
GP_OR_SPECIALIST_NURSE = "gp_or_specialist_nurse"
LEAD_LABELS = {PRACTICE_NURSE: "Practice nurse", GP_OR_SPECIALIST_NURSE: "GP or specialist nurse"}

CASE_MANAGEMENT = "case_management"  # tandem.registers risk tier
SEVERE_FRAILTY = "severe"


@dataclass(frozen=True)
class Step:
    item: Item
    role: str
    for_conditions: tuple[str, ...]  # the conditions that asked for it (all that share it)

    @property
    def minutes(self) -> int:
        return self.item.minutes


@dataclass(frozen=True)
class NotDue:
    item: Item
    last_done: dt.date


@dataclass(frozen=True)
class TestsAppointment:
    steps: tuple[Step, ...]
    not_due: tuple[NotDue, ...] = ()

    @property
    def minutes(self) -> int:
        return sum(s.minutes for s in self.steps)

    def minutes_by_role(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for step in self.steps:
            out[step.role] = out.get(step.role, 0) + step.minutes
        return out

    @property
    def hca_minutes(self) -> int:
        return sum(s.minutes for s in self.steps if s.role == HCA)

    @property
    def clinician_minutes(self) -> int:
        return self.minutes - self.hca_minutes

    @property
    def prepare(self) -> tuple[str, ...]:
        return tuple(s.item.prepare for s in self.steps if s.item.prepare)

    def summary(self) -> str:
        """'28 min: HCA 23, nurse 5'."""
        if not self.steps:
            return "No tests needed"
        parts = [f"{ROLE_NAMES[r]} {m}" for r, m in sorted(self.minutes_by_role().items(),
                                                            key=lambda rm: ROLE_ORDER.index(rm[0]))]
        return f"{self.minutes} min: " + ", ".join(parts)


@dataclass(frozen=True)
class Conversation:
    minutes: int
    lead: str
    lead_reasons: tuple[str, ...]
    topics: tuple[Step, ...]

    @property
    def lead_label(self) -> str:
        return LEAD_LABELS[self.lead]


@dataclass(frozen=True)
class ReviewPlan:
    conditions: tuple[str, ...]
    tests: TestsAppointment
    conversation: Conversation

    @property
    def hca_minutes(self) -> int:
        return self.tests.hca_minutes

    @property
    def clinician_minutes(self) -> int:
        return self.tests.clinician_minutes + self.conversation.minutes


def _assign(item: Item, role_order: tuple[str, ...]) -> str:
    for role in role_order:
        if role in item.roles:
            return role
    return next(r for r in ROLE_ORDER if r in item.roles)


def _asked(conditions: Iterable[str], part: str, *, protocols: Protocols) -> dict[str, list[str]]:
    """item key -> the conditions whose protocol lists it, for one part of the review."""
    asked: dict[str, list[str]] = {}
    for condition in conditions:
        protocol = protocols.protocol(condition)
        if protocol is None:
            continue
        for key in protocol.items:
            if protocols.item(key).part == part:
                who = asked.setdefault(key, [])
                if condition not in who:
                    who.append(condition)
    return asked


def _with_shared_steps(asked: dict[str, list[str]], *, protocols: Protocols) -> dict[str, list[str]]:
    """Add the shared steps the asked-for items need (once each), in the protocols file's order."""
    out = {key: list(who) for key, who in asked.items()}
    for key, who in asked.items():
        for need in protocols.item(key).needs:
            shared = out.setdefault(need, [])
            shared.extend(c for c in who if c not in shared)
    order = {key: i for i, key in enumerate(protocols.items)}
    return dict(sorted(out.items(), key=lambda kv: order[kv[0]]))


def tests_appointment(conditions: Iterable[str], *, protocols: Protocols,
                      last_done: Mapping[str, dt.date] | None = None, today: dt.date | None = None,
                      role_order: tuple[str, ...] = ROLE_ORDER) -> TestsAppointment:
    """The tests appointment for someone with `conditions`; `last_done` maps observation concept
    keys to the date last recorded (only steps with `when_due_months` consult it)."""
    last_done = last_done or {}
    asked = _asked(conditions, TESTS, protocols=protocols)
    not_due: list[NotDue] = []
    for key in list(asked):
        item = protocols.item(key)
        if item.when_due_months and today is not None:
            dates = [last_done[c] for c in item.concepts if c in last_done]
            if dates and max(dates) > add_months(today, -item.when_due_months):
                not_due.append(NotDue(item, max(dates)))
                del asked[key]
    steps = tuple(
        Step(protocols.item(key), _assign(protocols.item(key), role_order), tuple(who))
        for key, who in _with_shared_steps(asked, protocols=protocols).items()
    )
    return TestsAppointment(steps=steps, not_due=tuple(not_due))


def conversation(conditions: Iterable[str], *, protocols: Protocols, tier: str = "", frailty: str = "",
                 longer_appointment: bool = False, condition_names: Mapping[str, str] | None = None,
                 role_order: tuple[str, ...] = ROLE_ORDER) -> Conversation:
    conditions = tuple(dict.fromkeys(conditions))
    policy = protocols.conversation
    names = condition_names or {}
    weights = [protocols.conditions[c].complexity if c in protocols.conditions else 1.0 for c in conditions]
    extra = max(0.0, sum(weights) - 1.0)
    minutes = policy.base + policy.per_condition * extra
    minutes = min(policy.cap, math.ceil(minutes / policy.round_to - 1e-9) * policy.round_to)
    if longer_appointment:
        minutes += policy.longer_appointment
    reasons: list[str] = []
    for c in conditions:
        protocol = protocols.protocol(c)
        if protocol is not None and protocol.lead:
            reasons.append(names.get(c, c.replace("_", " ")))
    if frailty == SEVERE_FRAILTY:
        reasons.append("severe frailty")
    if tier == CASE_MANAGEMENT:
        reasons.append("case management tier")
    if len(conditions) >= policy.lead_conditions:
        reasons.append(f"{len(conditions)} long-term conditions")
    topics = tuple(
        Step(protocols.item(key), _assign(protocols.item(key), role_order), tuple(asked))
        for key, asked in _with_shared_steps(_asked(conditions, CONVERSATION, protocols=protocols),
                                             protocols=protocols).items()
    )
    return Conversation(minutes=int(minutes), lead=GP_OR_SPECIALIST_NURSE if reasons else PRACTICE_NURSE,
                        lead_reasons=tuple(reasons), topics=topics)


def review_plan(conditions: Iterable[str], *, protocols: Protocols, tier: str = "", frailty: str = "",
                adjustments: Iterable[str] = (), last_done: Mapping[str, dt.date] | None = None,
                today: dt.date | None = None, condition_names: Mapping[str, str] | None = None,
                role_order: tuple[str, ...] = ROLE_ORDER) -> ReviewPlan:
    conditions = tuple(dict.fromkeys(conditions))
    return ReviewPlan(
        conditions=conditions,
        tests=tests_appointment(conditions, protocols=protocols, last_done=last_done, today=today,
                                role_order=role_order),
        conversation=conversation(conditions, protocols=protocols, tier=tier, frailty=frailty,
                                  longer_appointment="longer_appointment" in set(adjustments),
                                  condition_names=condition_names, role_order=role_order),
    )
