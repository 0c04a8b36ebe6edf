"""Pure rules of the registers app: register membership, risk tiers, the data-quality worklist,
cohort definitions. No Django here: the bulk SQL in `tandem.registers.sql` is generated from
these rules, and the per-patient path calls them directly.

    from tandem.registers import rules
    rules.evaluate(rules.PatientFacts(date_of_birth=..., conditions=(...)), today)  # {slug: since}
"""

from .registers import (
    ConditionRecord,
    PatientFacts,
    RegisterRule,
    display_names,
    episode_start,
    evaluate,
    register_rules,
    register_slugs,
    rule_for,
    years_before,
)

__all__ = [
    "ConditionRecord",
    "PatientFacts",
    "RegisterRule",
    "display_names",
    "episode_start",
    "evaluate",
    "register_rules",
    "register_slugs",
    "rule_for",
    "years_before",
]
