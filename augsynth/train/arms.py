"""Arrays for the trainer: arms read from expansion shards, validation and test decoded from the source."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from PIL import Image

from augsynth.core.errors import DataError
from augsynth.data.arrays import ArrayData
from augsynth.data.shards import read_shards

EXPANDED = ("original", "augmented", "side")
ARM_ROWS = {  # arm -> (origins it trains on, label column it trains with)
    "baseline": (("original",), "label"),
    "augmented": (EXPANDED, "label"),
    "naive": (EXPANDED, "label_before"),  # the same images with labels left unadjusted: what skipping costs
    "synthetic": (("synthetic",), "label"),  # generated samples only: train on synthetic, test on real
    "augmented+synthetic": ((*EXPANDED, "synthetic"), "label"),
    "pretrained": (("original",), "label"),  # the baseline's rows, with an autoencoder-pretrained encoder
}


def arm_data(out_dir: str | Path, arm: str, text: bool = False, generator: str | None = None) -> ArrayData:
    """The rows of an expansion that the given arm trains on, with that arm's labels. Synthetic rows count only when
    the gates kept them (and, with ``generator``, only that generator's)."""
    origins, label_column = ARM_ROWS[arm]
    table = read_shards(out_dir, columns=["origin", "text" if text else "image", label_column, "gate", "generator"])
    table = table.filter(pc.is_in(table["origin"], value_set=pa.array(origins, pa.string())))
    table = table.filter(pc.fill_null(pc.equal(table["gate"], "kept"), True))
    if generator is not None:  # real rows, and that generator's synthetic ones
        table = table.filter(pc.fill_null(pc.equal(table["generator"], generator), True))
    if table.num_rows == 0:
        raise DataError(f"the '{arm}' arm{f' of {generator}' if generator else ''} has no rows to train on: "
                        "every generated sample was rejected by the gates (see the 'gate' column of the shards); "
                        "train the generator longer or lower min_confidence / min_nn_ratio")
    labels = table[label_column].to_numpy()
    labels = labels.astype(np.int64 if pa.types.is_integer(table[label_column].type) else np.float32)
    if text:
        return ArrayData(None, labels, table["text"].to_pylist())
    images = np.stack([np.asarray(Image.open(io.BytesIO(png))) for png in table["image"].to_pylist()])
    return ArrayData(images, labels)
