"""Registered tasks: a kind (a name stored on the Job row) and the function that does the work.

    from tandem.jobs.registry import task

    @task("recall.send_invitations", title="Send this month's invitations", atomic=False)
    def send_invitations(job, progress):
        ...
        progress(done, total)

A task is `fn(job, progress)`: `job.params` holds its JSON keyword arguments, `job.practice` and
`job.created_by` say where and for whom it runs (pass `by=job.created_by` to the actions it calls, so
the audit log names the person who asked). `progress(done, total=None, message="")` records how far it
has got; `message` is shown to staff and must carry counts only, never names or NHS numbers.

Transactions:
- `atomic=True` (the default): the whole task runs in one transaction. If it raises, every write it
  made is rolled back and the job is marked failed. Its progress is seen by others only when it ends,
  so use this for short tasks.
- `atomic=False`: for long tasks that work in chunks. Each action the task calls commits on its own
  (actions are atomic), and each `progress()` call commits at once so the progress bar moves. If the
  task raises, the chunk in progress is rolled back by its action's transaction, and the chunks already
  done stay done; the actions must be idempotent so that running the job again resumes, not repeats
  (ADR 0006). Sending messages (`messaging.actions.dispatch_pending`) only works from such a task.

`daily=True` runs the task once a day for every practice without anyone asking: the worker queues it
(created by nobody) the first time it turns on a new day, under a key naming the kind and the day, so
several workers, or a restarted one, queue it once. Such a task must be safe to run again.

Raise `JobError("...")` to stop with a message for staff; any other exception is recorded by its type
and code location only (its text may hold identifiers).

`needs=Capability.X` says what a person must be allowed to do to start this kind of job, and so to try
it again when it fails: the same right as the page that asks for it. A task that does not say is the
practice manager's alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tandem.core.rules import Capability

Progress = Callable[..., None]
TaskFunction = Callable[[Any, Progress], Any]


class JobError(Exception):
    """Stop the job with a message staff can read. The message must not contain identifiers."""


class UnknownTask(LookupError):
    pass


@dataclass(frozen=True)
class Task:
    kind: str
    fn: TaskFunction
    title: str
    atomic: bool
    needs: Capability | None = None
    daily: bool = False


_TASKS: dict[str, Task] = {}


def register(kind: str, fn: TaskFunction, *, title: str = "", atomic: bool = True,
             needs: Capability | None = None, daily: bool = False) -> Task:
    existing = _TASKS.get(kind)
    if existing is not None and _qualname(existing.fn) != _qualname(fn):
        raise ValueError(f"Two tasks are registered as {kind!r}: {_qualname(existing.fn)} and {_qualname(fn)}")
    entry = Task(kind=kind, fn=fn, title=title or kind, atomic=atomic, needs=needs, daily=daily)
    _TASKS[kind] = entry
    return entry


def unregister(kind: str) -> None:
    _TASKS.pop(kind, None)


def task(kind: str, *, title: str = "", atomic: bool = True,
         needs: Capability | None = None, daily: bool = False) -> Callable[[TaskFunction], TaskFunction]:
    """Register `fn(job, progress)` under `kind`; `needs`: the right to start (and retry) it; `daily`:
    run it every day for every practice."""

    def decorator(fn: TaskFunction) -> TaskFunction:
        register(kind, fn, title=title, atomic=atomic, needs=needs, daily=daily)
        return fn

    return decorator


def get(kind: str) -> Task:
    try:
        return _TASKS[kind]
    except KeyError:
        raise UnknownTask(f"No task is registered as {kind!r}") from None


def title(kind: str) -> str:
    entry = _TASKS.get(kind)
    return entry.title if entry else kind


def needed_to_start(kind: str) -> Capability:
    """What a person must be allowed to do to start, or try again, a job of this kind. A kind that
    declares nothing (or is no longer registered) is the practice manager's alone."""
    entry = _TASKS.get(kind)
    return entry.needs if entry is not None and entry.needs is not None else Capability.MANAGE_PRACTICE


def kinds() -> list[str]:
    return sorted(_TASKS)


def daily_kinds() -> list[str]:
    return sorted(kind for kind, entry in _TASKS.items() if entry.daily)


def _qualname(fn: Callable) -> str:
    return f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', repr(fn))}"
