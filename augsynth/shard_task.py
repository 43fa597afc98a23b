"""The unit of work a Dask worker runs: augment one partition of train records and write its shard."""

from __future__ import annotations

import hashlib
import os
import uuid
from functools import lru_cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from augsynth.datasets import BadInput, ImageFormat, Record
from augsynth.datasets.base import encode_png
from augsynth.errors import DataError
from augsynth.pipeline import Pipeline
from augsynth.seeding import seed_tuple
from augsynth.spec import Spec

SHARD_SCHEMA = pa.schema([
    ("id", pa.string()),
    ("source_id", pa.string()),
    ("sample_index", pa.int64()),
    ("copy", pa.int32()),
    ("origin", pa.string()),
    ("image", pa.binary()),
    ("height", pa.int32()),
    ("width", pa.int32()),
    ("label_before", pa.int64()),
    ("label", pa.int64()),
    ("ops", pa.string()),
    ("seed", pa.list_(pa.int64())),
])


@lru_cache(maxsize=4)
def _pipeline(spec_json: str) -> tuple[Spec, Pipeline]:
    """Each worker process builds the pipeline of a spec once."""
    spec = Spec.model_validate_json(spec_json)
    return spec, Pipeline.from_spec(spec)


def shard_name(partition: int) -> str:
    return f"part-{partition:05d}.parquet"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_partition(spec_json: str, partition: int, records: list[Record], fmt: ImageFormat, shards_dir: str) -> dict:
    """Augment ``records`` (copy 0 is the original), write the shard atomically, return its manifest entry."""
    spec, pipeline = _pipeline(spec_json)
    rows: dict[str, list] = {name: [] for name in SHARD_SCHEMA.names}
    quarantined = []
    for record in records:
        try:
            image = fmt.decode(record.payload)
        except BadInput as err:
            quarantined.append({"source_id": record.source_id, "reason": str(err)})
            continue
        for copy in range(spec.augment.copies + 1):
            out, applied = (image, []) if copy == 0 else pipeline.augment(image, record.index, copy)
            if out.shape != image.shape:
                raise DataError(f"augment.image turned {record.source_id} from {image.shape} into {out.shape}; "
                                "set dataset.image_size so the ops are checked at load, and keep the size")
            _append(rows, record, copy, out, Pipeline.ops_json(applied), seed_tuple(spec.seed, record.index, copy))
    table = pa.table(rows, schema=SHARD_SCHEMA)
    final = Path(shards_dir) / shard_name(partition)
    temp = final.with_name(f".{final.name}.{uuid.uuid4().hex}.tmp")
    pq.write_table(table, temp, compression="zstd")
    os.replace(temp, final)
    return {"shard": final.name, "partition": partition, "inputs": len(records),
            "written": len(records) - len(quarantined), "quarantined": quarantined,
            "rows": table.num_rows, "sha256": file_sha256(final)}


def _append(rows: dict[str, list], record: Record, copy: int, image, ops: str, seed: list[int]) -> None:
    rows["id"].append(f"{record.source_id}#{copy}")
    rows["source_id"].append(record.source_id)
    rows["sample_index"].append(record.index)
    rows["copy"].append(copy)
    rows["origin"].append("original" if copy == 0 else "augmented")
    rows["image"].append(encode_png(image))
    rows["height"].append(image.shape[0])
    rows["width"].append(image.shape[1])
    rows["label_before"].append(record.label)
    rows["label"].append(record.label)
    rows["ops"].append(ops)
    rows["seed"].append(seed)

