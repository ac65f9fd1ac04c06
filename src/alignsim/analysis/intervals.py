"""95% intervals shared by sweep summaries, sweep figures and ensemble comparisons.

One place for the formulas, so that a figure, ``summary.csv`` and ``compare.csv`` state the
same interval for the same runs.
"""

from __future__ import annotations

import math

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
