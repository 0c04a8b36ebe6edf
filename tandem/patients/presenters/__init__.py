"""Shape the patient record for the staff pages.

Presenters turn rows into plain, already-decided values (text, dates, tags), so the
templates only lay them out: no queries and no clinical decisions in templates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..facts import RecordFacts
from ..queries import SearchResults, SummaryRecord
from ..rules import TARGET_REGISTERS, TargetInputs
from .base import (
    CONTACT_MONTHS,
    POLYPHARMACY_THRESHOLD,
    TREND_YEARS,
    Banner,
    Tag,
    banner,
    contacts_since,
    month_year,
    named_clinician_text,
    observations_since,
    role_label,
    years_before,
)
from .condition_groups import (
    ConditionGroup,
    Conditions,
    OtherProblem,
    conditions,
    ltc_slugs_for_codes,
)
from .contact_history import ContactRow, Contacts, HospitalRow, contacts
from .medicine_lists import MedicineRow, Medicines, medicines
from .people import About, Person, about
from .result_rows import Reading, ResultRow, results

__all__ = [
    "CONTACT_MONTHS", "POLYPHARMACY_THRESHOLD", "TARGET_REGISTERS", "TREND_YEARS", "About", "Banner",
    "ConditionGroup", "Conditions", "ContactRow", "Contacts", "HospitalRow", "MedicineRow", "Medicines",
    "OtherProblem", "Person", "Reading", "ResultRow", "SearchPage", "SearchRow", "Summary", "Tag", "about",
    "banner", "conditions", "contacts", "contacts_since", "ltc_slugs_for_codes", "medicines", "month_year",
    "named_clinician_text",
    "observations_since", "results", "role_label", "search_page", "summary", "years_before",
]


# --- Search results -------------------------------------------------------------------


@dataclass(frozen=True)
class SearchRow:
    banner: Banner
    postcode: str
    conditions: int | None  # None for roles without clinical access: how many is clinical detail


@dataclass(frozen=True)
class SearchPage:
    text: str
    error: str
    rows: tuple[SearchRow, ...]
    more: bool
    searched: bool
    limit: int
    clinical: bool = False  # shows clinical detail (how many long-term conditions)


def search_page(text: str, results: SearchResults | None, *, today: dt.date, limit: int,
                clinical: bool) -> SearchPage:
    """The search page. `clinical`: the viewer's role has clinical access; without it the rows hold
    no clinical detail (an administrator sees who the person is, not how many conditions they have)."""
    if results is None:
        return SearchPage(text=text, error="", rows=(), more=False, searched=False, limit=limit, clinical=clinical)
    rows = tuple(
        SearchRow(banner=banner(p, today=today), postcode=p.postcode,
                  conditions=len(ltc_slugs_for_codes(results.condition_codes.get(p.pk, ()))) if clinical else None)
        for p in results.patients
    )
    return SearchPage(text=text, error=results.search.error, rows=rows, more=results.more,
                      searched=results.search.runnable, limit=limit, clinical=clinical)


# --- The whole page ---------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    banner: Banner
    about: About
    conditions: Conditions
    results: tuple[ResultRow, ...]
    medicines: Medicines
    contacts: Contacts | None  # None where a page does not show them
    trend_years: int = TREND_YEARS
    contact_months: int = CONTACT_MONTHS


def summary(record: SummaryRecord, *, today: dt.date, facts: RecordFacts | None = None,
            with_contacts: bool = True) -> Summary:
    """The summary page. `facts` (tandem.patients.facts, from the register rules) decide which
    conditions are current, since when, and which targets apply, as on every other screen. Without
    `with_contacts` (a page that does not show appointments and hospital events), they are not worked out."""
    patient = record.patient
    top = banner(patient, today=today, named_clinician_role=record.named_clinician_role)
    grouped = conditions(record.conditions, episodes=facts.episodes if facts is not None else None)
    ltcs = {g.slug for g in grouped.current}
    if facts is not None:
        inputs = facts.target_inputs(date_of_birth=patient.date_of_birth, on=today,
                                     personal=record.personal_targets)
    else:
        inputs = TargetInputs.of(age=top.age, registers=ltcs, personal=record.personal_targets)
    return Summary(
        banner=top,
        about=about(patient, named_clinician_role=record.named_clinician_role),
        conditions=grouped,
        results=results(record.observations, today=today, inputs=inputs),
        medicines=medicines(record.medications, ltcs=ltcs, today=today),
        contacts=contacts(record.encounters, record.hospital_events, today=today) if with_contacts else None,
    )
