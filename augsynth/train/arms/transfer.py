"""The transfer arm for text: a head trained on frozen sentence embeddings of the unaugmented train split."""

from __future__ import annotations

import importlib.util

from augsynth.core.errors import SpecError
from augsynth.spec.schema import Spec
from augsynth.train.arms.base import ARMS, Arm, ArmContext, ArmInputs
from augsynth.train.transfer import HEAD_MODEL, INSTALL, PACKAGES, embedded


@ARMS.register("transfer")
class Transfer(Arm):
    """Embeds train, validation and test texts with the packaged all-MiniLM-L6-v2 model."""

    classical = False  # its inputs are embeddings; the classical model on its rows would repeat the baseline

    def check(self, spec: Spec) -> None:
        if not spec.dataset.is_text:
            raise SpecError(
                "train.arms",
                "the 'transfer' arm (frozen sentence embeddings) is for text data sets",
                fix="remove 'transfer', or use a text-classification data set",
            )
        missing = [name for name in PACKAGES if importlib.util.find_spec(name) is None]
        if missing:
            raise SpecError(
                "train.arms",
                f"the 'transfer' arm embeds texts with the packaged all-MiniLM-L6-v2 "
                f"model; missing: {', '.join(missing)}",
                fix=f"{INSTALL}, or drop 'transfer'",
            )

    def inputs(self, context: ArmContext) -> ArmInputs:
        train, val, test = (
            embedded(data, context.device) for data in (context.rows(self.name), context.val, context.test)
        )
        return ArmInputs(train, val, test, model=HEAD_MODEL)
