"""The pretrained arm: the baseline's rows, with the encoder first trained as an autoencoder."""

from __future__ import annotations

import numpy as np

from augsynth.core.errors import SpecError
from augsynth.data.arrays import ArrayData
from augsynth.spec.schema import Spec
from augsynth.train.arms.base import ARMS, Arm, ArmContext, ArmInputs

ENCODER_MODELS = ("small-cnn", "small-cnn-gap")  # the models whose conv trunk train.pretrain knows


@ARMS.register("pretrained")
class Pretrained(Arm):
    """Pretrains on the train split (plus the kept synthetic samples with ``train.pretrain_synthetic``)."""

    classical = False  # the baseline's rows: the classical model would repeat the baseline

    def check(self, spec: Spec) -> None:
        train = spec.train
        if train.pretrain is None:
            raise SpecError(
                "train.arms",
                "the 'pretrained' arm and train.pretrain go together",
                fix="set train.pretrain: autoencoder and list 'pretrained' in train.arms (or neither)",
            )
        if train.model not in ENCODER_MODELS:
            raise SpecError(
                "train.pretrain",
                f"autoencoder pretraining needs a small-cnn encoder, not {train.model}",
                fix="use model small-cnn or small-cnn-gap, or remove train.pretrain",
            )

    def inputs(self, context: ArmContext) -> ArmInputs:
        images = context.rows(self.name)
        if context.spec.train.pretrain_synthetic:
            synthetic = context.rows("synthetic")
            images = ArrayData(
                np.concatenate([images.images, synthetic.images]), np.concatenate([images.labels, synthetic.labels])
            )
        return ArmInputs(context.rows(self.name), context.val, context.test, pretrain=images)
