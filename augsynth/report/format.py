"""How metric values are shown: accuracy in %, errors in label units, n/a for missing."""

from __future__ import annotations

import math


def metric_scale(report: dict) -> tuple[float, str]:
    """How a metric is shown: accuracy in %, errors in label units."""
    return (100.0, " (%)") if report["metric"] == "accuracy" else (1.0, "")


def fmt(value: float | None, report: dict, signed: bool = False) -> str:
    """A metric value as shown in the report (n/a for missing)."""
    if value is None or math.isnan(value):
        return "n/a"
    scale, _ = metric_scale(report)
    digits = 1 if scale == 100 else 4
    return f"{scale * value:{'+' if signed else ''}.{digits}f}"


def fmt_ci(ci: list[float], report: dict, signed: bool = False) -> str:
    return f"[{fmt(ci[0], report, signed)}, {fmt(ci[1], report, signed)}]"
