"""The mechanics of a practice refresh: set-based reads and writes on one cursor.

`actions.refresh_practice` calls these inside one transaction. Memberships are replaced with
one DELETE and one INSERT ... SELECT generated from the rules (no rows pass through Python);
risk inputs are aggregated per patient in one SQL statement, placed in tiers in one Python pass
over those tuples, and written with COPY (PostgreSQL) or executemany (SQLite).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter

from django.db import connection

from . import sql
from .models import PatientRisk
from .rules import register_slugs, risk

T_RISK = PatientRisk._meta.db_table
RISK_COLUMNS = (
    "practice_id", "patient_id", "tier", "reasons", "drivers", "flags", "ltc_count", "cms", "efi", "efi_deficits",
    "frailty", "regular_medicines", "emergency_admissions", "ae_attendances", "appointments", "frequent_attender",
    "computed_on",
)


def as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def replace_memberships(cursor, *, practice_id: int, today: dt.date) -> None:
    cursor.execute(f"DELETE FROM {sql.T_MEMBERSHIP} WHERE practice_id = %s", [practice_id])
    statement, params = sql.memberships_insert(practice_id=practice_id, today=today)
    cursor.execute(statement, params)


def read_memberships(cursor, *, practice_id: int) -> dict[int, dict[str, dt.date]]:
    cursor.execute(f"SELECT patient_id, register, since FROM {sql.T_MEMBERSHIP} WHERE practice_id = %s",
                   [practice_id])
    order = {slug: i for i, slug in enumerate(risk_register_order())}
    found: dict[int, dict[str, dt.date]] = {}
    for patient_id, register, since in sorted(cursor.fetchall(), key=lambda r: (r[0], order.get(r[1], 99))):
        found.setdefault(patient_id, {})[register] = as_date(since)
    return found


def risk_register_order() -> tuple[str, ...]:
    return register_slugs()


def read_risk_inputs(cursor, *, practice_id: int, today: dt.date,
                     memberships: dict[int, dict[str, dt.date]]) -> list[tuple[int, risk.RiskInputs]]:
    statement, params = sql.features_select(practice_id=practice_id, today=today)
    cursor.execute(statement, params)
    features: dict[int, set[str]] = {}
    for patient_id, feature in cursor.fetchall():
        features.setdefault(patient_id, set()).add(feature)
    statement, params = sql.medicine_issues_select(practice_id=practice_id, today=today)
    cursor.execute(statement, params)
    issues: dict[int, dict[str, int]] = {}
    for patient_id, group, count in cursor.fetchall():
        issues.setdefault(patient_id, {})[group] = int(count)
    statement, params = sql.risk_inputs_select(practice_id=practice_id, today=today)
    cursor.execute(statement, params)
    rows = []
    for (patient_id, born, medicines, emergency, ae, attended, home, falls, breathless, underweight,
         carer) in cursor.fetchall():
        registers = memberships.get(patient_id)
        if not registers:
            continue  # tiers are for people on at least one register
        rows.append((patient_id, risk.RiskInputs(
            date_of_birth=as_date(born), registers=registers,
            regular_medicines=int(medicines), emergency_admissions=int(emergency), ae_attendances=int(ae),
            appointments=int(attended), home_visits=int(home), falls=int(falls), breathless=bool(breathless),
            underweight=bool(underweight), has_carer=bool(carer),
            features=frozenset(features.get(patient_id, ())),
            medicine_issues=issues.get(patient_id, {}),
        )))
    return rows


def risk_rows(*, practice_id: int, today: dt.date, inputs: list[tuple[int, risk.RiskInputs]],
              thresholds: risk.Thresholds) -> tuple[list[tuple], Counter]:
    """The PatientRisk rows, in RISK_COLUMNS order, and the count per tier: one pass."""
    rows: list[tuple] = []
    tiers: Counter = Counter()
    frequent = thresholds.frequent_attendance
    for patient_id, row in inputs:
        factors = risk.assess(row, today)
        placement = risk.place(factors, thresholds)
        tiers[placement.tier] += 1
        rows.append((
            practice_id, patient_id, placement.tier, json.dumps(list(placement.reasons)),
            json.dumps(list(placement.drivers)), json.dumps(list(placement.flags)), factors.ltc_count, factors.cms,
            factors.efi, json.dumps(list(factors.deficits)), factors.frailty, factors.regular_medicines,
            factors.emergency_admissions, factors.ae_attendances, factors.appointments,
            factors.appointments >= frequent, today,
        ))
    return rows, tiers


def replace_risks(cursor, *, practice_id: int, rows: list[tuple]) -> None:
    cursor.execute(f"DELETE FROM {T_RISK} WHERE practice_id = %s", [practice_id])
    if not rows:
        return
    columns = ", ".join(connection.ops.quote_name(c) for c in RISK_COLUMNS)
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {T_RISK} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        placeholders = ", ".join(["%s"] * len(RISK_COLUMNS))
        cursor.executemany(f"INSERT INTO {T_RISK} ({columns}) VALUES ({placeholders})", rows)


def membership_counts(cursor, *, practice_id: int) -> dict[str, int]:
    cursor.execute(f"SELECT register, COUNT(*) FROM {sql.T_MEMBERSHIP} WHERE practice_id = %s GROUP BY register",
                   [practice_id])
    counts = dict(cursor.fetchall())
    return {slug: int(counts.get(slug, 0)) for slug in risk_register_order()}
