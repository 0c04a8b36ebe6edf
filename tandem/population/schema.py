"""The population extract's schema: the tables the population rules read, as data. Pure: no Django.

One home for what an extract holds and what each column means. `tandem extract` writes it, the synthetic
population generator in bench/ writes it, every engine's loader types its tables from it, and the rule bundle's
data dictionary is printed from it.

Design (ADR 19):
- Only what the rules need: the codes the register, frailty and multimorbidity rules read, the results they and
  the outcome measures read, attended appointments, hospital events with a fall flag instead of the free-text
  reason, and the care planning cycle's events as one table. No names, NHS numbers, addresses, postcodes or
  free text.
- People are keyed by `person`, a 64-bit whole number: the first 8 bytes of the person's pseudonym in an
  evaluation project (HMAC-SHA256 with the project's secret key; tandem.learn.export_rules), read as a signed
  big-endian integer. The same person has the same key in every extract of one project, and it links to the
  project's evaluation export. Every join is on (practice, person): each practice's record stands on its own.
- Dates of events are kept to the day (the rules compare them with each other); the date of birth is kept as the
  first day of the month of birth, as national pseudonymised extracts give month and year of birth. Ages are
  therefore exact except within the birth month, where a person may be counted a month older.
- Every table is partitioned by practice (Hive style: `<table>/practice=<ODS code>/*.parquet`).
"""

from __future__ import annotations

from dataclasses import dataclass

SCHEMA_VERSION = "1"

#: Arrow / SQL type names used below: text, int16, int32, int64, float64, date, bool.
TYPES = ("text", "int16", "int32", "int64", "float64", "date", "bool")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: str
    nullable: bool = False
    values: str = ""

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"column {self.name}: unknown type {self.type!r}")


@dataclass(frozen=True)
class Table:
    name: str
    meaning: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")


PRACTICE = Column("practice", "text", "The ODS code of the practice whose record this row is from (the partition key).")
PERSON = Column("person", "int64", "The person's key: their pseudonym in the evaluation project as a 64-bit number "
                "(see How people are keyed). Not an NHS number or any other identifier.")

#: Results the rules read (frailty: MRC dyspnoea and BMI; outcomes: the rest). Nothing else is extracted.
OBSERVATION_CONCEPTS: tuple[str, ...] = ("hba1c", "systolic_bp", "diastolic_bp", "total_cholesterol", "ldl", "bmi",
                                         "mrc_dyspnoea")

#: The care planning cycle's events (`care_event.kind`), what each is, and whether it is dated by the review year
#: it belongs to ("year"), by the day of the conversation it comes from ("day"), or both ("both": a conversation
#: counts in the funnel of its own review's year only, and only when held within that year).
CARE_EVENTS: dict[str, tuple[str, str]] = {
    "review_due": ("year", "A review for the review year that is still needed (not withdrawn)."),
    "invited": ("year", "An invitation or reminder was sent for the review year's review."),
    "tests_attended": ("year", "The review's tests appointment is recorded as attended."),
    "pack_sent": ("year", "A preparation pack was sent for a conversation of the review year's review."),
    "agenda_returned": ("year", "The person returned their agenda for a conversation of the review year's review."),
    "conversation_held": ("both", "A care planning conversation of the review year's review was recorded as held; "
                                  "on_date is its day."),
    "plan_saved": ("day", "A care plan version was saved from a conversation; on_date is the conversation's day."),
    "plan_agreed": ("day", "A care plan version was agreed with the person; on_date is its conversation's day."),
    "copy_given": ("day", "A copy of an agreed plan was given to the person; on_date is its conversation's day."),
    "checkin_answered": ("day", "The person answered a check-in agreed in a plan; on_date is the plan's "
                                "conversation's day."),
}

TABLES: tuple[Table, ...] = (
    Table("patient", "Everyone with a record at the practice, registered now or not: one row each.", (
        PRACTICE, PERSON,
        Column("birth_date", "date", "The first day of the month the person was born in."),
        Column("sex", "text", "Sex as the practice records it.", values="female; male; other; unknown"),
        Column("imd_decile", "int16", "Index of Multiple Deprivation decile of where they live (1 most deprived).",
               nullable=True, values="1 to 10; empty if not known"),
        Column("ethnicity", "text", "Census 2021 ethnic group code (A to Z as the ONS lists them); empty if not "
               "recorded.", values="one letter, or empty"),
        Column("registered", "bool", "Registered with the practice when the extract was made."),
        Column("has_carer", "bool", "Someone is recorded as caring for the person."),
    )),
    Table("condition", "Coded conditions: only codes that a register, frailty or multimorbidity rule reads.", (
        PRACTICE, PERSON,
        Column("code", "text", "SNOMED CT concept id.", values="digits"),
        Column("onset_date", "date", "When it was recorded as starting."),
        Column("resolved_date", "date", "When it was recorded as resolved, inactive or in remission.", nullable=True),
    )),
    Table("medication", "Medication courses.", (
        PRACTICE, PERSON,
        Column("dmd_code", "text", "dm+d code of the medicine; empty if not coded."),
        Column("active", "bool", "The course is current."),
        Column("regular", "bool", "A regular repeat, rather than as needed or one-off."),
        Column("start_date", "date", "The course's first day."),
        Column("end_date", "date", "The course's last day, if it has one.", nullable=True),
    )),
    Table("appointment", "Appointments the person attended at the practice.", (
        PRACTICE, PERSON,
        Column("on_date", "date", "The day of the appointment."),
        Column("home_visit", "bool", "It was a home visit."),
    )),
    Table("hospital_event", "Hospital attendances and admissions.", (
        PRACTICE, PERSON,
        Column("kind", "text", "What it was.", values="emergency (emergency admission); elective (planned "
               "admission); ae (A&E attendance)"),
        Column("start_date", "date", "The day it started."),
        Column("fall", "bool", "It was for a fall (from the coded or written reason; the reason is not extracted)."),
    )),
    Table("observation", "Results the rules read (see the values of concept).", (
        PRACTICE, PERSON,
        Column("concept", "text", "What was measured.", values="; ".join(OBSERVATION_CONCEPTS)),
        Column("on_date", "date", "The day it was measured."),
        Column("value", "float64", "The result, in the concept's usual unit (mmol/mol, mmHg, mmol/L, kg/m2, MRC "
               "grade).", nullable=True),
    )),
    Table("personal_target", "Targets agreed with the person in a care plan, which replace the guideline default.", (
        PRACTICE, PERSON,
        Column("concept", "text", "The result the target is for.", values="hba1c; systolic_bp; diastolic_bp; ldl"),
        Column("upper", "float64", "In target at or below this.", nullable=True),
        Column("lower", "float64", "In target at or above this.", nullable=True),
        Column("agreed_on", "date", "The day it was agreed."),
        Column("ended_on", "date", "The day it was replaced or no longer agreed.", nullable=True),
    )),
    Table("care_event", "The care planning cycle, one row per event (see the values of kind).", (
        PRACTICE, PERSON,
        Column("kind", "text", "What happened.", values="; ".join(f"{k} ({what})" for k, (_, what) in CARE_EVENTS.items())),
        Column("review_year", "int32", "The review year (1 April to 31 March, named by its first year) of the "
               "review the event belongs to; empty for a plan's events.", nullable=True),
        Column("on_date", "date", "The day of the conversation the event comes from; empty for a review's events.",
               nullable=True),
    )),
)

TABLE_NAMES: tuple[str, ...] = tuple(t.name for t in TABLES)


def table(name: str) -> Table:
    for t in TABLES:
        if t.name == name:
            return t
    raise KeyError(f"no extract table called {name!r}")


def person_key(pseudonym_hex: str) -> int:
    """The extract's key for a person from their 64-hex-digit project pseudonym: its first 8 bytes as a signed
    64-bit big-endian integer."""
    if len(pseudonym_hex) != 64:
        raise ValueError("a pseudonym is 64 hexadecimal digits")
    return int.from_bytes(bytes.fromhex(pseudonym_hex[:16]), "big", signed=True)


def dictionary_markdown() -> str:
    """The extract's data dictionary as Markdown (in every extract, the rule bundle and docs)."""
    lines = [f"Extract schema version {SCHEMA_VERSION}.", ""]
    for t in TABLES:
        lines += [f"### `{t.name}`", "", t.meaning, "", "| column | type | may be empty | meaning | values |",
                  "|---|---|---|---|---|"]
        for c in t.columns:
            lines.append(f"| `{c.name}` | {c.type} | {'yes' if c.nullable else 'no'} | {c.meaning} | {c.values} |")
        lines.append("")
    return "\n".join(lines)
