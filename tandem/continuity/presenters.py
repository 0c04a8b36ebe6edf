"""Shape the practice's continuity figures for the page: decided text, no sums in the template."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .queries import Group, PracticeContinuity


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
