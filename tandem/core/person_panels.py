"""Panels on a person's summary page from the layers above tandem.patients, without the summary importing
them (as tandem.core.home does for the home page). Each app registers a provider in its AppConfig.ready
(tandem.continuity: how often the person saw the same clinician); the summary asks each in turn, in
`order`, and shows the panels they answer with.

A provider answers for one person of one practice, on one day, for the signed-in reader: a Panel, or
None (nothing to show them). The summary page has already audited the person as viewed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Asking:
    """About whom: the practice, the person (a Patient, with their named clinician loaded), the reader's
    roles there (Role values), and today."""

    practice: Any
    patient: Any
    roles: frozenset[str]
    today: dt.date


@dataclass(frozen=True)
class Panel:
    """One panel: its partial template (in the providing app's templates) with the values it shows."""

    order: int
    template: str
    context: dict = field(default_factory=dict)


Provider = Callable[[Asking], Panel | None]
_providers: list[Provider] = []


def provide_with(provider: Provider) -> None:
    """Register a provider of a summary panel (once, however often an app is made ready)."""
    if provider not in _providers:
        _providers.append(provider)


def panels(asking: Asking) -> list[Panel]:
    """Every provider's panel for this person, in order."""
    found = [panel for panel in (provider(asking) for provider in _providers) if panel is not None]
    return sorted(found, key=lambda p: p.order)
