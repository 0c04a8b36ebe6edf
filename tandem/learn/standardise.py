"""Indirect age-sex standardisation of practices' counts against their group. Pure: no Django.

Each practice's expected count is what it would have had if its people, stratum by stratum (age band x
sex), had the group's rate in that stratum: expected = sum over strata of (the practice's people in the
stratum x the group's events in the stratum / the group's people in the stratum). The standardised ratio
is observed / expected: 1 is as many as expected for a practice of that age and sex make-up, above 1 more.
The reference is the whole group (every practice compared), so the observed and the expected add up to the
same total across the group.

Source: Eayres D. Technical Briefing 3: Commonly used public health statistics and their confidence
intervals. Association of Public Health Observatories, York, 2008: the indirectly standardised ratio
(observed / expected, expected from the reference population's stratum-specific rates), the method the
Summary Hospital-level Mortality Indicator and CQC's funnel plots use (the "SR" data type of the NHS-R
community's FunnelPlotR, whose documentation was checked; the briefing itself was not). The sums themselves are
tandem.learn.funnel.expected_count and standardised_ratio; the funnel plot of the ratios is
tandem.learn.funnel.funnel(data_type="SR").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from .funnel import expected_count, standardised_ratio

Stratum = Hashable  # e.g. ("60_69", "female")


@dataclass(frozen=True)
class Standardised:
    """One practice's observed count, its people, what was expected of them, and the ratio (None when
    nothing was expected: no one in the group had an event in any stratum the practice has people in)."""

    observed: int
    people: int
    expected: float
    ratio: float | None


def reference_rates(people: Mapping[Hashable, Mapping[Stratum, int]],
                    events: Mapping[Hashable, Mapping[Stratum, int]]) -> dict[Stratum, float]:
    """The group's rate in each stratum: all its practices' events over all their people there. A stratum
    with no people has no rate (nobody there needs one)."""
    population: dict[Stratum, int] = defaultdict(int)
    counted: dict[Stratum, int] = defaultdict(int)
    for by_stratum in people.values():
        for stratum, n in by_stratum.items():
            population[stratum] += n
    for by_stratum in events.values():
        for stratum, n in by_stratum.items():
            counted[stratum] += n
    stray = [s for s, n in counted.items() if n and not population.get(s)]
    if stray:
        raise ValueError(f"events in a stratum with no people: {', '.join(map(str, stray))}")
    return {s: counted.get(s, 0) / n for s, n in population.items() if n}


def standardise(people: Mapping[Hashable, Mapping[Stratum, int]],
                events: Mapping[Hashable, Mapping[Stratum, int]]) -> dict[Hashable, Standardised]:
    """Each practice's (keys of `people`) observed events, expected events and their ratio, the group's
    own stratum rates the reference. `people`: practice -> stratum -> people; `events`: practice ->
    stratum -> events among those people (a practice or stratum with none may be left out)."""
    rates = reference_rates(people, events)
    out = {}
    for unit, by_stratum in people.items():
        observed = sum(events.get(unit, {}).values())
        expected = expected_count(by_stratum, rates)
        out[unit] = Standardised(observed=observed, people=sum(by_stratum.values()), expected=expected,
                                 ratio=standardised_ratio(observed, expected) if expected > 0 else None)
    return out
