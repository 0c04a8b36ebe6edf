"""The written care plan in plain words: a Plan (rules/document.py) turned into the sentences a
person reads. Pure: no Django. The templates (careplans/plan/body.html.jinja and the PDF) print
these values as they are, so the same words appear on the staff page, in the PDF, in large print
and in an email.

The person's own words are kept exactly as typed (their goals above all); only the labels around
them are ours. Labels speak as the person ("What matters to me", "How sure I feel"), the way the
plan is headed ("My care and support plan"). Plain English (NHS service manual): short labels,
no jargon ("Cut down or stop", not "deprescribe"), units spelt as on their results.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from tandem.core.rules import ROLE_LABELS, Role
from tandem.patients.rules import Target, TargetInputs, applicable_target
from tandem.terminology import observations
from tandem.terminology.plain_names import plain_name

from .agreed_checkins import CADENCES, GAS_BY_VALUE, READINGS
from .document import ACTION_STATUS, GOAL_STAGE, Plan, TargetAgreement

TITLE = "My care and support plan"

ABOUT_LABELS = {  # About me, in the order a person would tell it
    "people": "People who are important to me",
    "communication": "How to talk with me",
    "please_do": "Please do",
    "please_dont": "Please do not",
    "strengths": "What I am good at",
}
MEDICINE_WORDS = {"start": "Start", "stop": "Stop", "change": "Change", "deprescribe": "Cut down or stop",
                  "continue": "Carry on as now"}
LEVEL_ORDER = ("green", "amber", "red")
LEVEL_WORDS = {  # what each level means to the person, beside the colour's name (never colour alone)
    "green": ("Green", "I feel as well as usual"),
    "amber": ("Amber", "I feel worse than usual"),
    "red": ("Red", "I feel very unwell: get help now"),
}

# --- Small helpers ----------------------------------------------------------------------------

def long_date(value: dt.date | str | None) -> str:
    """'23 June 2027'; empty for no date or one that is not a date."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return ""
    if isinstance(value, dt.datetime):
        value = value.date()
    return f"{value.day} {value:%B %Y}"


_PHONE = re.compile(r"(?<![\d\w])(?:0|\+44 ?)\d{2,4}(?: \d{3,6}){1,2}(?![\d\w])")


def one_line(text: str | None) -> str:
    """Typed text on one line, spaces tidied; a phone number is never split across lines (its
    spaces become non-breaking ones: it looks the same, and is read as one number)."""
    flat = " ".join((text or "").split())
    return _PHONE.sub(lambda m: m.group(0).replace(" ", "\u00a0"), flat)


def paragraphs(text: str | None) -> tuple[str, ...]:
    """Typed text as paragraphs: one per line, blank lines dropped, spaces tidied (see one_line)."""
    return tuple(one_line(line) for line in (text or "").splitlines() if line.strip())


def shorten(text: str, most: int = 60) -> str:
    """One line of typed text, cut at a word boundary with '...' if it is longer than `most`."""
    flat = " ".join((text or "").split())
    if len(flat) <= most:
        return flat
    cut = flat[:most - 3].rsplit(" ", 1)[0] if " " in flat[:most - 3] else flat[:most - 3]
    return cut.rstrip(",;:.-") + "..."


def number(value: float, decimals: int = 1) -> str:
    """53 -> '53', 1.80 -> '1.8', 2.0 -> '2' (no trailing zeros to misread)."""
    text = f"{value:.{max(decimals, 1)}f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def condition_words(slug: str) -> str:
    """The condition's plain name, as in every letter and pack (tandem.terminology.plain_names)."""
    return plain_name(slug)


# --- Targets ----------------------------------------------------------------------------------

def _unit(concept: observations.Concept) -> str:
    return "" if concept.unit in ("score", "grade", "") else f" {concept.unit}"


def target_value(target: TargetAgreement) -> str:
    """'53 mmol/mol or lower', '60 mL/min/1.73m2 or higher', 'between 4 and 7 mmol/mol'."""
    concept = observations.BY_KEY.get(target.concept)
    decimals = concept.decimals if concept else 1
    unit = _unit(concept) if concept else ""
    upper = number(target.upper, decimals) if target.upper is not None else None
    lower = number(target.lower, decimals) if target.lower is not None else None
    if upper is not None and lower is not None:
        return f"between {lower} and {upper}{unit}"
    if upper is not None:
        return f"{upper}{unit} or lower"
    if lower is not None:
        return f"{lower}{unit} or higher"
    return ""


def target_name(concept_key: str, *, plain: bool = True) -> str:
    concept = observations.BY_KEY.get(concept_key)
    if concept is None:
        return concept_key.replace("_", " ")
    return capital(concept.plain) if plain else concept.name


@dataclass(frozen=True)
class TargetText:
    name: str  # "Average blood sugar (HbA1c)"
    value: str  # "53 mmol/mol or lower"
    reason: tuple[str, ...] = ()
    usual: bool = False  # the usual target for the person (none was agreed), not one agreed with them


USUAL_TARGET = "The usual target for me. We did not agree a different one."


def targets(plan: Plan, inputs: TargetInputs | None = None) -> tuple[TargetText, ...]:
    """The person's targets in plain words: those agreed in the plan, then (given `inputs`, the
    same inputs every screen passes to tandem.patients.rules.applicable_target) the usual target
    for each measurement the plan agreed none for, so the plan shows the target the summary, the
    workspace and the pack show. A blood pressure agreed as a top and a bottom number with upper
    limits is one line, as people know it: '140/90 mmHg or lower'."""
    agreed = _agreed_targets(plan)
    return agreed + (_usual_targets(plan, inputs) if inputs is not None else ())


def _usual_targets(plan: Plan, inputs: TargetInputs) -> tuple[TargetText, ...]:
    personal = {t.concept: Target(t.concept, t.upper, t.lower, personal=True) for t in plan.targets}
    inputs = TargetInputs.of(age=inputs.age, registers=inputs.registers, frail=inputs.frail, personal=personal)
    out: list[TargetText] = []
    for concept in ("hba1c", "blood_pressure", "ldl"):
        if concept == "blood_pressure":
            systolic, diastolic = (applicable_target("systolic_bp", inputs),
                                   applicable_target("diastolic_bp", inputs))
            if (systolic is None or diastolic is None or systolic.personal or diastolic.personal
                    or systolic.upper is None or diastolic.upper is None):
                continue
            value = f"{number(systolic.upper, 0)}/{number(diastolic.upper, 0)} mmHg or lower"
            out.append(TargetText("Blood pressure", value, (USUAL_TARGET,), usual=True))
            continue
        target = applicable_target(concept, inputs)
        if target is None or target.personal:
            continue
        value = target_value(TargetAgreement(concept=concept, upper=target.upper, lower=target.lower))
        out.append(TargetText(target_name(concept), value, (USUAL_TARGET,), usual=True))
    return tuple(out)


def _agreed_targets(plan: Plan) -> tuple[TargetText, ...]:
    by_concept = {t.concept: t for t in plan.targets}
    systolic, diastolic = by_concept.get("systolic_bp"), by_concept.get("diastolic_bp")
    out: list[TargetText] = []
    for target in plan.targets:
        if target.concept == "diastolic_bp" and _bp_pair(systolic, diastolic):
            continue
        if target.concept == "systolic_bp" and _bp_pair(systolic, diastolic):
            reason = paragraphs(systolic.reason) + tuple(p for p in paragraphs(diastolic.reason)
                                                          if p not in paragraphs(systolic.reason))
            out.append(TargetText("Blood pressure",
                                  f"{number(systolic.upper, 0)}/{number(diastolic.upper, 0)} mmHg or lower", reason))
            continue
        out.append(TargetText(target_name(target.concept), target_value(target), paragraphs(target.reason)))
    return tuple(out)


def _bp_pair(systolic: TargetAgreement | None, diastolic: TargetAgreement | None) -> bool:
    return (systolic is not None and diastolic is not None and systolic.upper is not None
            and diastolic.upper is not None and systolic.lower is None and diastolic.lower is None)


# --- The written plan -------------------------------------------------------------------------

@dataclass(frozen=True)
class Part:
    label: str
    text: tuple[str, ...]  # paragraphs


@dataclass(frozen=True)
class ActionText:
    what: tuple[str, ...]
    who: str
    when: str
    strategies: tuple[str, ...]
    sure: str  # "8 out of 10", or empty
    status: str  # empty while not started
    added_by: str = ""  # a member of the wider care team who added it: "Jo Smith, community matron, ..."


@dataclass(frozen=True)
class GoalText:
    number: int
    words: str  # exactly as the person said it
    importance: str  # "9 out of 10", or empty
    stage: str  # empty for a new goal
    outcome: tuple[str, ...]
    actions: tuple[ActionText, ...]
    progress: str = ""  # "Better than expected, at your check-in on 14 November 2026"
    added_by: str = ""  # a member of the wider care team who added it


@dataclass(frozen=True)
class MedicineText:
    what: str  # "Start"
    medicine: str
    reason: tuple[str, ...]
    agreed_by: str


@dataclass(frozen=True)
class ServiceDetails:
    """What the practice's local services directory says about a service."""

    description: str = ""
    contact: str = ""
    how_to_refer: str = ""


@dataclass(frozen=True)
class ServiceText:
    name: str
    why: tuple[str, ...]
    description: str
    contact: str
    how_to_refer: str
    added_by: str = ""  # a member of the wider care team who added it


@dataclass(frozen=True)
class TeamText:
    who: str  # "Clinical pharmacist"
    what: str
    by_when: str


@dataclass(frozen=True)
class LevelText:
    level: str  # green | amber | red
    name: str  # "Amber"
    meaning: str  # "I feel worse than usual"
    rows: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...]  # (signs, what to do, who to call)


@dataclass(frozen=True)
class Written:
    title: str
    name: str  # the person's name
    what_matters: tuple[str, ...]
    about: tuple[Part, ...]
    needs: tuple[str, ...]
    goals: tuple[GoalText, ...]  # current goals: what the person is working on
    reached: tuple[GoalText, ...]  # goals reached (achieved) since the last plan, acknowledged
    targets: tuple[TargetText, ...]
    medicines: tuple[MedicineText, ...]
    information: tuple[str, ...]
    self_management: tuple[str, ...]
    services: tuple[ServiceText, ...]
    team: tuple[TeamText, ...]
    levels: tuple[LevelText, ...]
    rescue: tuple[str, ...]
    people_there: tuple[str, ...]  # who took part, besides the person and the clinician
    clinician: str  # who held the conversation or saved the plan: "Nia Evans, practice nurse"
    agreed: bool
    made_on: str  # "23 June 2026": the day of the conversation
    agreed_on: str  # the day the person agreed it (the day of the conversation unless recorded otherwise)
    review_on: str
    review_by: str  # as recorded ("Practice nurse", "Nia Evans, practice nurse")
    review_with: str  # in a sentence: "a practice nurse", "Nia Evans, practice nurse"
    follow_ups: tuple[str, ...]
    version: int
    practice_phone: str
    named_clinician: str = ""  # "Samir Patel, GP"
    checkins: tuple[str, ...] = ()  # what was agreed about check-ins between visits, in sentences

    @property
    def has_about(self) -> bool:
        return bool(self.what_matters or self.about or self.needs)

    @property
    def has_help(self) -> bool:
        return bool(self.information or self.self_management or self.services or self.team)


def _who(action) -> str:
    name = one_line(action.who_name)
    if action.who == "person":
        return "Me" + (f" ({name})" if name else "")
    if action.who == "carer":
        return name or "My carer"
    return name or {"professional": "Someone from the practice", "service": "A service"}.get(action.who, "")


def _out_of_ten(value: int | None) -> str:
    return f"{value} out of 10" if value is not None else ""


def build(plan: Plan, *, name: str, made_on: dt.date | str | None, version: int = 0, clinician: str = "",
          services: Mapping[int, ServiceDetails] | None = None, practice_phone: str = "",
          target_inputs: TargetInputs | None = None, progress: Mapping[str, tuple[int, str, str]] | None = None,
          ) -> Written:
    """The plan in the words the person reads. `services` holds the practice's directory entries by
    id (for contact details). Who held the conversation and when are the plan's own (held_by,
    held_on, agreed_on); `clinician` and `made_on` stand in for plans saved before it recorded them.
    `progress`: goal id -> (Goal Attainment Scaling level, day, "check-in" or "review") of the goal's
    latest rating before this version was made."""
    progress = progress or {}
    services = services or {}
    about = tuple(Part(label, paragraphs(getattr(plan.about, key))) for key, label in ABOUT_LABELS.items()
                  if paragraphs(getattr(plan.about, key)))
    needs = tuple(one_line(need.text) + (" (" + ", ".join(condition_words(c) for c in need.conditions) + ")"
                                                 if need.conditions else "")
                  for need in plan.needs if need.text.strip())
    worded = [g for g in plan.goals if g.words.strip()]
    goals = tuple(
        GoalText(
            number=i, words=goal.words.strip(), importance=_out_of_ten(goal.importance),
            stage="" if goal.stage == "new" else GOAL_STAGE.get(goal.stage, ""),
            outcome=paragraphs(goal.outcome), progress=_progress(progress.get(goal.id)),
            actions=tuple(ActionText(
                what=paragraphs(a.what), who=_who(a), when=one_line(a.when),
                strategies=paragraphs(a.strategies), sure=_out_of_ten(a.confidence),
                status="" if a.status == "not_started" else ACTION_STATUS.get(a.status, ""),
                added_by=one_line(a.author),
            ) for a in goal.actions if a.what.strip()),
            added_by=one_line(goal.author),
        )
        for i, goal in enumerate((g for g in worded if g.stage != "achieved"), start=1))
    reached = tuple(GoalText(number=i, words=goal.words.strip(), importance=_out_of_ten(goal.importance),
                             stage=GOAL_STAGE["achieved"], outcome=paragraphs(goal.outcome), actions=())
                    for i, goal in enumerate((g for g in worded if g.stage == "achieved"), start=1))
    medicines = tuple(MedicineText(MEDICINE_WORDS.get(m.kind, capital(m.kind)), one_line(m.medicine),
                                   paragraphs(m.reason), one_line(m.agreed_by))
                      for m in plan.medicines if m.medicine.strip())
    signposts = []
    for signpost in plan.services:
        details = services.get(signpost.service_id) if signpost.service_id is not None else None
        details = details or ServiceDetails()
        signposts.append(ServiceText(one_line(signpost.name), paragraphs(signpost.why), one_line(details.description),
                                     one_line(details.contact), one_line(details.how_to_refer),
                                     added_by=one_line(signpost.author)))
    team = tuple(TeamText(one_line(ref.to_provider_name) if ref.to_provider_id is not None and ref.to_provider_name
                          else _role(ref.to_role), one_line(ref.what), long_date(ref.by_when))
                 for ref in plan.referrals if ref.what.strip())
    levels = []
    for level in LEVEL_ORDER:
        rows = tuple((paragraphs(s.signs), paragraphs(s.what_to_do),
                      paragraphs(s.contact) + ((f"Added by {one_line(s.author)}",) if s.author.strip() else ()))
                     for s in plan.warning_signs if s.level == level and s.signs.strip())
        if rows:
            label, meaning = LEVEL_WORDS[level]
            levels.append(LevelText(level, label, meaning, rows))
    people = tuple(p.name.strip() + (f" ({p.relationship.strip()})" if p.relationship.strip() else "")
                   for p in plan.participants if p.name.strip())
    return Written(
        title=TITLE, name=name, what_matters=paragraphs(plan.about.what_matters), about=about, needs=needs,
        goals=goals, reached=reached, targets=targets(plan, target_inputs), medicines=medicines,
        information=tuple(one_line(i.text) for i in plan.information_items if i.text.strip()) + paragraphs(plan.information),
        self_management=paragraphs(plan.self_management), services=tuple(signposts), team=team,
        levels=tuple(levels), rescue=paragraphs(plan.rescue), people_there=people, clinician=plan.held_by or clinician,
        agreed=plan.agreed_with_person, made_on=long_date(plan.held_on or made_on),
        agreed_on=long_date(plan.agreed_on or plan.held_on or made_on), review_on=long_date(plan.review_date),
        review_by=one_line(plan.review_by), review_with=review_with(plan.review_by), follow_ups=paragraphs(plan.follow_ups), version=version,
        practice_phone=practice_phone, named_clinician=one_line(plan.named_clinician),
        checkins=checkin_sentences(plan),
    )


def _progress(rated: tuple[int, str, str] | None) -> str:
    if rated is None:
        return ""
    level, day, source = rated
    words = GAS_BY_VALUE[level].words if level in GAS_BY_VALUE else ""
    return f"{words}, at your {source} on {day}" if words else ""


def checkin_sentences(plan: Plan) -> tuple[str, ...]:
    """What was agreed about check-ins, as the person reads it."""
    agreed = plan.checkins
    if not agreed.every or agreed.every not in CADENCES:
        return ()
    often = CADENCES[agreed.every][0]
    how = {"text": "by text message, with a link to answer a few questions",
           "email": "by email, with a link to answer a few questions",
           "phone": "by phone" + (f": {one_line(agreed.caller)} will call you" if agreed.caller else "")}.get(
        agreed.channel, "")
    when = f"{often[0].lower()}{often[1:]}" if agreed.every.startswith("once") else f"{often.lower()}"
    asked = ["how your goals are going", "how confident you feel"]
    asked += [f"your {READINGS[r.key].short}" for r in agreed.readings if r.key in READINGS]
    if agreed.mood:
        asked.append("how you have been feeling")
    until = "" if agreed.every.startswith("once") else ", until your next review"
    out = [f"We will check in with you {when}, {how}{until}.",
           f"We will ask {', '.join(asked[:-1])} and {asked[-1]}, and if there is anything you want to talk about."]
    for r in agreed.readings:
        reading = READINGS.get(r.key)
        if reading is None or not (r.amber or r.red):
            continue
        side = "at or below" if reading.worse == "lower" else "at or above"
        what = "either number is" if reading.pair else "it is"
        parts = [f"{level} if {what} {side} {value}" for level, value in (("amber", r.amber), ("red", r.red)) if value]
        out.append(f"Your {reading.short} levels we agreed: {' and '.join(parts)} ({reading.unit}). "
                   "If you tell us a reading like this, we show you what to do straight away and tell your named clinician.")
    return tuple(out)


def review_with(review_by: str) -> str:
    """Who the review is with, as it reads mid-sentence: a role alone becomes "a practice nurse" or
    "a GP"; a named clinician ("Nia Evans, practice nurse") stays as recorded."""
    text = one_line(review_by)
    for label in ROLE_LABELS.values():
        if text.casefold() in (label.casefold(), f"a {label.casefold()}", f"the {label.casefold()}"):
            words = role_in_sentence(label)
            return ("an " if words[:1] in "aeiou" else "a ") + words
    return text


def role_in_sentence(label: str) -> str:
    """A role's label as it reads mid-sentence: "practice nurse", but "GP"."""
    return label if label == "GP" else label[:1].lower() + label[1:]


def _role(value: str) -> str:
    try:
        return ROLE_LABELS[Role(value)]
    except ValueError:
        return "Someone from the practice"
