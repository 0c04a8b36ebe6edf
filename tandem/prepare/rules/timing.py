"""When a pack goes out. Pure: no Django.

A practice chooses a window before the conversation (default: 14 to 7 days before). A pack whose
results are in goes out as soon as its window opens. One whose results come late still goes out
after the window closes, up to the day before the conversation, marked late, so the person still
has it; on the day itself, or after, nothing is sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class When(StrEnum):
    TOO_EARLY = "too_early"
    DUE = "due"
    LATE = "late"
    PAST = "past"


WHEN_LABELS = {
    When.TOO_EARLY: "Not due yet",
    When.DUE: "Due to go now",
    When.LATE: "Late: send now",
    When.PAST: "Too late to send",
}


@dataclass(frozen=True)
class Window:
    conversation_on: dt.date
    opens: dt.date
    closes: dt.date

    def when(self, today: dt.date) -> When:
        if today >= self.conversation_on:
            return When.PAST
        if today < self.opens:
            return When.TOO_EARLY
        if today <= self.closes:
            return When.DUE
        return When.LATE

    def sendable(self, today: dt.date) -> bool:
        return self.when(today) in (When.DUE, When.LATE)


class WindowError(ValueError):
    pass


def check(earliest: int, latest: int) -> None:
    if not 1 <= latest <= earliest <= 42:
        raise WindowError("Packs go out between 1 and 42 days before the conversation, and the earliest day "
                          "must be at least as many days before as the latest.")


def window(conversation_on: dt.date, *, earliest: int = 14, latest: int = 7) -> Window:
    return Window(conversation_on=conversation_on, opens=conversation_on - dt.timedelta(days=earliest),
                  closes=conversation_on - dt.timedelta(days=latest))
