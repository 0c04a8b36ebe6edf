"""The bulk path: SQL generated from the rule data, run set-based for a whole practice.

Works on SQLite and PostgreSQL: plain CTEs, CASE, GROUP BY and VALUES only; dates are passed as
parameters (ISO text on SQLite, date on PostgreSQL) and compared as such. Rule data (codes and
register slugs) is embedded as literals, after `RegisterRule` has checked it is digits and
identifiers, so the generated statement can be read (and shown) as it runs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache

from django.db import connection

from tandem.patients.models import (
    Condition,
    Encounter,
    HospitalEvent,
    Medication,
    Observation,
    Patient,
    RegistrationStatus,
    RelatedPerson,
)
from tandem.terminology import codelists

from .models import RegisterMembership
from .rules import risk
from .rules.registers import RegisterRule, register_rules

T_CONDITION = Condition._meta.db_table
T_PATIENT = Patient._meta.db_table
T_MEMBERSHIP = RegisterMembership._meta.db_table
T_MEDICATION = Medication._meta.db_table
T_ENCOUNTER = Encounter._meta.db_table
T_HOSPITAL = HospitalEvent._meta.db_table
T_OBSERVATION = Observation._meta.db_table
T_RELATED = RelatedPerson._meta.db_table
REGISTERED = RegistrationStatus.REGISTERED.value


def _literal(text: str) -> str:
    if not text.replace("_", "").isalnum():
        raise ValueError(f"{text!r} cannot be embedded in SQL")
    return f"'{text}'"


@cache
def _rule_codes(rules: tuple[RegisterRule, ...]) -> str:
    """VALUES rows (code, register, role, by_status): role 'd' diagnoses the register, 'r' resolves
    it, 'm' marks one side of a split register (see `rules.registers.Split`); by_status 1 where a
    resolved date on a diagnosis row ends membership."""
    rows = []
    for rule in rules:
        status = 1 if rule.status_resolves else 0
        rows += [f"({_literal(code)}, {_literal(rule.slug)}, 'd', {status})" for code in sorted(rule.diagnosis_codes)]
        rows += [f"({_literal(code)}, {_literal(rule.slug)}, 'r', 0)" for code in sorted(rule.resolution_codes)]
        rows += [f"({_literal(code)}, {_literal(rule.slug)}, 'm', 0)" for code in sorted(rule.marker_codes)]
    return ",\n    ".join(rows)


def memberships_select(*, today: dt.date, rules: Iterable[RegisterRule] | None = None,
                       practice_id: int | None = None) -> tuple[str, list]:
    """SELECT practice_id, patient_id, register, since for everyone on a register today.

    One statement for every register: condition rows are joined to the rule codes, the latest
    resolution per patient and register is found (resolved codes, and resolved dates on diagnosis
    rows where the register's rule lets them count), and the earliest diagnosis after it is the
    start of the current episode. Age limits become a date-of-birth bound per register, a
    register's first counting day a bound on the diagnosis date, and a split register keeps the
    episodes with (or without) one of its marker codes.
    """
    rules = tuple(register_rules() if rules is None else rules)
    params: list = []
    scope = ""
    if practice_id is not None:
        scope = "AND c.practice_id = %s"
        params.append(practice_id)
    params += [today, today, today]
    too_early = ""
    for rule in rules:
        if rule.diagnosed_from is not None:
            too_early += f"\n  AND NOT (ev.register = {_literal(rule.slug)} AND ev.onset_date < %s)"
            params.append(rule.diagnosed_from)
    age_terms = []
    for rule in rules:
        born_by = rule.born_on_or_before(today)
        if born_by is not None:
            age_terms.append(f"(ev.register = {_literal(rule.slug)} AND p.date_of_birth > %s)")
            params.append(born_by)
    too_young = f"AND NOT ({' OR '.join(age_terms)})" if age_terms else ""
    params.append(REGISTERED)
    split_terms = [
        f"NOT (ev.register = {_literal(rule.slug)} AND "
        f"MAX(CASE WHEN ev.role = 'm' THEN 1 ELSE 0 END) = {0 if rule.with_marker else 1})"
        for rule in rules if rule.with_marker is not None
    ]
    having = f"\nHAVING {' AND '.join(split_terms)}" if split_terms else ""
    sql = f"""
WITH rule_code(code, register, role, by_status) AS (VALUES
    {_rule_codes(rules)}
),
ev AS (
    SELECT c.patient_id, r.register, r.role, r.by_status, c.onset_date, c.resolved_date
    FROM {T_CONDITION} c JOIN rule_code r ON r.code = c.code
    WHERE 1 = 1 {scope}
),
last_resolved AS (
    SELECT patient_id, register,
           MAX(CASE WHEN role = 'r' AND onset_date <= %s THEN onset_date
                    WHEN role = 'd' AND by_status = 1 AND resolved_date <= %s THEN resolved_date END) AS resolved_on
    FROM ev GROUP BY patient_id, register
)
SELECT p.practice_id, ev.patient_id, ev.register, MIN(CASE WHEN ev.role = 'd' THEN ev.onset_date END) AS since
FROM ev
JOIN last_resolved lr ON lr.patient_id = ev.patient_id AND lr.register = ev.register
JOIN {T_PATIENT} p ON p.id = ev.patient_id
WHERE ev.role IN ('d', 'm') AND ev.onset_date <= %s
  AND (lr.resolved_on IS NULL OR ev.onset_date > lr.resolved_on){too_early}
  {too_young}
  AND p.registration_status = %s
GROUP BY p.practice_id, ev.patient_id, ev.register{having}"""
    return sql, params


def memberships_insert(*, practice_id: int, today: dt.date) -> tuple[str, list]:
    select, params = memberships_select(today=today, practice_id=practice_id)
    head, _, tail = select.partition("\nSELECT p.practice_id")
    sql = f"{head}\nINSERT INTO {T_MEMBERSHIP} (practice_id, patient_id, register, since)\nSELECT p.practice_id{tail}"
    return sql, params


@cache
def _codelist_values(slugs: tuple[str, ...]) -> str:
    """VALUES rows (code, slug) for the codelists `slugs`: the feature codelists the scores read, or
    the medicine groups (dm+d codes) whose prescriptions they count."""
    rows = []
    for slug in slugs:
        rows += [f"({_literal(code)}, {_literal(slug)})" for code in sorted(codelists.get(slug).codes)]
    return ",\n    ".join(rows)


def features_select(*, practice_id: int, today: dt.date) -> tuple[str, list]:
    """(patient_id, feature) for each feature codelist (eFI deficits, CMS-only conditions) of which
    a patient of the practice has a code recorded on or before today; one statement."""
    sql = f"""
WITH feature_code(code, feature) AS (VALUES
    {_codelist_values(risk.feature_slugs())}
)
SELECT DISTINCT c.patient_id, f.feature
FROM {T_CONDITION} c JOIN feature_code f ON f.code = c.code
WHERE c.practice_id = %s AND c.onset_date <= %s"""
    return sql, [practice_id, today]


def _days(later: str, earlier: str) -> str:
    """Whole days from `earlier` to `later` (both dates): the one vendor-specific expression here."""
    if connection.vendor == "postgresql":
        return f"({later} - {earlier})"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def medicine_issues_select(*, practice_id: int, today: dt.date) -> tuple[str, list]:
    """(patient_id, group, issues) for each medicine group with prescriptions in the last 12 months,
    counted from medication courses as `rules.scores.course_issues` does: a repeat course is issued
    every ISSUE_INTERVAL_DAYS from its start until it ends (or today), anything else once on its start
    day. Integer division floors here because every operand is non-negative; one statement."""
    day = "CAST(%s AS DATE)" if connection.vendor == "postgresql" else "%s"
    window = risk.window_start(today, 1)
    every = risk.ISSUE_INTERVAL_DAYS
    sql = f"""
WITH med_group(code, grp) AS (VALUES
    {_codelist_values(risk.medicine_group_slugs())}
),
course AS (
    SELECT m.patient_id, g.grp, m.start_date,
           CASE WHEN m.is_regular <> %s THEN m.start_date
                WHEN m.end_date IS NOT NULL AND m.end_date < {day} THEN m.end_date
                WHEN m.end_date IS NOT NULL THEN {day}
                WHEN m.status = 'active' THEN {day}
                ELSE m.start_date END AS last_day
    FROM {T_MEDICATION} m JOIN med_group g ON g.code = m.dmd_code
    WHERE m.practice_id = %s AND m.start_date <= {day}
),
counted AS (
    SELECT patient_id, grp,
           {_days("last_day", "start_date")} / {every}
           - CASE WHEN start_date > {day} THEN 0 ELSE {_days(day, "start_date")} / {every} + 1 END + 1 AS n
    FROM course
    WHERE last_day > {day} AND last_day >= start_date
)
SELECT patient_id, grp, SUM(n) FROM counted GROUP BY patient_id, grp HAVING SUM(n) > 0"""
    params = [True, today, today, today, practice_id, today, window, window, window]
    return sql, params


def risk_inputs_select(*, practice_id: int, today: dt.date) -> tuple[str, list]:
    """One row per registered patient of the practice:
    (patient_id, date_of_birth, regular_medicines, emergency_admissions, ae_attendances,
     appointments, home_visits, falls, breathless, underweight, has_carer).

    The statement is driven by the patient table and never joins the membership table, whose
    statistics are stale right after a refresh has replaced a practice's rows (PostgreSQL would
    then expect one row and pick nested loops); the caller keeps the patients on a register.
    """
    year = risk.window_start(today, 1)
    recent = risk.window_start(today, risk.RECENT_YEARS)
    sql = f"""
WITH meds AS (
    SELECT patient_id, COUNT(*) AS n FROM {T_MEDICATION}
    WHERE practice_id = %s AND status = 'active' AND is_regular = %s AND start_date <= %s
    GROUP BY patient_id
),
hosp AS (
    SELECT patient_id,
           SUM(CASE WHEN kind = 'emergency' AND start_date > %s THEN 1 ELSE 0 END) AS emergency,
           SUM(CASE WHEN kind = 'ae' AND start_date > %s THEN 1 ELSE 0 END) AS ae,
           SUM(CASE WHEN LOWER(reason) LIKE 'fall%%' THEN 1 ELSE 0 END) AS falls
    FROM {T_HOSPITAL}
    WHERE practice_id = %s AND start_date <= %s
    GROUP BY patient_id
),
enc AS (
    SELECT patient_id, COUNT(*) AS attended,
           SUM(CASE WHEN kind = 'home_visit' THEN 1 ELSE 0 END) AS home_visits
    FROM {T_ENCOUNTER}
    WHERE practice_id = %s AND status = 'attended' AND date > %s AND date <= %s
    GROUP BY patient_id
),
obs AS (
    SELECT patient_id,
           MAX(CASE WHEN concept = 'mrc_dyspnoea' AND value >= %s THEN 1 ELSE 0 END) AS breathless,
           MAX(CASE WHEN concept = 'bmi' AND value < %s THEN 1 ELSE 0 END) AS underweight
    FROM {T_OBSERVATION}
    WHERE practice_id = %s AND concept IN ('mrc_dyspnoea', 'bmi') AND effective_date > %s AND effective_date <= %s
    GROUP BY patient_id
),
carer AS (
    SELECT DISTINCT rp.patient_id FROM {T_RELATED} rp JOIN {T_PATIENT} cp ON cp.id = rp.patient_id
    WHERE cp.practice_id = %s AND rp.is_carer = %s
)
SELECT p.id, p.date_of_birth, COALESCE(meds.n, 0), COALESCE(hosp.emergency, 0), COALESCE(hosp.ae, 0),
       COALESCE(enc.attended, 0), COALESCE(enc.home_visits, 0), COALESCE(hosp.falls, 0),
       COALESCE(obs.breathless, 0), COALESCE(obs.underweight, 0),
       CASE WHEN carer.patient_id IS NULL THEN 0 ELSE 1 END
FROM {T_PATIENT} p
LEFT JOIN meds ON meds.patient_id = p.id
LEFT JOIN hosp ON hosp.patient_id = p.id
LEFT JOIN enc ON enc.patient_id = p.id
LEFT JOIN obs ON obs.patient_id = p.id
LEFT JOIN carer ON carer.patient_id = p.id
WHERE p.practice_id = %s AND p.registration_status = %s"""
    params = [
        practice_id, True, today,
        year, year, practice_id, today,
        practice_id, year, today,
        float(risk.BREATHLESS_MRC_GRADE), risk.UNDERWEIGHT_BMI, practice_id, recent, today,
        practice_id, True,
        practice_id, REGISTERED,
    ]
    return sql, params
