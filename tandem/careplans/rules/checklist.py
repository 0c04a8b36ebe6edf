"""Completeness, not bureaucracy: which areas a plan covers, and NHS England's five criteria for a
personalised care and support plan. Pure. Gaps are shown to the clinician; they never block saving.

The five areas of a care planning conversation: medication review; education and self-management;
psychological and social assessment; social support; prevention. NHS England's five criteria
(Personalised care and support planning, "universal personalised care" model): the person is
central to the process; conversations are proactive and about what matters to them; outcomes are
agreed in partnership; there is a sharable written plan; and there is formal and informal review.
"""

from __future__ import annotations

from dataclasses import dataclass

from .document import AREAS, Plan


@dataclass(frozen=True)
class Check:
    key: str
    label: str
    met: bool
    why: str  # what showed it was met, or what is missing


def areas(plan: Plan) -> list[Check]:
    """Each area is covered when the clinician ticks it, or when the plan itself shows it."""
    shown = {
        "medication_review": ("a medication agreement is recorded", bool(plan.medicines)),
        "education_self_management": ("information or self-management support is recorded",
                                      bool(plan.information_items or plan.information.strip()
                                           or plan.self_management.strip())),
        "psychological_social": ("needs or what matters are recorded",
                                 bool(plan.needs or plan.about.what_matters.strip())),
        "social_support": ("people important to them or a support service is recorded",
                           bool(plan.about.people.strip() or plan.services)),
        "prevention": ("a target or warning signs are recorded", bool(plan.targets or plan.warning_signs)),
    }
    out = []
    for key, label in AREAS.items():
        reason, from_plan = shown[key]
        ticked = key in plan.areas
        met = ticked or from_plan
        why = ("marked as covered" if ticked else reason) if met else "not covered yet"
        out.append(Check(key, label, met, why))
    return out


def criteria(plan: Plan, *, had_agenda: bool, proactive: bool) -> list[Check]:
    """NHS England's five criteria. `had_agenda`: the person sent their agenda or said what matters;
    `proactive`: the conversation came from the practice's recall (not a crisis)."""
    central = bool(plan.about.what_matters.strip()) or had_agenda
    own_words = any(g.words.strip() for g in plan.goals)
    agreed = plan.agreed_with_person
    return [
        Check("central", "The person is central", central,
              "what matters to them is recorded" if central else "record what matters most to them"),
        Check("proactive", "Proactive and about what matters", proactive and central,
              "invited through recall, with their agenda" if proactive and central
              else "no agenda or what matters recorded" if proactive else "not part of a planned review"),
        Check("partnership", "Outcomes agreed in partnership", own_words and agreed,
              "goals in their words, agreed with them" if own_words and agreed
              else "record goals in their own words and that they agreed the plan"),
        Check("written", "A sharable written plan", True, "the written plan is made when you save"),
        Check("review", "Formal and informal review", bool(plan.review_date and plan.review_by.strip())
              and bool(plan.warning_signs or plan.follow_ups.strip()),
              "review date, who, and what to do in between" if plan.review_date and plan.review_by.strip()
              else "set a review date and who is responsible"),
    ]


def gaps(checks: list[Check]) -> list[Check]:
    return [c for c in checks if not c.met]
