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
        return f"({stats.n} replicate: no interval)"
    text = f"[{fmt(stats.ci95[0], report, signed)}, {fmt(stats.ci95[1], report, signed)}]"
    return f"{text} (n=2: interval unreliable)" if stats.n == 2 else text


def intervals_note(replicates: int) -> str:
    """What the intervals over ``replicates`` replicates are worth, for a heading or a title."""
    if replicates < 2:
        return f"{replicates} replicate: no interval"
    if replicates == 2:
        return "2 replicates, 95% t-intervals (n=2: intervals unreliable)"
    return f"{replicates} replicates, 95% t-intervals"


def gain_sentence(arm: str, gain: Gain, report: Report) -> str:
    """A paired gain in plain words: "augmented raised test accuracy by 4.1 points on average over 8 replicates
    (95% interval +2.3 to +5.9)"."""
    scale, _ = metric_scale(report)
    unit = " points" if scale == 100 else ""
    verb = "raised" if gain.mean > 0 else "lowered" if gain.mean < 0 else "did not change"
    amount = f" by {fmt(abs(gain.mean), report)}{unit}" if gain.mean != 0 else ""
    over = f"{gain.n} replicate{'s' if gain.n != 1 else ''}"
    if gain.ci95 is None:
        spread = "no interval from one replicate"
    else:
        spread = f"95% interval {fmt(gain.ci95[0], report, True)} to {fmt(gain.ci95[1], report, True)}"
        spread += ", unreliable from 2" if gain.n == 2 else ""
    better = "" if report.higher_is_better else f"; lower {report.metric} is better"
    return f"{arm} {verb} test {report.metric}{amount} on average over {over} ({spread}{better})"
