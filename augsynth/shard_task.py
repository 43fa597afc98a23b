"""The unit of work a Dask worker runs: augment one partition of train records and write its shard."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from augsynth.datasets import BadInput, ImageFormat, Record, TextFormat
from augsynth.datasets.base import encode_png
from augsynth.errors import DataError
from augsynth.labels import LabelAdjuster
from augsynth.pipeline import Pipeline
from augsynth.seeding import seed_tuple
from augsynth.spec import Spec

CONTENT_COLUMNS = ("image", "text")
SYNTHETIC_COLUMNS = [  # null on rows made from real samples
    ("generator", pa.string()),
    ("checkpoint", pa.string()),  # content hash of the generator's config and training data
    ("gate", pa.string()),  # kept | low_confidence | near_copy
    ("confidence", pa.float64()),  # the gate classifier's probability of the intended class
    ("nn_ratio", pa.float64()),  # distance to the nearest train sample / typical train nearest-neighbour gap
]


def shard_schema(task: str) -> pa.Schema:
    """Columns of a shard: the content (PNG image and its size, or text); labels are integers (class index) or
    floats (regression target)."""
    label = pa.float64() if task == "regression" else pa.int64()
    content = ([("text", pa.string())] if task == "text-classification"
               else [("image", pa.binary()), ("height", pa.int32()), ("width", pa.int32())])
    return pa.schema([
        ("id", pa.string()),
        ("source_id", pa.string()),
        ("sample_index", pa.int64()),
        ("copy", pa.int32()),
        ("view", pa.string()),
        ("origin", pa.string()),
        *content,
        ("label_before", label),
        ("label", label),
        ("label_rule", pa.string()),
        ("ops", pa.string()),
        ("seed", pa.list_(pa.int64())),
        *SYNTHETIC_COLUMNS,
    ])


@lru_cache(maxsize=4)
def _pipeline(spec_json: str, fitted_json: str) -> tuple[Spec, Any, LabelAdjuster]:
    """Each worker process builds the pipeline of a spec once (text ops with their fitted models)."""
    spec = Spec.model_validate_json(spec_json)
    if spec.dataset.is_text:
        from augsynth.text.pipeline import TextPipeline  # nlpaug loads only for text specs

        pipeline = TextPipeline.from_spec(spec, json.loads(fitted_json))
    else:
        pipeline = Pipeline.from_spec(spec)
    return spec, pipeline, LabelAdjuster(spec.augment.image, spec.target)


def shard_name(partition: int) -> str:
    return f"part-{partition:05d}.parquet"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_partition(spec_json: str, partition: int, records: list[Record], fmt: ImageFormat | TextFormat,
                  shards_dir: str, fitted_json: str = "{}") -> dict:
    """Augment ``records`` (copy 0 is the original), write the shard atomically, return its manifest entry.

    A text copy that comes out empty or unchanged is dropped and counted.
    """
    spec, pipeline, adjuster = _pipeline(spec_json, fitted_json)
    schema = shard_schema(spec.dataset.task)
    rows: dict[str, list] = {name: [] for name in schema.names}
    quarantined, dropped = [], 0
    for record in records:
        try:
            content = fmt.decode(record.payload)
            views = [(name, fmt.decode(payload)) for name, payload in record.views]
        except BadInput as err:
            quarantined.append({"source_id": record.source_id, "reason": str(err)})
            continue
        for copy in range(spec.augment.copies + 1):
            out, applied = (content, []) if copy == 0 else pipeline.augment(content, record.index, copy)
            if isinstance(out, str):
                if copy and (not out.strip() or out == content):
                    dropped += 1
                    continue
            elif out.shape != content.shape:
                raise DataError(f"augment.image turned {record.source_id} from {content.shape} into {out.shape}; "
                                "set dataset.image_size so the ops are checked at load, and keep the size")
            label, notes = (record.label, []) if isinstance(out, str) else adjuster.adjust(record.label, applied)
            row = Row(record, copy, "center", "original" if copy == 0 else "augmented", out, label, notes,
                      Pipeline.ops_json(applied))
            row.append_to(rows, spec.seed)
        for name, view in views:
            label, note = side_camera_label(record.label, name, spec.dataset.side_cameras.correction)
            Row(record, 0, name, "side", view, label, [note], "[]").append_to(rows, spec.seed)
    entry = write_shard(pa.table(rows, schema=schema), shards_dir, partition)
    return {**entry, "inputs": len(records), "written": len(records) - len(quarantined), "quarantined": quarantined,
            "dropped": dropped}


def write_shard(table: pa.Table, shards_dir: str, partition: int) -> dict:
    """Write a partition's shard through a temp name and rename; its manifest entry (name, rows, hash)."""
    final = Path(shards_dir) / shard_name(partition)
    temp = final.with_name(f".{final.name}.{uuid.uuid4().hex}.tmp")
    pq.write_table(table, temp, compression="zstd")
    os.replace(temp, final)
    return {"shard": final.name, "partition": partition, "rows": table.num_rows, "sha256": file_sha256(final)}


def side_camera_label(label: float, side: str, correction: float) -> tuple[float, str]:
    """A side camera sees the car displaced to its side, so it must steer back: left +correction, right -."""
    sign = 1.0 if side == "left" else -1.0
    return label + sign * correction, f"side camera {side}: {sign * correction:+g}"


@dataclass(frozen=True)
class Row:
    """One output row before encoding: which record, copy and camera view, and the label after adjustment."""

    record: Record
    copy: int
    view: str
    origin: str
    content: np.ndarray | str
    label: float | int
    notes: list[str]
    ops: str

    def append_to(self, rows: dict[str, list], seed: int) -> None:
        suffix = "" if self.view == "center" else f"@{self.view}"
        if isinstance(self.content, str):
            content = {"text": self.content}
        else:
            content = {"image": encode_png(self.content), "height": self.content.shape[0],
                       "width": self.content.shape[1]}
        values = {"id": f"{self.record.source_id}{suffix}#{self.copy}", "source_id": self.record.source_id,
                  "sample_index": self.record.index, "copy": self.copy, "view": self.view, "origin": self.origin,
                  **content, "label_before": self.record.label, "label": self.label,
                  "label_rule": json.dumps(self.notes), "ops": self.ops,
                  "seed": seed_tuple(seed, self.record.index, self.copy)}
        for name, value in values.items():
            rows[name].append(value)
        for name, _ in SYNTHETIC_COLUMNS:
            rows[name].append(None)

