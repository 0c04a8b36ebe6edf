"""A saved plan shown at a glance: the plan so far and how its goals went, and both sides of a
conflict. Plain, already-decided values for templates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from tandem.prepare.presenters.packs import time_text
from tandem.prepare.queries.packs import local as local_time
from tandem.terminology import codelists, observations

from .. import forms
from ..rules.agreed_checkins import GAS_STAFF_WORDS
from ..rules.document import ACTION_STATUS, GOAL_STAGE, LEVELS, MEDICATION_KINDS, WHO, Plan

STAGE_COLOURS = {"new": "blue", "working_on": "blue", "achieved": "green", "partly": "yellow",
                 "not_achieved": "orange", "dropped": "grey"}
LEVEL_COLOURS = {"green": "green", "amber": "orange", "red": "red"}
ROLE_CHOICES = (("gp", "A GP"), ("nurse", "A practice nurse"), ("pharmacist", "A clinical pharmacist"),
                ("hca", "A health care assistant"), ("manager", "The practice manager"),
                ("admin", "The administration team"))


def when_text(when: dt.datetime) -> str:
    """10:42am on 15 June 2026."""
    local = local_time(when)
    return f"{time_text(when)} on {local.day} {local:%B %Y}"


@dataclass(frozen=True)
class ActionLine:
    what: str
    who: str
    when: str
    status: str
    confidence: int | None
    low_confidence: bool


@dataclass(frozen=True)
class GoalLine:
    words: str
    importance: int | None
    stage: str
    stage_colour: str
    outcome: str
    actions: tuple[ActionLine, ...]


@dataclass(frozen=True)
class Line:
    label: str
    text: str
    colour: str = ""


@dataclass(frozen=True)
class PlanSummary:
    """A plan in a few lines per part, for reading at a glance (the previous plan; a conflict)."""

    what_matters: str
    goals: tuple[GoalLine, ...]
    needs: tuple[str, ...]
    targets: tuple[str, ...]
    medicines: tuple[Line, ...]
    services: tuple[str, ...]
    warning_signs: tuple[Line, ...]
    referrals: tuple[str, ...]
    review: str
    agreed: bool
    empty: bool


def _who(who: str, name: str) -> str:
    if who == "person":
        return "The person"
    return name or WHO.get(who, who)


def goal_lines(plan: Plan) -> tuple[GoalLine, ...]:
    return tuple(
        GoalLine(words=g.words, importance=g.importance, stage=GOAL_STAGE.get(g.stage, g.stage),
                 stage_colour=STAGE_COLOURS.get(g.stage, "grey"), outcome=g.outcome,
                 actions=tuple(ActionLine(what=a.what, who=_who(a.who, a.who_name), when=a.when,
                                          status=ACTION_STATUS.get(a.status, a.status), confidence=a.confidence,
                                          low_confidence=a.needs_rework) for a in g.actions))
        for g in plan.goals)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def summary(plan: Plan, *, staff: Mapping[int, str] | None = None) -> PlanSummary:
    concepts = {c.key: c for c in observations.CONCEPTS}
    staff = staff or {}
    targets = []
    for t in plan.targets:
        concept = concepts.get(t.concept)
        name, unit = (concept.name, concept.unit) if concept else (t.concept, "")
        parts = [f"{_number(t.lower)} or higher" if t.lower is not None and t.upper is None else "",
                 f"{_number(t.upper)} or lower" if t.upper is not None and t.lower is None else "",
                 f"{_number(t.lower)} to {_number(t.upper)}" if t.upper is not None and t.lower is not None else ""]
        targets.append(f"{name}: {''.join(parts)} {unit}".strip() + (f" ({t.reason})" if t.reason else ""))
    referrals = []
    for r in plan.referrals:
        to = staff.get(r.to_user_id, "") if r.to_user_id is not None else dict(ROLE_CHOICES).get(r.to_role, r.to_role)
        to = r.to_provider_name or "an organisation outside the practice" if r.to_provider_id is not None else to
        due = f", by {forms.date_text(r.by_when)}" if r.by_when else ""
        referrals.append(f"{r.what} ({to}{due})" if to else f"{r.what}{due}")
    review = ""
    if plan.review_date:
        review = f"Review by {forms.date_text(plan.review_date)}" + (f", {plan.review_by}" if plan.review_by else "")
    return PlanSummary(
        what_matters=plan.about.what_matters, goals=goal_lines(plan),
        needs=tuple(n.text + (f" ({', '.join(codelists.display_name(c) for c in n.conditions)})"
                              if n.conditions else "") for n in plan.needs),
        targets=tuple(targets),
        medicines=tuple(Line(MEDICATION_KINDS.get(m.kind, m.kind), m.medicine + (f": {m.reason}" if m.reason else ""))
                        for m in plan.medicines),
        services=tuple(s.name + (f": {s.why}" if s.why else "") for s in plan.services),
        warning_signs=tuple(Line(LEVELS.get(w.level, w.level), w.signs, LEVEL_COLOURS.get(w.level, ""))
                            for w in plan.warning_signs),
        referrals=tuple(referrals), review=review, agreed=plan.agreed_with_person,
        empty=plan == Plan(),
    )


@dataclass(frozen=True)
class Previous:
    version: int
    saved: str  # "10:42am on 10 June 2025"
    by: str
    summary: PlanSummary
    review_due: str  # "The review was due by 1 June 2026" or ""


def previous(version, plan: Plan, *, today: dt.date, staff: Mapping[int, str] | None = None) -> Previous | None:
    """The plan as last saved (a PlanVersion and its Plan), or None for a first plan."""
    if version is None:
        return None
    due = ""
    if plan.review_date:
        try:
            when = dt.date.fromisoformat(plan.review_date)
        except ValueError:
            when = None
        if when is not None:
            due = (f"The review was due by {when.day} {when:%B %Y}" if when <= today
                   else f"The review is due by {when.day} {when:%B %Y}")
    return Previous(version=version.version, saved=when_text(version.created_at),
                    by=version.created_by.display_name if version.created_by else "Not recorded",
                    summary=summary(plan, staff=staff), review_due=due)


@dataclass(frozen=True)
class Conflict:
    version: int
    by: str
    saved: str
    theirs: PlanSummary
    yours: PlanSummary


def conflict(current, *, theirs: Plan, yours: Plan, staff: Mapping[int, str] | None = None) -> Conflict:
    return Conflict(version=current.version, by=current.created_by.display_name if current.created_by else "Someone",
                    saved=when_text(current.created_at), theirs=summary(theirs, staff=staff),
                    yours=summary(yours, staff=staff))


# --- Without the ids --------------------------------------------------------------------------------


def same_content(a: Plan, b: Plan) -> bool:
    """Whether two plans say the same, whatever ids their rows were given (and however the name of
    who held the conversation was written: saving writes it from their id)."""
    return _without_ids(a.as_dict()) == _without_ids(b.as_dict())


def _without_ids(value):
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k not in ("id", "held_by")}
    if isinstance(value, list | tuple):
        return [_without_ids(v) for v in value]
    return value


@dataclass(frozen=True)
class Progress:
    words: str  # the goal
    latest: str  # "much less than expected (-2), 14 November 2026 (check-in)"
    count: int
    levels: tuple[int, ...]  # oldest first


def progress(plan: Plan, rated: Mapping[str, list]) -> list[Progress]:
    """How each goal of `plan` has gone, from check-ins and reviews (tandem.careplans.hooks.progress)."""
    out = []
    for goal in plan.goals:
        series = rated.get(goal.id) or []
        if not series:
            continue
        last = series[-1]
        out.append(Progress(goal.words, f"{GAS_STAFF_WORDS[last.level]}, {last.on.day} {last.on:%B %Y} ({last.source.lower()})",
                            len(series), tuple(r.level for r in series)))
    return out
