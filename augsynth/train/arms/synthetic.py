"""Arms that train on generated samples the gates kept: alone (train on synthetic, test on real), or added to the
augmented arm's rows."""

from __future__ import annotations

from augsynth.core.errors import SpecError
from augsynth.core.kinds import EXPANDED, Origin
from augsynth.spec.schema import Spec
from augsynth.train.arms.base import ARMS, Arm, require_augmentation


def require_generators(spec: Spec, name: str) -> None:
    if not spec.generate:
        raise SpecError(
            "train.arms",
            f"the '{name}' arm trains on generated samples, but 'generate' is empty",
            fix="add a generator, e.g. generate: [{kind: cvae, per_class: 50}], or drop the arm",
        )


@ARMS.register("synthetic")
class Synthetic(Arm):
    """Generated samples only."""

    origins = (Origin.SYNTHETIC,)

    def check(self, spec: Spec) -> None:
        require_generators(spec, self.name)


@ARMS.register("augmented+synthetic")
class AugmentedSynthetic(Arm):
    """The augmented arm's rows plus the generated samples."""

    origins = (*EXPANDED, Origin.SYNTHETIC)

    def check(self, spec: Spec) -> None:
        require_augmentation(spec, self.name)
        require_generators(spec, self.name)
