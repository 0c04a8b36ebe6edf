"""Statistical process control: NHS England "Making Data Count" XmR charts. Pure: no Django.

A port of the NHS-R reference package NHSRplotthedots (MIT; github.com/nhs-r-community/NHSRplotthedots,
commit 050b07d, CRAN 0.2.2), which implements Making Data Count for NHS England. Each function names
the R function it ports; the package's own unit tests are the spec tables in tests/learn/test_spc.py.

Per group of points (the whole series, or each stretch after a rebase), R/ptd_spc_standard.R:

- centre line = mean of the points (of the first `fix_after_n_points` only, when given);
- moving ranges MR_i = |x_i - x_(i-1)|, mean MR;
- screening (on by default): drop every MR >= 3.267 x mean MR, then take the mean MR again;
- process limits = mean +- 2.66 x mean MR; "near" limits two-thirds of the way = mean +- (2/3)(2.66) x mean MR.

Special cause, R/ptd_calculate_point_type.R, first that applies:
1. a point above the upper or below the lower process limit;
2. 7 points in a row rising, or 7 falling (a tie breaks the run); all 7 are marked;
3. 2 of 3 points in a row beyond a near limit (not outside the limits) with all 3 on the same side of the
   mean; the near-limit points are marked;
4. 7 points in a row on the same side of the mean (a point on the mean breaks the run); all 7 are marked.

Variation per point: common cause, special cause improvement or concern (given the direction that is
better), or special cause neutral high or low (no direction). Assurance (R/ptd_calculate_assurance_type.R),
from the latest group's limits against a target: the target beyond a limit means the process will
consistently pass or consistently fail it; otherwise it is hit and miss ("inconsistent").

Where the package and issue 13's wording differ, this follows the package:
- The short-group warning: the package warns when a group has fewer than 13 points (its default
  threshold, getOption("ptd_spc.warning_threshold", 13), R/ptd_add_short_group_warnings.R, changed from 12
  in commit 83781d2), although its message and documentation say "n < 12". Issue 13 says "under 12".
  SHORT_GROUP_THRESHOLD follows the code; the caller may pass 12.
- The 2-of-3 rule counts only points between the near limit and the limit ("close_to_limits" excludes
  points outside the limits), and needs all 3 points on the same side of the mean.
- Fewer than 2 points, or every moving range screened out (a flat series, where every MR is 0 and
  0 < 3.267 x 0 is false), leave the mean moving range undefined (R: NaN). Then there are no limits,
  no point is outside or near them, and only the run rules can apply.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

LIMIT = 2.66  # R/ptd_spc_standard.R: limit <- 2.66
NEAR_LIMIT = 2 * (LIMIT / 3)  # limitclose <- 2 * (limit / 3)
SCREEN = 3.267  # .data$mr < 3.267 * .data$amr
RUN = 7  # shift and trend length
SHORT_GROUP_THRESHOLD = 13  # see the module docstring

Direction = Literal["increase", "decrease", "neutral"]
DIRECTIONS: dict[str, int] = {"increase": 1, "neutral": 0, "decrease": -1}

COMMON_CAUSE = "common_cause"
IMPROVEMENT = "special_cause_improvement"
CONCERN = "special_cause_concern"
NEUTRAL_HIGH = "special_cause_neutral_high"
NEUTRAL_LOW = "special_cause_neutral_low"

CONSISTENT_PASS = "consistent_pass"  # noqa: S105 - an assurance type, not a password
CONSISTENT_FAIL = "consistent_fail"
INCONSISTENT = "inconsistent"

# Plain English for pages and chart descriptions.
VARIATION_WORDS = {
    COMMON_CAUSE: "common cause variation",
    IMPROVEMENT: "special cause: improvement",
    CONCERN: "special cause: concern",
    NEUTRAL_HIGH: "special cause: higher than expected",
    NEUTRAL_LOW: "special cause: lower than expected",
}
ASSURANCE_WORDS = {
    CONSISTENT_PASS: "the target will consistently be met",
    CONSISTENT_FAIL: "the target will consistently be missed",
    INCONSISTENT: "the target will sometimes be met and sometimes missed",
}
REASON_WORDS = {
    "Above UCL": "above the upper limit",
    "Below LCL": "below the lower limit",
    "7 Point Trend (Increasing)": "part of 7 points in a row going up",
    "7 Point Trend (Decreasing)": "part of 7 points in a row going down",
    "2 in 3 Above CL": "2 of 3 points close to the upper limit",
    "2 in 3 Below CL": "2 of 3 points close to the lower limit",
    "7 Points Above CL": "part of 7 points in a row above the average",
    "7 Points Below CL": "part of 7 points in a row below the average",
    "Common Cause": "",
}


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def _mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


# --- Limits (R/ptd_spc_standard.R) ---------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    mean: float
    mean_moving_range: float | None  # None: undefined (see the module docstring)
    lower: float | None
    upper: float | None
    near_lower: float | None
    near_upper: float | None


def limits(values: Sequence[float], *, fix_after_n_points: int | None = None, screen_outliers: bool = True) -> Limits:
    """Mean, mean moving range and limits of one group of points (one facet x rebase group in R)."""
    if not values:
        raise ValueError("limits need at least one value")
    base = list(values[:fix_after_n_points] if fix_after_n_points is not None else values)
    mean = sum(base) / len(base)
    ranges = [abs(b - a) for a, b in zip(base, base[1:], strict=False)]
    amr = _mean(ranges)
    if screen_outliers and amr is not None:
        amr = _mean(mr for mr in ranges if mr < SCREEN * amr)
    if amr is None:
        return Limits(mean, None, None, None, None, None)
    return Limits(mean, amr, mean - LIMIT * amr, mean + LIMIT * amr, mean - NEAR_LIMIT * amr,
                  mean + NEAR_LIMIT * amr)


# --- The four rules (R/ptd_calculate_point_type.R) ----------------------------------------------


def seven_point_one_side_mean(relative_to_mean: Sequence[int]) -> list[int]:
    """ptd_seven_point_one_side_mean: 1 at the 7th (and each later) point of a run on one side."""
    padded = [0] * (RUN - 1) + list(relative_to_mean)
    return [int(padded[i] != 0 and all(padded[i] == padded[i - k] for k in range(1, RUN)))
            for i in range(RUN - 1, len(padded))]


def part_of_seven_trend(v: Sequence[int]) -> list[int]:
    """ptd_part_of_seven_trend: 1 if this point or one of the next 6 ends a run of 7."""
    padded = list(v) + [0] * (RUN - 1)
    return [int(any(abs(padded[i + k]) == 1 for k in range(RUN))) for i in range(len(v))]


def seven_point_trend(y: Sequence[float]) -> list[int]:
    """ptd_seven_point_trend: 1 (rising) or -1 (falling) at the 7th point of 7 each higher (lower)
    than the one before; a tie breaks the run."""
    if len(y) < RUN:
        return [0] * len(y)
    out = [0] * (RUN - 1)
    for i in range(RUN - 1, len(y)):
        steps = {_sign(y[j] - y[j - 1]) for j in range(i - RUN + 2, i + 1)}
        out.append(1 if steps == {1} else -1 if steps == {-1} else 0)
    return out


def two_in_three(close_to_limits: Sequence[int], relative_to_mean: Sequence[int]) -> list[int]:
    """ptd_two_in_three: 1 if any window of 3 consecutive points holding this one has at least 2 points
    near a limit and all 3 on the same side of the mean."""
    if len(close_to_limits) != len(relative_to_mean):
        raise ValueError("close_to_limits and relative_to_mean must be the same length")
    close = [0, 0, *[int(c) for c in close_to_limits], 0, 0]
    side = [0, 0, *relative_to_mean, 0, 0]

    def window(start: int) -> bool:
        return sum(close[start:start + 3]) >= 2 and abs(sum(side[start:start + 3])) == 3

    return [int(window(i) or window(i + 1) or window(i + 2)) for i in range(len(close_to_limits))]


def part_of_two_in_three(v: Sequence[int], close_to_limits: Sequence[int]) -> list[int]:
    """ptd_part_of_two_in_three: only the near-limit points of a 2-of-3 window are marked."""
    return [int(a == 1 and abs(int(c)) == 1) for a, c in zip(v, close_to_limits, strict=True)]


def classify(y: Sequence[float], relative_to_mean: Sequence[int], outside_limits: Sequence[int],
             part_trend: Sequence[int], part_two_in_three: Sequence[int], part_shift: Sequence[int]) -> list[str]:
    """The tail of ptd_special_cause_type: which rule marks each point, given which runs it is part of.

    A point in a trend takes the direction of the step to the next point when that point is in the
    trend too, else the step from the point before (the package's rule for points at the run's edges)."""
    n = len(y)
    steps = [_sign(b - a) for a, b in zip(y, y[1:], strict=False)]
    out = []
    for i in range(n):
        if part_trend[i] and i + 1 < n and part_trend[i + 1]:
            direction = steps[i]
        else:
            direction = steps[i - 1] if i > 0 else 0
        side = "Above" if relative_to_mean[i] > 0 else "Below"
        if outside_limits[i]:
            out.append("Above UCL" if relative_to_mean[i] == 1 else "Below LCL")
        elif part_trend[i]:
            out.append(f"7 Point Trend ({'In' if direction == 1 else 'De'}creasing)")
        elif part_two_in_three[i]:
            out.append(f"2 in 3 {side} CL")
        elif part_shift[i]:
            out.append(f"7 Points {side} CL")
        else:
            out.append("Common Cause")
    return out


def special_cause_type(y: Sequence[float], relative_to_mean: Sequence[int], close_to_limits: Sequence[int],
                       outside_limits: Sequence[int]) -> list[str]:
    """ptd_special_cause_type."""
    return classify(
        y, relative_to_mean, outside_limits,
        part_trend=part_of_seven_trend(seven_point_trend(y)),
        part_two_in_three=part_of_two_in_three(two_in_three(close_to_limits, relative_to_mean), close_to_limits),
        part_shift=part_of_seven_trend(seven_point_one_side_mean(relative_to_mean)),
    )


def point_type(special_cause_types: Sequence[str], improvement_direction: int) -> list[str]:
    """ptd_point_type: the variation icon of each point. improvement_direction 1 (higher is better),
    -1 (lower is better) or 0 (neutral)."""
    out = []
    for kind in special_cause_types:
        v = 1 if ("Above" in kind or "Increasing" in kind) else -1 if ("Below" in kind or "Decreasing" in kind) else 0
        if improvement_direction == 0:
            out.append(NEUTRAL_HIGH if v > 0 else NEUTRAL_LOW if v < 0 else COMMON_CAUSE)
        else:
            v *= improvement_direction
            out.append(IMPROVEMENT if v > 0 else CONCERN if v < 0 else COMMON_CAUSE)
    return out


def assurance(*, target: float | None, lower: float | None, upper: float | None, direction: Direction) -> str | None:
    """ptd_calculate_assurance_type for one group's limits (the package uses the latest group's)."""
    if target is None or direction == "neutral" or lower is None or upper is None:
        return None
    increasing = direction == "increase"
    if target > upper:
        return CONSISTENT_FAIL if increasing else CONSISTENT_PASS
    if target < lower:
        return CONSISTENT_PASS if increasing else CONSISTENT_FAIL
    return INCONSISTENT


def short_group(n: int, threshold: int = SHORT_GROUP_THRESHOLD) -> bool:
    """ptd_add_short_group_warnings: limits from fewer points than the threshold are trial limits."""
    return n < threshold


def rebase_groups(n: int, rebase_at: Iterable[int]) -> list[int]:
    """R's cumsum(rebase): the group of each of n points, a new group starting at each index in
    rebase_at (0-based; an index of 0 or outside the series changes nothing, as in the package, where a
    rebase date before the first point or missing from the data has no effect)."""
    starts = {i for i in rebase_at if 0 <= i < n}
    group, out = 0, []
    for i in range(n):
        if i in starts:
            group += 1
        out.append(group)
    return out


# --- The whole chart ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    index: int
    value: float
    group: int
    mean: float
    lower: float | None
    upper: float | None
    near_lower: float | None
    near_upper: float | None
    outside_limits: bool
    close_to_limits: bool
    relative_to_mean: int
    special_cause: str  # the package's reason, e.g. "7 Points Above CL"; "Common Cause" if none
    variation: str  # COMMON_CAUSE, IMPROVEMENT, CONCERN, NEUTRAL_HIGH, NEUTRAL_LOW

    @property
    def special(self) -> bool:
        return self.special_cause != "Common Cause"

    @property
    def reason(self) -> str:
        return REASON_WORDS[self.special_cause]


@dataclass(frozen=True)
class Group:
    number: int
    start: int  # index of its first point
    size: int
    limits: Limits
    short: bool


@dataclass(frozen=True)
class XmR:
    points: tuple[Point, ...]
    groups: tuple[Group, ...]
    direction: Direction
    target: float | None
    assurance: str | None  # against the latest group's limits; None without a target or direction

    @property
    def latest(self) -> Point | None:
        return self.points[-1] if self.points else None

    @property
    def variation(self) -> str | None:
        """The variation icon of the chart: the latest point's (summary.ptd_spc_df)."""
        return self.points[-1].variation if self.points else None

    @property
    def short(self) -> bool:
        return any(g.short for g in self.groups)


def xmr(values: Sequence[float], *, direction: Direction = "increase", target: float | None = None,
        rebase_at: Iterable[int] = (), fix_after_n_points: int | None = None, screen_outliers: bool = True,
        warning_threshold: int = SHORT_GROUP_THRESHOLD) -> XmR:
    """An XmR chart of values in time order (ptd_spc). rebase_at: 0-based indexes of the points that
    start a new baseline (e.g. the first month after a recorded change)."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}")
    if fix_after_n_points is not None and fix_after_n_points < 1:
        raise ValueError("fix_after_n_points must be 1 or more")
    values = [float(v) for v in values]
    if not all(math.isfinite(v) for v in values):
        raise ValueError("every value must be a finite number")
    groups_of = rebase_groups(len(values), rebase_at)
    points: list[Point] = []
    groups: list[Group] = []
    start = 0
    while start < len(values):
        number = groups_of[start]
        end = start
        while end < len(values) and groups_of[end] == number:
            end += 1
        y = values[start:end]
        lim = limits(y, fix_after_n_points=fix_after_n_points, screen_outliers=screen_outliers)
        rtm = [_sign(v - lim.mean) for v in y]
        if lim.upper is None:
            outside = [0] * len(y)
            close = [0] * len(y)
        else:
            outside = [int(v > lim.upper or v < lim.lower) for v in y]
            close = [int(not o and (v < lim.near_lower or v > lim.near_upper)) for v, o in zip(y, outside, strict=True)]
        kinds = special_cause_type(y, rtm, close, outside)
        types = point_type(kinds, DIRECTIONS[direction])
        for k, v in enumerate(y):
            points.append(Point(start + k, v, number, lim.mean, lim.lower, lim.upper, lim.near_lower, lim.near_upper,
                                bool(outside[k]), bool(close[k]), rtm[k], kinds[k], types[k]))
        groups.append(Group(number, start, len(y), lim, short_group(len(y), warning_threshold)))
        start = end
    last = groups[-1].limits if groups else None
    return XmR(tuple(points), tuple(groups), direction, target,
               assurance(target=target, lower=last and last.lower, upper=last and last.upper, direction=direction))
