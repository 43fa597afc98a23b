"""Automatic augmentation policies as augsynth pipelines: TrivialAugment, RandAugment and an approximation of AugMix,
built from augsynth's own ops so that their copies obey the same label rules, size checks and determinism.

Each policy draws from one list of candidate ops (``CANDIDATES``). For a data set, the list keeps only the ops that
run on a blank image of its shape (so gray images get no colour ops) and that the label rules accept for its target
(a steering angle keeps the pixel-level ops and, with a declared shift_gain, the shift along x, whose label rule
adjusts the angle; rotation and shear have no rule for it and are left out).

- TrivialAugment (Müller & Hutter 2021): ``OneOf`` the ops, one op per copy drawn uniformly, each with its full
  magnitude range (albumentations draws the magnitude uniformly from it).
- RandAugment (Cubuk et al. 2020): ``SomeOf(n=N)`` the ops, each at the fixed magnitude M of 30 (a signed one, such
  as a rotation, as a ``OneOf`` of +M and -M).
- AugMix (Hendrycks et al. 2020), approximated: ``OneOf`` three chains of depth 1, 2 and 3, each a ``SomeOf`` of the
  AugMix op list (no colour, brightness, contrast or sharpness ops) at magnitudes up to severity 3 of 10. It does not
  mix several chains with Dirichlet weights nor blend the result with the original, and trains without AugMix's
  Jensen–Shannon consistency loss: each copy is one chain's output.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from augsynth.core.errors import SpecError
from augsynth.image.labels import rule_for
from augsynth.image.ops import build_transform, validate_op
from augsynth.image.sizes import check_shape_preserved
from augsynth.spec.schema import LabelSpec, Target

POLICIES = ("trivialaugment", "randaugment", "augmix")
AUGMIX_SEVERITY = 3 / 10  # AugMix's default severity 3 of 10
MAX_M = 30  # RandAugment's magnitude scale

Builder = Callable[[float, float], dict[str, Any]]  # (low, high) fraction of the full magnitude -> op entry


@dataclass(frozen=True)
class Candidate:
    """One op a policy may draw: its name, what it changes, and its entry at a magnitude range (fractions of its
    largest magnitude); ``signed``: a magnitude has a direction (rotate left or right), ``augmix``: in AugMix's list."""

    name: str
    what: str
    entry: Builder
    signed: bool = False
    augmix: bool = True


def _affine(key: str, largest: float) -> Builder:
    def entry(low: float, high: float) -> dict[str, Any]:
        values = [low * largest, high * largest]
        if key == "rotate":
            return {"op": "Affine", "rotate": values}
        if key == "shear":
            return {"op": "Affine", "shear": {"x": values, "y": [0.0, 0.0]}}
        return {"op": "Affine", "translate_percent": {"x": values, "y": [0.0, 0.0]}}

    return entry


CANDIDATES = (
    Candidate("Equalize", "equalize the histogram", lambda lo, hi: {"op": "Equalize"}),
    Candidate("AutoContrast", "stretch the contrast", lambda lo, hi: {"op": "AutoContrast"}),
    Candidate(
        "Posterize",
        "8 down to 4 bits",
        lambda lo, hi: {"op": "Posterize", "num_bits": [round(8 - 4 * hi), round(8 - 4 * lo)]},
    ),
    Candidate(
        "Solarize",
        "invert above a threshold of 1 down to 0",
        lambda lo, hi: {"op": "Solarize", "threshold_range": [1 - hi, 1 - lo]},
    ),
    Candidate(
        "Brightness",
        "RandomBrightnessContrast, brightness ±0.5",
        lambda lo, hi: {
            "op": "RandomBrightnessContrast",
            "brightness_limit": [lo * 0.5, hi * 0.5],
            "contrast_limit": [0.0, 0.0],
        },
        signed=True,
        augmix=False,
    ),
    Candidate(
        "Contrast",
        "RandomBrightnessContrast, contrast ±0.5",
        lambda lo, hi: {
            "op": "RandomBrightnessContrast",
            "brightness_limit": [0.0, 0.0],
            "contrast_limit": [lo * 0.5, hi * 0.5],
        },
        signed=True,
        augmix=False,
    ),
    Candidate(
        "Sharpen",
        "alpha 0 to 0.9",
        lambda lo, hi: {"op": "Sharpen", "alpha": [lo * 0.9, hi * 0.9], "lightness": [1.0, 1.0]},
        augmix=False,
    ),
    Candidate(
        "Color",
        "HueSaturationValue, saturation ±60 (RGB only)",
        lambda lo, hi: {
            "op": "HueSaturationValue",
            "hue_shift_limit": [0, 0],
            "sat_shift_limit": [lo * 60, hi * 60],
            "val_shift_limit": [0, 0],
        },
        signed=True,
        augmix=False,
    ),
    Candidate("Rotate", "Affine, rotate ±30°", _affine("rotate", 30), signed=True),
    Candidate("ShearX", "Affine, shear ±17°", _affine("shear", 17), signed=True),
    Candidate("TranslateX", "Affine, translate ±30% of the width", _affine("translate", 0.3), signed=True),
)


def _full(candidate: Candidate) -> dict[str, Any]:
    """The op over its whole magnitude range (both directions for a signed one)."""
    return candidate.entry(-1.0 if candidate.signed else 0.0, 1.0)


def _fixed(candidate: Candidate, fraction: float) -> dict[str, Any]:
    """The op at one magnitude; a signed one as a OneOf of that magnitude in either direction."""
    if not candidate.signed:
        return candidate.entry(fraction, fraction)
    both = [{**candidate.entry(f, f), "p": 1.0} for f in (fraction, -fraction)]
    return {"op": "OneOf", "p": 1.0, "transforms": both}


def _light(candidate: Candidate) -> dict[str, Any]:
    """The op at magnitudes up to AugMix's default severity."""
    return candidate.entry(-AUGMIX_SEVERITY if candidate.signed else 0.0, AUGMIX_SEVERITY)


def usable(target: Target, shape: tuple[int, ...], augmix: bool = False) -> list[Candidate]:
    """The candidates that run on a blank image of ``shape`` and that the label rules accept for ``target``."""
    kept = []
    for candidate in CANDIDATES:
        if augmix and not candidate.augmix:
            continue
        entry = _full(candidate)
        try:
            rule_for(entry, target, "policy")
        except SpecError:  # no label rule for this target (a geometric op and a steering angle)
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # "not applicable to grayscale image": it would do nothing
                build_transform({**entry, "p": 1.0})(image=np.zeros(shape, dtype=np.uint8))
        except Exception:  # albumentations refuses or ignores the channel count (colour ops on gray images)
            continue
        kept.append(candidate)
    return kept


def policy_ops(name: str, target: Target, shape: tuple[int, ...], n: int = 2, m: int = 9) -> list[dict[str, Any]]:
    """The ``augment.image`` of policy ``name`` for a data set of images of ``shape`` and its target, validated."""
    ops = usable(target, shape, augmix=name == "augmix")
    if not ops:
        raise SpecError("train.arms", f"no op of the '{name}' policy runs on these images", fix=f"remove '{name}'")
    if name == "trivialaugment":
        block = {"op": "OneOf", "p": 1.0, "transforms": [{**_full(c), "p": 1.0} for c in ops]}
    elif name == "randaugment":
        if n > len(ops):
            raise SpecError(
                "train.randaugment.n",
                f"RandAugment draws {n} ops, but only {len(ops)} of its ops fit this data set",
                fix=f"use n <= {len(ops)}",
            )
        block = {"op": "SomeOf", "n": n, "p": 1.0, "transforms": [{**_fixed(c, m / MAX_M), "p": 1.0} for c in ops]}
    elif name == "augmix":
        chains = [
            {
                "op": "SomeOf",
                "n": depth,
                "replace": True,
                "p": 1.0,
                "transforms": [{**_light(c), "p": 1.0} for c in ops],
            }
            for depth in (1, 2, 3)
        ]
        block = {"op": "OneOf", "p": 1.0, "transforms": chains}
    else:
        raise ValueError(f"unknown policy {name}")
    validated = [validate_op(block, "augment.image[0]", float("inf"))]
    for leaf_entry in _leaf_entries(validated):
        rule_for(leaf_entry, target, "augment.image[0]")
    check_shape_preserved(validated, shape)
    return validated


def _leaf_entries(ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [leaf for op in ops for leaf in (_leaf_entries(op["transforms"]) if "transforms" in op else [op])]


def policy_table() -> list[str]:
    """The README's table of the ops the policies draw from, on gray and RGB images with class labels and on RGB
    frames with a steering angle (Markdown rows, the header first)."""
    steering = Target("steering", LabelSpec(kind="steering_angle", flip="negate", shift_gain=0.01))
    cases = [(Target(None, None), (32, 32)), (Target(None, None), (32, 32, 3)), (steering, (32, 32, 3))]
    kept = [{c.name for c in usable(target, shape)} for target, shape in cases]
    rows = [
        "| op | what | gray, classes | RGB, classes | steering (RGB, shift_gain) | in the AugMix approximation |",
        "|---|---|---|---|---|---|",
    ]
    for c in CANDIDATES:
        marks = " | ".join("yes" if c.name in each else "—" for each in kept)
        rows.append(f"| {c.name} | {c.what} | {marks} | {'yes' if c.augmix else '—'} |")
    return rows
