"""The unit of work a Dask worker runs: augment one partition of train records and write its shard."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import pyarrow as pa

from augsynth.core.errors import DataError
from augsynth.core.kinds import Origin
from augsynth.data import BadInput, ImageFormat, Quarantined, Record, TextFormat
from augsynth.data.shards import Row, shard_schema, write_shard
from augsynth.image.pipeline import Pipeline
from augsynth.spec.schema import Spec


@lru_cache(maxsize=4)
def pipeline_for(spec_json: str, fitted_json: str) -> tuple[Spec, Any]:
    """Each worker process builds the pipeline of a spec once (text ops with their fitted models; image ops with the
    label rules of the spec's target)."""
    spec = Spec.model_validate_json(spec_json)
    if spec.dataset.is_text:
        from augsynth.text.pipeline import TextPipeline  # nlpaug loads only for text specs

        pipeline = TextPipeline.from_spec(spec, json.loads(fitted_json))
    else:
        pipeline = Pipeline.from_spec(spec)
    return spec, pipeline


def run_partition(
    spec_json: str,
    partition: int,
    records: list[Record],
    fmt: ImageFormat | TextFormat,
    shards_dir: str,
    fitted_json: str = "{}",
) -> dict:
    """Augment ``records`` (copy 0 is the original), write the shard atomically, return its manifest entry.

    A text copy that comes out empty or unchanged is dropped and counted. How many records were written is counted
    from the shards (their originals), not here, so that the accounting can catch a lost one.
    """
    spec, pipeline = pipeline_for(spec_json, fitted_json)
    schema = shard_schema(spec.dataset.task)
    rows: dict[str, list] = {name: [] for name in schema.names}
    quarantined, dropped = [], 0
    for record in records:
        try:
            made, skipped = record_rows(spec, pipeline, fmt, record)
        except BadInput as err:
            quarantined.append(Quarantined(record.source_id, str(err), "train").__dict__)
            continue
        dropped += skipped
        for row in made:
            row.append_to(rows, spec.seed)
    entry = write_shard(pa.table(rows, schema=schema), shards_dir, partition)
    return {**entry, "inputs": len(records), "quarantined": quarantined, "dropped": dropped}


def record_rows(spec: Spec, pipeline: Any, fmt: ImageFormat | TextFormat, record: Record) -> tuple[list[Row], int]:
    """The output rows of one record (copy 0 is the original, then the augmented copies and the side-camera views)
    and how many text copies were dropped; raises BadInput when it does not decode."""
    content = fmt.decode(record.payload)
    views = [(name, fmt.decode(payload)) for name, payload in record.view_payloads]
    rows, dropped = [], 0
    for copy in range(spec.augment.copies + 1):
        if copy == 0:  # the original; an image's label is clipped to the declared range like any other
            out, ops = content, "[]"
            label, notes = (record.label, []) if isinstance(out, str) else pipeline.labels.adjust(record.label, [])
        elif isinstance(content, str):
            out, applied = pipeline.augment(content, record.index, copy)
            if not out.strip() or out == content:
                dropped += 1
                continue
            label, notes, ops = record.label, [], Pipeline.ops_json(applied)
        else:
            augmented = pipeline.apply(content, record.label, record.index, copy)
            out, label, notes, ops = augmented.image, augmented.label, augmented.notes, augmented.ops_json
            if out.shape != content.shape:
                raise DataError(
                    f"augment.image turned {record.source_id} from {content.shape} into {out.shape}; "
                    "set dataset.image_size so the ops are checked at load, and keep the size"
                )
        origin = Origin.ORIGINAL if copy == 0 else Origin.AUGMENTED
        rows.append(Row(record, copy, "center", origin, out, label, notes, ops))
    for name, view in views:
        label, note = side_camera_label(record.label, name, spec.dataset.side_cameras.correction)
        rows.append(Row(record, 0, name, Origin.SIDE, view, label, [note], "[]"))
    return rows, dropped


def side_camera_label(label: float, side: str, correction: float) -> tuple[float, str]:
    """A side camera sees the car displaced to its side, so it must steer back: left +correction, right -."""
    sign = 1.0 if side == "left" else -1.0
    return label + sign * correction, f"side camera {side}: {sign * correction:+g}"
