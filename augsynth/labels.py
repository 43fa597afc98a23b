"""Label kinds and the rules, keyed by (op, label kind), that say how each image op changes a label.

A rule is looked up when the spec is validated: an op with no rule for the target's kind is refused there, never
applied silently. At expansion time the rules of the ops that actually fired are applied in order, reading the
parameters albumentations sampled for that sample (a shift's ``dx``), so the label follows the image exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, model_validator

from augsynth.errors import SpecError
from augsynth.image_ops import IMAGE_OPS
from augsynth.registry import Registry, UnknownName

LabelKind = Literal["class", "steering_angle", "scalar", "topic", "sentiment"]
REGRESSION_KINDS = ("steering_angle", "scalar")
TEXT_KINDS = ("topic", "sentiment")
FLIP_DEFAULTS = {"steering_angle": "negate", "scalar": "refuse"}


class LabelSpec(BaseModel):
    """A declared label: a regression target (how flips and shifts change it) or a text label kind (what to keep)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["steering_angle", "scalar", "topic", "sentiment"]
    flip: Literal["negate", "keep", "refuse"] | None = None
    shift_gain: float | None = None
    range: tuple[float, float] | None = None
    protect: list[str] = []

    @model_validator(mode="after")
    def _fields_fit_the_kind(self) -> LabelSpec:
        if self.range is not None and self.range[0] >= self.range[1]:
            raise ValueError("range must be [low, high] with low < high")
        image_fields = [name for name in ("flip", "shift_gain", "range") if getattr(self, name) is not None]
        if self.kind in TEXT_KINDS and image_fields:
            raise ValueError(f"{', '.join(image_fields)} only apply to steering_angle and scalar labels")
        if self.kind in REGRESSION_KINDS and self.protect:
            raise ValueError("protect (tokens text ops must not touch) only applies to topic and sentiment labels")
        return self

    @property
    def flip_mode(self) -> str:
        return self.flip or FLIP_DEFAULTS.get(self.kind, "refuse")


@dataclass(frozen=True)
class Target:
    """The label an op acts on: its name in ``labels`` (None for class labels) and its declaration."""

    name: str | None
    spec: LabelSpec | None

    @property
    def kind(self) -> str:
        return self.spec.kind if self.spec else "class"


class LabelRule:
    """How one op changes a label of one kind. ``check`` runs at load; ``apply`` on each sample."""

    name = "invariant"

    def check(self, op: dict[str, Any], target: Target, path: str) -> None:
        """Raise SpecError when the rule cannot be used with this op entry and target."""

    def apply(self, label: float, params: dict[str, Any], target: Target) -> tuple[float, str | None]:
        """The label after the op, and a provenance note (None when unchanged)."""
        return label, None


class FlipRule(LabelRule):
    """A horizontal flip mirrors left and right: negate (steering), keep, or refuse, as the target declares."""

    name = "flip"

    def check(self, op: dict[str, Any], target: Target, path: str) -> None:
        if target.spec.flip_mode == "refuse":
            raise SpecError(f"{path}.op", f"{op['op']} on the {target.kind} label '{target.name}': augsynth does not "
                            "know whether a mirror image changes this label",
                            fix=f"declare labels.{target.name}.flip: negate | keep, or remove the op")

    def apply(self, label: float, params: dict[str, Any], target: Target) -> tuple[float, str | None]:
        if target.spec.flip_mode == "negate":
            return -label, "flip: negate"
        return label, None


class ShiftRule(LabelRule):
    """A horizontal shift of dx pixels adds ``shift_gain * dx`` (dx read from the parameters actually sampled)."""

    name = "shift"

    def check(self, op: dict[str, Any], target: Target, path: str) -> None:
        if target.spec.shift_gain is None:
            raise SpecError(f"{path}.op", f"{op['op']} shifts the image sideways, which changes the {target.kind} "
                            f"label '{target.name}' by shift_gain * dx, but labels.{target.name}.shift_gain is not set",
                            fix=f"set labels.{target.name}.shift_gain (label units per pixel); "
                                "`augsynth calibrate SPEC --write` estimates it")

    def apply(self, label: float, params: dict[str, Any], target: Target) -> tuple[float, str | None]:
        dx = self.dx(params)
        if dx == 0:
            return label, None
        return label + target.spec.shift_gain * dx, f"shift: {target.spec.shift_gain:+.6g} * dx({dx:+g})"

    @staticmethod
    def dx(params: dict[str, Any]) -> float:
        return float(params["dx"])


class AffineShiftRule(ShiftRule):
    """Affine counts as a shift only when it can do nothing but translate along x."""

    _IDENTITY = {"rotate": 0, "scale": 1, "shear": 0}

    def check(self, op: dict[str, Any], target: Target, path: str) -> None:
        for key, neutral in self._IDENTITY.items():
            if key in op and not _is_constant(op[key], neutral):
                raise SpecError(f"{path}.{key}", f"Affine with {key} changes the {target.kind} label '{target.name}' "
                                "in a way augsynth has no rule for; only a pure horizontal shift is adjusted",
                                fix="use ShiftX (or Affine with translate_px: {x: [-20, 20], y: 0} only), "
                                    "or add label_invariant: true if you are sure the label does not change")
        translate = op.get("translate_px", op.get("translate_percent"))
        if not (isinstance(translate, dict) and _is_constant(translate.get("y", 0), 0)):
            raise SpecError(f"{path}", f"Affine on the {target.kind} label '{target.name}' must translate along x "
                            "only, so that the label can follow the shift",
                            fix="write translate_px: {x: [-20, 20], y: 0}")
        super().check(op, target, path)

    @staticmethod
    def dx(params: dict[str, Any]) -> float:
        return float(params["matrix"][0][2])


def _is_constant(value: Any, neutral: float) -> bool:
    """True when an albumentations range parameter can only take the neutral value."""
    if isinstance(value, dict):
        return all(_is_constant(v, neutral) for v in value.values())
    values = value if isinstance(value, (list, tuple)) else [value]
    return all(float(v) == neutral for v in values)


LABEL_RULES: Registry[LabelRule] = Registry("label rule")


def _key(op: str, kind: str) -> str:
    return f"{op}/{kind}"


for _op in IMAGE_OPS:
    LABEL_RULES.add(_key(_op, "class"), LabelRule())
    if IMAGE_OPS.get(_op).effect == "photometric":
        for _kind in REGRESSION_KINDS:
            LABEL_RULES.add(_key(_op, _kind), LabelRule())
for _kind in REGRESSION_KINDS:
    LABEL_RULES.add(_key("HorizontalFlip", _kind), FlipRule())
    LABEL_RULES.add(_key("ShiftX", _kind), ShiftRule())
    LABEL_RULES.add(_key("Affine", _kind), AffineShiftRule())


def rule_for(op: dict[str, Any], target: Target, path: str) -> LabelRule:
    """The checked rule of one op entry for the target; SpecError when there is none."""
    if op.get("label_invariant"):
        return LabelRule()
    try:
        rule = LABEL_RULES.get(_key(op["op"], target.kind))
    except UnknownName:
        raise SpecError(f"{path}.op", f"{op['op']} has no rule for the {target.kind} label '{target.name}': augsynth "
                        f"does not know how it changes a {target.kind}, so it will not apply it silently",
                        fix="remove the op; or, if you are sure it leaves the label unchanged, add "
                            "label_invariant: true to it (flips and sideways shifts are adjusted through "
                            f"labels.{target.name}.flip and shift_gain)") from None
    rule.check(op, target, path)
    return rule


class LabelAdjuster:
    """Applies the rules of the ops that fired, in order, then clips to the declared range."""

    def __init__(self, ops: list[dict[str, Any]], target: Target):
        self.ops = [op["op"] for op in ops]
        self.rules = [rule_for(op, target, f"augment.image[{i}]") for i, op in enumerate(ops)]
        self.target = target

    def adjust(self, label: float, applied: list[dict[str, Any]]) -> tuple[float, list[str]]:
        """The label after the applied ops (``applied`` is in order, a subsequence of the pipeline's ops)."""
        notes = []
        position = 0
        for params in applied:
            while self.ops[position] != params["op"]:
                position += 1
            label, note = self.rules[position].apply(label, params, self.target)
            position += 1
            if note:
                notes.append(f"{params['op']}: {note}")
        bounds = self.target.spec.range if self.target.spec else None
        if bounds is not None and not bounds[0] <= label <= bounds[1]:
            label = float(np.clip(label, *bounds))
            notes.append(f"clipped to [{bounds[0]:g}, {bounds[1]:g}]")
        return label, notes
