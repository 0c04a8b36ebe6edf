"""Spec tables for the Making Data Count XmR rules (tandem.learn.spc).

Most cases are the reference package's own unit tests, ported: NHSRplotthedots (github.com/nhs-r-community/
NHSRplotthedots, commit 050b07d), tests/testthat/<file>, each table naming the file it came from. R's
vectors are 1-based; the ported indexes here are 0-based. The rest are worked by hand, in the comments.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.learn import spc

# set.seed(123); rnorm(20): the data of tests/testthat/test-ptd_spc_standard.R and test-ptd_spc.R
# (R's values to 8 decimal places; the snapshots below are given to 7 significant figures).
RNORM = [-0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499, 0.46091621, -1.26506123,
         -0.68685285, -0.44566197, 1.22408180, 0.35981383, 0.40077145, 0.11068272, -0.55584113, 1.78691314,
         0.49785048, -1.96661716, 0.70135590, -0.47279141]

# --- tests/testthat/test-ptd_calculate_point_type.R ------------------------------------------------

ONE_SIDE = [  # ptd_seven_point_one_side_mean works as expected
    ([], []),
    ([1] * 6, [0] * 6),
    ([1] * 6 + [-1], [0] * 7),
    ([1] * 8 + [-1], [0, 0, 0, 0, 0, 0, 1, 1, 0]),
    ([-1] * 8 + [1], [0, 0, 0, 0, 0, 0, 1, 1, 0]),
]


@pytest.mark.parametrize(("relative_to_mean", "expected"), ONE_SIDE)
def test_seven_point_one_side_mean(relative_to_mean, expected):
    assert spc.seven_point_one_side_mean(relative_to_mean) == expected


PART_OF_SEVEN = [  # ptd_part_of_seven_trend works as expected
    ([], []),
    ([0] * 6, [0] * 6),
    ([0] * 6 + [1, 0], [1] * 7 + [0]),
    ([0] * 7 + [1, 0], [0] + [1] * 7 + [0]),
    ([0] * 6 + [-1, 0], [1] * 7 + [0]),
    ([0] * 7 + [-1, 0], [0] + [1] * 7 + [0]),
]


@pytest.mark.parametrize(("v", "expected"), PART_OF_SEVEN)
def test_part_of_seven_trend(v, expected):
    assert spc.part_of_seven_trend(v) == expected


TREND = [  # ptd_seven_point_trend works as expected
    ([], []),
    ([1, 2, 3, 4, 5, 6], [0] * 6),
    ([1, 2, 3, 3, 4, 5, 6], [0] * 7),  # c(1:3, 3:6): the tie breaks the trend
    ([1, 2, 3, 4, 5, 6, 7], [0, 0, 0, 0, 0, 0, 1]),
    ([2, 1, 2, 3, 4, 5, 6, 7, 3], [0, 0, 0, 0, 0, 0, 0, 1, 0]),  # c(2, 1:7, 3)
    ([7, 6, 5, 4, 3, 2, 1], [0, 0, 0, 0, 0, 0, -1]),
    ([2, 7, 6, 5, 4, 3, 2, 1, 3], [0, 0, 0, 0, 0, 0, 0, -1, 0]),  # c(2, 7:1, 3)
]


@pytest.mark.parametrize(("y", "expected"), TREND)
def test_seven_point_trend(y, expected):
    assert spc.seven_point_trend(y) == expected


TWO_IN_THREE = [  # ptd_two_in_three works as expected (+ ... when points are on opposite sides of the mean)
    ([], [], []),
    # R: ptd_two_in_three(numeric(3), numeric(1)) recycles the 1; here the lengths must match.
    ([0, 0, 0], [0, 0, 0], [0, 0, 0]),
    ([1, 0, 1], [1, 1, 1], [1, 1, 1]),
    ([0, 1, 1], [1, 1, 1], [1, 1, 1]),
    ([1, 1, 0], [1, 1, 1], [1, 1, 1]),
    ([0, 0, 1, 0, 1, 0, 0], [1] * 7, [0, 0, 1, 1, 1, 0, 0]),
    ([0, 0, 1, 1, 0, 0, 0], [1] * 7, [0, 1, 1, 1, 1, 0, 0]),
    ([1, 0, 1], [1, -1, 1], [0, 0, 0]),
    ([0, 1, 1], [1, -1, 1], [0, 0, 0]),
    ([1, 1, 0], [1, -1, 1], [0, 0, 0]),
    ([0, 0, 1, 0, 1, 0, 0], [1, -1, 1, -1, 1, -1, 1], [0] * 7),
    ([0, 0, 1, 1, 0, 0, 0], [-1, 1, -1, 1, -1, 1, -1], [0] * 7),
]


@pytest.mark.parametrize(("close", "relative_to_mean", "expected"), TWO_IN_THREE)
def test_two_in_three(close, relative_to_mean, expected):
    assert spc.two_in_three(close, relative_to_mean) == expected


PART_OF_TWO_IN_THREE = [  # ptd_part_of_two_in_three works as expected: only the near-limit points are marked
    ([], [], []),
    ([1, 0, 1], [1, 1, 1], [1, 0, 1]),
    ([0, 1, 1], [1, 1, 1], [0, 1, 1]),
    ([1, 1, 0], [1, 1, 1], [1, 1, 0]),
    ([0, 0, 1, 0, 1, 0, 0], [1] * 7, [0, 0, 1, 0, 1, 0, 0]),
    ([0, 0, 1, 1, 0, 0, 0], [1] * 7, [0, 0, 1, 1, 0, 0, 0]),
    ([1, 0, 0, 1], [1] * 4, [0, 0, 0, 0]),
    ([1, 0, 0, 1, 1], [1] * 5, [0, 0, 0, 1, 1]),
]


@pytest.mark.parametrize(("close", "relative_to_mean", "expected"), PART_OF_TWO_IN_THREE)
def test_part_of_two_in_three(close, relative_to_mean, expected):
    assert spc.part_of_two_in_three(spc.two_in_three(close, relative_to_mean), close) == expected


def test_special_cause_type_takes_the_first_rule_that_applies():
    """ptd_special_cause_type works as expected: the package mocks the rule functions; here the same
    mocked results go straight to classify(). Outside the limits beats a trend, a trend beats 2 of 3,
    2 of 3 beats a run on one side."""
    found = spc.classify(
        y=[1, 2, 3, 4, 5, 6, 7, 8],
        relative_to_mean=[1, 1, 1, 1, -1, -1, -1, -1],
        outside_limits=[0, 0, 0, 0, 0, 1, -1, 0],
        part_trend=[1, -1, 0, 0, 0, 0, 0, 0],
        part_two_in_three=[0, 0, 0, 0, 1, 0, 0, 0],
        part_shift=[0, 0, 1, -1, 0, 0, 0, 0],
    )
    assert found == ["7 Point Trend (Increasing)", "7 Point Trend (Increasing)", "7 Points Above CL",
                     "7 Points Above CL", "2 in 3 Below CL", "Below LCL", "Below LCL", "Common Cause"]


POINT_TYPE = [  # no unit test in the package for ptd_point_type; the table follows R/ptd_calculate_point_type.R
    ("Above UCL", 1, spc.IMPROVEMENT), ("Above UCL", -1, spc.CONCERN), ("Above UCL", 0, spc.NEUTRAL_HIGH),
    ("Below LCL", 1, spc.CONCERN), ("Below LCL", -1, spc.IMPROVEMENT), ("Below LCL", 0, spc.NEUTRAL_LOW),
    ("7 Point Trend (Increasing)", 1, spc.IMPROVEMENT), ("7 Point Trend (Decreasing)", 1, spc.CONCERN),
    ("2 in 3 Above CL", -1, spc.CONCERN), ("7 Points Below CL", 0, spc.NEUTRAL_LOW),
    ("Common Cause", 1, spc.COMMON_CAUSE), ("Common Cause", 0, spc.COMMON_CAUSE),
]


@pytest.mark.parametrize(("kind", "direction", "expected"), POINT_TYPE)
def test_point_type(kind, direction, expected):
    assert spc.point_type([kind], direction) == [expected]


# --- tests/testthat/test-ptd_spc_standard.R and _snaps/ptd_spc_standard.md -------------------------

LIMITS = [  # (values, screen outliers, mean, lower, upper): snapshot values, 7 significant figures
    (RNORM, True, 0.1416238, -3.01138, 3.294627),  # r1
    (RNORM[:14] + [10] + RNORM[15:], True, 0.6694159, -2.383666, 3.722497),  # r2: data$y[15] <- 10
    (RNORM[:14] + [10] + RNORM[15:], False, 0.6694159, -4.596625, 5.935457),  # r3: screen_outliers = FALSE
    # tests/testthat/_snaps/ptd_spc.md, facet_field = "facet", each = 10: each ten points on its own
    (RNORM[:10], True, 0.0746, -2.60, 2.75),
    (RNORM[10:], True, 0.209, -3.28, 3.70),
]


@pytest.mark.parametrize(("values", "screen", "mean", "lower", "upper"), LIMITS)
def test_limits_match_the_package(values, screen, mean, lower, upper):
    found = spc.limits(values, screen_outliers=screen)
    digits = len(str(mean).split(".")[1])
    assert round(found.mean, digits) == pytest.approx(mean)
    assert found.lower == pytest.approx(lower, rel=5e-3 if digits < 5 else 1e-6)
    assert found.upper == pytest.approx(upper, rel=5e-3 if digits < 5 else 1e-6)


def test_screening_narrows_the_limits_when_one_point_jumps():
    """'the range in the 3rd results (screen_outliers = FALSE) is larger than in the 2nd'."""
    jumped = RNORM[:14] + [10] + RNORM[15:]
    screened, unscreened = spc.limits(jumped), spc.limits(jumped, screen_outliers=False)
    assert unscreened.upper - unscreened.lower > screened.upper - screened.lower


def test_relative_to_mean_matches_the_snapshot():
    chart = spc.xmr(RNORM)
    assert [p.relative_to_mean for p in chart.points][:15] == [-1, -1, 1, -1, -1, 1, 1, -1, -1, -1, 1, 1, 1, -1, -1]
    assert not any(p.outside_limits or p.close_to_limits for p in chart.points[:8])
    # summary(): 20 points, all common cause
    assert [p.variation for p in chart.points] == [spc.COMMON_CAUSE] * 20


def test_fixing_the_limits_after_n_points_changes_them():
    """setting fix_after_n_points changes the calculations: the mean and moving ranges of the first 12."""
    fixed, free = spc.limits(RNORM, fix_after_n_points=12), spc.limits(RNORM)
    assert fixed.lower != free.lower and fixed.upper != free.upper
    assert fixed.mean == pytest.approx(sum(RNORM[:12]) / 12)


def test_rebase_groups():
    """it sets the rebase_group field: a rebase at point 11 of 20 (test-ptd_spc_standard.R); and rebase
    dates 2020-01-03 and 2020-01-08 over 2020-01-02 to 2020-01-11 (test-ptd_add_rebase_column.R)."""
    assert spc.rebase_groups(20, [10]) == [0] * 10 + [1] * 10
    assert spc.rebase_groups(10, [1, 6]) == [0, 1, 1, 1, 1, 1, 2, 2, 2, 2]
    # the snapshot's rebase on 2020-01-01, before the first point, changes nothing
    assert spc.rebase_groups(20, [-1]) == [0] * 20


def test_two_close_points_on_opposite_sides_are_common_cause():
    """it only reports special cause for 2of3 points close to limits when they are on the same side."""
    data = [1, -1] * 8
    data[14], data[15] = 5.5, -5.5
    chart = spc.xmr(data)
    assert [p.variation for p in chart.points[-2:]] == [spc.COMMON_CAUSE, spc.COMMON_CAUSE]
    assert chart.points[-2].close_to_limits and chart.points[-1].close_to_limits


# --- tests/testthat/test-ptd_add_short_group_warnings.R ------------------------------------------

SHORT = [  # (group sizes, threshold, short?)
    ([11], 12, [True]),  # it warns when a group is shorter than the warning_threshold
    ([12], 12, [False]),  # it does not warn when a group is equal to the warning_threshold
    ([20, 20, 20, 20], 12, [False] * 4),  # facets and rebase groups - no warnings
    ([35, 5, 20, 20], 12, [False, True, False, False]),  # warning on one facet
    ([10], 10, [False]),  # the option set to 10 (it chooses warning_threshold from options)
]


@pytest.mark.parametrize(("sizes", "threshold", "expected"), SHORT)
def test_short_groups(sizes, threshold, expected):
    starts = [sum(sizes[:i]) for i in range(1, len(sizes))]
    chart = spc.xmr([float(i % 5) for i in range(sum(sizes))], rebase_at=starts, warning_threshold=threshold)
    assert [g.short for g in chart.groups] == expected
    assert [g.size for g in chart.groups] == sizes


def test_the_default_threshold_is_the_packages():
    """The package's default is getOption("ptd_spc.warning_threshold", 13): 12 points still warn (see
    tandem/learn/spc.py for why this follows the package rather than issue 13's "under 12")."""
    assert spc.short_group(12) and not spc.short_group(13)


# --- tests/testthat/test-ptd_calculate_assurance_type.R -----------------------------------------

ASSURANCE = [  # lower, upper, target 4, direction
    (1, 3, "increase", spc.CONSISTENT_FAIL), (5, 7, "increase", spc.CONSISTENT_PASS), (1, 5, "increase", spc.INCONSISTENT),
    (1, 3, "decrease", spc.CONSISTENT_PASS), (5, 7, "decrease", spc.CONSISTENT_FAIL), (1, 5, "decrease", spc.INCONSISTENT),
    (1, 3, "neutral", None), (5, 7, "neutral", None), (1, 5, "neutral", None),
]


@pytest.mark.parametrize(("lower", "upper", "direction", "expected"), ASSURANCE)
def test_assurance(lower, upper, direction, expected):
    assert spc.assurance(target=4, lower=lower, upper=upper, direction=direction) == expected


def test_no_target_no_assurance():
    assert spc.assurance(target=None, lower=1, upper=3, direction="increase") is None
    assert spc.xmr(RNORM).assurance is None


def test_assurance_uses_the_latest_baseline():
    """it returns correct values for assurance when rebase: the last group's limits decide. Worked by
    hand: the first 12 points alternate 0 and 2 (mean 1, mean MR 2, limits -4.32 to 6.32: target 4 is
    inside); after the rebase they alternate 10 and 12 (mean 11, limits 5.68 to 16.32: 4 is below)."""
    values = [0, 2] * 6 + [10, 12] * 6
    assert spc.xmr(values[:12], target=4).assurance == spc.INCONSISTENT
    chart = spc.xmr(values, target=4, rebase_at=[12], direction="decrease")
    assert chart.groups[1].limits.lower == pytest.approx(11 - 2.66 * 2)
    assert chart.assurance == spc.CONSISTENT_FAIL
    assert spc.xmr(values, target=4, rebase_at=[12]).assurance == spc.CONSISTENT_PASS


# --- Whole charts, worked by hand ----------------------------------------------------------------


def test_a_point_above_the_upper_limit():
    """Alternating 10 and 12 (mean MR 2 once the jump's moving ranges are screened out), then 30.
    21 points: mean = (10 x 10 + 12 x 10 + 30) / 21 = 250 / 21 = 11.905; moving ranges 19 of 2 and one of
    18 (12 to 30): mean 2.8, and 18 >= 3.267 x 2.8 = 9.15 is screened out, so mean MR = 2;
    upper limit 11.905 + 5.32 = 17.22: 30 is above it."""
    values = [10, 12] * 10 + [30]
    chart = spc.xmr(values)
    assert chart.groups[0].limits.mean_moving_range == pytest.approx(2)
    assert chart.groups[0].limits.upper == pytest.approx(250 / 21 + 5.32)
    assert [p.index for p in chart.points if p.special] == [20]
    assert chart.points[20].special_cause == "Above UCL"
    assert chart.points[20].variation == spc.IMPROVEMENT
    assert spc.xmr(values, direction="decrease").points[20].variation == spc.CONCERN
    assert spc.xmr(values, direction="neutral").points[20].variation == spc.NEUTRAL_HIGH


def test_seven_on_one_side_and_a_point_on_the_mean_breaks_it():
    """Ten points alternating 12 and 8, then 11, 12, 11, 12, 11, 12, 11. Mean (100 + 80) / 17 = 10.59;
    moving ranges nine 4s, one 3 (8 to 11), six 1s: 45 / 16 = 2.81 (none screened: 3.267 x 2.81 = 9.19);
    limits 10.59 +- 7.48, near limits +- 4.99: no point is outside or near them. The last 7 are all above
    the mean (the baseline ends on 8, below it): all 7 are marked."""
    run = [11, 12, 11, 12, 11, 12, 11]
    chart = spc.xmr([12, 8] * 5 + run)
    assert [p.special_cause for p in chart.points] == ["Common Cause"] * 10 + ["7 Points Above CL"] * 7
    assert [p.variation for p in chart.points[10:]] == [spc.IMPROVEMENT] * 7
    # The 4th of the run set to the mean itself: the other 16 sum to 100 + 68 = 168, so a point m with
    # (168 + m) / 17 = m is m = 168 / 16 = 10.5 (mean 178.5 / 17 = 10.5 exactly). It breaks the run.
    broken = spc.xmr([12, 8] * 5 + [11, 12, 11, 10.5, 11, 12, 11])
    assert broken.points[13].mean == 10.5 and broken.points[13].relative_to_mean == 0
    assert not any(p.special for p in broken.points)


def test_seven_rising_and_a_tie_breaks_it():
    """Points 1..7 rise: all seven are part of a trend. With the 4th equal to the 3rd, no trend."""
    noise = [5, 3] * 5
    rising = spc.xmr(noise + [1, 2, 3, 4, 5, 6, 7] + noise)
    assert [p.special_cause for p in rising.points[10:17]] == ["7 Point Trend (Increasing)"] * 7
    tied = spc.xmr(noise + [1, 2, 3, 3, 5, 6, 7] + noise)
    assert not any("Trend" in p.special_cause for p in tied.points)


def test_two_of_three_near_the_upper_limit():
    """Alternating 10 and 12 for 20 points, then 16, 12, 16. Mean (220 + 44) / 23 = 11.48; moving ranges
    nineteen 2s and three 4s: 50 / 22 = 2.27; near upper limit 11.48 + 1.773 x 2.27 = 15.51, upper limit
    11.48 + 2.66 x 2.27 = 17.52. Both 16s lie between them and the 12 between them is above the mean:
    the two 16s are marked, the 12 is not."""
    values = [10, 12] * 10 + [16, 12, 16]
    chart = spc.xmr(values)
    lim = chart.groups[0].limits
    assert lim.near_upper < 16 < lim.upper
    assert [p.special_cause for p in chart.points[-3:]] == ["2 in 3 Above CL", "Common Cause", "2 in 3 Above CL"]


def test_a_flat_series_has_no_limits():
    """Every moving range 0: 0 < 3.267 x 0 is false, so all are screened out (R gives NaN limits)."""
    chart = spc.xmr([5] * 15)
    assert chart.groups[0].limits.upper is None
    assert all(p.variation == spc.COMMON_CAUSE for p in chart.points)


def test_rebasing_restarts_the_calculation():
    values = [10, 12] * 8 + [20, 22] * 8
    whole = spc.xmr(values)
    rebased = spc.xmr(values, rebase_at=[16])
    assert any(p.special for p in whole.points)
    assert [g.limits.mean for g in rebased.groups] == [11, 21]
    assert not any(p.special for p in rebased.points)
    assert [p.group for p in rebased.points] == [0] * 16 + [1] * 16


@pytest.mark.parametrize("bad", [[1, float("nan")], [float("inf")]])
def test_values_must_be_numbers(bad):
    with pytest.raises(ValueError, match="finite"):
        spc.xmr(bad)


def test_one_point_or_none():
    assert spc.xmr([]).points == ()
    one = spc.xmr([3])
    assert one.groups[0].limits.upper is None and one.variation == spc.COMMON_CAUSE and one.short


@given(st.lists(st.integers(min_value=-1000, max_value=1000), max_size=40))
def test_mirror_image(values):
    """Turning the chart upside down and the better direction with it gives the same reading."""
    up = spc.xmr(values, direction="increase")
    down = spc.xmr([-v for v in values], direction="decrease")
    assert [p.variation for p in up.points] == [p.variation for p in down.points]


@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), max_size=40),
       st.sampled_from(["increase", "decrease", "neutral"]))
def test_outside_means_outside(values, direction):
    chart = spc.xmr(values, direction=direction)
    for p in chart.points:
        if p.upper is not None:
            assert p.outside_limits == (p.value > p.upper or p.value < p.lower)
            if p.outside_limits:
                assert p.special and p.variation != spc.COMMON_CAUSE
