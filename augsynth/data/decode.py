"""Validation and test splits decoded from the source, and the check that no two splits share a sample."""

from __future__ import annotations

import numpy as np

from augsynth.core.errors import DataError
from augsynth.data.arrays import ArrayData
from augsynth.data.base import BadInput, ImageFormat, Quarantined, Record, TextFormat, content_key


def decode_records(records: list[Record], fmt: ImageFormat | TextFormat, stage: str) -> tuple[ArrayData, list[dict]]:
    """Decode the records of one split (``stage``: train, validation or test); one that fails is quarantined with its
    reason and stage (``make_splits`` already left out what does not decode, so this is a safety net)."""
    decoded, labels, quarantined = [], [], []
    for record in records:
        try:
            decoded.append(fmt.decode(record.payload))
            labels.append(record.label)
        except BadInput as err:
            quarantined.append(Quarantined(record.source_id, str(err), stage).__dict__)
    dtype = np.int64 if all(isinstance(label, int) for label in labels) else np.float32
    labels_array = np.asarray(labels, dtype=dtype)
    if isinstance(fmt, TextFormat):
        return ArrayData(None, labels_array, decoded), quarantined
    return ArrayData(np.stack(decoded), labels_array), quarantined


def check_no_overlap(named: dict[str, ArrayData]) -> None:
    """Refuse to train when any two splits share an image (by pixel content hash)."""
    hashes = {name: {_key(data, i) for i in range(len(data))} for name, data in named.items()}
    names = list(hashes)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            shared = hashes[first] & hashes[second]
            if shared:
                raise DataError(
                    f"{len(shared)} samples appear in both the {first} and {second} splits "
                    "(by content hash); the test split must stay unseen"
                )


def _key(data: ArrayData, i: int) -> str:
    return content_key(data.texts[i] if data.texts is not None else data.images[i])
