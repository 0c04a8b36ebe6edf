"""Building blocks of the population spec tests: extract tables from rows, codes that belong to one rule only, every
statement run on an engine, and the per-patient Python path (the specification) over the same rows."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from functools import cache

import pyarrow as pa

from tandem.population import analyse, rules, schema
from tandem.population.arrow import arrow_schema
from tandem.population.engines import Engine, normalise
from tandem.registers.rules import compiled, risk
from tandem.registers.rules.registers import (
    ConditionRecord,
    PatientFacts,
    evaluate,
    register_rules,
    rule_for,
)
from tandem.terminology import codelists

AS_OF = dt.date(2026, 6, 15)
YEAR = 2025


@cache
def _claimed() -> dict[str, int]:
    """How many rule lists (register diagnosis, resolution and marker lists; feature lists) hold each code."""
    counts: dict[str, int] = defaultdict(int)
    for rule in register_rules():
        for code in rule.diagnosis_codes | rule.resolution_codes:
            counts[code] += 1
    for slug in risk.feature_slugs():
        for code in codelists.get(slug).codes:
            counts[code] += 1
    return counts


def only(slug: str, role: str = "d", n: int = 0) -> str:
    """The n-th code that diagnoses (role "d"), resolves ("r") or marks ("m") one register and nothing else (a
    feature slug with role "f")."""
    if role == "f":
        codes = codelists.get(slug).codes
    else:
        rule = rule_for(slug)
        codes = {"d": rule.diagnosis_codes - rule.marker_codes, "r": rule.resolution_codes,
                 "m": rule.marker_codes}[role]
    split = {"diabetes_type1", "diabetes_type2"}
    mine = sorted(c for c in codes if _claimed()[c] == (2 if slug in split and role != "f" else 1))
    return mine[n]


def medicine(group: str) -> str:
    return sorted(codelists.get(group).codes)[0]


DEFAULTS = {
    "patient": {"sex": "female", "imd_decile": None, "ethnicity": "", "registered": True, "has_carer": False},
    "condition": {"resolved_date": None},
    "medication": {"dmd_code": "", "active": True, "regular": True, "end_date": None},
    "appointment": {"home_visit": False},
    "hospital_event": {"fall": False},
    "observation": {},
    "personal_target": {"upper": None, "lower": None, "ended_on": None},
    "care_event": {"review_year": None, "on_date": None},
}


def tables(rows: dict[str, list[dict]]) -> dict[str, pa.Table]:
    """Arrow tables of every extract table (empty where `rows` has none) from dicts, defaults filled in."""
    out = {}
    for name in schema.TABLE_NAMES:
        sch = arrow_schema(name)
        full = [{**DEFAULTS[name], **r} for r in rows.get(name, [])]
        out[name] = pa.Table.from_pylist(full, schema=sch)
    return out


def run(engine: Engine, data: dict[str, pa.Table], *, as_of: dt.date = AS_OF, year: int = YEAR
        ) -> dict[str, list[dict]]:
    """Every statement on `engine` over `data`: each result's rows as dicts of normalised values."""
    engine.load_tables(data)
    engine.load_tables(analyse.rule_tables())
    d = engine.dialect
    out = {}
    for st in rules.statements(d, as_of=as_of, year=year):
        engine.execute(d.create_table_as(st.name, st.sql))
        names = COLUMNS[st.name]
        out[st.name] = sorted(({k: normalise(v) for k, v in zip(names, row, strict=True)}
                               for row in engine.rows(f"SELECT {', '.join(names)} FROM {st.name}")), key=_key)
    return out


def _key(row: dict) -> str:
    return repr([(k, row[k]) for k in sorted(row)])


COLUMNS = {
    "register_member": ("practice", "person", "register", "since"),
    "risk_tier": compiled.TIER_COLUMNS,
    "funnel": ("practice", "step", "people"),
    "outcome_cohort": ("practice", "person", "cohort", "start_on"),
    "outcome_person": rules.OUTCOME_PERSON_COLUMNS,
    "outcome_summary": rules.OUTCOME_SUMMARY_COLUMNS,
}


# --- The per-patient path over the same rows ------------------------------------------------------------------


def python_answers(data: dict[str, pa.Table], *, as_of: dt.date = AS_OF) -> tuple[list[dict], list[dict]]:
    """register_member and risk_tier rows as the per-patient rules give them (registers.evaluate, risk.summarise,
    risk.assess, risk.place) for every person in `data`."""
    by_person: dict[tuple, dict[str, list]] = defaultdict(lambda: defaultdict(list))
    for name in ("condition", "medication", "appointment", "hospital_event", "observation"):
        for r in data[name].to_pylist():
            by_person[(r["practice"], r["person"])][name].append(r)
    members, tiers = [], []
    for p in data["patient"].to_pylist():
        rows = by_person[(p["practice"], p["person"])]
        conditions = tuple(ConditionRecord(r["code"], r["onset_date"], r["resolved_date"]) for r in rows["condition"])
        registers = evaluate(PatientFacts(p["birth_date"], p["registered"], conditions), as_of)
        members += [{"practice": p["practice"], "person": p["person"], "register": slug, "since": since.isoformat()}
                    for slug, since in registers.items()]
        if not registers:
            continue
        record = risk.PatientRecord(
            date_of_birth=p["birth_date"], registered=p["registered"], conditions=conditions,
            medicines=tuple(risk.MedicineRecord(r["active"], r["regular"], r["start_date"], r["end_date"],
                                                r["dmd_code"]) for r in rows["medication"]),
            encounters=tuple(risk.EncounterRecord(r["on_date"], "attended", "home_visit" if r["home_visit"]
                                                  else "face_to_face") for r in rows["appointment"]),
            hospital=tuple(risk.HospitalRecord(r["kind"], r["start_date"], "fall" if r["fall"] else "")
                           for r in rows["hospital_event"]),
            observations=tuple(risk.ObservationRecord(r["concept"], r["on_date"], r["value"])
                               for r in rows["observation"]),
            has_carer=p["has_carer"])
        factors = risk.assess(risk.summarise(record, registers, as_of), as_of)
        placement = risk.place(factors, risk.Thresholds())
        tiers.append({"practice": p["practice"], "person": p["person"], "tier": placement.tier,
                      "ltc_count": factors.ltc_count, "cms_hundredths": round(factors.cms * 100),
                      "deficits": len(factors.deficits), "frailty": factors.frailty,
                      "regular_medicines": factors.regular_medicines,
                      "emergency_admissions": factors.emergency_admissions, "ae_attendances": factors.ae_attendances,
                      "appointments": factors.appointments, "age": factors.age})
    return sorted(members, key=_key), sorted(tiers, key=_key)
