"""Long-term conditions: coded diagnoses grouped by condition, as QOF registers group them."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from tandem.terminology import codelists

from ..models import Condition


@cache
def _resolution_index() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = defaultdict(list)
    for codelist in codelists.resolution_codelists().values():
        for code in codelist.codes:
            index[code].extend(codelist.resolves)
    return {code: tuple(slugs) for code, slugs in index.items()}


def ltc_slugs_for_codes(codes) -> set[str]:
    return {slug for code in codes for slug in codelists.conditions_for_code(code)}


@dataclass(frozen=True)
class ConditionGroup:
    slug: str
    name: str
    terms: tuple[str, ...]  # the coded terms, earliest first
    since: dt.date
    resolved_on: dt.date | None = None


@dataclass(frozen=True)
class OtherProblem:
    term: str
    since: dt.date
    resolved_on: dt.date | None = None


@dataclass(frozen=True)
class Conditions:
    current: tuple[ConditionGroup, ...]
    resolved: tuple[ConditionGroup, ...]
    other: tuple[OtherProblem, ...]
    other_resolved: tuple[OtherProblem, ...]

    @property
    def count(self) -> int:
        return len(self.current)


def conditions(rows: list[Condition], *, episodes: Mapping[str, dt.date] | None = None) -> Conditions:
    """Group coded conditions by long-term condition, as QOF registers do.

    `episodes` is the register rule's answer (`tandem.patients.facts.RecordFacts.episodes`): the
    start of each condition's current episode. With it, a condition is current exactly when it has
    a current episode, and "since" is that episode's start (someone coded with diabetes in 2010,
    resolved in 2015 and coded again in 2020 has had it since 2020), the same date every screen
    shows. Without it (pure tests), a condition is resolved when every diagnosis row has a resolved
    date, or when a "resolved" code (e.g. hypertension resolved) is dated on or after its latest
    diagnosis, and "since" is its earliest code.
    """
    by_slug: dict[str, list[Condition]] = defaultdict(list)
    resolution_dates: dict[str, dt.date] = {}
    other: list[Condition] = []
    for row in rows:
        slugs = codelists.conditions_for_code(row.code)
        for slug in slugs:
            by_slug[slug].append(row)
        resolves = _resolution_index().get(row.code, ())
        for slug in resolves:
            resolution_dates[slug] = max(resolution_dates.get(slug, row.onset_date), row.onset_date)
        if not slugs and not resolves:
            other.append(row)
    current, resolved = [], []
    for slug in codelists.LTC_SLUGS:
        group_rows = by_slug.get(slug)
        if not group_rows:
            continue
        terms = tuple(dict.fromkeys(r.term for r in group_rows))
        since = min(r.onset_date for r in group_rows)
        latest = max(r.onset_date for r in group_rows)
        resolved_on = None
        if all(r.resolved_date for r in group_rows):
            resolved_on = max(r.resolved_date for r in group_rows)
        if slug in resolution_dates and resolution_dates[slug] >= latest:
            resolved_on = max(resolved_on or resolution_dates[slug], resolution_dates[slug])
        if episodes is not None:
            if slug in episodes:
                since, resolved_on = episodes[slug], None
            elif resolved_on is None:
                resolved_on = max([r.resolved_date for r in group_rows if r.resolved_date]
                                  + [resolution_dates.get(slug, latest)])
        group = ConditionGroup(slug=slug, name=codelists.display_name(slug), terms=terms, since=since,
                               resolved_on=resolved_on)
        (resolved if resolved_on else current).append(group)
    problems = [OtherProblem(term=r.term, since=r.onset_date, resolved_on=r.resolved_date) for r in other]
    return Conditions(
        current=tuple(current), resolved=tuple(resolved),
        other=tuple(p for p in problems if not p.resolved_on),
        other_resolved=tuple(p for p in problems if p.resolved_on),
    )
