"""The bulk path: the register and risk-tier rules compiled for Tandem's own tables and run set-based for a
whole practice.

The statements come from `rules.compiled` (the same compiler the population engines use) with the database's
dialect and the app's layout. Values are literals in the text, so each statement is executed without parameters
(`None`): the text can be read (and shown) as it runs, and a `%` in it is never a placeholder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection

from tandem.core.dialects import Dialect
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

from .models import RegisterMembership
from .rules import compiled
from .rules.registers import RegisterRule

T_CONDITION = Condition._meta.db_table
T_PATIENT = Patient._meta.db_table
T_MEMBERSHIP = RegisterMembership._meta.db_table
T_MEDICATION = Medication._meta.db_table
T_ENCOUNTER = Encounter._meta.db_table
T_HOSPITAL = HospitalEvent._meta.db_table
T_OBSERVATION = Observation._meta.db_table
T_RELATED = RelatedPerson._meta.db_table
REGISTERED = RegistrationStatus.REGISTERED.value


def dialect() -> Dialect:
    return Dialect(connection.vendor)


def source(d: Dialect | None = None) -> compiled.Source:
    """Tandem's own tables as the compiled rules read them."""
    d = d or dialect()
    return compiled.app_source(d, patient=T_PATIENT, condition=T_CONDITION, medication=T_MEDICATION,
                               encounter=T_ENCOUNTER, hospital=T_HOSPITAL, observation=T_OBSERVATION,
                               related=T_RELATED, registered_value=REGISTERED)


def _scope(practice_id: int | None) -> compiled.Scope:
    return compiled.Scope(int(practice_id)) if practice_id is not None else compiled.EVERYONE


def memberships_select(*, today: dt.date, rules: Iterable[RegisterRule] | None = None,
                       practice_id: int | None = None) -> tuple[str, None]:
    """SELECT practice, person, register, since for everyone on a register today (`compiled.memberships`)."""
    d = dialect()
    return compiled.memberships(d, source(d), today=today, scope=_scope(practice_id), rules=rules), None


def memberships_insert(*, practice_id: int, today: dt.date) -> tuple[str, None]:
    select, _ = memberships_select(today=today, practice_id=practice_id)
    return (f"INSERT INTO {T_MEMBERSHIP} (practice_id, patient_id, register, since)\n"
            f"SELECT practice, person, register, since FROM ({select}\n) AS m"), None


def features_select(*, practice_id: int, today: dt.date) -> tuple[str, None]:
    """(person, feature) for each feature codelist of which a patient of the practice has a code by today."""
    d = dialect()
    inner = compiled.features(d, source(d), today=today, scope=_scope(practice_id))
    return f"SELECT person, feature FROM ({inner}\n) AS f", None


def medicine_issues_select(*, practice_id: int, today: dt.date) -> tuple[str, None]:
    """(person, group, issues) for each medicine group with prescriptions in the last 12 months."""
    d = dialect()
    inner = compiled.medicine_issues(d, source(d), today=today, scope=_scope(practice_id))
    return f"SELECT person, grp, n FROM ({inner}\n) AS i", None


def risk_inputs_select(*, practice_id: int, today: dt.date) -> tuple[str, None]:
    """One row per registered patient of the practice: (person, date_of_birth, regular_medicines,
    emergency_admissions, ae_attendances, appointments, home_visits, falls, breathless, underweight, has_carer)."""
    d = dialect()
    inner = compiled.risk_inputs(d, source(d), today=today, scope=_scope(practice_id))
    columns = ", ".join(compiled.RISK_INPUT_COLUMNS[1:])
    return f"SELECT {columns} FROM ({inner}\n) AS r", None
