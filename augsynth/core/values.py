"""Checks on free-form values a spec passes through to a library (op parameters): numbers must be finite."""

from __future__ import annotations

import math
from typing import Any

from augsynth.core.errors import SpecError, excerpt


def has_non_finite(value: Any) -> bool:
    """Whether a NaN or an infinity sits anywhere in ``value`` (a number, or lists and mappings of them)."""
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, (list, tuple)):
        return any(has_non_finite(item) for item in value)
    if isinstance(value, dict):
        return any(has_non_finite(item) for item in value.values())
    return False


def largest_magnitude(value: Any) -> float:
    """The largest absolute number anywhere in ``value`` (0 when it holds none; true/false are no numbers)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return abs(value)
    if isinstance(value, (list, tuple)):
        return max((largest_magnitude(item) for item in value), default=0)
    if isinstance(value, dict):
        return max((largest_magnitude(item) for item in value.values()), default=0)
    return 0


def check_op_numbers(params: dict[str, Any], path: str, limit: float | None = None) -> None:
    """Refuse an op parameter holding NaN or an infinity (no op reads them meaningfully) or, given ``limit`` (the
    spec's ``limits.max_op_number``), a number larger than that."""
    for key, value in params.items():
        if has_non_finite(value):
            raise SpecError(
                f"{path}.{key}",
                f"expected finite numbers, got {excerpt(value)}",
                fix="replace .nan / .inf with a finite number",
            )
        if limit is not None and largest_magnitude(value) > limit:
            raise SpecError(
                f"{path}.{key}",
                f"{excerpt(value)} holds a number above limits.max_op_number ({limit:g})",
                fix="use a value that fits the images, or raise limits.max_op_number if you mean it",
            )
