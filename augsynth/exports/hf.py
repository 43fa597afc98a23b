"""``--format hf``: Parquet files under DIR/data that Hugging Face ``datasets`` loads with the image column decoded.

The files are plain Parquet written with pyarrow (``datasets`` is not needed to write them): the image column is
the ``{bytes, path}`` struct of the ``Image`` feature, and the schema metadata's ``huggingface`` key holds the
features (``Image``, ``ClassLabel`` with the class names, ``Value``), as ``datasets`` itself writes them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from augsynth.core.atomic import make_folder
from augsynth.core.kinds import Task
from augsynth.exports.names import UniqueNames
from augsynth.exports.source import Expansion

IMAGE = pa.struct([("bytes", pa.binary()), ("path", pa.string())])  # the Arrow type of datasets' Image feature
VALUE_DTYPES = {pa.string(): "string", pa.int64(): "int64", pa.int32(): "int32", pa.float64(): "float64"}
LABELS = ("label_before", "label")


def write_hf(expansion: Expansion, folder: Path, progress: Callable[[int], object]) -> None:
    """One Parquet file per shard, ``data/train-IIIII-of-NNNNN.parquet`` (the name ``datasets`` reads as the train
    split), every column kept; each image's ``path`` is the file name the imagefolder export gives it."""
    data = make_folder(folder / "data")
    files = UniqueNames()
    count = len(expansion.shards)
    for index, table in enumerate(expansion.tables()):
        if "image" in table.column_names:
            paths = pa.array([files(row_id, ".png") for row_id in table["id"].to_pylist()], pa.string())
            images = pa.StructArray.from_arrays([table["image"].combine_chunks(), paths], fields=list(IMAGE))
            table = table.set_column(table.schema.get_field_index("image"), "image", images)
        table = table.replace_schema_metadata({"huggingface": json.dumps(hf_metadata(table.schema, expansion))})
        pq.write_table(table, data / f"train-{index:05d}-of-{count:05d}.parquet", compression="zstd")
        progress(table.num_rows)


def hf_metadata(schema: pa.Schema, expansion: Expansion) -> dict:
    """``{"info": {"features": ...}}`` for the columns: the image as ``Image``, class labels as ``ClassLabel``, other
    scalars as ``Value``. List columns (``seed``) are left out: ``datasets`` infers them from their Arrow type (it
    spells list features ``Sequence`` before version 4 and ``List`` since)."""
    features = {}
    for field in schema:
        if field.type == IMAGE:
            features[field.name] = {"_type": "Image"}
        elif field.name in LABELS and expansion.task != Task.REGRESSION:
            features[field.name] = {"names": expansion.classes, "_type": "ClassLabel"}
        elif field.type in VALUE_DTYPES:
            features[field.name] = {"dtype": VALUE_DTYPES[field.type], "_type": "Value"}
    return {"info": {"features": features}}
