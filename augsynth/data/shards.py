"""The shard format every stage shares: columns, one row's provenance, atomic writes and reads."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from augsynth.core.atomic import write_atomically
from augsynth.core.seeding import seed_tuple
from augsynth.data.base import Record, encode_png

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
    content = (
        [("text", pa.string())]
        if task == "text-classification"
        else [("image", pa.binary()), ("height", pa.int32()), ("width", pa.int32())]
    )
    return pa.schema(
        [
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
        ]
    )


def shard_name(partition: int) -> str:
    return f"part-{partition:05d}.parquet"


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest_columns(task: str) -> list[str]:
    """Every shard column but the content itself (pixels or text)."""
    return [name for name in shard_schema(task).names if name not in CONTENT_COLUMNS]


def write_shard(table: pa.Table, shards_dir: str, partition: int) -> dict:
    """Write a partition's shard through a temp name and rename; its manifest entry (name, rows, hash)."""
    final = write_atomically(
        Path(shards_dir) / shard_name(partition), lambda temp: pq.write_table(table, temp, compression="zstd")
    )
    return {"shard": final.name, "partition": partition, "rows": table.num_rows, "sha256": file_sha256(final)}


def read_shards(out_dir: str | Path, columns: list[str] | None = None) -> pa.Table:
    """All rows of an expansion, in partition order."""
    shards = sorted((Path(out_dir) / "shards").glob("part-*.parquet"))
    return pa.concat_tables([pq.read_table(path, columns=columns) for path in shards])


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
            content = {
                "image": encode_png(self.content),
                "height": self.content.shape[0],
                "width": self.content.shape[1],
            }
        values = {
            "id": f"{self.record.source_id}{suffix}#{self.copy}",
            "source_id": self.record.source_id,
            "sample_index": self.record.index,
            "copy": self.copy,
            "view": self.view,
            "origin": self.origin,
            **content,
            "label_before": self.record.label,
            "label": self.label,
            "label_rule": json.dumps(self.notes),
            "ops": self.ops,
            "seed": seed_tuple(seed, self.record.index, self.copy),
        }
        for name, value in values.items():
            rows[name].append(value)
        for name, _ in SYNTHETIC_COLUMNS:
            rows[name].append(None)
