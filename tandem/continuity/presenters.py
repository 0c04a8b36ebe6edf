"""Shape the practice's continuity figures for the page: decided text, no sums in the template."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse

from tandem.patients.rules import format_nhs_number
from tandem.terminology import codelists

from . import rules
from .queries import Group, Person, PracticeContinuity, Unnamed, window_start


def index(value: float | None) -> str:
    """An index to two decimal places, as the published figures are given; a dash when there is none."""
    return "–" if value is None else f"{value:.2f}"


def share(part: int, whole: int) -> str:
    return "–" if not whole else f"{round(100 * part / whole)}%"


def day(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


@dataclass(frozen=True)
class Row:
    label: str
    people: str
    too_few: str
    upc: str
    coc: str
    secon: str


@dataclass(frozen=True)
class Page:
    since: str
    today: str
    contacts: str
    rows: tuple[Row, ...]
    named_people: str
    named_contacts: str
    named_with: str
    named_share: str
    has_named: bool
    empty: bool


def _row(group: Group) -> Row:
    return Row(label=group.label, people=f"{group.people:,}", too_few=f"{group.too_few:,}", upc=index(group.upc),
               coc=index(group.coc), secon=index(group.secon))


def page(figures: PracticeContinuity) -> Page:
    named = figures.named
    return Page(
        since=day(figures.since), today=day(figures.today), contacts=f"{figures.contacts:,}",
        rows=tuple(_row(g) for g in (figures.everyone, figures.with_plan, figures.without_plan)),
        named_people=f"{named.people:,}", named_contacts=f"{named.contacts:,}", named_with=f"{named.with_named:,}",
        named_share=share(named.with_named, named.contacts), has_named=named.contacts > 0, empty=figures.everyone.people == 0,
    )


# --- One person (the summary page's panel) ------------------------------------------------------


def _of(part: int, whole: int) -> str:
    return f"{part} of {whole}"


@dataclass(frozen=True)
class PersonPanel:
    since: str
    registered: bool
    contacts: int
    contacts_text: str  # "6 contacts that count"
    calculable: bool
    not_calculable: str  # why not, when it is not
    upc: str  # "Saw the same clinician at 4 of 6 contacts"
    upc_value: str  # "0.67"
    coc: str
    coc_value: str
    secon: str
    secon_value: str
    named: str  # "2 of 6 contacts were with their named clinician", or why not


def person(found: Person | None, *, today: dt.date, registered: bool, has_named: bool) -> PersonPanel:
    """One person's continuity, in words. `found`: their contacts that count (None: none)."""
    found = found or Person()
    n = found.contacts
    indices = found.indices
    calculable = n >= rules.MIN_CONTACTS
    if not registered:
        why = "Not calculable: continuity is worked out for people registered here."
    else:
        why = (f"Not calculable with fewer than {rules.MIN_CONTACTS} contacts "
               f"({'no contacts' if n == 0 else '1 contact'} in the last 2 years).")
    if not has_named:
        named = "They have no named clinician."
    elif n == 0:
        named = "No contacts to count with their named clinician."
    else:
        named = f"{_of(found.with_named, n)} {'contact was' if n == 1 else 'contacts were'} with their named clinician."
    return PersonPanel(
        since=day(window_start(today)), registered=registered, contacts=n,
        contacts_text=f"{n} {'contact' if n == 1 else 'contacts'}",
        calculable=calculable, not_calculable="" if calculable else why,
        upc=f"Saw the same clinician at {_of(found.largest, n)} contacts.",
        upc_value=index(indices.upc),
        coc="How much their contacts stayed with the same few clinicians: 1 when all were with one, "
            "0 when each was with a different one.",
        coc_value=index(indices.coc),
        secon=f"Saw the same clinician as the time before at {_of(found.same_as_previous, n - 1)} follow-on contacts."
        if calculable else "",
        secon_value=index(indices.secon),
        named=named,
    )


@dataclass(frozen=True)
class NamedRow:
    """One of the people whose named clinician the reader is, on the home page."""

    name: str
    born: str
    url: str
    overdue: str  # "Care plan review overdue since 3 May 2026", or ""


# --- People on a register without a named clinician -----------------------------------------------


@dataclass(frozen=True)
class UnnamedRow:
    name: str
    nhs_number: str
    born: str
    registers: str  # "Asthma, Type 2 diabetes"
    choose_url: str


@dataclass(frozen=True)
class UnnamedPage:
    total: int
    total_text: str
    rows: tuple[UnnamedRow, ...]
    page: int
    pages: int
    previous_url: str
    next_url: str


def without_named(total: int, rows: list[Unnamed], *, page: int, page_size: int, back: str) -> UnnamedPage:
    pages = max(1, -(-total // page_size))
    here = reverse("continuity:without_named")
    shown = tuple(UnnamedRow(
        name=r.name, nhs_number=format_nhs_number(r.nhs_number), born=day(r.date_of_birth),
        registers=", ".join(_register_name(slug) for slug in r.registers),
        choose_url=f"{reverse('patients:named_clinician', args=[r.patient_id])}?{urlencode({'back': back})}")
        for r in rows)
    return UnnamedPage(
        total=total, total_text=f"{total:,} {'person' if total == 1 else 'people'}", rows=shown, page=page,
        pages=pages, previous_url=f"{here}?page={page - 1}" if 1 < page <= pages else "",
        next_url=f"{here}?page={page + 1}" if page < pages else "")


def _register_name(slug: str) -> str:
    try:
        return codelists.display_name(slug)
    except KeyError:
        return slug.replace("_", " ").capitalize()
