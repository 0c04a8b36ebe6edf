"""The population rules over an extract, as SQL for every engine: registers, risk tiers, the care planning funnel
and outcomes. Pure: no Django.

`statements(dialect, as_of=..., year=...)` is the whole analysis, in order: each `Statement` is a SELECT whose
result is kept under its name (a table the later statements read, and a Parquet file of results). The register
and tier statements are the app's own compiled rules (`tandem.registers.rules.compiled`) read over the extract
layout; the funnel and outcomes follow the Learn pages' definitions (`tandem.learn.funnel_queries` and
`tandem.learn.outcomes`), with the care planning cycle read from the extract's `care_event` table. The spec tests
hold every engine to the same answers, and the funnel and outcome answers to the Learn pages' own on the same
practice.

Every value is a literal and every engine-specific operation goes through the `Dialect`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tandem.core.dialects import Dialect
from tandem.learn import rules as learn_rules
from tandem.patients import rules as target_rules
from tandem.recall.rules.dates import review_year_end, review_year_start
from tandem.registers.rules import compiled, risk

from . import schema

RULES_VERSION = "2026.12.1"  # bump when any statement's meaning changes; the bundle and results carry it


@dataclass(frozen=True)
class Statement:
    name: str  # the result's table (and Parquet file) name
    sql: str
    meaning: str


# --- The funnel ----------------------------------------------------------------------------------------

#: Learn funnel step -> the care events that reach it (schema.CARE_EVENTS); "on_register" is read from the registers.
FUNNEL_EVENTS: dict[str, tuple[str, ...]] = {
    "due": ("review_due",),
    "invited": ("invited",),
    "tests_done": ("tests_attended",),
    "pack_sent": ("pack_sent",),
    "agenda": ("agenda_returned",),
    "held": ("conversation_held", "plan_saved"),
    "agreed": ("plan_agreed",),
    "copy": ("copy_given",),
    "checkin": ("checkin_answered",),
}
assert set(FUNNEL_EVENTS) | {"on_register"} == {key for key, _ in learn_rules.STEPS}
assert {k for kinds in FUNNEL_EVENTS.values() for k in kinds} == set(schema.CARE_EVENTS)


def funnel(d: Dialect, *, year: int, members: str = "register_member", prefix: str = "") -> str:
    """practice, step, people: how many of each practice's people reached each step of the care planning cycle in
    review year `year` (tandem.learn.funnel_queries.step_conditions). Steps nobody reached have no row."""
    rows = [(d.text(step), d.text(kind), d.text(schema.CARE_EVENTS[kind][0]))
            for step, kinds in FUNNEL_EVENTS.items() for kind in kinds]
    first, last = d.date(review_year_start(year)), d.date(review_year_end(year))
    return f"""
WITH {d.values("funnel_event", ("step", "kind", "dated"), rows)},
hit AS (
    SELECT ce.practice, ce.person, fe.step
    FROM {prefix}care_event ce JOIN funnel_event fe ON fe.kind = ce.kind
    WHERE (fe.dated IN ('year', 'both') AND ce.review_year = {d.integer(year)}
           AND (fe.dated = 'year' OR (ce.on_date >= {first} AND ce.on_date <= {last})))
       OR (fe.dated = 'day' AND ce.on_date >= {first} AND ce.on_date <= {last})
    UNION ALL
    SELECT m.practice, m.person, 'on_register'
    FROM {members} m JOIN {prefix}patient p ON p.practice = m.practice AND p.person = m.person
    WHERE {d.is_true("p.registered")}
)
SELECT practice, step, COUNT(DISTINCT person) AS people FROM hit GROUP BY practice, step"""


# --- Outcomes ------------------------------------------------------------------------------------------

YEAR_DAYS = 365
MEASURES = ("hba1c", "systolic_bp", "total_cholesterol", "ldl", "bmi")  # tandem.learn.outcomes.MEASURES
CONCEPTS = ("hba1c", "systolic_bp", "diastolic_bp", "total_cholesterol", "ldl", "bmi")
TARGETS = ("hba1c", "blood_pressure", "ldl")
RATES = ("appointments", "ae", "emergency")  # tandem.learn.outcomes.RATES; ae and emergency are hospital_event kinds


def _registers_any(d: Dialect, slugs) -> str:
    return f"({' OR '.join(f'r_{s} = 1' for s in sorted(slugs))})" if slugs else "1 = 0"


def _default_upper(d: Dialect, concept: str, age: str) -> str:
    """The guideline default's upper limit for `concept` (tandem.patients.rules._default), or NULL where no default
    is meant for the person (TARGET_REGISTERS)."""
    r = target_rules
    meant = r.TARGET_REGISTERS.get(concept)
    if concept == "hba1c":
        value = f"CASE WHEN frail = 1 THEN {d.number(r.HBA1C_FRAIL)} ELSE {d.number(r.HBA1C)} END"
    elif concept == "systolic_bp":
        value = (f"CASE WHEN {age} >= {r.BP_OLDER_AGE} THEN {d.number(r.BP_FROM_80[0])} "
                 f"ELSE {d.number(r.BP_UNDER_80[0])} END")
    elif concept == "diastolic_bp":
        value = (f"CASE WHEN {age} >= {r.BP_OLDER_AGE} THEN {d.number(r.BP_FROM_80[1])} "
                 f"ELSE {d.number(r.BP_UNDER_80[1])} END")
    elif concept == "ldl":
        value = d.number(r.LDL)
    else:
        raise KeyError(concept)
    if meant is None:
        return value
    return f"CASE WHEN {_registers_any(d, meant)} THEN {value} END"


def _met(value: str, upper: str, lower: str) -> str:
    """1 when `value` meets a target (tandem.patients.rules.Target.met_by), 0 when not, NULL with no value or no
    target (no upper and no lower)."""
    return (f"CASE WHEN {value} IS NULL OR ({upper} IS NULL AND {lower} IS NULL) THEN NULL "
            f"WHEN {upper} IS NOT NULL AND {value} > {upper} THEN 0 "
            f"WHEN {lower} IS NOT NULL AND {value} < {lower} THEN 0 ELSE 1 END")


def _case_map(d: Dialect, expr: str, mapping: dict[str, tuple], default: str) -> str:
    arms = " ".join(f"WHEN {expr} IN ({', '.join(d.text(v) for v in values)}) THEN {d.text(key)}"
                    for key, values in mapping.items())
    return f"CASE {arms} ELSE {d.text(default)} END"


def _age_band(d: Dialect, age: str) -> str:
    arms = []
    for key, low, high in learn_rules.AGE_BANDS:
        cond = f"{age} >= {low}" + (f" AND {age} <= {high}" if high is not None else "")
        arms.append(f"WHEN {cond} THEN {d.text(key)}")
    return f"CASE {' '.join(arms)} ELSE {d.text(learn_rules.AGE_BANDS[0][0])} END"


OUTCOME_PERSON_COLUMNS = (
    "practice", "person", "cohort", "start_on", "age_band", "sex", "imd", "ethnicity", "conditions",
    *[f"{c}_{p}" for c in CONCEPTS for p in (0, 1)],
    *[f"in_{t}_{p}" for p in (0, 1) for t in TARGETS],  # as the statement gives them
    *[f"{r}_{p}" for r in RATES for p in (0, 1)],
)


OUTCOME_REGISTERS: tuple[str, ...] = tuple(sorted(set().union(*(s for s in target_rules.TARGET_REGISTERS.values() if s))))


def outcome_cohort(d: Dialect, *, as_of: dt.date, members: str = "register_member", tiers: str = "risk_tier",
                   prefix: str = "") -> str:
    """practice, person, cohort, start_on and what groups and targets need: everyone in the care planned or
    comparison group of their practice (tandem.learn.outcomes.cohorts). Care planned: registered, on a register,
    first care planning conversation at least a year before `as_of` (start_on: that day). Comparison: registered, on
    a register, no conversation up to a year after their practice's median first conversation of the care planned
    (start_on: that median, the lower middle one)."""
    complete_by = d.date(as_of - dt.timedelta(days=YEAR_DAYS))
    flags = ", ".join(f"MAX(CASE WHEN register = {d.text(s)} THEN 1 ELSE 0 END) AS r_{s}" for s in OUTCOME_REGISTERS)
    frail = " OR ".join(f"t.frailty = {d.text(f)}" for f in sorted(target_rules.MODERATE_OR_SEVERE))
    columns = "p.practice, p.person, p.birth_date AS born, p.sex, p.imd_decile, p.ethnicity, regs.conditions, " + \
        ", ".join(f"regs.r_{s}" for s in OUTCOME_REGISTERS)
    return f"""
WITH firsts AS (
    SELECT practice, person, MIN(on_date) AS first_on FROM {prefix}care_event
    WHERE kind = 'plan_saved' AND on_date IS NOT NULL GROUP BY practice, person
),
complete AS (SELECT practice, person, first_on FROM firsts WHERE first_on <= {complete_by}),
ordered AS (
    SELECT practice, first_on, ROW_NUMBER() OVER (PARTITION BY practice ORDER BY first_on) AS rn,
           COUNT(*) OVER (PARTITION BY practice) AS n
    FROM complete
),
mid AS (SELECT practice, first_on AS mid_on FROM ordered WHERE rn = {d.int_div("(n + 1)", "2")}),
regs AS (SELECT practice, person, COUNT(*) AS conditions, {flags} FROM {members} GROUP BY practice, person),
on_reg AS (
    SELECT {columns}, CASE WHEN {frail} THEN 1 ELSE 0 END AS frail
    FROM {prefix}patient p
    JOIN regs ON regs.practice = p.practice AND regs.person = p.person
    LEFT JOIN {tiers} t ON t.practice = p.practice AND t.person = p.person
    WHERE {d.is_true("p.registered")}
)
SELECT o.*, 'planned' AS cohort, c.first_on AS start_on
FROM on_reg o JOIN complete c ON c.practice = o.practice AND c.person = o.person
UNION ALL
SELECT o.*, 'comparison' AS cohort, md.mid_on AS start_on
FROM on_reg o JOIN mid md ON md.practice = o.practice
LEFT JOIN complete c ON c.practice = o.practice AND c.person = o.person
LEFT JOIN firsts f ON f.practice = o.practice AND f.person = o.person
WHERE c.person IS NULL AND (f.first_on IS NULL OR f.first_on >= {d.add_days("md.mid_on", YEAR_DAYS)})"""


def outcome_people(d: Dialect, *, cohort: str = "outcome_cohort", prefix: str = "") -> str:
    """OUTCOME_PERSON_COLUMNS for everyone in `cohort` (outcome_cohort's result): the last of each result, whether
    HbA1c, blood pressure and LDL were in the target that applied (their own agreed target, else the guideline
    default meant for them: tandem.patients.rules.applicable_target), and their appointments, A&E attendances and
    emergency admissions, in the year before (_0) and the year after (_1) start_on."""
    pivot = ", ".join(f"MAX(CASE WHEN concept = '{c}' AND period = {p} THEN value END) AS {c}_{p}"
                      for c in CONCEPTS for p in (0, 1))
    events = ", ".join(f"SUM(CASE WHEN rate = '{r}' AND period = {p} THEN 1 ELSE 0 END) AS {r}_{p}"
                       for r in RATES for p in (0, 1))
    personal = ", ".join(f"MAX(CASE WHEN concept = '{c}' AND period = {p} THEN {bound} END) AS {c}_{bound}_{p}"
                         for c in ("hba1c", "systolic_bp", "diastolic_bp", "ldl") for p in (0, 1)
                         for bound in ("upper", "lower"))

    def end(period: int) -> str:
        return d.add_days("x.start_on", -1 if period == 0 else YEAR_DAYS - 1)

    targets = []
    for p in (0, 1):
        age = d.age_at("x.born", end(p))
        bounds = {}
        for c in ("hba1c", "systolic_bp", "diastolic_bp", "ldl"):
            has_own = f"(x.{c}_upper_{p} IS NOT NULL OR x.{c}_lower_{p} IS NOT NULL)"
            bounds[c] = (f"CASE WHEN {has_own} THEN x.{c}_upper_{p} ELSE {_default_upper(d, c, age)} END",
                         f"CASE WHEN {has_own} THEN x.{c}_lower_{p} END")
        met = {c: _met(f"x.{c}_{p}", *bounds[c]) for c in bounds}
        targets.append(f"{met['hba1c']} AS in_hba1c_{p}")
        targets.append(f"CASE WHEN {met['systolic_bp']} IS NULL OR {met['diastolic_bp']} IS NULL THEN NULL "
                       f"WHEN {met['systolic_bp']} = 1 AND {met['diastolic_bp']} = 1 THEN 1 ELSE 0 END AS in_blood_pressure_{p}")
        targets.append(f"{met['ldl']} AS in_ldl_{p}")
    quintile = d.to_text(d.int_div("(x.imd_decile + 1)", "2"))
    return f"""
WITH span AS (
    SELECT practice, person, start_on, {d.add_days("start_on", -YEAR_DAYS)} AS earliest,
           {d.add_days("start_on", YEAR_DAYS)} AS latest, {d.add_days("start_on", -1)} AS end0,
           {d.add_days("start_on", YEAR_DAYS - 1)} AS end1
    FROM {cohort}
),
res AS (
    SELECT w.practice, w.person, o.concept, o.on_date, o.value,
           CASE WHEN o.on_date < w.start_on THEN 0 ELSE 1 END AS period
    FROM span w JOIN {prefix}observation o ON o.practice = w.practice AND o.person = w.person
    WHERE o.concept IN ({", ".join(d.text(c) for c in CONCEPTS)}) AND o.value IS NOT NULL
      AND o.on_date >= w.earliest AND o.on_date < w.latest
),
last_res AS (
    SELECT practice, person, concept, period, value FROM (
        SELECT r.*, ROW_NUMBER() OVER (PARTITION BY practice, person, concept, period
                                       ORDER BY on_date DESC, value ASC) AS rn
        FROM res r
    ) ranked WHERE rn = 1
),
results AS (SELECT practice, person, {pivot} FROM last_res GROUP BY practice, person),
happened AS (
    SELECT w.practice, w.person, 'appointments' AS rate,
           CASE WHEN a.on_date < w.start_on THEN 0 ELSE 1 END AS period
    FROM span w JOIN {prefix}appointment a ON a.practice = w.practice AND a.person = w.person
    WHERE a.on_date >= w.earliest AND a.on_date < w.latest
    UNION ALL
    SELECT w.practice, w.person, h.kind, CASE WHEN h.start_date < w.start_on THEN 0 ELSE 1 END
    FROM span w JOIN {prefix}hospital_event h ON h.practice = w.practice AND h.person = w.person
    WHERE h.kind IN ('ae', 'emergency') AND h.start_date >= w.earliest AND h.start_date < w.latest
),
counted AS (SELECT practice, person, {events} FROM happened GROUP BY practice, person),
own AS (
    SELECT practice, person, concept, period, upper, lower FROM (
        SELECT w.practice, w.person, t.concept, pd.period, t.upper, t.lower,
               ROW_NUMBER() OVER (PARTITION BY w.practice, w.person, t.concept, pd.period
                                  ORDER BY t.agreed_on DESC, t.upper, t.lower) AS rn
        FROM span w JOIN {prefix}personal_target t ON t.practice = w.practice AND t.person = w.person
        JOIN (SELECT 0 AS period UNION ALL SELECT 1) pd
          ON t.agreed_on <= CASE WHEN pd.period = 0 THEN w.end0 ELSE w.end1 END
         AND (t.ended_on IS NULL OR t.ended_on > CASE WHEN pd.period = 0 THEN w.end0 ELSE w.end1 END)
    ) ranked WHERE rn = 1
),
owned AS (SELECT practice, person, {personal} FROM own GROUP BY practice, person),
pr AS (
    SELECT c.*,
           {", ".join(f"res.{c}_{p}" for c in CONCEPTS for p in (0, 1))},
           {", ".join(f"owned.{c}_{b}_{p}" for c in ("hba1c", "systolic_bp", "diastolic_bp", "ldl") for p in (0, 1)
                      for b in ("upper", "lower"))},
           {", ".join(f"COALESCE(counted.{r}_{p}, 0) AS {r}_{p}" for r in RATES for p in (0, 1))}
    FROM {cohort} c
    LEFT JOIN results res ON res.practice = c.practice AND res.person = c.person
    LEFT JOIN owned ON owned.practice = c.practice AND owned.person = c.person
    LEFT JOIN counted ON counted.practice = c.practice AND counted.person = c.person
)
SELECT x.practice, x.person, x.cohort, x.start_on,
       {_age_band(d, d.age_at("x.born", "x.start_on"))} AS age_band,
       CASE WHEN x.sex IS NULL OR x.sex = '' THEN 'unknown' ELSE x.sex END AS sex,
       CASE WHEN x.imd_decile >= 1 AND x.imd_decile <= 10 THEN {quintile}
            ELSE {d.text(learn_rules.NOT_RECORDED)} END AS imd,
       {_case_map(d, "x.ethnicity", learn_rules.ETHNIC_GROUPS, learn_rules.NOT_RECORDED)} AS ethnicity,
       CASE WHEN x.conditions >= 4 THEN '4' ELSE {d.to_text("x.conditions")} END AS conditions,
       {", ".join(f"x.{c}_{p}" for c in CONCEPTS for p in (0, 1))},
       {", ".join(targets)},
       {", ".join(f"x.{r}_{p}" for r in RATES for p in (0, 1))}
FROM pr x"""


OUTCOME_SUMMARY_COLUMNS = (
    "split", "group_key", "cohort", "people",
    *[f"m_{c}_{x}" for c in MEASURES for x in ("n", "before", "after")],
    *[f"t_{t}_{x}" for t in TARGETS for x in ("n", "in0", "in1")],
    *[f"r_{r}_{p}" for r in RATES for p in (0, 1)],
)


def outcome_summary(d: Dialect, *, people: str = "outcome_person", members: str = "register_member") -> str:
    """split, key, cohort, people and the sums each Learn outcome figure is worked out from (tandem.learn.outcomes
    Cell): for each result, people with one in both years (m_<c>_n) and the sums of their results before and after,
    in thousandths of the unit (whole numbers, so the sums are exact and the same on every engine, whatever order
    an engine adds them in); for each target,
    people with a target and result in both years (t_<t>_n) and those in it each year; each kind of event each
    year."""
    groups = [("everyone", d.text("everyone")), ("conditions", "o.conditions"), ("age", "o.age_band"),
              ("sex", "o.sex"), ("imd", "o.imd"), ("ethnicity", "o.ethnicity")]
    union = "\n    UNION ALL ".join(f"SELECT o.*, '{split}' AS split, {key} AS gkey FROM {people} o"
                                   for split, key in groups)
    union += (f"\n    UNION ALL SELECT o.*, 'condition' AS split, m.register AS gkey FROM {people} o "
              f"JOIN {members} m ON m.practice = o.practice AND m.person = o.person")
    sums = []
    for c in MEASURES:
        both = f"o.{c}_0 IS NOT NULL AND o.{c}_1 IS NOT NULL"
        sums += [f"SUM(CASE WHEN {both} THEN 1 ELSE 0 END) AS m_{c}_n",
                 f"SUM(CASE WHEN {both} THEN {d.whole(d.round_half_up(f'o.{c}_0 * 1000', 0))} END) AS m_{c}_before",
                 f"SUM(CASE WHEN {both} THEN {d.whole(d.round_half_up(f'o.{c}_1 * 1000', 0))} END) AS m_{c}_after"]
    for t in TARGETS:
        both = f"o.in_{t}_0 IS NOT NULL AND o.in_{t}_1 IS NOT NULL"
        sums += [f"SUM(CASE WHEN {both} THEN 1 ELSE 0 END) AS t_{t}_n",
                 f"SUM(CASE WHEN {both} THEN o.in_{t}_0 ELSE 0 END) AS t_{t}_in0",
                 f"SUM(CASE WHEN {both} THEN o.in_{t}_1 ELSE 0 END) AS t_{t}_in1"]
    for r in RATES:
        sums += [f"SUM(o.{r}_0) AS r_{r}_0", f"SUM(o.{r}_1) AS r_{r}_1"]
    return f"""
WITH grouped AS (
    {union}
)
SELECT split, gkey AS group_key, cohort, COUNT(*) AS people,
       {(",\n       ").join(sums)}
FROM grouped o GROUP BY split, gkey, cohort"""


# --- The whole analysis -----------------------------------------------------------------------------------


def statements(d: Dialect, *, as_of: dt.date, year: int, thresholds: risk.Thresholds | None = None,
               prefix: str = "") -> list[Statement]:
    """Every statement of an analysis, in the order they run; each reads the extract's tables (named `prefix` +
    table) and the results of the statements before it (by name), and the rule tables (compiled.RULE_TABLES)."""
    src = compiled.extract_source(d, prefix)
    thresholds = thresholds or compiled.DEFAULT_THRESHOLDS
    return [
        Statement("register_member", compiled.memberships(d, src, today=as_of, inline=False),
                  "Everyone on each long-term condition register (QOF business rules), with the start of the "
                  "current episode."),
        Statement("risk_tier", compiled.tiers(d, src, today=as_of, thresholds=thresholds, inline=False),
                  "Everyone on a register: their risk tier and the factors that placed them."),
        Statement("funnel", funnel(d, year=year, prefix=prefix),
                  f"The care planning cycle for review year {year}: people at each step, by practice."),
        Statement("outcome_cohort", outcome_cohort(d, as_of=as_of, prefix=prefix),
                  "Everyone in the care planned and comparison groups of their practice, and the day their years "
                  "before and after meet."),
        Statement("outcome_person", outcome_people(d, prefix=prefix),
                  "Everyone in the care planned and comparison groups, with their results, targets and events in "
                  "the year before and the year after."),
        Statement("outcome_summary", outcome_summary(d),
                  "The outcome figures' counts and sums by group (split and group key) and cohort."),
    ]
