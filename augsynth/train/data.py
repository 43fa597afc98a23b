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

ARM_ORIGINS = {"baseline": ("original",), "augmented": ("original", "augmented")}


def arm_data(out_dir: str | Path, arm: str) -> ArrayData:
    """The rows of an expansion that the given arm trains on."""
    table = read_shards(out_dir, columns=["origin", "image", "label"])
    table = table.filter(pc.is_in(table["origin"], value_set=pa.array(ARM_ORIGINS[arm], pa.string())))
    images = np.stack([np.asarray(Image.open(io.BytesIO(png))) for png in table["image"].to_pylist()])
    return ArrayData(images, np.asarray(table["label"].to_pylist(), dtype=np.int64))


def decode_records(records: list[Record], fmt) -> tuple[ArrayData, list[dict]]:
    """Decode validation/test records; unreadable or mis-shaped ones are quarantined with their reason."""
    images, labels, quarantined = [], [], []
    for record in records:
        try:
            images.append(fmt.decode(record.payload))
            labels.append(record.label)
        except BadInput as err:
            quarantined.append({"source_id": record.source_id, "reason": str(err)})
    return ArrayData(np.stack(images), np.asarray(labels, dtype=np.int64)), quarantined


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
