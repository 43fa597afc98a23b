"""How metric values and intervals are shown: accuracy in %, errors in label units, n/a for missing, and intervals
marked where too few runs make them unreliable or impossible."""

from __future__ import annotations

import math

from augsynth.report.model import Gain, Report, Summary


def metric_scale(report: Report) -> tuple[float, str]:
    """How a metric is shown: accuracy in %, errors in label units."""
    return (100.0, " (%)") if report.metric == "accuracy" else (1.0, "")


def fmt(value: float | None, report: Report, signed: bool = False) -> str:
    """A metric value as shown in the report (n/a for missing)."""
    if value is None or math.isnan(value):
        return "n/a"
    scale, _ = metric_scale(report)
    digits = 1 if scale == 100 else 4
    return f"{scale * value:{'+' if signed else ''}.{digits}f}"


def interval(stats: Summary | Gain, report: Report, signed: bool = False) -> str:
    """``[lo, hi]``; from two runs marked unreliable (a t-interval with one degree of freedom is about 13 standard
    errors wide), from one run none at all."""
    if stats.ci95 is None:
        return f"({stats.n} seed: no interval)"
    text = f"[{fmt(stats.ci95[0], report, signed)}, {fmt(stats.ci95[1], report, signed)}]"
    return f"{text} (n=2: interval unreliable)" if stats.n == 2 else text


def intervals_note(seeds: int) -> str:
    """What the intervals over ``seeds`` seeds are worth, for a heading or a title."""
    if seeds < 2:
        return f"{seeds} seed: no interval"
    if seeds == 2:
        return "2 seeds, 95% t-intervals (n=2: intervals unreliable)"
    return f"{seeds} seeds, 95% t-intervals"
