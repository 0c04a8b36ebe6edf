"""What every presenter shares: time windows, tags, labels and the patient banner."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tandem.core.rules import ROLE_LABELS, Role

from ..models import Patient, RegistrationStatus
from ..rules import age_on, format_nhs_number

TREND_YEARS = 5
CONTACT_MONTHS = 12
# NICE NG56 (Multimorbidity: clinical assessment and management, 2016), section 1.3: consider
# an approach to care that takes account of multimorbidity for adults prescribed 15 or more
# regular medicines, and for 10 to 14 where they are also at higher risk of adverse events.
# The summary flags from 10 so the conversation can start; the clinician judges the risk.
POLYPHARMACY_THRESHOLD = 10


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def contacts_since(today: dt.date) -> dt.date:
    return years_before(today, 1) + dt.timedelta(days=1)


def observations_since(today: dt.date) -> dt.date:
    return years_before(today, TREND_YEARS)


def month_year(day: dt.date) -> str:
    return f"{day.strftime('%b')} {day.year}"


@dataclass(frozen=True)
class Tag:
    text: str
    colour: str = ""  # NHS.UK tag modifier: green, red, orange, grey, blue, ...


def role_label(role: str) -> str:
    try:
        return ROLE_LABELS[Role(role)]
    except ValueError:
        return role


# --- Patient banner ---------------------------------------------------------------------


@dataclass(frozen=True)
class Banner:
    pk: int
    name: str
    nhs_number: str
    date_of_birth: dt.date
    age: int
    sex: str
    address: str
    status: Tag | None  # shown only when the person is no longer registered
    # "Nia Evans, Practice nurse"; "" when they have none; None when the page did not read it (a list of
    # people, where the banner is only their name and numbers), so it is not shown rather than guessed.
    named_clinician: str | None = None


def named_clinician_text(patient: Patient, *, role: str | None = None) -> str | None:
    """The person's named clinician as the banner says it, from what the page's query loaded: the
    clinician (select_related) and their role here (`role`, or the `named_clinician_role` annotation of
    tandem.patients.queries.with_named_clinician). Never a query of its own: None when not loaded."""
    if patient.named_clinician_id is None:
        return ""
    if not Patient.named_clinician.is_cached(patient):
        return None
    clinician = patient.named_clinician
    if clinician is None:
        return ""
    role = role if role is not None else getattr(patient, "named_clinician_role", None)
    if role is None:
        return clinician.display_name
    return f"{clinician.display_name}, {role_label(role)}" if role else f"{clinician.display_name} (no longer works here)"


def banner(patient: Patient, *, today: dt.date, named_clinician_role: str | None = None) -> Banner:
    """The patient banner. `named_clinician_role`: the named clinician's role here when the caller read
    it some other way than the annotation ("" when they no longer work here)."""
    status = None
    if patient.registration_status == RegistrationStatus.DECEASED:
        status = Tag("Deceased", "grey")
    elif patient.registration_status == RegistrationStatus.LEFT:
        status = Tag("Left the practice", "grey")
    return Banner(
        pk=patient.pk, name=patient.full_name, nhs_number=format_nhs_number(patient.nhs_number),
        date_of_birth=patient.date_of_birth, age=age_on(patient.date_of_birth, patient.date_of_death or today),
        sex=patient.get_sex_display(), address=patient.address, status=status,
        named_clinician=named_clinician_text(patient, role=named_clinician_role),
    )
