"""The README's table of albumentations transforms: what each does to a class label and to a regression label, or
why it is refused. ``python -m augsynth.image.table`` prints it; a test keeps the README's copy current."""

from __future__ import annotations

from augsynth.core.kinds import LabelKind
from augsynth.image.catalogue import (
    COMPOSITIONS,
    IMAGE_OPS,
    INPUT_STEPS,
    REFERENCE_OPS,
    A,
    _exported_transforms,
    refusal,
)
from augsynth.image.labels import LABEL_RULES, AffineShiftRule

START = "<!-- albumentations-table:start -->"
END = "<!-- albumentations-table:end -->"
RULE_TERMS = {"flip": "`labels.NAME.flip`", "shift": "`labels.NAME.shift_gain`"}


def _regression(name: str) -> str:
    key = f"{name}/{LabelKind.STEERING_ANGLE}"
    if key in LABEL_RULES:
        rule = LABEL_RULES.get(key)
        only = " (a pure x translation only)" if isinstance(rule, AffineShiftRule) else ""
        return f"with its {rule.name} rule, {RULE_TERMS[rule.name]}{only}"
    if IMAGE_OPS.get(name).effect == "photometric":
        return "yes (pixel-level)"
    return "with `label_invariant: true`"


def markdown_table() -> str:
    """One row per transform albumentations exports (and augsynth's ShiftX), compositions first."""
    rows = [f"| `{name}` | composition | composition (its ops' rules apply) |" for name in COMPOSITIONS]
    for name in sorted({*_exported_transforms(), "ShiftX"}):
        if name in REFERENCE_OPS:
            rows.append(f"| `{name}` | yes, given `reference_images` | {_regression(name)} |")
        elif name in IMAGE_OPS:
            rows.append(f"| `{name}` | yes | {_regression(name)} |")
        elif name in INPUT_STEPS:
            rows.append(f"| `{name}` | in `augment.input` | in `augment.input` |")
        else:
            rows.append(f"| `{name}` | refused | {refusal(name)} |")
    accepted = sum(name in IMAGE_OPS for name in _exported_transforms())
    header = (
        f"albumentations {A.__version__}: {accepted} transforms are ops, {len(INPUT_STEPS)} are model-input steps, "
        f"{len(_exported_transforms()) - accepted - len(INPUT_STEPS)} are refused.\n\n"
        "| transform | class labels | regression labels (steering, scalar) |\n|---|---|---|\n"
    )
    return header + "\n".join(rows) + "\n"


if __name__ == "__main__":
    print(markdown_table(), end="")
