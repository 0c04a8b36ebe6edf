"""The home page is the signed-in person's work: what the layers above tell it, without the home page
importing them. Each app registers a provider in its AppConfig.ready (tandem.booking: today's clinic;
tandem.careplans: tasks for them and their role); the home page asks each in turn, in `order`.

A provider answers for one person at one practice on one day with a Block (or None: nothing to show
them), and names the people it shows so the home page audits them in one write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Asking:
    """Whose work: the practice, the signed-in user, their roles there (Role values), and today."""

    practice: Any
    user: Any
    roles: frozenset[str]
    today: dt.date


@dataclass(frozen=True)
class Block:
    """One part of the home page: its partial template (in the providing app's templates) with the
    values it shows, and the patients it names (audited as viewed)."""

    order: int
    template: str
    context: dict = field(default_factory=dict)
    patient_ids: tuple[int, ...] = ()


Provider = Callable[[Asking], Block | None]
_providers: list[Provider] = []


def provide_with(provider: Provider) -> None:
    """Register a provider of a home page block (once, however often an app is made ready)."""
    if provider not in _providers:
        _providers.append(provider)


def blocks(asking: Asking) -> list[Block]:
    """Every provider's block for this person, in order."""
    found = [block for block in (provider(asking) for provider in _providers) if block is not None]
    return sorted(found, key=lambda b: b.order)


def patient_ids(found: Iterable[Block]) -> list[int]:
    return list(dict.fromkeys(pk for block in found for pk in block.patient_ids))
