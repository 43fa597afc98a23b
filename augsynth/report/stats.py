"""Means with 95% t-intervals, and paired gains over the baseline."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats


def mean_ci(values: list[float], level: float = 0.95) -> tuple[float, list[float]]:
    """Mean and the two-sided t confidence interval of the mean (NaN bounds for fewer than two values)."""
    data = np.asarray(values, dtype=float)
    mean = float(data.mean())
    if data.size < 2:
        return mean, [math.nan, math.nan]
    half = float(stats.t.ppf(0.5 + level / 2, data.size - 1) * data.std(ddof=1) / math.sqrt(data.size))
    return mean, [mean - half, mean + half]


def summary(values: list[float]) -> dict:
    """``{"mean", "ci95", "runs"}`` for one arm."""
    mean, ci = mean_ci(values)
    return {"mean": mean, "ci95": ci, "runs": [float(v) for v in values]}


def paired_gain(arm: list[float], baseline: list[float]) -> dict:
    """Per-seed differences arm - baseline: their mean and t-interval."""
    mean, ci = mean_ci([a - b for a, b in zip(arm, baseline, strict=True)])
    return {"mean": mean, "ci95": ci}
