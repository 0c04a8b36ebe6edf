"""The plan agreed at an earlier conversation, offered to this one. Pure: no Django.

Nothing from last year's plan is put into this year's silently. `offer()` starts this conversation's
plan from it: each goal, action, need, medicine agreement, service, piece of information and warning
sign is shown as last year's, and the clinician keeps, changes or closes it (`Decision`s, see
DECISIONS in document.py). `settle()` refuses a plan with an item left undecided and leaves the
closed ones out. What no longer fits the person is not offered at all:

- a service or a piece of information declared for conditions (register slugs) the person no
  longer has (an inhaler spacer leaflet for someone with no lung condition). The relation is
  declared on the item (Information.conditions) or on the practice's service (LocalService.conditions);
  an item declared for no condition fits anyone;
- who took part, that the person agreed, the areas ticked, follow-ups and referrals: they belong to
  the conversation they were recorded in.

Medicine agreements are checked against the person's medication list now: one about a medicine they
no longer take, or one for "all current medicines", is flagged beside it, and document.validate()
refuses agreements that cannot both stand.

Goals (PRSB: each goal with its outcome and status) are reviewed, not copied as they stood. A goal
last year's plan recorded as reached (achieved) was acknowledged there, and one no longer wanted was
let go: neither is offered again. Every other goal is offered as still being worked on, with no
outcome yet: where it got to last year, and how it went, are shown beside it (a flag) for the
clinician to record where it has got to now. In `settle()`, a goal of last year's recorded as
achieved in this conversation is reached: it stays in the plan at that stage (the written plan
acknowledges it under "Goals I reached since my last plan", never as current work) whether the
clinician keeps or closes it, and its actions end with it.

"What matters most" starts from this year's agenda (the person's own reply), never from last year's,
which is shown beside it. The review date starts a year after the conversation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace

from tandem.recall.rules.dates import add_months

from .document import (
    DECISIONS,
    GOAL_STAGE,
    AboutMe,
    Information,
    MedicationAgreement,
    Plan,
    Problem,
    about_all_medicines,
    medicine_key,
)

_TEXTS = ("information", "self_management", "rescue", "follow_ups")
REACHED = "achieved"  # the goal stage of a goal reached
FINISHED = {REACHED: "reached, and acknowledged in the last plan", "dropped": "no longer wanted"}


def year_after(day: dt.date) -> dt.date:
    """The same day a year later (28 February for 29 February)."""
    return add_months(day, 12)


def fits(declared: Iterable[str], conditions: Collection[str]) -> bool:
    """Whether an item declared for `declared` conditions (none: for anyone) fits a person with
    `conditions` (register slugs)."""
    declared = set(declared)
    return not declared or bool(declared & set(conditions))


def _line_id(text: str) -> str:
    """A stable id for a line of free-text information from a plan saved before information items."""
    return "t" + hashlib.sha256(" ".join(text.split()).lower().encode()).hexdigest()[:11]


def information_of(plan: Plan) -> tuple[Information, ...]:
    """The plan's information, piece by piece: its items, then each line of its free text."""
    lines = tuple(Information(id=_line_id(line), text=line.strip())
                  for line in plan.information.splitlines() if line.strip())
    return plan.information_items + lines


def carried_ids(previous: Plan) -> set[str]:
    """The ids of every item of the earlier plan that needs a decision if it is in this one."""
    ids = {item.id for name in ("needs", "goals", "medicines", "services", "warning_signs")
           for item in getattr(previous, name)}
    ids |= {a.id for g in previous.goals for a in g.actions}
    ids |= {i.id for i in information_of(previous)}
    return ids - {""}


@dataclass(frozen=True)
class LeftOut:
    """Something in the earlier plan that is not offered, and why."""

    what: str
    why: str


@dataclass(frozen=True)
class Offer:
    plan: Plan  # where this conversation's plan starts
    left_out: tuple[LeftOut, ...]
    flags: Mapping[str, str]  # item id -> what to check about it
    last_what_matters: str  # what mattered most last year, shown beside this year's


def medicine_flags(medicines: Iterable[MedicationAgreement], current: Iterable[str]) -> dict[str, str]:
    """What to check about each medicine agreement against the medicines the person takes now."""
    taking = {medicine_key(name) for name in current} - {""}
    flags = {}
    for med in medicines:
        if about_all_medicines(med.medicine):
            flags[med.id] = ("This covers all their medicines as they were then. Check it against their medicines "
                             "now, and name them instead if any is stopped or changed.")
        elif medicine_key(med.medicine) and medicine_key(med.medicine) not in taking:
            flags[med.id] = "They no longer take this medicine: it is not on their medication list now."
    return flags


def offer(previous: Plan, *, conditions: Collection[str], medicines: Iterable[str],
          service_conditions: Mapping[int, Iterable[str]], agenda_what_matters: str = "",
          held_by_id: int | None = None, held_by: str = "", held_on: dt.date) -> Offer:
    """This conversation's plan, started from the earlier one. `conditions`: the person's registers now;
    `medicines`: the names of the medicines they take now; `service_conditions`: the conditions each of
    the practice's services is for (by id)."""
    left: list[LeftOut] = []
    services = []
    for signpost in previous.services:
        declared = service_conditions.get(signpost.service_id, ()) if signpost.service_id is not None else ()
        if fits(declared, conditions):
            services.append(signpost)
        else:
            left.append(LeftOut(signpost.name, "for a condition they do not have now"))
    information = []
    for item in information_of(previous):
        if fits(item.conditions, conditions):
            information.append(item)
        else:
            left.append(LeftOut(item.text, "for a condition they do not have now"))
    needs = []
    for need in previous.needs:
        if fits(need.conditions, conditions):
            needs.append(need)
        else:
            left.append(LeftOut(need.text, "about a condition they do not have now"))
    goals = []
    for goal in previous.goals:
        if goal.stage in FINISHED:
            left.append(LeftOut(goal.words, FINISHED[goal.stage]))
            continue
        goals.append(replace(goal, stage="working_on", outcome="", attainment=None))
    about = replace(previous.about, what_matters=agenda_what_matters.strip())
    plan = Plan(
        about=about, needs=tuple(needs), goals=tuple(goals), targets=previous.targets,
        medicines=previous.medicines, information_items=tuple(information),
        self_management=previous.self_management, services=tuple(services),
        warning_signs=previous.warning_signs, rescue=previous.rescue, review_by=previous.review_by,
        review_date=year_after(held_on).isoformat(), held_by_id=held_by_id, held_by=held_by,
        held_on=held_on.isoformat(), agreed_on=held_on.isoformat(),
        named_clinician_id=previous.named_clinician_id, named_clinician=previous.named_clinician,
        checkins=previous.checkins,
    )
    return Offer(plan=plan, left_out=tuple(left), flags=medicine_flags(previous.medicines, medicines) | goal_notes(previous),
                 last_what_matters=previous.about.what_matters.strip())


def goal_notes(previous: Plan | None) -> dict[str, str]:
    """Where each goal of the last plan that is offered again had got to, by goal id (shown beside it
    whenever the form is shown: first offered, after a refused save, from a draft)."""
    if previous is None:
        return {}
    return {goal.id: last_years_goal(goal) for goal in previous.goals if goal.stage not in FINISHED}


def last_years_goal(goal) -> str:
    """Where a goal of the last plan had got to, and how it went, said as last year's."""
    said = f"In the last plan: {GOAL_STAGE.get(goal.stage, goal.stage).lower()}"
    if goal.outcome.strip():
        said += f" ({' '.join(goal.outcome.split())})"
    return said + ". Record where it has got to now."


def settle(plan: Plan, previous: Plan) -> tuple[Plan, list[Problem]]:
    """The plan with the closed items of the earlier plan left out, and a problem for each item of
    it left undecided (plan paths, "goals.1.decision")."""
    ids = carried_ids(previous)
    chosen = {d.id: d.choice for d in plan.decisions if d.choice in DECISIONS}
    problems: list[Problem] = []

    def keep(items, where: str, label: str):
        out = []
        for i, item in enumerate(items):
            if item.id and item.id in ids:
                choice = chosen.get(item.id)
                if choice is None:
                    problems.append(Problem(f"{where}.{i}.decision",
                                            f"Choose whether to keep, change or close last year's {label}."))
                elif choice == "close":
                    continue
            out.append(item)
        return tuple(out)

    goals = []
    for i, goal in enumerate(plan.goals):
        carried = goal.id in ids
        if carried and goal.id not in chosen:
            problems.append(Problem(f"goals.{i}.decision", "Choose whether to keep, change or close last year's goal."))
        if carried and goal.stage == REACHED:  # reached: acknowledged, and its actions end with it
            goals.append(replace(goal, actions=()))
            continue
        if carried and chosen.get(goal.id) == "close":
            continue
        goals.append(replace(goal, actions=keep(goal.actions, f"goals.{i}.actions", "action")))
    settled = replace(plan, needs=keep(plan.needs, "needs", "need"), goals=tuple(goals),
                      medicines=keep(plan.medicines, "medicines", "medicine agreement"),
                      services=keep(plan.services, "services", "service"),
                      information_items=keep(plan.information_items, "information_items", "piece of information"),
                      warning_signs=keep(plan.warning_signs, "warning_signs", "warning sign"))
    return settled, sorted(problems, key=lambda p: p.field)


def this_conversation(plan: Plan, previous: Plan | None) -> Plan:
    """Only what this conversation has recorded: items carried over and not yet kept or changed,
    text unchanged from the earlier plan, and targets as they were are left out. For the checklist,
    which reflects this conversation only."""
    if previous is None:
        return plan
    ids = carried_ids(previous)
    decided = {d.id for d in plan.decisions if d.choice in ("keep", "change")}

    def mine(items):
        return tuple(item for item in items if not item.id or item.id not in ids or item.id in decided)

    def fresh(now: str, before: str) -> str:
        return "" if " ".join(now.split()) == " ".join(before.split()) else now

    about = AboutMe(**{name: fresh(getattr(plan.about, name), getattr(previous.about, name))
                       for name in AboutMe.__dataclass_fields__})
    goals = tuple(replace(g, actions=mine(g.actions)) for g in mine(plan.goals))
    before_targets = {(t.concept, t.upper, t.lower) for t in previous.targets}
    return replace(
        plan, about=about, needs=mine(plan.needs), goals=goals, medicines=mine(plan.medicines),
        services=mine(plan.services), information_items=mine(plan.information_items),
        warning_signs=mine(plan.warning_signs),
        targets=tuple(t for t in plan.targets if (t.concept, t.upper, t.lower) not in before_targets),
        **{name: fresh(getattr(plan, name), getattr(previous, name)) for name in _TEXTS},
    )
