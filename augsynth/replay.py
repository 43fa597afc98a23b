"""``augsynth replay OUT ROW_ID``: rebuild one output row from the manifest, the spec and the source, and check it
byte for byte against the shard that holds it.

A row is a pure function of (spec, source record, copy): replay draws the same per-sample random state, so
parameters the ops column only summarises (noise maps, masks) are recomputed, not read back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

from augsynth.core.errors import DataError, SpecError, clip
from augsynth.core.kinds import Origin
from augsynth.data.shards import shard_schema
from augsynth.data.splits import make_splits
from augsynth.expansion.job import fitted_models
from augsynth.expansion.task import pipeline_for, record_rows
from augsynth.exports.source import open_expansion
from augsynth.spec.schema import Spec

COMPARED = ("image", "text", "label", "label_before", "label_rule", "ops", "seed", "origin")


@dataclass(frozen=True)
class Replayed:
    """The outcome: the row, which columns were compared and which differ (none: reproduced byte for byte)."""

    row_id: str
    compared: list[str]
    differing: list[str]

    @property
    def identical(self) -> bool:
        return not self.differing

    def summary(self) -> str:
        if self.identical:
            return f"{self.row_id}: reproduced byte for byte ({', '.join(self.compared)})"
        return f"{self.row_id}: DIFFERS in {', '.join(self.differing)} (compared {', '.join(self.compared)})"


def replay(out_dir: str | Path, row_id: str) -> Replayed:
    """Rebuild row ``row_id`` of the expansion in ``out_dir`` and compare it with the stored one."""
    out_dir = Path(out_dir)
    spec = Spec.model_validate(open_expansion(out_dir).spec)
    stored = _stored_row(out_dir, row_id)
    if stored["origin"] == Origin.SYNTHETIC:
        raise SpecError(
            "ROW_ID",
            f"'{clip(row_id)}' is a generator's sample (checkpoint {stored['checkpoint']}); replay rebuilds rows "
            "made from source records (original, augmented, side-camera)",
            fix="pick a row whose origin is original, augmented or side",
        )
    splits = make_splits(spec)
    record = next((r for r in splits.train if r.index == stored["sample_index"]), None)
    if record is None or record.source_id != stored["source_id"]:
        raise DataError(
            f"'{stored['source_id']}' (sample {stored['sample_index']}) is no longer in the train split of "
            f"{spec.dataset.source}: the source changed since the expansion; expand again to rebuild the rows"
        )
    _, pipeline = pipeline_for(spec.model_dump_json(), json.dumps(fitted_models(spec, splits.train, out_dir)))
    rows, _ = record_rows(spec, pipeline, splits.payload_format, record)
    rebuilt = _columns_of(spec, next(r for r in rows if r.copy == stored["copy"] and r.view == stored["view"]))
    compared = [name for name in COMPARED if name in rebuilt]
    return Replayed(row_id, compared, [name for name in compared if rebuilt[name] != stored[name]])


def _stored_row(out_dir: Path, row_id: str) -> dict:
    manifest = pq.read_table(out_dir / "manifest.parquet", columns=["id", "shard"])
    hits = manifest.filter(pc.equal(manifest["id"], row_id))
    if hits.num_rows == 0:
        raise SpecError(
            "ROW_ID",
            f"no row '{clip(row_id)}' in {out_dir / 'manifest.parquet'}",
            fix="row ids look like SOURCE_ID#COPY (e.g. train/00042.png#2): see the manifest's id column",
        )
    shard = pq.read_table(out_dir / "shards" / hits["shard"][0].as_py())
    return shard.filter(pc.equal(shard["id"], row_id)).to_pylist()[0]


def _columns_of(spec: Spec, row) -> dict:
    """A rebuilt row as the shard stores it (PNG bytes, JSON text, the seed tuple)."""
    columns = {name: [] for name in shard_schema(spec.dataset.task).names}
    row.append_to(columns, spec.seed)
    return {name: values[0] for name, values in columns.items()}
