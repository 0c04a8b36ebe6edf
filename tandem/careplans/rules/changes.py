"""What changed between two versions of a care plan, in plain English. Pure: no Django.

Items in lists are compared by their `id` (rules/document.py gives every goal, action, medicine
agreement, service, warning sign, need and referral a stable one), so rewording a goal is a change
to that goal, not a goal removed and another added. Targets are compared by what they measure.
Each line says what changed and, where it is short, to what:

    New goal: 'Walk to my daughter's house without stopping'
    Goal 'Walk to my daughter's house without stopping' is now Achieved
    HbA1c target changed from 58 to 53 mmol/mol or lower

Typed text in a line is quoted and cut to about 60 characters; the plan itself has it all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from tandem.core.rules import ROLE_LABELS, Role

from .agreed_checkins import CADENCES, READINGS
from .document import ACTION_STATUS, AREAS, GOAL_STAGE, LEVELS, MEDICATION_KINDS, WHO, Goal, Plan
from .wording import long_date, shorten, target_name, target_value

ABOUT_NAMES = {
    "what_matters": "What matters most", "people": "People who are important", "communication":
    "How to communicate", "please_do": "Please do", "please_dont": "Please don't", "strengths": "Strengths",
}
TEXT_NAMES = {
    "information": "Information given", "self_management": "Self-management support",
    "rescue": "Rescue medicines or anticipatory medicines", "follow_ups": "Follow-up contacts to arrange",
}


def q(text: str, most: int = 60) -> str:
    """Typed text, quoted and shortened for a change line."""
    return f"'{shorten(text, most)}'"


def _by_id[T](items: Iterable[T], key: Callable[[T], str] = lambda item: item.id) -> dict[str, T]:
    return {key(item): item for item in items}


def _matched[T](before: Iterable[T], after: Iterable[T], key: Callable[[T], str] = lambda item: item.id):
    """(added, removed, pairs of (old, new) present in both), in the order of the newer plan."""
    old, new = _by_id(before, key), _by_id(after, key)
    added = [item for k, item in new.items() if k not in old]
    removed = [item for k, item in old.items() if k not in new]
    both = [(old[k], item) for k, item in new.items() if k in old]
    return added, removed, both


def _text_change(name: str, old: str, new: str) -> str | None:
    old, new = " ".join((old or "").split()), " ".join((new or "").split())
    if old == new:
        return None
    if not old:
        return f"{name} added: {q(new)}"
    if not new:
        return f"{name} removed (was {q(old)})"
    return f"{name} changed to {q(new)}"


def between(before: Plan, after: Plan) -> list[str]:
    """Every change from `before` to `after`, in the order the plan reads. Empty if none."""
    lines: list[str] = []
    for key, name in ABOUT_NAMES.items():
        line = _text_change(name, getattr(before.about, key), getattr(after.about, key))
        if line:
            lines.append(line)
    lines += _needs(before, after)
    lines += _goals(before, after)
    lines += _targets(before, after)
    lines += _medicines(before, after)
    lines += _information(before, after)
    for key in ("information", "self_management"):
        line = _text_change(TEXT_NAMES[key], getattr(before, key), getattr(after, key))
        if line:
            lines.append(line)
    lines += _services(before, after)
    lines += _warning_signs(before, after)
    line = _text_change(TEXT_NAMES["rescue"], before.rescue, after.rescue)
    if line:
        lines.append(line)
    lines += _referrals(before, after)
    lines += _people(before, after)
    lines += _review(before, after)
    lines += _between_visits(before, after)
    added_areas = [AREAS[a] for a in after.areas if a in AREAS and a not in before.areas]
    removed_areas = [AREAS[a] for a in before.areas if a in AREAS and a not in after.areas]
    if added_areas:
        lines.append("Now marked as covered: " + ", ".join(added_areas))
    if removed_areas:
        lines.append("No longer marked as covered: " + ", ".join(removed_areas))
    return lines


def checkins_text(plan: Plan) -> str:
    """The check-ins agreed, in a few words: "every month, by text message; home blood pressure; mood"."""
    agreed = plan.checkins
    if not agreed.every:
        return "none"
    how = {"text": "by text message", "email": "by email", "phone": "by phone"}.get(agreed.channel, agreed.channel)
    if agreed.channel == "phone" and agreed.caller:
        how += f" from {agreed.caller}"
    parts = [f"{CADENCES.get(agreed.every, (agreed.every,))[0].lower()}, {how}"]
    parts += [READINGS[r.key].short for r in agreed.readings if r.key in READINGS]
    if agreed.mood:
        parts.append("mood")
    return "; ".join(parts)


def _between_visits(before: Plan, after: Plan) -> list[str]:
    lines = []
    if (before.named_clinician_id, before.named_clinician) != (after.named_clinician_id, after.named_clinician):
        lines.append(f"Named clinician: {after.named_clinician or 'none'} (was {before.named_clinician or 'none'})")
    was, now = checkins_text(before), checkins_text(after)
    if was != now:
        lines.append(f"Check-ins: {now} (was {was})")
    return lines


def _needs(before: Plan, after: Plan) -> list[str]:
    added, removed, both = _matched(before.needs, after.needs)
    lines = [f"New need or concern: {q(n.text)}" for n in added]
    lines += [f"Need or concern removed: {q(n.text)}" for n in removed]
    lines += [f"Need or concern {q(old.text)} now reads {q(new.text)}" for old, new in both
              if " ".join(old.text.split()) != " ".join(new.text.split())]
    return lines


def _goals(before: Plan, after: Plan) -> list[str]:
    old_goals = _by_id(before.goals)
    lines: list[str] = []
    for goal in after.goals:  # in the newer plan's order, each goal's changes together
        old = old_goals.get(goal.id)
        if old is not None:
            lines += _goal(old, goal)
            continue
        lines.append(f"New goal: {q(goal.words)}" + (f" (importance {goal.importance} out of 10)"
                                                     if goal.importance is not None else ""))
        lines += [f"New action for goal {q(goal.words, 50)}: {q(a.what)}" for a in goal.actions]
    kept = {g.id for g in after.goals}
    lines += [f"Goal removed: {q(goal.words)}" for goal in before.goals if goal.id not in kept]
    return lines


def _goal(old: Goal, new: Goal) -> list[str]:
    lines: list[str] = []
    if " ".join(old.words.split()) != " ".join(new.words.split()):
        lines.append(f"Goal {q(old.words)} now reads {q(new.words)}")
    name = q(new.words, 50)
    if old.stage != new.stage:
        lines.append(f"Goal {name} is now {GOAL_STAGE.get(new.stage, new.stage)}")
    if old.importance != new.importance:
        if old.importance is None:
            lines.append(f"Goal {name}: importance set to {new.importance} out of 10")
        elif new.importance is None:
            lines.append(f"Goal {name}: importance no longer recorded (was {old.importance} out of 10)")
        else:
            lines.append(f"Goal {name}: importance changed from {old.importance} to {new.importance} out of 10")
    line = _text_change(f"Goal {name}: outcome", old.outcome, new.outcome)
    if line:
        lines.append(line)
    added, removed, both = _matched(old.actions, new.actions)
    lines += [f"New action for goal {name}: {q(a.what)}" for a in added]
    lines += [f"Action removed from goal {name}: {q(a.what)}" for a in removed]
    for was, now in both:
        action = q(now.what, 50)
        if " ".join(was.what.split()) != " ".join(now.what.split()):
            lines.append(f"Action {q(was.what, 50)} now reads {action}")
        if (was.who, " ".join(was.who_name.split())) != (now.who, " ".join(now.who_name.split())):
            who = " ".join(now.who_name.split()) or WHO.get(now.who, now.who)
            lines.append(f"Action {action}: now done by {who}")
        if " ".join(was.when.split()) != " ".join(now.when.split()):
            lines.append(f"Action {action}: when changed to {q(now.when, 40)}" if now.when.strip()
                         else f"Action {action}: when no longer given")
        line = _text_change(f"Action {action}: suggested strategies", was.strategies, now.strategies)
        if line:
            lines.append(line)
        if was.status != now.status:
            lines.append(f"Action {action} is now {ACTION_STATUS.get(now.status, now.status)}")
        if was.confidence != now.confidence:
            if was.confidence is None:
                lines.append(f"Action {action}: confidence recorded as {now.confidence} out of 10")
            elif now.confidence is None:
                lines.append(f"Action {action}: confidence no longer recorded (was {was.confidence} out of 10)")
            else:
                lines.append(f"Action {action}: confidence changed from {was.confidence} to {now.confidence} "
                             "out of 10")
    return lines


def _targets(before: Plan, after: Plan) -> list[str]:
    added, removed, both = _matched(before.targets, after.targets, key=lambda t: t.concept)
    lines = [f"New target: {target_name(t.concept, plain=False)} {target_value(t)}" for t in added]
    lines += [f"{target_name(t.concept, plain=False)} target removed (was {target_value(t)}): the usual target "
              "applies again" for t in removed]
    for old, new in both:
        if (old.upper, old.lower) == (new.upper, new.lower):
            continue
        was, now = target_value(old), target_value(new)
        name = target_name(new.concept, plain=False)
        # "from 58 to 53 mmol/mol or lower" when only the number moved; else both in full
        shared = _shared_tail(was, now)
        if shared:
            lines.append(f"{name} target changed from {was[:-len(shared)].strip()} to {now}")
        else:
            lines.append(f"{name} target changed from {was} to {now}")
    return lines


def _shared_tail(was: str, now: str) -> str:
    """The common ' mmol/mol or lower' of two one-number targets, or '' if they differ in shape."""
    for tail in (" or lower", " or higher"):
        if was.endswith(tail) and now.endswith(tail):
            was_unit = was[:-len(tail)].split(" ", 1)[1:] or [""]
            now_unit = now[:-len(tail)].split(" ", 1)[1:] or [""]
            if was_unit == now_unit:
                return (" " + was_unit[0] if was_unit[0] else "") + tail
    return ""


def _medicines(before: Plan, after: Plan) -> list[str]:
    added, removed, both = _matched(before.medicines, after.medicines)
    lines = [f"Medicine agreement: {MEDICATION_KINDS.get(m.kind, m.kind)} {q(m.medicine, 50)}" for m in added]
    lines += [f"Medicine agreement removed: {MEDICATION_KINDS.get(m.kind, m.kind)} {q(m.medicine, 50)}"
              for m in removed]
    for old, new in both:
        medicine = q(new.medicine, 50)
        if " ".join(old.medicine.split()) != " ".join(new.medicine.split()):
            lines.append(f"Medicine agreement for {q(old.medicine, 50)} is now about {medicine}")
        if old.kind != new.kind:
            lines.append(f"Medicine agreement for {medicine} is now: {MEDICATION_KINDS.get(new.kind, new.kind)}")
        line = _text_change(f"Medicine agreement for {medicine}: reason", old.reason, new.reason)
        if line:
            lines.append(line)
        line = _text_change(f"Medicine agreement for {medicine}: agreed by", old.agreed_by, new.agreed_by)
        if line:
            lines.append(line)
    return lines


def _services(before: Plan, after: Plan) -> list[str]:
    added, removed, both = _matched(before.services, after.services)
    lines = [f"New service: {s.name}" + (f" ({shorten(s.why, 50)})" if s.why.strip() else "") for s in added]
    lines += [f"Service no longer in the plan: {s.name}" for s in removed]
    for old, new in both:
        if old.name != new.name:
            lines.append(f"Service {old.name} is now {new.name}")
        line = _text_change(f"Service {new.name}: why", old.why, new.why)
        if line:
            lines.append(line)
    return lines


def _information(before: Plan, after: Plan) -> list[str]:
    added, removed, both = _matched(before.information_items, after.information_items)
    lines = [f"New information given: {q(i.text)}" for i in added]
    lines += [f"Information no longer in the plan: {q(i.text)}" for i in removed]
    lines += [f"Information {q(old.text)} changed to {q(new.text)}" for old, new in both if old.text != new.text]
    return lines


def _level(level: str) -> str:
    return LEVELS.get(level, level).split(":")[0].lower()


def _warning_signs(before: Plan, after: Plan) -> list[str]:
    added, removed, both = _matched(before.warning_signs, after.warning_signs)
    lines = [f"New {_level(s.level)} warning sign: {q(s.signs)}" for s in added]
    lines += [f"Warning sign removed ({_level(s.level)}): {q(s.signs)}" for s in removed]
    for old, new in both:
        signs = q(new.signs, 50)
        if old.level != new.level:
            lines.append(f"Warning sign {signs} moved from {_level(old.level)} to {_level(new.level)}")
        if " ".join(old.signs.split()) != " ".join(new.signs.split()):
            lines.append(f"Warning sign {q(old.signs, 50)} now reads {signs}")
        for key, name in (("what_to_do", "what to do"), ("contact", "who to contact")):
            line = _text_change(f"Warning sign {signs}: {name}", getattr(old, key), getattr(new, key))
            if line:
                lines.append(line)
    return lines


def _role(value: str) -> str:
    try:
        return ROLE_LABELS[Role(value)].lower()
    except ValueError:
        return "a named member of the team"


def _referrals(before: Plan, after: Plan) -> list[str]:
    added, removed, _both = _matched(before.referrals, after.referrals)
    lines = [f"New referral to {r.to_provider_name or 'an organisation outside the practice'}: {q(r.what)}"
             if r.to_provider_id is not None else
             f"New task for the {_role(r.to_role)}: {q(r.what)}" if r.to_role else f"New task: {q(r.what)}"
             for r in added]
    lines += [f"Task no longer in the plan: {q(r.what)}" for r in removed]
    return lines


def _people(before: Plan, after: Plan) -> list[str]:
    lines: list[str] = []

    def names(plan: Plan) -> list[str]:
        return [" ".join(p.name.split()) + (f" ({p.relationship.strip()})" if p.relationship.strip() else "")
                for p in plan.participants if p.name.strip()]

    old, new = names(before), names(after)
    if old != new:
        lines.append("Who took part: " + (", ".join(new) if new else "only the person and the clinician"))
    if before.agreed_with_person != after.agreed_with_person:
        lines.append("The plan was agreed with the person" if after.agreed_with_person
                     else "The plan is no longer marked as agreed with the person")
    return lines


def _review(before: Plan, after: Plan) -> list[str]:
    lines: list[str] = []
    if before.review_date != after.review_date:
        if not after.review_date:
            lines.append(f"Review date removed (was {long_date(before.review_date)})")
        elif not before.review_date:
            lines.append(f"Review date set: {long_date(after.review_date)}")
        else:
            lines.append(f"Review date changed from {long_date(before.review_date)} to {long_date(after.review_date)}")
    line = _text_change("Who is responsible for the review", before.review_by, after.review_by)
    if line:
        lines.append(line)
    line = _text_change(TEXT_NAMES["follow_ups"], before.follow_ups, after.follow_ups)
    if line:
        lines.append(line)
    return lines
