"""Arrays for the trainer: arms read from expansion shards, validation and test decoded from the source."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from PIL import Image

from augsynth.datasets import BadInput, Record
from augsynth.datasets.base import pixel_hash
from augsynth.errors import DataError
from augsynth.expand import read_shards
from augsynth.train.loop import ArrayData

EXPANDED = ("original", "augmented", "side")
ARM_ROWS = {  # arm -> (origins it trains on, label column it trains with)
    "baseline": (("original",), "label"),
    "augmented": (EXPANDED, "label"),
    "naive": (EXPANDED, "label_before"),  # the same images with labels left unadjusted: what skipping costs
}


def arm_data(out_dir: str | Path, arm: str) -> ArrayData:
    """The rows of an expansion that the given arm trains on, with that arm's labels."""
    origins, label_column = ARM_ROWS[arm]
    table = read_shards(out_dir, columns=["origin", "image", label_column])
    table = table.filter(pc.is_in(table["origin"], value_set=pa.array(origins, pa.string())))
    images = np.stack([np.asarray(Image.open(io.BytesIO(png))) for png in table["image"].to_pylist()])
    labels = table[label_column].to_numpy()
    return ArrayData(images, labels.astype(np.int64 if pa.types.is_integer(table[label_column].type) else np.float32))


def decode_records(records: list[Record], fmt) -> tuple[ArrayData, list[dict]]:
    """Decode validation/test records; unreadable or mis-shaped ones are quarantined with their reason."""
    images, labels, quarantined = [], [], []
    for record in records:
        try:
            images.append(fmt.decode(record.payload))
            labels.append(record.label)
        except BadInput as err:
            quarantined.append({"source_id": record.source_id, "reason": str(err)})
    dtype = np.int64 if all(isinstance(label, int) for label in labels) else np.float32
    return ArrayData(np.stack(images), np.asarray(labels, dtype=dtype)), quarantined


def check_no_overlap(named: dict[str, ArrayData]) -> None:
    """Refuse to train when any two splits share an image (by pixel content hash)."""
    hashes = {name: {pixel_hash(image) for image in data.images} for name, data in named.items()}
    names = list(hashes)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            shared = hashes[first] & hashes[second]
            if shared:
                raise DataError(f"{len(shared)} images appear in both the {first} and {second} splits "
                                "(by pixel content hash); the test split must stay unseen")
