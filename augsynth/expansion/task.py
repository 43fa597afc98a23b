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
from augsynth.image.labels import LabelAdjuster
from augsynth.image.pipeline import Pipeline
from augsynth.spec.schema import Spec


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
    spec, pipeline, adjuster = _pipeline(spec_json, fitted_json)
    schema = shard_schema(spec.dataset.task)
    rows: dict[str, list] = {name: [] for name in schema.names}
    quarantined, dropped = [], 0
    for record in records:
        try:
            content = fmt.decode(record.payload)
            views = [(name, fmt.decode(payload)) for name, payload in record.views]
        except BadInput as err:
            quarantined.append(Quarantined(record.source_id, str(err), "train").__dict__)
            continue
        for copy in range(spec.augment.copies + 1):
            out, applied = (content, []) if copy == 0 else pipeline.augment(content, record.index, copy)
            if isinstance(out, str):
                if copy and (not out.strip() or out == content):
                    dropped += 1
                    continue
            elif out.shape != content.shape:
                raise DataError(
                    f"augment.image turned {record.source_id} from {content.shape} into {out.shape}; "
                    "set dataset.image_size so the ops are checked at load, and keep the size"
                )
            label, notes = (record.label, []) if isinstance(out, str) else adjuster.adjust(record.label, applied)
            row = Row(
                record,
                copy,
                "center",
                Origin.ORIGINAL if copy == 0 else Origin.AUGMENTED,
                out,
                label,
                notes,
                Pipeline.ops_json(applied),
            )
            row.append_to(rows, spec.seed)
        for name, view in views:
            label, note = side_camera_label(record.label, name, spec.dataset.side_cameras.correction)
            Row(record, 0, name, Origin.SIDE, view, label, [note], "[]").append_to(rows, spec.seed)
    entry = write_shard(pa.table(rows, schema=schema), shards_dir, partition)
    return {**entry, "inputs": len(records), "quarantined": quarantined, "dropped": dropped}


def side_camera_label(label: float, side: str, correction: float) -> tuple[float, str]:
    """A side camera sees the car displaced to its side, so it must steer back: left +correction, right -."""
    sign = 1.0 if side == "left" else -1.0
    return label + sign * correction, f"side camera {side}: {sign * correction:+g}"
