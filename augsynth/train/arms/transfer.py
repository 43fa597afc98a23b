"""The transfer arm: a head trained on frozen pretrained features of the unaugmented train split."""

from __future__ import annotations

import importlib.util

from augsynth.core.errors import SpecError
from augsynth.spec.schema import Spec
from augsynth.train.arms.base import ARMS, Arm, ArmContext, ArmInputs
from augsynth.train.transfer import HEAD_MODEL, INSTALL, PACKAGES, embedded


@ARMS.register("transfer")
class Transfer(Arm):
    """A linear head on frozen pretrained features of the unaugmented train split: sentence embeddings of texts
    (the packaged all-MiniLM-L6-v2), or EfficientNet-Lite0's pooled ImageNet features of images."""

    classical = False  # its inputs are embeddings; the classical model on its rows would repeat the baseline

    def check(self, spec: Spec) -> None:
        if not spec.dataset.is_text:
            from augsynth.train.backbones import check_backbone  # torch loads only once the schema checks pass

            check_backbone(spec.train.weights)
            return
        missing = [name for name in PACKAGES if importlib.util.find_spec(name) is None]
        if missing:
            raise SpecError(
                "train.arms",
                f"the 'transfer' arm embeds texts with the packaged all-MiniLM-L6-v2 "
                f"model; missing: {', '.join(missing)}",
                fix=f"{INSTALL}, or drop 'transfer'",
            )

    def inputs(self, context: ArmContext) -> ArmInputs:
        splits = (context.rows(self.name), context.val, context.test)
        if context.spec.dataset.is_text:
            train, val, test = (embedded(data, context.device) for data in splits)
        else:
            from augsynth.train.backbones import activations  # the backbone packages load only for this arm

            size, weights = context.spec.train.backbone_size, context.spec.train.weights
            train, val, test = (
                activations(data, size, str(weights) if weights else None, pooled=True) for data in splits
            )
        return ArmInputs(train, val, test, model=HEAD_MODEL)

    def describe(self, spec: Spec) -> str | None:
        if spec.dataset.is_text:
            return "a linear head on frozen all-MiniLM-L6-v2 sentence embeddings"
        source = spec.train.weights or "ImageNet weights"
        return f"a linear head on frozen EfficientNet-Lite0 ({source}) features of {spec.train.backbone_size} px inputs"
