"""Arms that start from the pretrained EfficientNet-Lite0: its last blocks fine-tuned on the real rows, or on the
real rows and their augmented copies (the augmentation the spec describes, one activation per stored copy)."""

from __future__ import annotations

from augsynth.core.errors import SpecError
from augsynth.core.kinds import EXPANDED
from augsynth.spec.schema import Spec
from augsynth.train.arms.base import ARMS, Arm, ArmContext, ArmInputs, require_augmentation
from augsynth.train.backbones import Tail

TAIL_MODEL = "efficientnet-lite0-tail"


def require_image_backbone(spec: Spec, name: str) -> None:
    """The backbone arms read RGB or gray images and need the backbone packages (checked at load)."""
    from augsynth.train.backbones import check_backbone  # torch loads only once the schema checks pass

    if spec.dataset.is_text:
        raise SpecError(
            "train.arms",
            f"the '{name}' arm fine-tunes a pretrained image backbone; this is a text data set",
            fix=f"remove '{name}' (text data sets have the 'transfer' arm)",
        )
    check_backbone(spec.train.weights)


@ARMS.register("finetune")
class Finetune(Arm):
    """The last four blocks of EfficientNet-Lite0 and a new classifier, trained on the unaugmented rows at a tenth
    of the spec's learning rate (the classifier at the full rate)."""

    classical = False  # its inputs are backbone activations

    def check(self, spec: Spec) -> None:
        require_image_backbone(spec, self.name)

    def inputs(self, context: ArmContext) -> ArmInputs:
        from augsynth.train.backbones import activations  # the backbone packages load only for these arms

        train = context.spec.train
        weights = str(train.weights) if train.weights else None
        train_rows, val, test = (
            activations(data, train.backbone_size, weights, pooled=False)
            for data in (context.rows(self.name), context.val, context.test)
        )
        return ArmInputs(train_rows, val, test, model=TAIL_MODEL)

    def describe(self, spec: Spec) -> str | None:
        source = spec.train.weights or "ImageNet weights"
        return (
            f"EfficientNet-Lite0 ({source}) at {spec.train.backbone_size} px: first 12 blocks frozen, last 4 and "
            f"the head convolution at {Tail.lr_scale:g} x train.lr, a new linear classifier at train.lr"
        )


@ARMS.register("finetune+augmented")
class FinetuneAugmented(Finetune):
    """As ``finetune``, on the originals and their augmented copies."""

    origins = EXPANDED

    def check(self, spec: Spec) -> None:
        require_augmentation(spec, self.name)
        super().check(spec)
