"""Arms that train on real rows: the unaugmented baseline, the augmented copies, and those copies with their labels
left unadjusted (what skipping the label rules costs)."""

from __future__ import annotations

from augsynth.core.errors import SpecError
from augsynth.core.kinds import EXPANDED, Task
from augsynth.spec.schema import Spec
from augsynth.train.arms.base import ARMS, Arm, require_augmentation


@ARMS.register("baseline")
class Baseline(Arm):
    """The training split as it is: every gain is measured against it."""

    in_learning_curve = True


@ARMS.register("augmented")
class Augmented(Arm):
    """The originals plus their augmented copies (and side-camera views), labels adjusted by the label rules."""

    origins = EXPANDED
    in_learning_curve = True

    def check(self, spec: Spec) -> None:
        require_augmentation(spec, self.name)


@ARMS.register("naive")
class Naive(Arm):
    """The augmented arm's images with the labels they had before adjustment."""

    origins = EXPANDED
    label_column = "label_before"

    def check(self, spec: Spec) -> None:
        if spec.dataset.task != Task.REGRESSION:
            raise SpecError(
                "train.arms",
                "the 'naive' arm (augmented images with unadjusted labels) only exists "
                "for regression targets; class labels are never adjusted",
                fix="remove 'naive'",
            )
        require_augmentation(spec, self.name)
