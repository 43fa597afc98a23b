"""Means with 95% t-intervals, and paired gains over the baseline."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from augsynth.report.model import Gain, Interval, Summary


def mean_ci(values: list[float], level: float = 0.95) -> tuple[float, list[float]]:
    """Mean and the two-sided t confidence interval of the mean (NaN bounds for fewer than two values)."""
    data = np.asarray(values, dtype=float)
    mean = float(data.mean())
    if data.size < 2:
        return mean, [math.nan, math.nan]
    half = float(stats.t.ppf(0.5 + level / 2, data.size - 1) * data.std(ddof=1) / math.sqrt(data.size))
    return mean, [mean - half, mean + half]


def _interval(values: list[float]) -> tuple[float, Interval | None]:
    mean, (low, high) = mean_ci(values)
    return mean, (None if len(values) < 2 else (low, high))


def summary(values: list[float]) -> Summary:
    """Mean, interval and runs of one arm."""
    mean, ci = _interval(values)
    return Summary(mean=mean, ci95=ci, runs=[float(v) for v in values])


def paired_gain(arm: list[float], baseline: list[float]) -> Gain:
    """Per-seed differences arm - baseline: their mean and t-interval."""
    differences = [a - b for a, b in zip(arm, baseline, strict=True)]
    mean, ci = _interval(differences)
    return Gain(mean=mean, ci95=ci, n=len(differences))
