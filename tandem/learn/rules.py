"""Who counts in which group, and which small numbers are hidden: Learn's pure rules. No Django.

Small numbers (`suppress`): a count of 1 to 4 is shown as "fewer than 5" (primary suppression), the rule
issue 13 states. A count of 0 is shown.
A count that, with the others in the same row or column and their total, would let a hidden count be worked
out by subtraction is hidden too (secondary suppression): the smallest other count of that group, repeated
until no group has exactly one hidden count. Any figure worked out from a hidden count (a percentage, a rate,
a mean over those people) is hidden with it.

Age bands (`age_band`): under 18, then the bands OpenSAFELY's first population study used for adults: 18 to
39, 40 to 49, 50 to 59, 60 to 69, 70 to 79, 80 and over (Williamson EJ et al. "Factors associated with
COVID-19-related death using OpenSAFELY", Nature 2020;584:430-436, doi:10.1038/s41586-020-2521-4).

IMD quintile (`imd_quintile`): the Index of Multiple Deprivation ranks every small area in England; decile 1
is the most deprived tenth (Ministry of Housing, Communities and Local Government, English Indices of
Deprivation 2019 and 2025, statistical release). Quintile 1 is deciles 1 and 2, ..., quintile 5 is deciles 9
and 10: (decile + 1) // 2.

Ethnicity (`ethnic_group`): the 5 high-level groups of the ONS ethnic group classification for England and
Wales, Census 2021 (ONS, "Ethnic group, national identity, language and religion variables: Census 2021
dictionary", the variable "ethnic group (5 categories)"): White; Mixed or Multiple ethnic groups; Asian, Asian
British or Asian Welsh (which includes Chinese); Black, Black British, Black Welsh, Caribbean or African; Other
ethnic group (which includes Arab). "Not stated" and nothing recorded are reported together as "Not recorded",
never dropped (recording is about 78% complete in primary care: BMC Medicine 2024;22:288).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

SMALL_BELOW = 5  # counts 1 to 4 are hidden
FEWER = "fewer than 5"
HIDDEN = "hidden"  # a figure hidden because it would reveal a small count

SUPPRESSION_RULE = (
    "To protect people's privacy, a count of 1 to 4 people is shown as \u201cfewer than 5\u201d. When a hidden "
    "count could be worked out from the others in the same table and their total, the next smallest count is "
    "hidden as well (shown as \u201chidden\u201d). Percentages, averages and rates worked out from a hidden "
    "count are hidden too."
)


def is_small(count: int) -> bool:
    """A count that is hidden on its own: 1 to 4."""
    return 0 < count < SMALL_BELOW


def suppress(counts: Mapping[Hashable, int], groups: Iterable[tuple[Hashable, Sequence[Hashable]]] = ()
             ) -> frozenset:
    """The keys of `counts` to hide. `groups` are (total key, part keys) with total = sum of parts (a row or
    a column and its total), so that one hidden cell of a group could be worked out from the rest: then the
    smallest other cell of the group is hidden too (a non-zero part first; the total when only zeros are
    left), until no group has exactly one hidden cell."""
    hidden = {key for key, n in counts.items() if is_small(n)}
    groups = [(total, tuple(parts)) for total, parts in groups]
    changed = True
    while changed:
        changed = False
        for total, parts in groups:
            cells = (total, *parts)
            if sum(c in hidden for c in cells) != 1:
                continue
            shown = [c for c in parts if c not in hidden and counts[c] > 0]
            if not shown and total not in hidden:
                shown = [total]
            if not shown:
                continue
            hidden.add(min(shown, key=lambda c: (counts[c], str(c))))
            changed = True
    return frozenset(hidden)


@dataclass(frozen=True)
class Count:
    """A count as a page shows it: its value (None when hidden) and its words."""

    value: int | None
    text: str

    @property
    def hidden(self) -> bool:
        return self.value is None


def shown(count: int, *, hidden: bool = False) -> Count:
    """`count` as shown: "fewer than 5" for 1 to 4, "hidden" when secondary suppression hides it."""
    if is_small(count):
        return Count(None, FEWER)
    if hidden:
        return Count(None, HIDDEN)
    return Count(count, f"{count:,}")


def share_hidden(part: int, whole: int) -> bool:
    """Whether a share part / whole must be hidden: it would reveal a count of 1 to 4 (the part, or the
    rest of the whole), or the whole is itself small."""
    return is_small(part) or is_small(whole - part) or is_small(whole) or whole == 0


# --- Groups people are split by --------------------------------------------------------------------

AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("under_18", 0, 17), ("18_39", 18, 39), ("40_49", 40, 49), ("50_59", 50, 59), ("60_69", 60, 69),
    ("70_79", 70, 79), ("80_plus", 80, None),
)
AGE_LABELS: dict[str, str] = {
    "under_18": "Under 18", "18_39": "18 to 39", "40_49": "40 to 49", "50_59": "50 to 59", "60_69": "60 to 69",
    "70_79": "70 to 79", "80_plus": "80 and over",
}


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def age_band(age: int) -> str:
    for key, low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return key
    return AGE_BANDS[0][0]


def birth_dates_for_band(band: str, on: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """(earliest, latest) date of birth of people in `band` on the day `on` (None: no limit), for a
    database filter that agrees with `age_band(age_on(born, on))`."""
    low, high = next((lo, hi) for key, lo, hi in AGE_BANDS if key == band)

    def years_before(years: int) -> dt.date:
        try:
            return on.replace(year=on.year - years)
        except ValueError:  # 29 February
            return on.replace(year=on.year - years, day=28)

    latest = years_before(low) if low else None
    earliest = years_before(high + 1) + dt.timedelta(days=1) if high is not None else None
    return earliest, latest


QUINTILE_LABELS: dict[int, str] = {1: "1 (most deprived)", 2: "2", 3: "3", 4: "4", 5: "5 (least deprived)"}
NOT_RECORDED = "not_recorded"


def imd_quintile(decile: int | None) -> int | None:
    """IMD quintile (1 most deprived) from the decile (1 most deprived); None when not known."""
    if decile is None or not 1 <= decile <= 10:
        return None
    return (decile + 1) // 2


def deciles_of(quintile: int) -> tuple[int, int]:
    return 2 * quintile - 1, 2 * quintile


# Census 2021 ethnic group codes (tandem.patients.models.Ethnicity) -> the 5 high-level groups.
ETHNIC_GROUPS: dict[str, tuple[str, ...]] = {
    "white": ("A", "B", "T", "R", "C"),
    "mixed": ("D", "E", "F", "G"),
    "asian": ("H", "J", "K", "L", "M"),
    "black": ("N", "P", "S"),
    "other": ("W", "Y"),
}
ETHNIC_LABELS: dict[str, str] = {
    "white": "White", "mixed": "Mixed or Multiple ethnic groups", "asian": "Asian, Asian British or Asian Welsh",
    "black": "Black, Black British, Black Welsh, Caribbean or African", "other": "Other ethnic group",
    NOT_RECORDED: "Not recorded",
}
_GROUP_OF_CODE = {code: group for group, codes in ETHNIC_GROUPS.items() for code in codes}


def ethnic_group(code: str | None) -> str:
    """The high-level group of a Census 2021 code; "not_recorded" for not stated (Z), blank or unknown."""
    return _GROUP_OF_CODE.get(code or "", NOT_RECORDED)


CONDITION_COUNTS: dict[str, str] = {"1": "1 condition", "2": "2 conditions", "3": "3 conditions",
                                    "4": "4 or more conditions"}


def condition_count_band(n: int) -> str:
    return str(min(max(n, 1), 4))


SEX_LABELS: dict[str, str] = {"female": "Female", "male": "Male", "other": "Other", "unknown": "Not known"}


# --- The care planning funnel's steps (counted by tandem.learn.funnel_queries and tandem.population.rules) --------

STEPS: tuple[tuple[str, str], ...] = (
    ("on_register", "On a register"),
    ("due", "Due a review"),
    ("invited", "Invited"),
    ("tests_done", "Tests done"),
    ("pack_sent", "Pack sent"),
    ("agenda", "Agenda returned"),
    ("held", "Conversation held"),
    ("agreed", "Written plan agreed"),
    ("copy", "Copy of the plan given"),
    ("checkin", "Check-in answered"),
)
STEP_LABELS = dict(STEPS)
STEP_HELP: dict[str, str] = {
    "on_register": "Registered here now and on at least one long-term condition register, as the registers stand today.",
    "due": "Has a review this year that is still needed.",
    "invited": "At least one invitation or reminder was sent for this year's review.",
    "tests_done": "Came to the tests appointment for this year's review.",
    "pack_sent": "A preparation pack was sent before the care planning conversation.",
    "agenda": "Sent back what they want to talk about before the conversation.",
    "held": "Had a care planning conversation in the year (a plan was saved with its date in the year).",
    "agreed": "A plan from a conversation in the year was agreed with the person.",
    "copy": "Was given a copy of that agreed plan.",
    "checkin": "Answered a check-in agreed in a plan from a conversation in the year.",
}
