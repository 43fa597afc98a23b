"""The offline expansion job: train records -> augmented shards + manifest, on Dask, resumable."""

from __future__ import annotations

import hashlib
import json
import os
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from distributed import Client, as_completed
from tqdm.auto import tqdm

from augsynth.dask_cluster import dask_client
from augsynth.errors import DataError, SpecError
from augsynth.shard_task import CONTENT_COLUMNS, file_sha256, run_partition, shard_name, shard_schema
from augsynth.spec import Spec
from augsynth.splits import Splits, make_splits


def manifest_columns(task: str) -> list[str]:
    """Every shard column but the content itself (pixels or text)."""
    return [name for name in shard_schema(task).names if name not in CONTENT_COLUMNS]


@dataclass
class ExpandResult:
    """What an expansion produced, and the accounting ``inputs == written + quarantined``."""

    out_dir: Path
    inputs: int
    written: int
    quarantined: int
    rows: int
    shards: int
    shards_skipped: int
    quarantine: list[dict] = field(default_factory=list)
    dropped: int = 0  # text copies that came out empty or unchanged
    synthetic: int = 0  # generated samples written (every one, whatever the gates said)
    synthetic_kept: int = 0  # of those, the ones the gates kept

    def summary(self) -> str:
        resumed = f", {self.shards_skipped} of {self.shards} shards already complete" if self.shards_skipped else ""
        dropped = f", {self.dropped} unchanged or empty text copies dropped" if self.dropped else ""
        synthetic = (f", {self.synthetic} synthetic ({self.synthetic_kept} passed the gates)"
                     if self.synthetic else "")
        return (f"inputs {self.inputs} / written {self.written} / quarantined {self.quarantined} "
                f"-> {self.rows} rows in {self.shards} shards{resumed}{dropped}{synthetic} ({self.out_dir})")


def expand(spec: Spec, out: str | Path | None = None, *, workers: int | None = None, scheduler: str | None = None,
           client: Client | None = None, overwrite: bool = False, progress: bool = True,
           splits: Splits | None = None) -> ExpandResult:
    """Write ``OUT/shards/part-*.parquet`` and ``OUT/manifest.parquet`` for the spec's train split.

    Complete shards of an earlier run of the same spec are kept; only missing or damaged ones are rewritten.
    """
    out_dir = Path(out or spec.output.dir)
    splits = splits or make_splits(spec)
    size = spec.output.partition_size
    partitions = [splits.train[i : i + size] for i in range(0, len(splits.train), size)]
    shards_dir = out_dir / "shards"
    shards_dir.mkdir(parents=True, exist_ok=True)
    plan = _synthetic_plan(spec, splits, out_dir)
    blocks = plan.blocks if plan else []
    total = len(partitions) + len(blocks)
    _claim(out_dir, spec, splits, total, overwrite, plan.stamp if plan else {})
    done = _complete_entries(out_dir, total)
    todo = [i for i in range(total) if i not in done]
    if todo:
        spec_json = spec.model_dump_json()
        fitted = json.dumps(_fitted_models(spec, splits, out_dir), sort_keys=True)
        context = nullcontext(client) if client is not None else dask_client(workers, scheduler)
        with context as active, (out_dir / "manifest.jsonl").open("a") as journal:
            shards = str(shards_dir.resolve())
            futures = [active.submit(run_partition, spec_json, i, partitions[i], splits.payload_format, shards,
                                     fitted, pure=False) for i in todo if i < len(partitions)]
            if any(i >= len(partitions) for i in todo):
                futures += _submit_synthetic(spec, plan, [i for i in todo if i >= len(partitions)],
                                             len(partitions), active, shards, progress)
            with tqdm(total=len(futures), desc=f"expand {spec.name}", unit="shard", disable=not progress) as bar:
                for future in as_completed(futures):
                    entry = future.result()
                    journal.write(json.dumps(entry) + "\n")
                    journal.flush()
                    os.fsync(journal.fileno())
                    done[entry["partition"]] = entry
                    bar.update()
    entries = [done[i] for i in range(total)]
    _write_manifest(out_dir, entries, manifest_columns(spec.dataset.task))
    quarantine = [q for e in entries for q in e["quarantined"]]
    result = ExpandResult(out_dir, len(splits.train), sum(e["written"] for e in entries), len(quarantine),
                          sum(e["rows"] for e in entries), len(partitions), len(partitions) - len(todo), quarantine,
                          sum(e.get("dropped", 0) for e in entries), sum(e.get("synthetic", 0) for e in entries),
                          sum(e.get("kept", 0) for e in entries))
    if result.inputs != result.written + result.quarantined:
        raise DataError(f"accounting broken: {result.summary()}")
    (out_dir / "quarantine.json").write_text(json.dumps(quarantine, indent=1))
    return result


def _synthetic_plan(spec: Spec, splits: Splits, out_dir: Path):
    """The generator stage's blocks (None without generators; torch loads only when there are some)."""
    if not spec.generate:
        return None
    from augsynth.generators.stage import plan_synthetic

    return plan_synthetic(spec, splits, out_dir)


def _submit_synthetic(spec: Spec, plan, todo: list[int], offset: int, client: Client, shards: str,
                      progress: bool) -> list:
    """Train (or reuse) the generators and the gate, then one sampling task per synthetic block still missing."""
    from augsynth.generators.sampling import run_synthetic_partition

    gate = plan.prepare(client, progress)
    configs = {c.label: c for c in spec.generators}
    futures = []
    for i in todo:
        block = plan.blocks[i - offset]
        config = configs[block.generator]
        futures.append(client.submit(run_synthetic_partition, spec.seed, i, block, gate, shards,
                                     config.min_confidence, config.min_nn_ratio, pure=False))
    return futures


def _claim(out_dir: Path, spec: Spec, splits: Splits, partitions: int, overwrite: bool, synthetic: dict) -> None:
    """Record which spec, data (and generator checkpoints) this directory expands; refuse to mix shards of two
    different ones."""
    data = hashlib.sha256("".join(f"{r.source_id}|{r.label}|{r.content_hash}\n" for r in splits.train).encode())
    stamp = {"fingerprint": spec.fingerprint(), "data": data.hexdigest()[:16],
             "partition_size": spec.output.partition_size, "partitions": partitions, "synthetic": synthetic,
             "spec": spec.model_dump(mode="json")}
    path = out_dir / "expansion.json"
    if path.exists():
        previous = json.loads(path.read_text())
        keys = ("fingerprint", "data", "partition_size", "partitions", "synthetic")
        same = all(previous.get(k, {} if k == "synthetic" else None) == stamp[k] for k in keys)
        if not same and not overwrite:
            raise SpecError("output.dir", f"'{out_dir}' holds an expansion of a different spec or data "
                            f"(fingerprint {previous.get('fingerprint')}, this spec {stamp['fingerprint']})",
                            fix="choose another output dir (--out), or pass --overwrite to replace it")
        if not same:
            _clear(out_dir)
    temp = path.with_suffix(".tmp")
    temp.write_text(json.dumps(stamp, indent=1, sort_keys=True))
    os.replace(temp, path)


def _clear(out_dir: Path) -> None:
    for shard in (out_dir / "shards").glob("*.parquet"):
        shard.unlink()
    for name in ("manifest.jsonl", "manifest.parquet", "quarantine.json"):
        (out_dir / name).unlink(missing_ok=True)


def _complete_entries(out_dir: Path, partitions: int) -> dict[int, dict]:
    """Journal entries whose shard file still exists with the recorded content hash."""
    journal = out_dir / "manifest.jsonl"
    entries: dict[int, dict] = {}
    if journal.exists():
        for line in journal.read_text().splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by a crash: its shard is redone
            if entry.get("partition", partitions) < partitions:
                entries[entry["partition"]] = entry
    return {i: e for i, e in entries.items()
            if (path := out_dir / "shards" / shard_name(i)).exists() and file_sha256(path) == e["sha256"]}


def _fitted_models(spec: Spec, splits: Splits, out_dir: Path) -> dict[str, str]:
    """Models text ops need, fitted on the train split (none for image specs)."""
    if not spec.dataset.is_text:
        return {}
    from augsynth.text.fitted import fit_text_models

    texts = [record.payload.decode("utf-8", "replace") for record in splits.train]
    return fit_text_models(spec.augment.text, texts, out_dir)


def _write_manifest(out_dir: Path, entries: list[dict], columns: list[str]) -> None:
    """One row per output sample (everything but the pixels) with the shard that holds it."""
    tables = []
    for entry in entries:
        table = pq.read_table(out_dir / "shards" / entry["shard"], columns=columns)
        tables.append(table.append_column("shard", pa.array([entry["shard"]] * table.num_rows, pa.string())))
    manifest = pa.concat_tables(tables) if tables else pa.table({c: [] for c in columns + ["shard"]})
    temp = out_dir / ".manifest.parquet.tmp"
    pq.write_table(manifest, temp, compression="zstd")
    os.replace(temp, out_dir / "manifest.parquet")


def read_shards(out_dir: str | Path, columns: list[str] | None = None) -> pa.Table:
    """All rows of an expansion, in partition order."""
    shards = sorted((Path(out_dir) / "shards").glob("part-*.parquet"))
    return pa.concat_tables([pq.read_table(path, columns=columns) for path in shards])
