"""95% intervals shared by sweep summaries, sweep figures and ensemble comparisons.

One place for the formulas, so that a figure, ``summary.csv`` and ``compare.csv`` state the
same interval for the same runs.
"""

from __future__ import annotations

import math

import numpy as np

#: The two-sided 95% quantile of the standard normal distribution.
Z95 = 1.959963984540054


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float, float]:
    """Proportion and its Wilson score interval (Wilson 1927): unlike p ± z·se it stays
    inside [0, 1] and does not collapse to a point at 0 or n successes."""
    if n == 0:
        return math.nan, math.nan, math.nan
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return p, low, high


def mean_interval(mean: float, sd: float, n: int, z: float = Z95) -> tuple[float, float, float]:
    """Mean and its normal-approximation interval, mean ± z·sd/√n (empty when n < 2)."""
    if n == 0:
        return math.nan, math.nan, math.nan
    if n < 2:
        return mean, math.nan, math.nan
    half = z * sd / math.sqrt(n)
    return mean, mean - half, mean + half


def student_mean_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Mean of ``values`` and its Student-t 95% interval (n − 1 degrees of freedom); a
    point interval when every value is the same (paired differences that are exactly 0)."""
    values = np.asarray(values, dtype=float)
    n = values.size
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if n < 2:
        return mean, math.nan, math.nan
    sd = float(values.std(ddof=1))
    if sd == 0.0:
        return mean, mean, mean
    half = _t975(n - 1) * sd / math.sqrt(n)
    return mean, mean - half, mean + half


def welch_difference(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """``mean(b) − mean(a)`` and its Welch 95% interval (Welch 1947: unequal variances,
    Satterthwaite's degrees of freedom), for two independent samples."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.size == 0 or b.size == 0:
        return math.nan, math.nan, math.nan
    difference = float(b.mean() - a.mean())
    if a.size < 2 or b.size < 2:
        return difference, math.nan, math.nan
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    if se == 0.0:
        return difference, difference, difference
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = _t975(df) * se
    return difference, difference - half, difference + half


def newcombe_difference(
    successes_a: int, n_a: int, successes_b: int, n_b: int
) -> tuple[float, float, float]:
    """``p_b − p_a`` and Newcombe's hybrid score interval (Newcombe 1998, method 10), built
    from the two Wilson intervals: for independent samples, it keeps its coverage near 95%
    where the Wald interval fails (proportions near 0 or 1, small samples)."""
    if n_a == 0 or n_b == 0:
        return math.nan, math.nan, math.nan
    pa, la, ua = wilson(successes_a, n_a)
    pb, lb, ub = wilson(successes_b, n_b)
    difference = pb - pa
    low = difference - math.sqrt((pb - lb) ** 2 + (ua - pa) ** 2)
    high = difference + math.sqrt((ub - pb) ** 2 + (pa - la) ** 2)
    return difference, max(-1.0, low), min(1.0, high)


def _t975(df: float) -> float:
    """The 97.5% quantile of Student's t (SciPy, imported when an interval needs it)."""
    from scipy import stats

    return float(stats.t.ppf(0.975, df))


def tango_paired_difference(
    only_b: int, only_a: int, n: int, z: float = Z95
) -> tuple[float, float, float]:
    """``p_b − p_a`` of ``n`` paired 0/1 outcomes (``only_b`` pairs where only B is 1,
    ``only_a`` where only A is) and Tango's score interval (Tango 1998, Statistics in
    Medicine 17:891): the differences δ whose score statistic is within ±z. Unlike a t
    interval on the per-pair differences it does not collapse to a point when no pair
    differs — with common random numbers the usual case for a rare change — and it keeps
    its coverage there, where Newcombe's paired interval does not."""
    if n == 0:
        return math.nan, math.nan, math.nan
    b, c = float(only_b), float(only_a)
    estimate = (b - c) / n

    def score(delta: float) -> float:
        w = -b - c + (2 * n - b + c) * delta
        q21 = (math.sqrt(max(w * w + 8 * n * c * delta * (1 - delta), 0.0)) - w) / (4 * n)
        variance = n * (2 * q21 + delta * (1 - delta))
        return (b - c - n * delta) / math.sqrt(variance) if variance > 0 else 0.0

    from scipy.optimize import brentq

    edge = 1 - 1e-12
    low = -1.0 if score(-edge) <= z else brentq(lambda d: score(d) - z, -edge, estimate)
    high = 1.0 if score(edge) >= -z else brentq(lambda d: score(d) + z, estimate, edge)
    return estimate, low, high
