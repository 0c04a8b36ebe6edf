"""What the layers above care plans do with them, without care plans importing them
(tandem.checkins registers both when the app is ready):

- `on_saved(listener)`: `listener(version=, plan=, by=, today=, historical=)` runs inside the
  transaction that saves a plan version (the check-ins agreed in it are scheduled with it; an error
  rolls the save back).
- `progress_with(provider)`: `provider(practice_id, patient_id) -> {goal id: [Rated, ...]}` oldest
  first: how each goal has gone, for the plan's pages.
- `outside_team_with(provider)`: `provider(practice_id, patient_id) -> [OutsideMember, ...]`: the person's care
  team outside the practice now (tandem.careteam), for the plan's FHIR document.
- `task_link_with(prefix, link)`: for a task raised by a layer above (its `referral_id` starts with `prefix`),
  `link(task) -> (href, text)`: where on that layer's pages the task is done (tandem.careteam: reviewing an
  addition to the plan from the care team).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

_listeners: list[Callable[..., None]] = []
_progress: list[Callable[[int, int], dict[str, list[Rated]]]] = []
_task_links: dict[str, Callable[[object], tuple[str, str]]] = {}
_outside_team: list[Callable[[int, int], list]] = []


@dataclass(frozen=True)
class Rated:
    on: dt.date
    level: int  # Goal Attainment Scaling, -2..+2
    source: str  # "Check-in", "Review"


def on_saved(listener: Callable[..., None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def saved(**kwargs) -> None:
    for listener in _listeners:
        listener(**kwargs)


def progress_with(provider: Callable[[int, int], dict[str, list[Rated]]]) -> None:
    if provider not in _progress:
        _progress.append(provider)


def progress(practice_id: int, patient_id: int) -> dict[str, list[Rated]]:
    out: dict[str, list[Rated]] = {}
    for provider in _progress:
        for goal_id, rows in provider(practice_id, patient_id).items():
            out.setdefault(goal_id, []).extend(rows)
    return {goal_id: sorted(rows, key=lambda r: r.on) for goal_id, rows in out.items()}


def task_link_with(prefix: str, link: Callable[[object], tuple[str, str]]) -> None:
    _task_links[prefix] = link


def task_link(task) -> tuple[str, str] | None:
    """(href, text) of the page where this task is done, when a layer above raised it."""
    for prefix, link in _task_links.items():
        if task.referral_id.startswith(prefix) and task.referral_id[len(prefix):].isdigit():
            return link(task)
    return None


def outside_team_with(provider: Callable[[int, int], list]) -> None:
    if provider not in _outside_team:
        _outside_team.append(provider)


def outside_team(practice_id: int, patient_id: int) -> list:
    return [member for provider in _outside_team for member in provider(practice_id, patient_id)]
