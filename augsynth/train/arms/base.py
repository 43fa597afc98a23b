"""What an arm is: the rows it trains on, what it requires of a spec, and how its training inputs are built.

An arm is one class registered in ``ARMS`` with ``@ARMS.register(name)``, in the module that defines it; the spec
accepts every registered name in ``train.arms``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from PIL import Image

from augsynth.core.errors import DataError, SpecError
from augsynth.core.kinds import Origin, Verdict
from augsynth.core.registry import Registry, UnknownName
from augsynth.data.arrays import ArrayData
from augsynth.data.shards import read_shards
from augsynth.spec.schema import Spec


@dataclass(frozen=True)
class ArmInputs:
    """Everything one training run of an arm reads: its train rows, the held-out splits, and the arm's extras."""

    train: ArrayData
    val: ArrayData
    test: ArrayData
    model: str | None = None  # another model than train.model (the transfer arm's head)
    pretrain: ArrayData | None = None  # images to pretrain the encoder on as an autoencoder (the pretrained arm)
    changes: dict[str, Any] = field(default_factory=dict)  # train.* settings its runs use instead (loss, mix)

    @property
    def settings(self) -> dict[str, Any]:
        """Every train.* setting its runs change: the model, and the arm's own."""
        return {**({"model": self.model} if self.model else {}), **self.changes}


@dataclass
class ArmContext:
    """What building an arm's inputs may read: the spec, the expansion in ``out_dir``, the decoded validation and
    test splits, and the training device. Rows are read from the shards once per (origins, label column,
    generator), so arms that train on the same rows share one array."""

    spec: Spec
    out_dir: Path
    val: ArrayData
    test: ArrayData
    device: str = "cpu"
    _rows: dict[tuple, ArrayData] = field(default_factory=dict, repr=False)

    def rows(self, arm: str, generator: str | None = None) -> ArrayData:
        """The rows the registered ``arm`` trains on (only ``generator``'s synthetic ones, when given)."""
        kind = ARMS.get(arm)
        key = (kind.origins, kind.label_column, generator)
        if key not in self._rows:
            self._rows[key] = arm_data(self.out_dir, arm, self.spec.dataset.is_text, generator)
        return self._rows[key]


class Arm:
    """The baseline's behaviour; a registered subclass overrides what differs. ``check`` refuses a spec the arm
    cannot run on (a SpecError naming the spec path and the fix); ``inputs`` builds its training inputs."""

    origins: ClassVar[tuple[Origin, ...]] = (Origin.ORIGINAL,)  # the row origins it trains on
    label_column: ClassVar[str] = "label"  # the label it trains with (``label_before``: unadjusted)
    in_learning_curve: ClassVar[bool] = False  # also trained at every learning-curve size
    classical: ClassVar[bool] = True  # for text, the classical model is trained on its rows too

    def __init__(self, name: str):
        self.name = name

    def check(self, spec: Spec) -> None:
        """Raise SpecError when the spec cannot run this arm."""

    def inputs(self, context: ArmContext) -> ArmInputs:
        return ArmInputs(context.rows(self.name), context.val, context.test)

    def describe(self, spec: Spec) -> str | None:
        """How its runs differ from the baseline's besides their rows, for the report (None: only the rows)."""
        return None


ARMS: Registry[type[Arm]] = Registry("arm")


def arm(name: str) -> Arm:
    """The registered arm of that name; ``kind:NAME`` (``augmented-without:Affine``) is an arm of kind ``kind``."""
    try:
        return ARMS.get(name)(name)
    except UnknownName:
        if ":" not in name:
            raise
        return ARMS.get(name.split(":", 1)[0])(name)


def generator_arm(name: str, generator: str) -> str:
    """The key of an arm trained on one generator's kept samples only (``synthetic:cvae``)."""
    return f"{name}:{generator}"


def require_augmentation(spec: Spec, name: str) -> None:
    """Arms that train on augmented copies need copies and at least one op."""
    section = "text" if spec.dataset.is_text else "image"
    ops = spec.augment.text if spec.dataset.is_text else spec.augment.image
    if spec.augment.copies == 0 or not ops:
        raise SpecError(
            "augment",
            f"the '{name}' arm needs augment.copies >= 1 and at least one {section} op",
            fix=f"add ops under augment.{section}, or drop '{name}' from train.arms",
        )


def arm_data(out_dir: str | Path, arm: str, text: bool = False, generator: str | None = None) -> ArrayData:
    """The rows of an expansion that the given arm trains on, with that arm's labels. Synthetic rows count only when
    the gates kept them (and, with ``generator``, only that generator's)."""
    kind = ARMS.get(arm)
    label_column = kind.label_column
    table = read_shards(out_dir, columns=["origin", "text" if text else "image", label_column, "gate", "generator"])
    table = table.filter(pc.is_in(table["origin"], value_set=pa.array(kind.origins, pa.string())))
    table = table.filter(pc.fill_null(pc.equal(table["gate"], str(Verdict.KEPT)), True))
    if generator is not None:  # real rows, and that generator's synthetic ones
        table = table.filter(pc.fill_null(pc.equal(table["generator"], generator), True))
    if table.num_rows == 0:
        raise DataError(
            f"the '{arm}' arm{f' of {generator}' if generator else ''} has no rows to train on: "
            "every generated sample was rejected by the gates (see the 'gate' column of the shards); "
            "train the generator longer or lower min_confidence / min_nn_ratio"
        )
    labels = table[label_column].to_numpy()
    labels = labels.astype(np.int64 if pa.types.is_integer(table[label_column].type) else np.float32)
    if text:
        return ArrayData(None, labels, table["text"].to_pylist())
    images = np.stack([np.asarray(Image.open(io.BytesIO(png))) for png in table["image"].to_pylist()])
    return ArrayData(images, labels)
