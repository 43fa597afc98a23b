"""Validation and test splits decoded from the source, and the check that no two splits share a sample."""

from __future__ import annotations

import numpy as np

from augsynth.core.errors import DataError
from augsynth.data.arrays import ArrayData
from augsynth.data.base import BadInput, ImageFormat, Quarantined, Record, TextFormat, content_key


def decode_each(
    records: list[Record], fmt: ImageFormat | TextFormat, stage: str
) -> tuple[list[tuple[Record, np.ndarray | str]], list[dict]]:
    """(record, decoded content) of every record that decodes, and the others quarantined with their reason and stage
    (``make_splits`` already left out what does not decode, so this is a safety net)."""
    decoded, quarantined = [], []
    for record in records:
        try:
            decoded.append((record, fmt.decode(record.payload)))
        except BadInput as err:
            quarantined.append(Quarantined(record.source_id, str(err), stage).__dict__)
    return decoded, quarantined


def decode_records(records: list[Record], fmt: ImageFormat | TextFormat, stage: str) -> tuple[ArrayData, list[dict]]:
    """Decode the records of one split (``stage``: train, validation or test) into arrays; see ``decode_each``."""
    decoded, quarantined = decode_each(records, fmt, stage)
    labels = [record.label for record, _ in decoded]
    dtype = np.int64 if all(isinstance(label, int) for label in labels) else np.float32
    labels_array = np.asarray(labels, dtype=dtype)
    contents = [content for _, content in decoded]
    if isinstance(fmt, TextFormat):
        return ArrayData(None, labels_array, contents), quarantined
    return ArrayData(np.stack(contents), labels_array), quarantined


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
