"""Arms whose copies come from another pipeline than the spec's: the per-entry ablation (``train.ablation``: the
pipeline without one top-level entry) and the automatic-policy references (TrivialAugment, RandAugment, an AugMix
approximation, built from augsynth's ops).

Each such arm has a derived spec (``expansion``): the replicate's spec with another pipeline, the same copies,
seed and train subset, and no generators. Its expansion lives under the replicate's folder, ``arms/<dir>``
(``arm_dir``), cached and resumed as every expansion is; the arm trains on its originals and copies.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from augsynth.core.errors import SpecError
from augsynth.core.kinds import EXPANDED
from augsynth.data import payload_format
from augsynth.image.policies import policy_ops
from augsynth.image.sizes import check_shape_preserved
from augsynth.spec.schema import Spec
from augsynth.train.arms.base import ARMS, Arm, ArmContext, ArmInputs, arm, require_augmentation

WITHOUT = "augmented-without"
POLICY_TEXT = {
    "trivialaugment": "TrivialAugment: one op per copy drawn uniformly from the policy's list, magnitude uniform",
    "randaugment": "RandAugment: {n} ops per copy from the policy's list at magnitude {m} of 30",
    "augmix": "AugMix approximation: one chain of 1-3 light ops per copy (no mixing of chains, no JS loss)",
}


def entry_names(ops: list[dict[str, Any]]) -> list[str]:
    """A name per top-level entry: its op (or composition) name, ``#2``, ``#3`` ... where a name repeats."""
    names, seen = [], {}
    for op in ops:
        seen[op["op"]] = seen.get(op["op"], 0) + 1
        names.append(op["op"] if seen[op["op"]] == 1 else f"{op['op']}#{seen[op['op']]}")
    return names


def _pipeline(spec: Spec) -> list[dict[str, Any]]:
    return spec.augment.text if spec.dataset.is_text else spec.augment.image


def ablation_arms(spec: Spec) -> list[str]:
    """The ``augmented-without:NAME`` arms ``train.ablation`` adds, one per top-level entry (none without it)."""
    if not spec.train.ablation:
        return []
    return [f"{WITHOUT}:{name}" for name in entry_names(_pipeline(spec))]


def benchmark_arms(spec: Spec) -> list[str]:
    """Every arm a run trains at the main size: ``train.arms``, then the ablation arms."""
    return [*spec.train.arms, *ablation_arms(spec)]


def check_ablation(spec: Spec) -> None:
    """``train.ablation`` needs the augmented arm to pair with and at least two entries to leave out."""
    if not spec.train.ablation:
        return
    section = "text" if spec.dataset.is_text else "image"
    if "augmented" not in spec.train.arms:
        raise SpecError(
            "train.ablation",
            "the ablation pairs each augmented-without:NAME arm with the 'augmented' arm, which train.arms lacks",
            fix="add 'augmented' to train.arms, or remove train.ablation",
        )
    if len(_pipeline(spec)) < 2:
        raise SpecError(
            "train.ablation",
            f"the ablation leaves out one top-level entry of augment.{section} at a time; it has "
            f"{len(_pipeline(spec))}, and without its only entry there is nothing left to augment with",
            fix=f"give augment.{section} at least two entries, or remove train.ablation",
        )


def check_derived(spec: Spec, shape: tuple[int, ...] | None) -> None:
    """Every derived arm's pipeline builds, and (for images of a known ``shape``) keeps the image size: leaving out
    an entry may leave a crop without the Resize after it."""
    for name in benchmark_arms(spec):
        kind = arm(name)
        if isinstance(kind, DerivedArm):
            ops = kind.pipeline(spec)
            if shape is not None and not spec.dataset.is_text:
                check_shape_preserved(ops, shape)


def arm_dir(out_dir: Path, name: str) -> Path:
    """Where a derived arm's expansion lives under a replicate's folder: ``arms/<name>`` (``:`` and ``#`` spelled
    ``-``, ``augmented-without:Affine#2`` -> ``arms/augmented-without-Affine-2``)."""
    return Path(out_dir) / "arms" / name.replace(":", "-").replace("#", "-")


class DerivedArm(Arm):
    """An arm on the originals and the copies of its own pipeline, expanded under ``arm_dir``."""

    origins = EXPANDED
    classical = False  # its rows are in its own expansion, not the replicate's

    def pipeline(self, spec: Spec) -> list[dict[str, Any]]:
        """The ``augment.image`` (or ``augment.text``) its copies are made by."""
        raise NotImplementedError

    def expansion(self, spec: Spec) -> Spec:
        """The replicate's spec with this arm's pipeline: same copies, seed and data, no generators."""
        key = "text" if spec.dataset.is_text else "image"
        augment = spec.augment.model_copy(update={key: self.pipeline(spec)})
        return spec.model_copy(update={"augment": augment, "generate": []})

    def inputs(self, context: ArmContext) -> ArmInputs:
        own = ArmContext(self.expansion(context.spec), arm_dir(context.out_dir, self.name), context.val, context.test)
        return ArmInputs(own.rows("augmented"), context.val, context.test)


@ARMS.register(WITHOUT)
class AugmentedWithout(DerivedArm):
    """``augmented-without:NAME``: the spec's pipeline without one top-level entry (``train.ablation`` adds them)."""

    def check(self, spec: Spec) -> None:
        if self.name == WITHOUT:
            raise SpecError(
                "train.arms",
                f"the {WITHOUT}:NAME arms are added by train.ablation, one per top-level entry",
                fix=f"remove '{WITHOUT}' and set train.ablation: true",
            )

    def pipeline(self, spec: Spec) -> list[dict[str, Any]]:
        ops = _pipeline(spec)
        left_out = entry_names(ops).index(self.name.split(":", 1)[1])
        return [op for i, op in enumerate(ops) if i != left_out]

    def describe(self, spec: Spec) -> str | None:
        return f"the augmented arm's pipeline without {self.name.split(':', 1)[1]}"


class PolicyArm(DerivedArm):
    """An automatic policy's copies (``augsynth.image.policies``), for the comparison with the spec's pipeline."""

    def check(self, spec: Spec) -> None:
        if spec.dataset.is_text:
            raise SpecError(
                "train.arms", f"the '{self.name}' arm is an image augmentation policy", fix=f"remove '{self.name}'"
            )
        require_augmentation(spec, self.name)  # the same copies as the augmented arm
        if spec.dataset.size_hw is None:
            raise SpecError(
                "dataset.image_size",
                f"the '{self.name}' policy's ops are checked on the data set's image size, which is not given",
                fix="set dataset.image_size",
            )

    def pipeline(self, spec: Spec) -> list[dict[str, Any]]:
        fmt = payload_format(spec.dataset)
        shape = fmt.size_hw if fmt.channels == 1 else (*fmt.size_hw, 3)
        policy = spec.train.randaugment
        return policy_ops(self.name, spec.target, shape, policy.n, policy.m)

    def describe(self, spec: Spec) -> str | None:
        return POLICY_TEXT[self.name].format(n=spec.train.randaugment.n, m=spec.train.randaugment.m)


for _name in POLICY_TEXT:
    ARMS.add(_name, PolicyArm)
