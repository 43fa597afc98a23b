"""Trainer-side recipes for small data, each an arm on the baseline's rows: the cosine loss (Barz & Denzler 2020),
cosine + cross-entropy, MixUp and CutMix (soft labels)."""

from __future__ import annotations

from augsynth.core.errors import SpecError
from augsynth.core.kinds import Task
from augsynth.spec.schema import Spec
from augsynth.train.arms.base import ARMS, Arm, ArmContext, ArmInputs

LOSS_ARMS = {"cosine": "cosine", "cosine+ce": "cosine_ce"}
LOSS_TEXT = {"cosine": "cosine loss", "cosine_ce": "cosine loss + 0.1 x cross-entropy"}


class LossArm(Arm):
    """The baseline's rows trained with another classification loss."""

    def check(self, spec: Spec) -> None:
        if spec.dataset.task == Task.REGRESSION:
            raise SpecError(
                "train.arms",
                f"the '{self.name}' arm compares classification losses; this is a regression target",
                fix=f"remove '{self.name}'",
            )

    def inputs(self, context: ArmContext) -> ArmInputs:
        return ArmInputs(context.rows(self.name), context.val, context.test, changes={"loss": LOSS_ARMS[self.name]})

    def describe(self, spec: Spec) -> str | None:
        return LOSS_TEXT[LOSS_ARMS[self.name]]


for _name in LOSS_ARMS:
    ARMS.add(_name, LossArm)


class MixArm(Arm):
    """The baseline's rows with every batch mixed: MixUp (whole images) or CutMix (a pasted box)."""

    def check(self, spec: Spec) -> None:
        if spec.dataset.is_text:
            raise SpecError("train.arms", f"the '{self.name}' arm mixes images", fix=f"remove '{self.name}'")
        if spec.dataset.task == Task.REGRESSION and not (spec.target.spec and spec.target.spec.mixes_linearly):
            raise SpecError(
                "train.arms",
                f"'{self.name}' mixes two images and their labels with one weight; augsynth does not know whether "
                f"the {spec.target.kind} label '{spec.target.name}' mixes linearly (a steering angle of a blend of "
                "two frames is not the blend of their angles)",
                fix=f"declare labels.{spec.target.name}.mixes_linearly: true if it does, or remove '{self.name}'",
            )

    def inputs(self, context: ArmContext) -> ArmInputs:
        return ArmInputs(context.rows(self.name), context.val, context.test, changes={"mix": self.name})

    def describe(self, spec: Spec) -> str | None:
        alpha = spec.train.mixup_alpha if self.name == "mixup" else spec.train.cutmix_alpha
        what = "MixUp" if self.name == "mixup" else "CutMix"
        return f"{what} of every batch with a shuffled copy, weight ~ Beta({alpha:g}, {alpha:g}), labels mixed alike"


for _name in ("mixup", "cutmix"):
    ARMS.add(_name, MixArm)
