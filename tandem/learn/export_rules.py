"""The evaluator export's rules: pseudonyms, month-level dates, the columns and what each means (the data
dictionary: one home, shown on the page, put in every download and in docs/evaluation-export.md), and the
small-number rule for person-level rows. Pure: no Django.

Pseudonyms (`pseudonym`): HMAC-SHA256 (RFC 2104; FIPS 198-1) of the person's Tandem id with the evaluation
project's own secret key (32 random bytes from `secrets`, never shown to anyone). The same person has the same
pseudonym in every export of one project, so exports can be joined over time; another project's key gives
another, unlinkable pseudonym. Nothing maps pseudonyms back to people: the mapping is never stored, and only
someone holding both the database and the key could work it out again.

The small-number rule (`suppress_quasi_identifiers`) is k-anonymity with k = 5 (Sweeney L, "k-anonymity: a
model for protecting privacy", Int J Uncertainty, Fuzziness and Knowledge-Based Systems 2002;10(5):557-570),
reached by local suppression in a fixed order, as `SMALL_NUMBER_RULE` states in words.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from . import rules

K = rules.SMALL_BELOW  # at least 5 people share every combination of the quasi-identifiers
SUPPRESSED = "suppressed"
QUASI_IDENTIFIERS = ("age_band", "sex", "ethnic_group", "imd_quintile")
# What is replaced, step by step, for people still in a combination shared by fewer than K: the rarer
# quasi-identifiers first (ethnic group and deprivation quintile have the smallest groups), then age band,
# then sex.
SUPPRESSION_STEPS: tuple[tuple[str, ...], ...] = (
    (),
    ("ethnic_group", "imd_quintile"),
    ("ethnic_group", "imd_quintile", "age_band"),
    ("ethnic_group", "imd_quintile", "age_band", "sex"),
)

SMALL_NUMBER_RULE = (
    "Every person's practice, age band, sex, ethnic group and deprivation (IMD) quintile together are shared "
    "by at least 5 people in the export. Where fewer than 5 people share one combination, their ethnic group "
    "and IMD quintile are replaced by \u201csuppressed\u201d; where fewer than 5 people still share the "
    "combination that leaves (practice, age band, sex), their age band is replaced too; then their sex. "
    "People who would still be fewer than 5 in their practice are left out of the export; the README says "
    "how many (1 to 4 as \u201cfewer than 5\u201d). Counts are taken over the people in the export when it "
    "is made."
)

PSEUDONYM_RULE = (
    "Each person is given a pseudonym: a keyed hash (HMAC-SHA256) of their record's internal number, made with "
    "a secret key that belongs to this evaluation project and is never shown. The same person has the same "
    "pseudonym in every download of this project, so downloads made at different times can be linked; another "
    "project gives the same person a different pseudonym that cannot be linked to this one. No list of who "
    "has which pseudonym is kept."
)

YEAR = dt.timedelta(days=365)


def pseudonym(key: str, patient_id: int) -> str:
    """The person's pseudonym in the project whose secret key (hex) is `key`: 64 hexadecimal characters."""
    return hmac.new(bytes.fromhex(key), str(int(patient_id)).encode("ascii"), hashlib.sha256).hexdigest()


def month(day: dt.date | None) -> str:
    """A date as its month only, YYYY-MM ("" for none)."""
    return f"{day.year:04d}-{day.month:02d}" if day else ""


# --- The columns: the data dictionary ----------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # "text", "whole number", "number" or "0 or 1"
    meaning: str
    values: str = ""


MEASURES: tuple[tuple[str, str, str, int], ...] = (  # (concept, name, unit, decimal places kept)
    ("hba1c", "HbA1c", "mmol/mol", 0),
    ("systolic_bp", "systolic blood pressure", "mmHg", 0),
    ("total_cholesterol", "total cholesterol", "mmol/L", 1),
    ("ldl", "LDL cholesterol", "mmol/L", 1),
    ("bmi", "BMI", "kg/m\u00b2", 1),
)
EVENTS: tuple[tuple[str, str], ...] = (
    ("appointments", "appointments attended at the practice"),
    ("ae", "A&E attendances"),
    ("emergency", "emergency hospital admissions"),
)
PERIODS = (("before", "the year (365 days) before the first care planning conversation"),
           ("after", "the year (365 days) from the first care planning conversation, given only when that "
                     "year had ended when the export was made"))


def _choices(labels: Mapping[str, str]) -> str:
    return "; ".join(f"{key} ({label})" for key, label in labels.items())


def columns(register_names: Mapping[str, str], tier_labels: Mapping[str, str]) -> list[Column]:
    """Every column of the export, in order, with what it means."""
    imd = {**{str(q): label for q, label in rules.QUINTILE_LABELS.items()}, rules.NOT_RECORDED: "not recorded"}
    out = [
        Column("pseudonym", "text", "The person's pseudonym in this evaluation project (see How people are "
               "pseudonymised). Not their NHS number or any other identifier.", "64 hexadecimal characters"),
        Column("practice", "text", "The ODS code of the practice the person is registered with."),
        Column("age_band", "text", "The person's age on the day the export was made, in bands.",
               _choices(rules.AGE_LABELS) + f"; {SUPPRESSED}"),
        Column("sex", "text", "Sex as recorded by the practice.", _choices(rules.SEX_LABELS) + f"; {SUPPRESSED}"),
        Column("ethnic_group", "text", "Ethnic group, the 5 high-level groups of the Census 2021 classification "
               "(ONS), and not recorded (not stated or nothing recorded).",
               _choices(rules.ETHNIC_LABELS) + f"; {SUPPRESSED}"),
        Column("imd_quintile", "text", "Index of Multiple Deprivation quintile of where the person lives "
               "(1 is the most deprived fifth of areas in England).", _choices(imd) + f"; {SUPPRESSED}"),
    ]
    for slug, name in register_names.items():
        out.append(Column(f"register_{slug}", "0 or 1", f"1 if the person is on the {name} register (QOF "
                          "business rules, as the practice's registers last stood), 0 if not."))
    out += [
        Column("conditions", "text", "How many of these registers the person is on.",
               _choices(rules.CONDITION_COUNTS)),
        Column("risk_tier", "text", "The person's risk tier as the practice last worked it out; empty if it "
               "has not been worked out.", _choices(tier_labels)),
        Column("first_conversation_month", "text", "The month of the person's first care planning conversation "
               "(the earliest conversation date of their saved care plans); empty if none.", "YYYY-MM"),
        Column("latest_plan_agreed_month", "text", "The month the person last agreed a written care plan (the "
               "date it was agreed, or the day it was saved if no date was recorded); empty if never.",
               "YYYY-MM"),
        Column("first_copy_given_month", "text", "The month the person was first given a copy of a care plan "
               "they had agreed; empty if never.", "YYYY-MM"),
        Column("checkins_answered", "whole number", "How many check-ins between visits the person has answered."),
    ]
    for concept, name, unit, places in MEASURES:
        for period, words in PERIODS:
            out.append(Column(f"{concept}_{period}", "whole number" if places == 0 else "number",
                              f"The last {name} result ({unit}) in {words}; "
                              f"on a day with more than one, the lowest. Empty if none, or no conversation yet.",
                              "whole numbers" if places == 0 else f"rounded to {places} decimal place"))
    for event, name in EVENTS:
        for period, words in PERIODS:
            out.append(Column(f"{event}_{period}", "whole number", f"The number of {name} in {words}. Empty if "
                              "the person has had no care planning conversation yet."))
    return out


def dictionary_rows(register_names: Mapping[str, str], tier_labels: Mapping[str, str]) -> list[list[str]]:
    """The data dictionary as rows of a CSV file, with its header."""
    return [["column", "type", "meaning", "values"],
            *[[c.name, c.kind, c.meaning, c.values] for c in columns(register_names, tier_labels)]]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def dictionary_markdown(register_names: Mapping[str, str], tier_labels: Mapping[str, str]) -> str:
    """The data dictionary as a Markdown table (in every download and in docs/evaluation-export.md)."""
    lines = ["| column | type | meaning | values |", "|---|---|---|---|"]
    lines += [f"| `{c.name}` | {c.kind} | {_cell(c.meaning)} | {_cell(c.values)} |"
              for c in columns(register_names, tier_labels)]
    return "\n".join(lines) + "\n"


def readme(*, project: str, purpose: str, scope: str, made_at: dt.datetime, file_name: str, rows: int,
           left_out: int, made_by: str) -> str:
    """The README in every download: what it is, why it was made, and the rules it follows."""
    left = "none" if not left_out else rules.shown(left_out).text
    return "\n".join([
        f"# {project}: evaluation data",
        "",
        f"- Evaluation project: {project}",
        f"- Practices: {scope}",
        f"- Made: {made_at:%Y-%m-%d %H:%M} (UTC) by {made_by}",
        f"- Purpose of this download: {purpose}",
        f"- Data file: {file_name} ({rows:,} people, one row each)",
        f"- People left out by the small-number rule: {left}",
        "",
        "## Who is in it",
        "",
        "Everyone registered with the practices on the day the export was made who is on at least one "
        "long-term condition register. Dates are given as months only; there are no names, NHS numbers, "
        "dates of birth, addresses, postcodes or free text.",
        "",
        "## How people are pseudonymised",
        "",
        PSEUDONYM_RULE,
        "",
        "## The small-number rule",
        "",
        SMALL_NUMBER_RULE,
        "",
        "## What each column means",
        "",
        "See data_dictionary.md (or data_dictionary.csv).",
        "",
    ])


# --- The small-number rule -------------------------------------------------------------------------

QuasiRow = tuple[str, str, str, str, str]  # (practice, age band, sex, ethnic group, IMD quintile)
_POSITION = {name: i + 1 for i, name in enumerate(QUASI_IDENTIFIERS)}


def _masked(row: QuasiRow, names: Sequence[str]) -> QuasiRow:
    out = list(row)
    for name in names:
        out[_POSITION[name]] = SUPPRESSED
    return tuple(out)  # type: ignore[return-value]


def suppress_quasi_identifiers(rows: Sequence[QuasiRow], k: int = K) -> list[QuasiRow | None]:
    """Each row as exported (its quasi-identifiers, some replaced by "suppressed"), or None for a row left
    out, so that every combination in the output is shared by at least `k` rows (SMALL_NUMBER_RULE).

    Step by step (SUPPRESSION_STEPS): the rows not yet settled are counted by their combination with that
    step's quasi-identifiers replaced; those in a combination of `k` or more are settled as they stand, the
    rest go on to the next step. Whole combinations move on together, and a replaced value never equals a
    real one, so the combinations settled at one step are never made smaller by a later one."""
    out: list[QuasiRow | None] = [None] * len(rows)
    pending = list(range(len(rows)))
    for names in SUPPRESSION_STEPS:
        if not pending:
            break
        masked = {i: _masked(rows[i], names) for i in pending}
        sizes = Counter(masked.values())
        still = []
        for i in pending:
            if sizes[masked[i]] >= k:
                out[i] = masked[i]
            else:
                still.append(i)
        pending = still
    return out
