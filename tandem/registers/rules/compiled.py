"""The register and risk-tier rules as SQL, written once for every engine. Pure: no Django.

The rules themselves are data elsewhere in this package (`registers.RegisterRule`, the CMS weights and eFI deficits
in `scores`, the practice's `risk.Thresholds`); this module compiles them into SELECT statements. Two things vary
and are passed in, never hidden in the text:

* the engine, as a `tandem.core.dialects.Dialect`: every date, age, division and boolean goes through it;
* the record's layout, as a `Source`: Tandem's own tables (the app's refresh, on SQLite or PostgreSQL) or the
  population extract (tandem.population.schema; on DuckDB, Spark, PostgreSQL or SQLite).

Code lists reach the statements either inline, as a VALUES CTE (the app: a few thousand rows, read as it runs),
or as tables loaded beside the extract (`RULE_TABLES`: the population engines and the rule bundle).

Every statement returns `practice` and `person` first: the practice's key and the person's key in the layout.
The per-patient Python path (`registers.evaluate`, `risk.summarise`, `risk.assess`, `risk.place`) is the
specification the spec tests hold every engine's answers to.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from tandem.core.dialects import Dialect
from tandem.terminology import codelists

from . import risk
from .registers import RegisterRule, register_rules, years_before
from .scores import (
    CANCER_RECENT_YEARS,
    CMS_CONDITION_FOR_FEATURE,
    CMS_CONDITION_FOR_MEDICINES,
    CMS_CONDITION_FOR_REGISTER,
    CMS_PRESCRIPTIONS,
    CMS_WEIGHTS,
    EFI_CODELISTS,
    FRAILTY_MIN_AGE,
    FRAILTY_ORDER,
    HOUSEBOUND_HOME_VISITS,
    POLYPHARMACY_DEFICIT_MEDICINES,
    REGISTER_DEFICITS,
    frailty_category,
)

# --- Where the record is ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One layout of the record: table names, key columns and how each fact the rules read is written.

    Aliases are fixed: p patient, c condition, m medication, e appointment, h hospital event, o observation."""

    patient: str
    condition: str
    medication: str
    appointment: str
    hospital: str
    observation: str
    practice: str  # the practice column of every event table
    person: str  # the person column of every event table
    patient_practice: str  # the practice column of the patient table
    patient_key: str  # the person column of the patient table
    born: str  # the date-of-birth column
    registered: str  # SQL condition on p: registered with the practice now
    carers: str  # SELECT practice, person of people with a carer ({scope} placeholder for the practice filter)
    med_active: str  # condition on m
    med_regular: str  # condition on m
    attended: str  # condition on e: an attended appointment
    appointment_date: str  # the appointment's date column
    home_visit: str  # condition on e
    fall: str  # condition on h
    observation_date: str  # the observation's date column


def app_source(d: Dialect, *, patient: str, condition: str, medication: str, encounter: str, hospital: str,
               observation: str, related: str, registered_value: str) -> Source:
    """Tandem's own tables (names from the models)."""
    return Source(
        patient=patient, condition=condition, medication=medication, appointment=encounter, hospital=hospital,
        observation=observation, practice="practice_id", person="patient_id", patient_practice="practice_id",
        patient_key="id", born="date_of_birth", registered=f"p.registration_status = {d.text(registered_value)}",
        carers=(f"SELECT DISTINCT cp.practice_id AS practice, rp.patient_id AS person FROM {related} rp "
                f"JOIN {patient} cp ON cp.id = rp.patient_id WHERE {d.is_true('rp.is_carer')} {{scope}}"),
        med_active="m.status = 'active'", med_regular=d.is_true("m.is_regular"),
        attended="e.status = 'attended'", appointment_date="date", home_visit="e.kind = 'home_visit'",
        fall="LOWER(h.reason) LIKE 'fall%'", observation_date="effective_date",
    )


def extract_source(d: Dialect, prefix: str = "") -> Source:
    """The population extract (tandem.population.schema), its tables named `prefix` + table name."""
    return Source(
        patient=f"{prefix}patient", condition=f"{prefix}condition", medication=f"{prefix}medication",
        appointment=f"{prefix}appointment", hospital=f"{prefix}hospital_event", observation=f"{prefix}observation",
        practice="practice", person="person", patient_practice="practice", patient_key="person", born="birth_date",
        registered=d.is_true("p.registered"),
        carers=f"SELECT cp.practice AS practice, cp.person AS person FROM {prefix}patient cp "
               f"WHERE {d.is_true('cp.has_carer')} {{scope}}",
        med_active=d.is_true("m.active"), med_regular=d.is_true("m.regular"), attended="1 = 1",
        appointment_date="on_date", home_visit=d.is_true("e.home_visit"), fall=d.is_true("h.fall"),
        observation_date="on_date",
    )


@dataclass(frozen=True)
class Scope:
    """Which practice's rows a statement reads: one (the app's refresh, by its id) or all (None)."""

    practice: int | str | None = None

    def where(self, d: Dialect, column: str) -> str:
        if self.practice is None:
            return ""
        value = d.integer(self.practice) if isinstance(self.practice, int) else d.text(self.practice)
        return f"AND {column} = {value}"


EVERYONE = Scope()

# --- The code lists, as rows -------------------------------------------------------------------------

#: The rule tables the statements read when code lists are tables (`inline=False`): name -> columns.
RULE_TABLES: dict[str, tuple[str, ...]] = {
    "rule_code": ("code", "register", "role", "by_status"),
    "feature_code": ("code", "feature"),
    "medicine_group": ("code", "grp"),
}


@cache
def rule_code_rows(rules: tuple[RegisterRule, ...] | None = None) -> tuple[tuple[str, str, str, int], ...]:
    """(code, register, role, by_status): role 'd' diagnoses the register, 'r' resolves it, 'm' marks one side of
    a split register (see `registers.Split`); by_status 1 where a resolved date on a diagnosis row ends it."""
    rows = []
    for rule in register_rules() if rules is None else rules:
        status = 1 if rule.status_resolves else 0
        rows += [(code, rule.slug, "d", status) for code in sorted(rule.diagnosis_codes)]
        rows += [(code, rule.slug, "r", 0) for code in sorted(rule.resolution_codes)]
        rows += [(code, rule.slug, "m", 0) for code in sorted(rule.marker_codes)]
    return tuple(rows)


@cache
def codelist_rows(slugs: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((code, slug) for slug in slugs for code in sorted(codelists.get(slug).codes))


def rule_table_rows(name: str) -> tuple[tuple, ...]:
    """The rows of one of `RULE_TABLES`."""
    if name == "rule_code":
        return rule_code_rows()
    if name == "feature_code":
        return codelist_rows(risk.feature_slugs())
    if name == "medicine_group":
        return codelist_rows(risk.medicine_group_slugs())
    raise KeyError(name)


def _literal_row(d: Dialect, row: tuple) -> tuple[str, ...]:
    return tuple(d.integer(v) if isinstance(v, int) else d.text(v) for v in row)


def _codes(d: Dialect, name: str, rows: Iterable[tuple], inline: bool) -> str:
    """A CTE called `name` holding the rule table: its literal rows, or the loaded table of that name."""
    columns = RULE_TABLES[name]
    if inline:
        return d.values(name + "_v", columns, [_literal_row(d, r) for r in rows])
    return f"{name}_v({', '.join(columns)}) AS (SELECT {', '.join(columns)} FROM {name})"


# --- Registers ---------------------------------------------------------------------------------------


def memberships(d: Dialect, src: Source, *, today: dt.date, scope: Scope = EVERYONE,
                rules: Iterable[RegisterRule] | None = None, inline: bool = True) -> str:
    """practice, person, register, since: everyone on a register on `today`.

    One statement for every register: condition rows are joined to the rule codes, the latest resolution per
    person and register is found (resolved codes, and resolved dates on diagnosis rows where the register's rule
    lets them count), and the earliest diagnosis after it is the start of the current episode. Age limits become a
    date-of-birth bound per register, a register's first counting day a bound on the diagnosis date, and a split
    register keeps the episodes with (or without) one of its marker codes."""
    rules = tuple(register_rules() if rules is None else rules)
    day = d.date(today)
    too_early = "".join(
        f"\n  AND NOT (ev.register = {d.text(rule.slug)} AND ev.onset_date < {d.date(rule.diagnosed_from)})"
        for rule in rules if rule.diagnosed_from is not None)
    age_terms = [f"(ev.register = {d.text(rule.slug)} AND p.{src.born} > {d.date(born_by)})"
                 for rule in rules if (born_by := rule.born_on_or_before(today)) is not None]
    too_young = f"AND NOT ({' OR '.join(age_terms)})" if age_terms else ""
    split_terms = [
        f"NOT (ev.register = {d.text(rule.slug)} AND "
        f"MAX(CASE WHEN ev.role = 'm' THEN 1 ELSE 0 END) = {0 if rule.with_marker else 1})"
        for rule in rules if rule.with_marker is not None
    ]
    having = f"\nHAVING {' AND '.join(split_terms)}" if split_terms else ""
    return f"""
WITH {_codes(d, "rule_code", rule_code_rows(rules), inline)},
ev AS (
    SELECT c.{src.practice} AS practice, c.{src.person} AS person, r.register, r.role, r.by_status,
           c.onset_date, c.resolved_date
    FROM {src.condition} c JOIN rule_code_v r ON r.code = c.code
    WHERE 1 = 1 {scope.where(d, "c." + src.practice)}
),
last_resolved AS (
    SELECT practice, person, register,
           MAX(CASE WHEN role = 'r' AND onset_date <= {day} THEN onset_date
                    WHEN role = 'd' AND by_status = 1 AND resolved_date <= {day} THEN resolved_date END) AS resolved_on
    FROM ev GROUP BY practice, person, register
)
SELECT ev.practice, ev.person, ev.register, MIN(CASE WHEN ev.role = 'd' THEN ev.onset_date END) AS since
FROM ev
JOIN last_resolved lr ON lr.practice = ev.practice AND lr.person = ev.person AND lr.register = ev.register
JOIN {src.patient} p ON p.{src.patient_practice} = ev.practice AND p.{src.patient_key} = ev.person
WHERE ev.role IN ('d', 'm') AND ev.onset_date <= {day}
  AND (lr.resolved_on IS NULL OR ev.onset_date > lr.resolved_on){too_early}
  {too_young}
  AND {src.registered}
GROUP BY ev.practice, ev.person, ev.register{having}"""


# --- Risk-tier inputs ----------------------------------------------------------------------------------


def features(d: Dialect, src: Source, *, today: dt.date, scope: Scope = EVERYONE, inline: bool = True) -> str:
    """practice, person, feature: each feature codelist (eFI deficits, CMS-only conditions) of which the person
    has a code recorded on or before `today`."""
    return f"""
WITH {_codes(d, "feature_code", codelist_rows(risk.feature_slugs()), inline)}
SELECT DISTINCT c.{src.practice} AS practice, c.{src.person} AS person, f.feature
FROM {src.condition} c JOIN feature_code_v f ON f.code = c.code
WHERE c.onset_date <= {d.date(today)} {scope.where(d, "c." + src.practice)}"""


def medicine_issues(d: Dialect, src: Source, *, today: dt.date, scope: Scope = EVERYONE, inline: bool = True) -> str:
    """practice, person, grp, n: prescriptions of each medicine group in the last 12 months, counted from
    medication courses as `scores.course_issues` does: a repeat course is issued every ISSUE_INTERVAL_DAYS from
    its start until it ends (or today), anything else once on its start day. Whole-number division floors here
    because every operand is not negative."""
    day = d.date(today)
    window = d.date(risk.window_start(today, 1))
    every = d.integer(risk.ISSUE_INTERVAL_DAYS)
    latest = d.int_div(d.days_between("last_day", "start_date"), every)
    first = d.int_div(d.days_between(window, "start_date"), every)
    return f"""
WITH {_codes(d, "medicine_group", codelist_rows(risk.medicine_group_slugs()), inline)},
course AS (
    SELECT m.{src.practice} AS practice, m.{src.person} AS person, g.grp, m.start_date,
           CASE WHEN NOT ({src.med_regular}) THEN m.start_date
                WHEN m.end_date IS NOT NULL AND m.end_date < {day} THEN m.end_date
                WHEN m.end_date IS NOT NULL THEN {day}
                WHEN {src.med_active} THEN {day}
                ELSE m.start_date END AS last_day
    FROM {src.medication} m JOIN medicine_group_v g ON g.code = TRIM(m.dmd_code)
    WHERE m.start_date <= {day} {scope.where(d, "m." + src.practice)}
),
counted AS (
    SELECT practice, person, grp,
           {latest} - CASE WHEN start_date > {window} THEN 0 ELSE {first} + 1 END + 1 AS n
    FROM course
    WHERE last_day > {window} AND last_day >= start_date
)
SELECT practice, person, grp, SUM(n) AS n FROM counted GROUP BY practice, person, grp HAVING SUM(n) > 0"""


RISK_INPUT_COLUMNS = ("practice", "person", "born", "regular_medicines", "emergency_admissions", "ae_attendances",
                      "appointments", "home_visits", "falls", "breathless", "underweight", "has_carer")


def risk_inputs(d: Dialect, src: Source, *, today: dt.date, scope: Scope = EVERYONE) -> str:
    """One row per registered person (RISK_INPUT_COLUMNS): the counts `risk.RiskInputs` holds.

    Driven by the patient table and never joined to the memberships (whose statistics are stale right after a
    refresh has replaced a practice's rows, when PostgreSQL would expect one row and pick nested loops); the
    caller keeps the people on a register."""
    day = d.date(today)
    year = d.date(risk.window_start(today, 1))
    recent = d.date(risk.window_start(today, risk.RECENT_YEARS))
    e_date = f"e.{src.appointment_date}"
    o_date = f"o.{src.observation_date}"

    def join(alias: str) -> str:
        return f"LEFT JOIN {alias} ON {alias}.practice = p.{src.patient_practice} AND {alias}.person = p.{src.patient_key}"

    return f"""
WITH meds AS (
    SELECT m.{src.practice} AS practice, m.{src.person} AS person, COUNT(*) AS n FROM {src.medication} m
    WHERE {src.med_active} AND {src.med_regular} AND m.start_date <= {day} {scope.where(d, "m." + src.practice)}
    GROUP BY m.{src.practice}, m.{src.person}
),
hosp AS (
    SELECT h.{src.practice} AS practice, h.{src.person} AS person,
           SUM(CASE WHEN h.kind = 'emergency' AND h.start_date > {year} THEN 1 ELSE 0 END) AS emergency,
           SUM(CASE WHEN h.kind = 'ae' AND h.start_date > {year} THEN 1 ELSE 0 END) AS ae,
           SUM({d.flag(src.fall)}) AS falls
    FROM {src.hospital} h
    WHERE h.start_date <= {day} {scope.where(d, "h." + src.practice)}
    GROUP BY h.{src.practice}, h.{src.person}
),
enc AS (
    SELECT e.{src.practice} AS practice, e.{src.person} AS person, COUNT(*) AS attended,
           SUM({d.flag(src.home_visit)}) AS home_visits
    FROM {src.appointment} e
    WHERE {src.attended} AND {e_date} > {year} AND {e_date} <= {day} {scope.where(d, "e." + src.practice)}
    GROUP BY e.{src.practice}, e.{src.person}
),
obs AS (
    SELECT o.{src.practice} AS practice, o.{src.person} AS person,
           MAX(CASE WHEN o.concept = 'mrc_dyspnoea' AND o.value >= {d.number(risk.BREATHLESS_MRC_GRADE)} THEN 1 ELSE 0 END) AS breathless,
           MAX(CASE WHEN o.concept = 'bmi' AND o.value < {d.number(risk.UNDERWEIGHT_BMI)} THEN 1 ELSE 0 END) AS underweight
    FROM {src.observation} o
    WHERE o.concept IN ('mrc_dyspnoea', 'bmi') AND {o_date} > {recent} AND {o_date} <= {day}
      {scope.where(d, "o." + src.practice)}
    GROUP BY o.{src.practice}, o.{src.person}
),
carer AS (
    {src.carers.format(scope=scope.where(d, "cp." + src.patient_practice))}
)
SELECT p.{src.patient_practice} AS practice, p.{src.patient_key} AS person, p.{src.born} AS born,
       COALESCE(meds.n, 0) AS regular_medicines, COALESCE(hosp.emergency, 0) AS emergency_admissions,
       COALESCE(hosp.ae, 0) AS ae_attendances, COALESCE(enc.attended, 0) AS appointments,
       COALESCE(enc.home_visits, 0) AS home_visits, COALESCE(hosp.falls, 0) AS falls,
       COALESCE(obs.breathless, 0) AS breathless, COALESCE(obs.underweight, 0) AS underweight,
       CASE WHEN carer.person IS NULL THEN 0 ELSE 1 END AS has_carer
FROM {src.patient} p
{join("meds")}
{join("hosp")}
{join("enc")}
{join("obs")}
{join("carer")}
WHERE {src.registered} {scope.where(d, "p." + src.patient_practice)}"""


# --- Tiers: the whole placement, set-based ----------------------------------------------------------------

TIER_COLUMNS = ("practice", "person", "tier", "ltc_count", "cms_hundredths", "deficits", "frailty",
                "regular_medicines", "emergency_admissions", "ae_attendances", "appointments", "age")


def _hundredths(weight: float) -> int:
    value = round(weight * 100, 6)
    if value != int(value):
        raise ValueError(f"CMS weight {weight} has more than two decimal places")
    return int(value)


def cms_map_rows() -> list[tuple[str, str, int, int]]:
    """(kind, key, condition, weight in hundredths): 'r' a register, 'f' a feature codelist, 'm' a medicine group
    with enough prescriptions; the condition by its place in CMS_WEIGHTS (each counts once)."""
    number = {cond: i for i, cond in enumerate(CMS_WEIGHTS)}
    rows = []
    for kind, mapping in (("r", CMS_CONDITION_FOR_REGISTER), ("f", CMS_CONDITION_FOR_FEATURE),
                          ("m", CMS_CONDITION_FOR_MEDICINES)):
        rows += [(kind, slug, number[cond], _hundredths(CMS_WEIGHTS[cond])) for slug, cond in mapping.items()]
    return rows


def deficit_map_rows() -> list[tuple[str, str, str]]:
    """(kind, key, deficit): 'r' a register, 'f' a feature codelist."""
    rows = [("r", slug, key) for key, slugs in REGISTER_DEFICITS.items() for slug in slugs]
    rows += [("f", slug, key) for key, slug in EFI_CODELISTS.items()]
    return rows


def frailty_bands() -> list[tuple[int, str]]:
    """(most deficits, category) in order, worked out from `scores.frailty_category` (the one rule)."""
    bands: list[tuple[int, str]] = []
    for n in range(0, 37):
        category = frailty_category(n)
        if bands and bands[-1][1] == category:
            bands[-1] = (n, category)
        else:
            bands.append((n, category))
    return bands


DEFAULT_THRESHOLDS = risk.Thresholds()


def _meets_sql(d: Dialect, factor: str, threshold: object) -> str | None:
    if threshold is None or threshold == "":
        return None
    if factor == "frailty":
        return f"frailty_rank >= {FRAILTY_ORDER[str(threshold)]}"
    if factor == "cms":
        return f"cms_hundredths >= {math.ceil(round(float(threshold) * 100, 6))}"  # type: ignore[arg-type]
    return f"{factor} >= {d.integer(int(math.ceil(float(threshold))))}"  # type: ignore[arg-type]


def _tier_case(d: Dialect, thresholds: risk.Thresholds) -> str:
    arms = []
    for tier in (risk.CASE_MANAGEMENT, risk.DISEASE_MANAGEMENT):
        terms = [t for f, v in thresholds.for_tier(tier).items() if (t := _meets_sql(d, f, v))]
        if terms:
            arms.append(f"WHEN {' OR '.join(terms)} THEN {d.text(tier)}")
    return f"CASE {' '.join(arms)} ELSE {d.text(risk.SELF_CARE)} END" if arms else d.text(risk.SELF_CARE)


def tiers(d: Dialect, src: Source, *, today: dt.date, thresholds: risk.Thresholds = DEFAULT_THRESHOLDS,
          scope: Scope = EVERYONE, inline: bool = True) -> str:
    """TIER_COLUMNS for everyone on a register: the factors `risk.assess` works out and the tier `risk.place`
    gives, in one statement (memberships, features, prescriptions and risk inputs as its CTEs)."""
    def body(sql: str) -> str:
        return sql.strip().removeprefix("WITH ").strip()

    def cte(name: str, sql: str) -> str:
        """A whole statement as a CTE: its own CTEs hoisted, then its final SELECT as `name`."""
        text = sql.strip()
        if not text.startswith("WITH "):
            return f"{name} AS ({text})"
        head, _, select = text.rpartition("\nSELECT ")
        return f"{body(head)},\n{name} AS (SELECT {select})"

    cancer_from = d.date(years_before(today, CANCER_RECENT_YEARS))
    cms_rows = [(d.text(k), d.text(key), d.integer(cond), d.integer(w)) for k, key, cond, w in cms_map_rows()]
    deficit_rows = [(d.text(k), d.text(key), d.text(deficit)) for k, key, deficit in deficit_map_rows()]
    frailty = "CASE " + " ".join(f"WHEN deficits <= {n} THEN {d.text(cat)}" for n, cat in frailty_bands()[:-1]) + \
        f" ELSE {d.text(frailty_bands()[-1][1])} END"
    rank = "CASE frailty " + " ".join(f"WHEN {d.text(cat)} THEN {FRAILTY_ORDER[cat]}" for _, cat in frailty_bands()) + \
        " ELSE -1 END"
    return f"""
WITH {cte("member", memberships(d, src, today=today, scope=scope, inline=inline))},
{cte("feature", features(d, src, today=today, scope=scope, inline=inline))},
{cte("issued", medicine_issues(d, src, today=today, scope=scope, inline=inline))},
{cte("inputs", risk_inputs(d, src, today=today, scope=scope))},
{d.values("cms_map", ("kind", "ckey", "cond", "weight"), cms_rows)},
{d.values("deficit_map", ("kind", "dkey", "deficit"), deficit_rows)},
ltc AS (SELECT practice, person, COUNT(*) AS ltc_count FROM member GROUP BY practice, person),
cms_hit AS (
    SELECT DISTINCT hit.practice, hit.person, cm.cond, cm.weight FROM (
        SELECT practice, person, 'r' AS kind, register AS ckey FROM member
        WHERE NOT (register = 'cancer' AND since < {cancer_from})
        UNION ALL SELECT practice, person, 'f', feature FROM feature
        UNION ALL SELECT practice, person, 'm', grp FROM issued WHERE n >= {d.integer(CMS_PRESCRIPTIONS)}
    ) hit JOIN cms_map cm ON cm.kind = hit.kind AND cm.ckey = hit.ckey
),
cms AS (SELECT practice, person, SUM(weight) AS cms_hundredths FROM cms_hit GROUP BY practice, person),
deficit_hit AS (
    SELECT DISTINCT hit.practice, hit.person, dm.deficit FROM (
        SELECT practice, person, 'r' AS kind, register AS dkey FROM member
        UNION ALL SELECT practice, person, 'f', feature FROM feature
    ) hit JOIN deficit_map dm ON dm.kind = hit.kind AND dm.dkey = hit.dkey
    UNION
    SELECT i.practice, i.person, x.deficit FROM inputs i JOIN ltc ON ltc.practice = i.practice AND ltc.person = i.person
    JOIN (
        SELECT 'dyspnoea' AS deficit UNION ALL SELECT 'falls' UNION ALL SELECT 'polypharmacy'
        UNION ALL SELECT 'housebound' UNION ALL SELECT 'requires_care' UNION ALL SELECT 'weight_loss'
    ) x ON (x.deficit = 'dyspnoea' AND i.breathless = 1) OR (x.deficit = 'falls' AND i.falls > 0)
        OR (x.deficit = 'polypharmacy' AND i.regular_medicines >= {POLYPHARMACY_DEFICIT_MEDICINES})
        OR (x.deficit = 'housebound' AND i.home_visits >= {HOUSEBOUND_HOME_VISITS})
        OR (x.deficit = 'requires_care' AND i.has_carer = 1) OR (x.deficit = 'weight_loss' AND i.underweight = 1)
),
deficit AS (SELECT practice, person, COUNT(*) AS deficits FROM deficit_hit GROUP BY practice, person),
factors AS (
    SELECT i.practice, i.person, ltc.ltc_count, COALESCE(cms.cms_hundredths, 0) AS cms_hundredths,
           COALESCE(deficit.deficits, 0) AS deficits, i.regular_medicines, i.emergency_admissions,
           i.ae_attendances, i.appointments, {d.age_on("i.born", today)} AS age
    FROM inputs i
    JOIN ltc ON ltc.practice = i.practice AND ltc.person = i.person
    LEFT JOIN cms ON cms.practice = i.practice AND cms.person = i.person
    LEFT JOIN deficit ON deficit.practice = i.practice AND deficit.person = i.person
),
graded AS (
    SELECT f.*, CASE WHEN age >= {FRAILTY_MIN_AGE} THEN {frailty} ELSE '' END AS frailty FROM factors f
),
ranked AS (SELECT g.*, {rank} AS frailty_rank FROM graded g)
SELECT practice, person, {_tier_case(d, thresholds)} AS tier, ltc_count, cms_hundredths, deficits, frailty,
       regular_medicines, emergency_admissions, ae_attendances, appointments, age
FROM ranked"""
