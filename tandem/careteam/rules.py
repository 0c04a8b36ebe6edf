"""The wider care team's rules. Pure: no Django.

Who may be in a person's care team and what they may do (scopes); how the person agreed; what a member
may add to the plan (a contribution) and how an accepted one becomes part of the next plan version, with
who added it kept on the item.

A contribution maps onto parts the plan already has (tandem.careplans.rules.document), so a clinician edits
it afterwards like any other item and nothing is lost when the plan is saved from the workspace:
- "agreed": what they agreed with the person -> a support service (Plan.services): who they are, and what
  they will provide (PRSB PCSP "support services").
- "goal": a goal in the person's words, with the action the member owns -> Plan.goals.
- "action": an action the member owns towards a goal already in the plan -> that goal's actions.
- "contact": when to contact them and how, for the contingency plan -> Plan.warning_signs (level, the
  signs, what to do, who to contact).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from tandem.careplans.rules.document import (
    LEVELS,
    Action,
    Goal,
    Plan,
    Signpost,
    WarningSign,
    new_id,
)

MAX_ROLE = 120
MAX_NOTE = 300
MAX_TEXT = 1000
MAX_SHORT = 200
# The named clinician's review of an addition is due this many days after it was made (a practice's working
# choice, not a clinical fact: a week keeps additions from waiting past the next visit).
REVIEW_WITHIN_DAYS = 7

# What a member may do. Seeing the shared plan comes with being in the care team; the others are chosen.
PLAN, RESULTS, CONTRIBUTE = "plan", "results", "contribute"
SCOPES = {
    PLAN: "See the shared care plan",
    RESULTS: "See their recent results (such as blood sugar, blood pressure and kidney tests)",
    CONTRIBUTE: "Add to the plan (the named clinician reviews each addition)",
}
CHOSEN_SCOPES = (RESULTS, CONTRIBUTE)

# How the person agreed to this member being in their care team.
AGREED_HOW = {
    "in_person": "They agreed in person",
    "phone": "They agreed on the phone",
    "writing": "They agreed in writing",
    "representative": "Their representative agreed (a lasting power of attorney for health and welfare, a "
                      "court-appointed deputy, or a best interests decision)",
}

KINDS = {
    "agreed": "What we agreed with them",
    "goal": "A goal, with what we will do",
    "action": "Something we will do towards a goal in the plan",
    "contact": "When to contact us, for the contingency plan",
}


def may(scopes, scope: str) -> bool:
    return scope == PLAN or scope in (scopes or ())


def author_label(*, name: str, job: str, organisation: str) -> str:
    """'Jo Smith, community matron, Riverside Community Nursing' (the job in a sentence's case)."""
    job = job.strip()
    if job and not (len(job) > 1 and job[:2].isupper()):  # keep "GP", "OT"
        job = job[0].lower() + job[1:]
    return ", ".join(p for p in (name.strip(), job, organisation.strip()) if p)


# --- What a member adds ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Read:
    """A contribution read from a form: its content, or the problems (field -> message) with it."""

    content: dict
    problems: dict[str, str]


def _text(values: Mapping, name: str, *, label: str, limit: int, required: bool, problems: dict) -> str:
    raw = values.get(name, "")
    text = " ".join(str(raw).split()) if name not in ("text", "words", "what_to_do") else str(raw).strip()
    text = text.replace("\x00", "")
    if required and not text:
        problems[name] = f"Enter {label}"
    elif len(text) > limit:
        problems[name] = f"{label[0].upper()}{label[1:]} must be {limit:,} characters or fewer"
    return text


def read(kind: str, values: Mapping, *, goals: Mapping[str, str]) -> Read:
    """Check what a member typed for a contribution of `kind`. `goals`: the plan's goals now (id -> words),
    for an action towards one of them."""
    problems: dict[str, str] = {}
    if kind not in KINDS:
        return Read({}, {"kind": "Choose what you are adding"})
    if kind == "agreed":
        content = {"text": _text(values, "text", label="what you agreed with them", limit=MAX_TEXT, required=True,
                                 problems=problems)}
    elif kind == "goal":
        content = {"words": _text(values, "words", label="the goal, in their words", limit=MAX_TEXT, required=True,
                                  problems=problems),
                   "what": _text(values, "what", label="what you will do", limit=MAX_TEXT, required=True,
                                 problems=problems),
                   "when": _text(values, "when", label="when", limit=MAX_SHORT, required=False, problems=problems)}
    elif kind == "action":
        goal = str(values.get("goal", ""))
        if goal not in goals:
            problems["goal"] = "Choose the goal this is towards"
        content = {"goal": goal if goal in goals else "",
                   "what": _text(values, "what", label="what you will do", limit=MAX_TEXT, required=True,
                                 problems=problems),
                   "when": _text(values, "when", label="when", limit=MAX_SHORT, required=False, problems=problems)}
    else:
        level = str(values.get("level", ""))
        if level not in ("amber", "red"):
            problems["level"] = "Choose how urgent it is"
        content = {"level": level if level in ("amber", "red") else "",
                   "signs": _text(values, "signs", label="when they should contact you", limit=MAX_TEXT,
                                  required=True, problems=problems),
                   "what_to_do": _text(values, "what_to_do", label="what they should do", limit=MAX_TEXT,
                                       required=False, problems=problems),
                   "contact": _text(values, "contact", label="who to contact and how", limit=MAX_SHORT,
                                    required=True, problems=problems)}
    return Read(content, problems)


def summary(kind: str, content: Mapping, *, goals: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """A contribution as (label, text) rows, for the pages that show it."""
    c = content
    if kind == "agreed":
        return [("What we agreed with them", c.get("text", ""))]
    if kind == "goal":
        return [("Goal", c.get("words", "")), ("What we will do", c.get("what", "")), ("When", c.get("when", ""))]
    if kind == "action":
        towards = (goals or {}).get(c.get("goal", ""), "A goal no longer in the plan")
        return [("Towards the goal", towards), ("What we will do", c.get("what", "")), ("When", c.get("when", ""))]
    return [("How urgent", LEVELS.get(c.get("level", ""), "")), ("When to contact us", c.get("signs", "")),
            ("What to do", c.get("what_to_do", "")), ("Who to contact and how", c.get("contact", ""))]


class CannotAdd(ValueError):
    """The plan has changed so that this contribution no longer fits (its goal was closed)."""


def add_to(plan: Plan, *, kind: str, content: Mapping, author: str, owner: str) -> Plan:
    """The plan with the contribution added, its new items carrying `author` (who added it). `owner`: how the
    plan names who does an action ("Jo Smith, community matron")."""
    if kind == "agreed":
        item = Signpost(id=new_id(), service_id=None, name=owner, why=content["text"], author=author)
        return replace(plan, services=(*plan.services, item))
    if kind == "contact":
        sign = WarningSign(id=new_id(), level=content["level"], signs=content["signs"],
                           what_to_do=content.get("what_to_do", ""), contact=content["contact"], author=author)
        return replace(plan, warning_signs=(*plan.warning_signs, sign))
    action = Action(id=new_id(), what=content["what"], who="professional", who_name=owner,
                    when=content.get("when", ""), author=author)
    if kind == "goal":
        goal = Goal(id=new_id(), words=content["words"], actions=(action,), author=author)
        return replace(plan, goals=(*plan.goals, goal))
    if plan.goal(content.get("goal", "")) is None:
        raise CannotAdd("The goal this was for is no longer in the plan: decline it, saying so, and they can "
                        "add it again towards another goal.")
    return replace(plan, goals=tuple(replace(g, actions=(*g.actions, action)) if g.id == content["goal"] else g
                                     for g in plan.goals))
