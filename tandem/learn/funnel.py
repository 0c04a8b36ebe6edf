"""Funnel plot limits for comparing practices fairly, and indirect age-sex standardisation. Pure: no Django.

Funnel plots: Spiegelhalter DJ. Funnel plots for comparing institutional performance. Stat Med
2005;24:1185-1202 (doi:10.1002/sim.1970); overdispersion: Spiegelhalter DJ. Handling over-dispersion of
performance indicators. Qual Saf Health Care 2005;14:347-351 (doi:10.1136/qshc.2005.013755). The formulas
are ported from the NHS-R package FunnelPlotR (MIT; github.com/nhs-r-community/FunnelPlotR, commit
9020d49): R/calculate_limits.R (limits), R/od_adjustment.R (z-scores, winsorisation, truncation, phi, tau2)
and R/funnel_plot.R (how they are put together). Its unit tests are spec tables in tests/learn/test_funnel.py.

Limits at 95% (z = 1.959964) and 99.8% (z = 3.090232), the constants FunnelPlotR uses.

- Proportions ("PR"): target = the pooled proportion (sum of numerators / sum of denominators).
  Arcsine square-root scale: s = 1 / (2 sqrt(n)); limits sin^2(asin(sqrt(target)) +- z sqrt(s^2 + tau2)),
  held within 0 and 1.
- Indirectly standardised ratios ("SR", observed / expected): target 1. Without overdispersion, exact
  Poisson limits on the expected count E: lower = target x chi2(p/2; 2E) / 2E, upper = target x
  chi2(1 - p/2; 2(E + 1)) / 2E. With overdispersion, the SHMI method (log scale, s = 1 / sqrt(E), limits
  exp(+-z sqrt(1/E + tau2)); z-scores truncated) or the CQC method (square-root scale,
  s = 1 / (2 sqrt(E)), limits 1 +- z sqrt(s^2 + tau2); z-scores winsorised).
- Overdispersion: each unit's z-score (Y - target) / s on the transformed scale, winsorised at 10% each
  end (R's default quantile, type 7) or, for SHMI, the lowest and highest 10% left out; phi = the mean of
  the squared z-scores; tau2 = max(0, (I phi - (I - 1)) / (sum w - sum w^2 / sum w)), w = 1 / s^2
  (DerSimonian-Laird), or 0 when I phi < I - 1. As in FunnelPlotR, overdispersed limits are used only when
  phi > 1; otherwise the plain limits.

Where this differs from FunnelPlotR, and why:
- FunnelPlotR draws proportion limits on a grid of denominators and, where the arcsine limits stop being
  monotonic at small n, sets them to 0 or 1. Here each limit is worked out at its own n, and set to 0 (or 1)
  exactly when the angle passes 0 (or pi/2), which is where that happens.
- A unit with no observed events has no SHMI z-score (log 0); it is left out of the overdispersion
  estimate as a truncated unit would be. FunnelPlotR would fail.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

Z95 = 1.959964
Z998 = 3.090232
TRIM = 0.1

DataType = Literal["PR", "SR"]
SRMethod = Literal["SHMI", "CQC"]


@dataclass(frozen=True)
class Band:
    """The four limits at one denominator (or expected count)."""

    lower95: float
    upper95: float
    lower998: float
    upper998: float


# --- Exact Poisson limits: the chi-squared quantile, through the gamma distribution -------------


def _lower_regularised_gamma(a: float, x: float) -> float:
    """P(a, x), the regularised lower incomplete gamma function (series, or Lentz's continued fraction
    for the upper part when x > a + 1)."""
    if x <= 0:
        return 0.0
    log_front = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1:
        term = total = 1.0 / a
        n = a
        stop = a + 100_000
        while term > total * 1e-16 and n < stop:  # every term is positive
            n += 1
            term *= x / n
            total += term
        return total * math.exp(log_front)
    tiny = 1e-300
    b = x + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 100_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-16:
            break
    return 1 - math.exp(log_front) * h


def gamma_quantile(p: float, shape: float) -> float:
    """The p-quantile of a gamma distribution with this shape and scale 1 (chi2(p; 2k) = 2 x this).
    Newton's method from the Wilson-Hilferty approximation, kept inside a shrinking bracket (bisection
    when a Newton step would leave it)."""
    if not 0 < p < 1 or shape <= 0:
        raise ValueError("need 0 < p < 1 and shape > 0")
    lo, hi = 0.0, max(1.0, shape)
    while _lower_regularised_gamma(shape, hi) < p:
        lo, hi = hi, hi * 2
    c = 1 / (9 * shape)
    x = shape * (1 - c + NormalDist().inv_cdf(p) * math.sqrt(c)) ** 3
    if not lo < x < hi:
        x = (lo + hi) / 2
    log_norm = math.lgamma(shape)
    for _ in range(200):
        f = _lower_regularised_gamma(shape, x) - p
        if f < 0:
            lo = x
        else:
            hi = x
        density = math.exp((shape - 1) * math.log(x) - x - log_norm) if x > 0 else 0.0
        step = f / density if density > 0 else math.inf
        nxt = x - step
        if not lo < nxt < hi:
            nxt = (lo + hi) / 2
        if abs(nxt - x) <= 1e-13 * max(x, 1e-300) or hi - lo <= 1e-14 * hi:
            return nxt
        x = nxt
    return x


def poisson_band(expected: float, *, target: float = 1.0, multiplier: float = 1.0) -> Band:
    """Exact Poisson limits for a standardised ratio at this expected count (calculate_limits, SR,
    draw_adjusted = FALSE)."""
    if expected <= 0:
        raise ValueError("the expected count must be more than 0")
    scale = multiplier * target / expected
    return Band(scale * gamma_quantile(0.025, expected), scale * gamma_quantile(0.975, expected + 1),
                scale * gamma_quantile(0.001, expected), scale * gamma_quantile(0.999, expected + 1))


# --- Normal-approximation limits on a transformed scale ------------------------------------------


def _arcsine(angle: float) -> float:
    if angle <= 0:
        return 0.0
    if angle >= math.pi / 2:
        return 1.0
    return math.sin(angle) ** 2


def proportion_band(n: float, *, target: float, tau2: float = 0.0, multiplier: float = 1.0) -> Band:
    """Limits for a proportion at denominator n (calculate_limits, PR)."""
    if n <= 0:
        raise ValueError("the denominator must be more than 0")
    if not 0 <= target <= 1:
        raise ValueError("a proportion target must be between 0 and 1")
    centre = math.asin(math.sqrt(target))
    spread = math.sqrt(1 / (4 * n) + tau2)
    return Band(*(multiplier * _arcsine(centre + sign * z * spread)
                  for z, sign in ((Z95, -1), (Z95, 1), (Z998, -1), (Z998, 1))))


def ratio_band(expected: float, *, method: SRMethod = "SHMI", tau2: float = 0.0, multiplier: float = 1.0) -> Band:
    """Overdispersed limits for a standardised ratio at this expected count (calculate_limits, SR,
    draw_adjusted = TRUE)."""
    if expected <= 0:
        raise ValueError("the expected count must be more than 0")
    if method == "SHMI":
        spread = math.sqrt(1 / expected + tau2)
        return Band(*(multiplier * math.exp(sign * z * spread)
                      for z, sign in ((Z95, -1), (Z95, 1), (Z998, -1), (Z998, 1))))
    if method == "CQC":
        spread = math.sqrt(1 / (4 * expected) + tau2)
        return Band(*(multiplier * (1 + sign * z * spread)
                      for z, sign in ((Z95, -1), (Z95, 1), (Z998, -1), (Z998, 1))))
    raise ValueError("method must be SHMI or CQC")


# --- Overdispersion (R/od_adjustment.R) ----------------------------------------------------------


def quantile7(values: Sequence[float], p: float) -> float:
    """R's default quantile (type 7): linear between order statistics."""
    ordered = sorted(values)
    h = (len(ordered) - 1) * p
    lo = math.floor(h)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (h - lo) * (ordered[hi] - ordered[lo])


def winsorise(zscores: Sequence[float], trim_by: float = TRIM) -> list[float]:
    """winsorisation(): z-scores below the trim_by quantile (above the 1 - trim_by quantile) are set to it."""
    lz, uz = quantile7(zscores, trim_by), quantile7(zscores, 1 - trim_by)
    return [lz if z < lz else uz if z > uz else z for z in zscores]


def _average_ranks(values: Sequence[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def truncate(zscores: Sequence[float], trim_by: float = TRIM) -> list[float | None]:
    """truncation(): the NHS Digital SHMI method; z-scores in the lowest and highest groups of
    1 / trim_by equal groups by rank are left out (None)."""
    k = 1 / trim_by
    ranks = _average_ranks(zscores)
    out: list[float | None] = []
    for z, rank in zip(zscores, ranks, strict=True):
        group = math.floor(rank * k / (len(zscores) + 1))
        out.append(z if 0 < group < k - 1 else None)
    return out


def phi(zscores: Sequence[float]) -> float:
    """phi_func(): the overdispersion ratio, the mean squared z-score (> 1 means overdispersed)."""
    return sum(z * z for z in zscores) / len(zscores)


def tau2(n: int, dispersion: float, s: Sequence[float]) -> float:
    """tau_func(): the between-unit variance (DerSimonian-Laird)."""
    if not s or n * dispersion < n - 1:
        return 0.0
    w = [1 / (x * x) for x in s]
    spread = sum(w) - sum(x * x for x in w) / sum(w)
    if spread <= 0:  # a single unit: nothing to spread between (R: 0 / 0)
        return 0.0
    return max(0.0, (n * dispersion - (n - 1)) / spread)


# --- A funnel -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    key: Hashable
    numerator: float  # events (PR) or observed (SR)
    denominator: float  # people (PR) or expected (SR)
    value: float  # proportion or ratio, times the multiplier
    zscore: float | None  # unadjusted, on the transformed scale
    band: Band  # the limits used at this unit's denominator
    outside95: bool
    outside998: bool


@dataclass(frozen=True)
class Funnel:
    data_type: DataType
    method: SRMethod | None
    target: float  # the centre line, times the multiplier
    multiplier: float
    phi: float
    tau2: float
    overdispersed: bool  # limits inflated for overdispersion (phi > 1)
    units: tuple[Unit, ...]

    def band(self, denominator: float) -> Band:
        """The limits at any denominator, for drawing the curves."""
        if self.data_type == "PR":
            return proportion_band(denominator, target=self.target / self.multiplier, tau2=self.tau2,
                                   multiplier=self.multiplier)
        if self.overdispersed:
            return ratio_band(denominator, method=self.method or "SHMI", tau2=self.tau2, multiplier=self.multiplier)
        return poisson_band(denominator, multiplier=self.multiplier)


def _zscore(data_type: str, method: str | None, numerator: float, denominator: float,
            target_transformed: float) -> tuple[float | None, float]:
    """transformed_zscore(): (z, s) for one unit."""
    if data_type == "PR":
        s = 1 / (2 * math.sqrt(denominator))
        return (math.asin(math.sqrt(numerator / denominator)) - target_transformed) / s, s
    if method == "SHMI":
        s = 1 / math.sqrt(denominator)
        if numerator <= 0:
            return None, s
        return math.sqrt(denominator) * math.log(numerator / denominator), s
    s = 1 / (2 * math.sqrt(denominator))
    return (math.sqrt(numerator / denominator) - 1) / s, s


def funnel(units: Sequence[tuple[Hashable, float, float]], *, data_type: DataType, method: SRMethod = "SHMI",
           trim_by: float = TRIM, adjust: bool = True, multiplier: float = 1.0) -> Funnel:
    """funnel_plot(): units as (key, numerator, denominator); PR: (events, people), SR: (observed,
    expected). adjust: inflate the limits for overdispersion when there is any (draw_adjusted)."""
    if data_type not in ("PR", "SR"):
        raise ValueError("data_type must be PR or SR")
    if data_type == "SR" and method not in ("SHMI", "CQC"):
        raise ValueError("method must be SHMI or CQC")
    if not units:
        raise ValueError("a funnel needs at least one unit")
    for key, numerator, denominator in units:
        if denominator <= 0 or numerator < 0 or (data_type == "PR" and numerator > denominator):
            raise ValueError(f"unit {key!r}: need 0 <= numerator{' <= denominator' if data_type == 'PR' else ''}"
                             " and denominator > 0")
    total_num = sum(u[1] for u in units)
    total_den = sum(u[2] for u in units)
    target = total_num / total_den if data_type == "PR" else 1.0
    target_transformed = math.asin(math.sqrt(target)) if data_type == "PR" else 0.0
    scored = [_zscore(data_type, method, num, den, target_transformed) for _, num, den in units]
    zs = [z for z, _ in scored]
    if data_type == "SR" and method == "SHMI":
        known = [(i, z) for i, z in enumerate(zs) if z is not None]
        kept = truncate([z for _, z in known], trim_by) if known else []
        used = [(z, scored[i][1]) for (i, _), z in zip(known, kept, strict=True) if z is not None]
    else:
        used = list(zip(winsorise(zs, trim_by), (s for _, s in scored), strict=True))
    dispersion = phi([z for z, _ in used]) if used else 0.0
    between = tau2(len(used), dispersion, [s for _, s in used])
    overdispersed = adjust and dispersion > 1
    if not overdispersed:
        between = 0.0
    shell = Funnel(data_type, method if data_type == "SR" else None, target * multiplier, multiplier,
                   dispersion, between, overdispersed, ())
    out = []
    for (key, num, den), z in zip(units, zs, strict=True):
        band = shell.band(den)
        value = multiplier * num / den
        out.append(Unit(key, num, den, value, z, band, outside(value, band.lower95, band.upper95),
                        outside(value, band.lower998, band.upper998)))
    return Funnel(shell.data_type, shell.method, shell.target, multiplier, dispersion, between, overdispersed,
                  tuple(out))


def outside(value: float, lower: float, upper: float) -> bool:
    """outliers_func(): a unit is an outlier when strictly outside the limits (on a limit is inside)."""
    return not lower <= value <= upper


# --- Indirect standardisation ------------------------------------------------------------------


def expected_count(population: Mapping[Hashable, float], reference_rates: Mapping[Hashable, float]) -> float:
    """Indirect standardisation: expected = sum over strata (e.g. age band x sex) of the practice's
    people in the stratum x the reference rate in that stratum. A stratum with people but no reference
    rate is an error: silently dropping it would understate what is expected."""
    missing = [s for s, n in population.items() if n and s not in reference_rates]
    if missing:
        raise ValueError(f"no reference rate for {', '.join(map(str, missing))}")
    return sum(n * reference_rates[s] for s, n in population.items() if n)


def standardised_ratio(observed: float, expected: float) -> float:
    """SR = observed / expected (1 = as many as expected from the reference rates)."""
    if expected <= 0:
        raise ValueError("the expected count must be more than 0")
    return observed / expected
