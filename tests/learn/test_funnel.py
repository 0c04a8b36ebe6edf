"""Spec tables for funnel plot limits and indirect standardisation (tandem.learn.funnel).

Cases from FunnelPlotR's own unit tests (github.com/nhs-r-community/FunnelPlotR, commit 9020d49),
tests/testthat/<file>, each naming its file; the rest worked by hand in the comments.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.learn import funnel

# tests/testthat/test-funnel_plot.R and test-classes_methods.R: six units, numerator (observed) and
# denominator (expected)
SIX = list(zip("abcdef", [100, 150, 180, 80, 120, 225], [108, 112, 165, 95, 100, 220], strict=True))

# --- tests/testthat/test-poisson_limits.R ------------------------------------------------------------

POISSON = [  # expected, lower 95, upper 95, lower 99.8, upper 99.8 (the test rounds to 7 and 6 places)
    (15, 0.5596924, 1.649348, 0.3862650, 2.082907),
    (20, 0.6108260, 1.544419, 0.4479107, 1.902094),
    (30, 0.6746958, 1.427562, 0.5289724, 1.702771),
]


@pytest.mark.parametrize(("expected", "ll95", "ul95", "ll998", "ul998"), POISSON)
def test_exact_poisson_limits(expected, ll95, ul95, ll998, ul998):
    band = funnel.poisson_band(expected)
    assert round(band.lower95, 7) == ll95
    assert round(band.upper95, 6) == ul95
    assert round(band.lower998, 7) == ll998
    assert round(band.upper998, 6) == ul998


# --- tests/testthat/test-classes_methods.R and test-funnel_plot.R --------------------------------


def test_overdispersion_ratio():
    """expect_equal(round(phi.funnelplot(a), 6), 2.948033): SR, SHMI method, the package's defaults."""
    plot = funnel.funnel(SIX, data_type="SR")
    assert round(plot.phi, 6) == 2.948033
    assert plot.overdispersed and plot.tau2 > 0


def test_unadjusted_limits_are_narrower():
    """expect_gt(b[[3]]$LCL95[5], a[[3]]$OD95LCL[5]): b is unadjusted with multiplier 100, a is adjusted."""
    adjusted = funnel.funnel(SIX, data_type="SR")
    plain = funnel.funnel(SIX, data_type="SR", adjust=False, multiplier=100)
    assert not plain.overdispersed and plain.tau2 == 0
    assert plain.units[4].band.lower95 > adjusted.units[4].band.lower95


def test_cqc_method():
    """expect_lt(b[[3]]$OD95LCL[5], c[[3]]$OD95LCL[5]): b's overdispersed limits with tau2 set to 0 (SHMI,
    multiplier 100) against c's (CQC, trim_by 0.05, multiplier 100, adjusted)."""
    cqc = funnel.funnel(SIX, data_type="SR", method="CQC", trim_by=0.05, multiplier=100)
    b_od = funnel.ratio_band(100, method="SHMI", tau2=0, multiplier=100)
    assert b_od.lower95 < cqc.units[4].band.lower95
    assert cqc.method == "CQC" and cqc.target == 100


# --- tests/testthat/test-build_limits_lookup.R ------------------------------------------------


def test_proportion_limits_stay_within_0_and_1_at_the_smallest_denominator():
    """PR, target 0.5, at the lookup's first denominator (3): expect_lt(ul95, 1), expect_gt(ll95, 0)."""
    band = funnel.proportion_band(3, target=0.5)
    assert 0 < band.lower95 and band.upper95 < 1


def test_cqc_limits_straddle_the_target_at_the_smallest_expected():
    """SR, CQC, tau2 0.02, multiplier 100, at the lookup's first expected count (1.1)."""
    band = funnel.ratio_band(1.1, method="CQC", tau2=0.02, multiplier=100)
    assert band.lower95 < 100 < band.upper95


# --- tests/testthat/test-outliers_func.R ------------------------------------------------------

OUTLIER_LIMITS = {  # 95 unadjusted, 95 adjusted, 99.8 unadjusted, 99.8 adjusted
    "95": (0.9, 1.1), "95 OD": (0.79, 1.21), "99": (0.59, 1.41), "99 OD": (0.38, 1.62)}
RR = [1, 0.95, 1.05, 0.8, 1.2, 0.6, 1.4, 0.4, 1.6, 0]
OUTLIERS = [
    ("95", 1, [0, 0, 0, 1, 1, 1, 1, 1, 1, 1]),
    ("95 OD", 1, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]),
    ("99", 1, [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]),
    ("99 OD", 1, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
    ("95", 100, [1] * 10),  # "Check multiplier works": the ratios times 100 against unscaled limits
]


@pytest.mark.parametrize(("limits", "multiplier", "expected"), OUTLIERS)
def test_outliers(limits, multiplier, expected):
    lower, upper = OUTLIER_LIMITS[limits]
    assert [int(funnel.outside(rr * multiplier, lower, upper)) for rr in RR] == expected


# --- Worked by hand ---------------------------------------------------------------------------


def test_quantiles_as_r():
    """R: quantile(1:10, 0.1) is 1.9 and quantile(1:10, 0.9) is 9.1 (type 7: 1 + 0.9 x (2 - 1))."""
    assert funnel.quantile7(range(1, 11), 0.1) == pytest.approx(1.9)
    assert funnel.quantile7(range(1, 11), 0.9) == pytest.approx(9.1)


def test_winsorising():
    """z = -5, -1, 0, 0.5, 1, 1.5, 2, 2.5, 3, 10. 10% quantile: h = 9 x 0.1 = 0.9, -5 + 0.9 x 4 = -1.4;
    90%: h = 8.1, 3 + 0.1 x 7 = 3.7. Only -5 and 10 are pulled in."""
    z = [-5, -1, 0, 0.5, 1, 1.5, 2, 2.5, 3, 10]
    assert funnel.winsorise(z) == pytest.approx([-1.4, -1, 0, 0.5, 1, 1.5, 2, 2.5, 3, 3.7])


def test_truncating():
    """Ten z-scores, ranks 1 to 10 into 10 groups: floor(rank x 10 / 11) is 0 for rank 1 and 9 for rank
    10; those two are left out, ranks 2 to 9 (groups 1 to 8) are kept."""
    z = [3, -2, 0.5, 7, -9, 1, 2, 0, -1, 4]
    kept = funnel.truncate(z)
    assert [k for k in kept if k is not None] == [3, -2, 0.5, 1, 2, 0, -1, 4]


TAU2 = [
    # n, phi, s, tau2. w = 1/s^2 = 100, 25, 4: sum 129, sum of squares 10641;
    # tau2 = (3 x 2 - 2) / (129 - 10641 / 129) = 4 / (6000 / 129) = 516 / 6000 = 0.086
    (3, 2.0, [0.1, 0.2, 0.5], 0.086),
    (3, 0.6, [0.1, 0.2, 0.5], 0.0),  # 3 x 0.6 = 1.8 < 2: no overdispersion to add
    (0, 0.0, [], 0.0),
    (1, 0.0, [0.1], 0.0),  # one unit: 100 - 100^2 / 100 = 0 below the line, so nothing to add
]


@pytest.mark.parametrize(("n", "phi", "s", "expected"), TAU2)
def test_between_unit_variance(n, phi, s, expected):
    assert funnel.tau2(n, phi, s) == pytest.approx(expected)


def test_arcsine_limits_approach_the_textbook_ones_for_large_numbers():
    """At n = 10,000 and 30%: theta +- z sqrt(theta (1 - theta) / n) = 0.3 +- 1.959964 x 0.0045826 = 0.3 +-
    0.0089817 (Spiegelhalter 2005, the normal approximation). The arcsine limits are not quite symmetric
    (both move up by about (z s)^2 cos(2 asin(sqrt(0.3))) = 0.0098^2 x 0.4 = 0.00004), but their half-width
    is the same."""
    band = funnel.proportion_band(10_000, target=0.3)
    assert band.lower95 == pytest.approx(0.3 - 0.0089817, abs=5e-5)
    assert band.upper95 == pytest.approx(0.3 + 0.0089817, abs=5e-5)
    assert (band.upper95 - band.lower95) / 2 == pytest.approx(0.0089817, abs=1e-6)


def test_proportion_limits_at_small_numbers_are_held_at_0_and_1():
    """target 10%, n = 4: asin(sqrt(0.1)) = 0.3218, s = 1/4, 0.3218 - 1.96 x 0.25 < 0, so the lower limit
    is 0 (not the sin^2 of a negative angle, which would rise again)."""
    band = funnel.proportion_band(4, target=0.1)
    assert band.lower95 == 0 and band.lower998 == 0
    assert funnel.proportion_band(4, target=0.95).upper998 == 1


def test_a_proportion_funnel():
    """Target = pooled proportion: (20 + 45 + 90) / (100 + 150 + 200) = 155 / 450 = 0.3444. No
    overdispersion in these three, so the plain limits are used."""
    plot = funnel.funnel([("a", 20, 100), ("b", 45, 150), ("c", 90, 200)], data_type="PR")
    assert plot.target == pytest.approx(155 / 450)
    z_a = (math.asin(math.sqrt(0.2)) - math.asin(math.sqrt(155 / 450))) / (1 / (2 * math.sqrt(100)))
    assert plot.units[0].zscore == pytest.approx(z_a)
    for u in plot.units:
        assert u.band == funnel.proportion_band(u.denominator, target=155 / 450, tau2=plot.tau2)
        assert u.outside95 == (not u.band.lower95 <= u.value <= u.band.upper95)
    assert [u.value for u in plot.units] == pytest.approx([0.2, 0.3, 0.45])


def test_no_overdispersion_means_plain_limits():
    plot = funnel.funnel([("a", 30, 30.5), ("b", 41, 40.2), ("c", 19, 19.6)], data_type="SR")
    assert plot.phi <= 1 and not plot.overdispersed and plot.tau2 == 0
    assert plot.units[0].band == funnel.poisson_band(30.5)


def test_a_practice_with_no_events_has_no_shmi_zscore():
    units = [("a", 0, 5.0), *SIX]
    plot = funnel.funnel(units, data_type="SR")
    assert plot.units[0].zscore is None
    assert plot.units[0].value == 0 and plot.units[0].outside95


@pytest.mark.parametrize(("units", "data_type", "message"), [
    ([("a", 11, 10)], "PR", "unit 'a'"),
    ([("a", 1, 0)], "SR", "denominator > 0"),
    ([("a", -1, 4)], "SR", "0 <= numerator"),
    ([], "PR", "at least one"),
    ([("a", 1, 4)], "XX", "data_type"),
])
def test_bad_input(units, data_type, message):
    with pytest.raises(ValueError, match=message):
        funnel.funnel(units, data_type=data_type)


def test_indirect_standardisation():
    """Expected = sum over strata of the practice's people x the reference rate:
        men 18-64    400 x 0.010 = 4.0
        men 65+      100 x 0.050 = 5.0
        women 18-64  450 x 0.008 = 3.6
        women 65+    150 x 0.040 = 6.0
                                  ----
                                  18.6
    24 observed: SR = 24 / 18.6 = 1.2903."""
    people = {("M", "18-64"): 400, ("M", "65+"): 100, ("F", "18-64"): 450, ("F", "65+"): 150}
    rates = {("M", "18-64"): 0.010, ("M", "65+"): 0.050, ("F", "18-64"): 0.008, ("F", "65+"): 0.040,
             ("F", "0-17"): 0.001}
    expected = funnel.expected_count(people, rates)
    assert expected == pytest.approx(18.6)
    assert funnel.standardised_ratio(24, expected) == pytest.approx(1.2903, abs=1e-4)


def test_a_stratum_without_a_reference_rate_is_an_error():
    with pytest.raises(ValueError, match="no reference rate"):
        funnel.expected_count({"a": 10, "b": 5}, {"a": 0.1})
    assert funnel.expected_count({"a": 10, "b": 0}, {"a": 0.1}) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        funnel.standardised_ratio(3, 0)


@pytest.mark.parametrize(("p", "shape", "expected"), [
    # qchisq(0.5, 2) / 2 = the median of an exponential = ln 2
    (0.5, 1, math.log(2)),
    # qchisq(0.975, 2) / 2 = -ln(0.025)
    (0.975, 1, -math.log(0.025)),
])
def test_gamma_quantile(p, shape, expected):
    assert funnel.gamma_quantile(p, shape) == pytest.approx(expected, rel=1e-10)


@given(st.floats(min_value=0.2, max_value=50_000), st.floats(min_value=0.001, max_value=0.999))
def test_gamma_quantile_inverts_the_distribution(shape, p):
    x = funnel.gamma_quantile(p, shape)
    assert funnel._lower_regularised_gamma(shape, x) == pytest.approx(p, abs=1e-9)


@given(st.floats(min_value=1, max_value=100_000), st.floats(min_value=0, max_value=1),
       st.floats(min_value=0, max_value=0.5))
def test_limits_are_nested_around_the_target(n, target, tau2):
    for band, centre in ((funnel.proportion_band(n, target=target, tau2=tau2), target),
                         (funnel.poisson_band(n), 1.0),
                         (funnel.ratio_band(n, tau2=tau2), 1.0),
                         (funnel.ratio_band(n, method="CQC", tau2=tau2), 1.0)):
        assert band.lower998 <= band.lower95 <= centre <= band.upper95 <= band.upper998
