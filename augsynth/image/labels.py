"""Label kinds and the rules, keyed by (op, label kind), that say how each image op changes a label.

A rule is looked up when the spec is validated: an op with no rule for the target's kind is refused there, never
applied silently. At expansion time the rules of the ops that actually fired are applied in order, reading the
parameters albumentations sampled for that sample (a shift's ``dx``), so the label follows the image exactly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from augsynth.core.errors import SpecError
from augsynth.core.kinds import REGRESSION_KINDS, LabelKind
from augsynth.core.registry import Registry
from augsynth.image.catalogue import IMAGE_OPS
from augsynth.image.ops import leaves
from augsynth.spec.schema import Target


class LabelRule:
    """How one op changes a label of one kind. ``check`` runs at load; ``apply`` on each sample."""

    name = "invariant"

    def check(self, op: dict[str, Any], target: Target, path: str) -> None:
        """Raise SpecError when the rule cannot be used with this op entry and target."""

    def apply(self, label: float, params: dict[str, Any], target: Target) -> tuple[float, str | None]:
        """The label after the op, and a provenance note (None when unchanged)."""
        return label, None


INVARIANT = LabelRule()
LABEL_RULES: Registry[LabelRule] = Registry("label rule")  # keyed "op/label kind"


def _key(op: str, kind: str) -> str:
    return f"{op}/{kind}"


def label_rule(op: str, *kinds: str) -> Callable[[type[LabelRule]], type[LabelRule]]:
    """Class decorator: ``op`` changes labels of each of ``kinds`` as this rule says."""

    def register(rule: type[LabelRule]) -> type[LabelRule]:
        for kind in kinds:
            LABEL_RULES.add(_key(op, kind), rule())
        return rule

    return register


@label_rule("HorizontalFlip", *REGRESSION_KINDS)
class FlipRule(LabelRule):
    """A horizontal flip mirrors left and right: negate (steering), keep, or refuse, as the target declares."""

    name = "flip"

    def check(self, op: dict[str, Any], target: Target, path: str) -> None:
        if target.spec.flip_mode == "refuse":
            raise SpecError(
                f"{path}.op",
                f"{op['op']} on the {target.kind} label '{target.name}': augsynth does not "
                "know whether a mirror image changes this label",
                fix=f"declare labels.{target.name}.flip: negate | keep, or remove the op",
            )

    def apply(self, label: float, params: dict[str, Any], target: Target) -> tuple[float, str | None]:
        if target.spec.flip_mode == "negate":
            return -label, "flip: negate"
        return label, None


@label_rule("ShiftX", *REGRESSION_KINDS)
class ShiftRule(LabelRule):
    """A horizontal shift of dx pixels adds ``shift_gain * dx`` (dx read from the parameters actually sampled)."""

    name = "shift"

    def check(self, op: dict[str, Any], target: Target, path: str) -> None:
        if target.spec.shift_gain is None:
            raise SpecError(
                f"{path}.op",
                f"{op['op']} shifts the image sideways, which changes the {target.kind} "
                f"label '{target.name}' by shift_gain * dx, but labels.{target.name}.shift_gain is not set",
                fix=f"set labels.{target.name}.shift_gain (label units per pixel); "
                "`augsynth calibrate SPEC --write` estimates it",
            )

    def apply(self, label: float, params: dict[str, Any], target: Target) -> tuple[float, str | None]:
        dx = self.dx(params)
        if dx == 0:
            return label, None
        return label + target.spec.shift_gain * dx, f"shift: {target.spec.shift_gain:+.6g} * dx({dx:+g})"

    @staticmethod
    def dx(params: dict[str, Any]) -> float:
        return float(params["dx"])


@label_rule("Affine", *REGRESSION_KINDS)
class AffineShiftRule(ShiftRule):
    """Affine counts as a shift only when it can do nothing but translate along x."""

    _IDENTITY = {"rotate": 0, "scale": 1, "shear": 0}

    def check(self, op: dict[str, Any], target: Target, path: str) -> None:
        for key, neutral in self._IDENTITY.items():
            if key in op and not _is_constant(op[key], neutral):
                raise SpecError(
                    f"{path}.{key}",
                    f"Affine with {key} changes the {target.kind} label '{target.name}' "
                    "in a way augsynth has no rule for; only a pure horizontal shift is adjusted",
                    fix="use ShiftX (or Affine with translate_px: {x: [-20, 20], y: 0} only), "
                    "or add label_invariant: true if you are sure the label does not change",
                )
        translate = op.get("translate_px", op.get("translate_percent"))
        if not (isinstance(translate, dict) and _is_constant(translate.get("y", 0), 0)):
            raise SpecError(
                f"{path}",
                f"Affine on the {target.kind} label '{target.name}' must translate along x "
                "only, so that the label can follow the shift",
                fix="write translate_px: {x: [-20, 20], y: 0}",
            )
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


def rule_for(op: dict[str, Any], target: Target, path: str) -> LabelRule:
    """The checked rule of one op entry for the target, looked up when called: a registered (op, label kind) rule;
    else unchanged for a class label or a photometric op; else a SpecError (never applied silently)."""
    if op.get("label_invariant"):
        return INVARIANT
    rule = LABEL_RULES.get(_key(op["op"], target.kind)) if _key(op["op"], target.kind) in LABEL_RULES else None
    if rule is None and (target.kind == LabelKind.CLASS or IMAGE_OPS.get(op["op"]).effect == "photometric"):
        rule = INVARIANT
    if rule is None:
        raise SpecError(
            f"{path}.op",
            f"{op['op']} has no rule for the {target.kind} label '{target.name}': augsynth "
            f"does not know how it changes a {target.kind}, so it will not apply it silently",
            fix="remove the op; or, if you are sure it leaves the label unchanged, add "
            "label_invariant: true to it (flips and sideways shifts are adjusted through "
            f"labels.{target.name}.flip and shift_gain)",
        )
    rule.check(op, target, path)
    return rule


class LabelAdjuster:
    """Applies the rules of the ops that fired, in order, then clips to the declared range."""

    def __init__(self, ops: list[dict[str, Any]], target: Target):
        self.leaves = leaves(ops)
        self.rules = [rule_for(leaf.entry, target, leaf.path) for leaf in self.leaves]
        self.target = target
        self.bounds = target.spec.range if target.spec else None
        self.changes_labels = self.bounds is not None or any(rule is not INVARIANT for rule in self.rules)

    def adjust(self, label: Any, fired: list[tuple[int, str, dict[str, Any]]]) -> tuple[Any, list[str]]:
        """The label after the ops that fired: (leaf index, name, sampled parameters) in the order they ran."""
        if not self.changes_labels:
            return label, []
        notes = []
        for position, name, params in fired:
            label, note = self.rules[position].apply(label, params, self.target)
            if note:
                notes.append(f"{name}: {note}")
        bounds = self.bounds
        if bounds is not None and not bounds[0] <= label <= bounds[1]:
            label = float(np.clip(label, *bounds))
            notes.append(f"clipped to [{bounds[0]:g}, {bounds[1]:g}]")
        return label, notes
