"""The offline expansion job: train records -> augmented shards + manifest, on Dask, resumable."""

from __future__ import annotations

import hashlib
import json
import os
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from distributed import Client, Future
from tqdm.auto import tqdm

from augsynth.core.atomic import make_folder, remove_leftover_temps, write_atomically, write_text_atomically, writing
from augsynth.core.errors import SpecError
from augsynth.core.gather import finished
from augsynth.data import BadInput, ImageFormat, Record, TextFormat
from augsynth.data.accounting import files, skipped_names, tally
from augsynth.data.shards import file_sha256, manifest_columns, shard_name
from augsynth.data.splits import ContentKeys, Splits, content_keys, make_splits
from augsynth.expansion.cluster import dask_client
from augsynth.expansion.output_dir import claim_output_dir
from augsynth.expansion.task import run_partition
from augsynth.spec.schema import Spec


class ExtraShards(Protocol):
    """Shards another stage adds to an expansion after the real samples' partitions (generated samples): they share
    its journal, manifest and resume."""

    @property
    def stamp(self) -> dict:
        """Digests that decide these shards' rows, recorded with the expansion (a change refuses to mix)."""

    def __len__(self) -> int:
        """How many shards."""

    def submit(self, client: Client, todo: list[tuple[int, int]], shards_dir: str, progress: bool) -> list[Future]:
        """One task per (extra shard index, partition number) still missing; each returns its journal entry."""


@dataclass
class ExpandResult:
    """What an expansion produced, and the accounting of the train split, ``inputs == written + quarantined``
    (``written`` counted from the shards' original rows); ``source`` is the accounting before the split."""

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
    source: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # files in no format Pillow opens, by id (before the split)

    def summary(self) -> str:
        resumed = f", {self.shards_skipped} of {self.shards} shards already complete" if self.shards_skipped else ""
        dropped = f", {self.dropped} unchanged or empty text copies dropped" if self.dropped else ""
        synthetic = f", {self.synthetic} synthetic ({self.synthetic_kept} passed the gates)" if self.synthetic else ""
        source = self.source
        before = (
            f"; before the split: {source['quarantined']} of {source['inputs']} inputs quarantined, "
            f"{source['duplicates']} duplicates dropped"
            if source.get("quarantined") or source.get("duplicates")
            else ""
        )
        listed = " (reasons in quarantine.json)" if self.quarantined or source.get("quarantined") else ""
        skipped = (
            f"; {files(len(self.skipped))} in no image format skipped: {skipped_names(self.skipped)} (all in "
            "skipped.json)"
            if self.skipped
            else ""
        )
        return (
            f"inputs {self.inputs} / written {self.written} / quarantined {self.quarantined} "
            f"-> {self.rows} rows in {self.shards} shards{resumed}{dropped}{synthetic}{before}{listed}{skipped} "
            f"({self.out_dir})"
        )


def expand(
    spec: Spec,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Client | None = None,
    overwrite: bool = False,
    progress: bool = True,
    splits: Splits | None = None,
    extra: ExtraShards | None = None,
) -> ExpandResult:
    """Write ``OUT/shards/part-*.parquet`` and ``OUT/manifest.parquet`` for the spec's train split (and ``extra``
    shards after them).

    Complete shards of an earlier run of the same spec are kept; only missing or damaged ones are rewritten.
    """
    out_dir = Path(out or spec.output.dir)
    claim_output_dir(out_dir, overwrite)
    splits = splits or make_splits(spec)
    size = spec.output.partition_size
    partitions = [splits.train[i : i + size] for i in range(0, len(splits.train), size)]
    shards_dir = make_folder(out_dir / "shards")
    remove_leftover_temps(shards_dir, "part-*.parquet")  # this job is the dir's only writer
    total = len(partitions) + (len(extra) if extra is not None else 0)
    _claim(out_dir, spec, splits, total, overwrite, extra.stamp if extra is not None else {})
    done = _complete_entries(out_dir, total)
    todo = [i for i in range(total) if i not in done]
    if todo:
        spec_json = spec.model_dump_json()
        fitted = json.dumps(fitted_models(spec, splits.train, out_dir), sort_keys=True)
        context = nullcontext(client) if client is not None else dask_client(workers, scheduler)
        with context as active:
            shards = str(shards_dir.resolve())
            futures = [
                active.submit(
                    run_partition, spec_json, i, partitions[i], splits.payload_format, shards, fitted, pure=False
                )
                for i in todo
                if i < len(partitions)
            ]
            extra_todo = [(i - len(partitions), i) for i in todo if i >= len(partitions)]
            if extra_todo:
                futures += extra.submit(active, extra_todo, shards, progress)
            with tqdm(total=len(futures), desc=f"expand {spec.name}", unit="shard", disable=not progress) as bar:
                for _, entry in finished(active, futures, "expand"):
                    _append(out_dir / "manifest.jsonl", entry)
                    done[entry["partition"]] = entry
                    bar.update()
    entries = [done[i] for i in range(total)]
    manifest = _write_manifest(out_dir, entries, manifest_columns(spec.dataset.task))
    quarantine = [q for e in entries for q in e["quarantined"]]
    written = pc.sum(pc.equal(manifest["origin"], "original")).as_py() or 0
    tally("train", len(splits.train), written, len(quarantine))
    write_text_atomically(
        out_dir / "quarantine.json", json.dumps([q.__dict__ for q in splits.quarantined] + quarantine, indent=1)
    )
    write_text_atomically(out_dir / "skipped.json", json.dumps(splits.skipped, indent=1))
    return ExpandResult(
        out_dir,
        len(splits.train),
        written,
        len(quarantine),
        sum(e["rows"] for e in entries),
        total,
        total - len(todo),
        quarantine,
        sum(e.get("dropped", 0) for e in entries),
        sum(e.get("synthetic", 0) for e in entries),
        sum(e.get("kept", 0) for e in entries),
        splits.accounting(),
        splits.skipped,
    )


def parallel_keys(client: Client, chunk: int) -> ContentKeys:
    """``content_keys`` on the cluster's workers, ``chunk`` records a task, in the records' order: the decoding pass
    that finds the usable samples before the split runs in parallel (file inputs are read by the workers)."""

    def keys(records: list[Record], fmt: ImageFormat | TextFormat) -> list[str | BadInput]:
        chunks = [records[i : i + chunk] for i in range(0, len(records), chunk)]
        futures = [client.submit(content_keys, part, fmt, pure=False) for part in chunks]
        done = {future.key: part_keys for future, part_keys in finished(client, futures, "input-reading")}
        return [key for future in futures for key in done[future.key]]

    return keys


def _claim(out_dir: Path, spec: Spec, splits: Splits, partitions: int, overwrite: bool, synthetic: dict) -> None:
    """Record which spec, data (and generator checkpoints) this directory expands; refuse to mix shards of two
    different ones."""
    data = hashlib.sha256("".join(f"{r.source_id}|{r.label}|{r.content_hash}\n" for r in splits.train).encode())
    stamp = {
        "fingerprint": spec.fingerprint(),
        "data": data.hexdigest()[:16],
        "partition_size": spec.output.partition_size,
        "partitions": partitions,
        "synthetic": synthetic,
        "classes": list(splits.classes),  # class names by label index, for exports
        "spec": spec.model_dump(mode="json"),
    }
    path = out_dir / "expansion.json"
    if path.exists():
        previous = json.loads(path.read_text())
        keys = ("fingerprint", "data", "partition_size", "partitions", "synthetic")
        same = all(previous.get(k, {} if k == "synthetic" else None) == stamp[k] for k in keys)
        if not same and not overwrite:
            raise SpecError(
                "output.dir",
                f"'{out_dir}' holds an expansion of a different spec or data "
                f"(fingerprint {previous.get('fingerprint')}, this spec {stamp['fingerprint']})",
                fix="choose another output dir (--out), or pass --overwrite to replace it",
            )
        if not same:
            _clear(out_dir)
    write_text_atomically(path, json.dumps(stamp, indent=1, sort_keys=True))


def _clear(out_dir: Path) -> None:
    with writing(out_dir):
        for shard in (out_dir / "shards").glob("*.parquet"):
            shard.unlink()
        for name in ("manifest.jsonl", "manifest.parquet", "quarantine.json", "skipped.json"):
            (out_dir / name).unlink(missing_ok=True)


def _append(journal: Path, entry: dict) -> None:
    """Add a finished shard's entry to the journal, on disk before the next one (a rerun resumes from it)."""
    with writing(journal), journal.open("a") as handle:
        handle.write(json.dumps(entry) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _complete_entries(out_dir: Path, partitions: int) -> dict[int, dict]:
    """Journal entries whose shard file still exists with the recorded content hash."""
    journal = out_dir / "manifest.jsonl"
    entries: dict[int, dict] = {}
    if journal.exists():
        for line in journal.read_text(errors="replace").splitlines():
            entry = _journal_entry(line)
            if entry is not None and entry["partition"] < partitions:  # else cut short by a crash: shard redone
                entries[entry["partition"]] = entry
    return {
        i: e
        for i, e in entries.items()
        if (path := out_dir / "shards" / shard_name(i)).exists() and file_sha256(path) == e["sha256"]
    }


def _journal_entry(line: str) -> dict | None:
    """A journal line as an entry, or None when it is not one (cut short by a crash, or not a JSON object)."""
    try:
        entry = json.loads(line)
    except json.JSONDecodeError:
        return None
    fields = {"shard": str, "partition": int, "rows": int, "sha256": str, "quarantined": list}
    if isinstance(entry, dict) and all(isinstance(entry.get(name), kind) for name, kind in fields.items()):
        return entry
    return None


def fitted_models(spec: Spec, train: list[Record], where: Path) -> dict[str, str]:
    """Models text ops need, fitted on the train records and kept under ``where/assets`` (none for image specs)."""
    if not spec.dataset.is_text:
        return {}
    from augsynth.text.fitted import fit_text_models  # nlpaug loads only for text specs

    texts = [record.payload.decode("utf-8", "replace") for record in train]
    return fit_text_models(spec.augment.text, texts, where)


def _write_manifest(out_dir: Path, entries: list[dict], columns: list[str]) -> pa.Table:
    """One row per output sample (everything but the pixels) with the shard that holds it."""
    tables = []
    for entry in entries:
        table = pq.read_table(out_dir / "shards" / entry["shard"], columns=columns)
        tables.append(table.append_column("shard", pa.array([entry["shard"]] * table.num_rows, pa.string())))
    manifest = pa.concat_tables(tables) if tables else pa.table({c: [] for c in columns + ["shard"]})
    write_atomically(out_dir / "manifest.parquet", lambda temp: pq.write_table(manifest, temp, compression="zstd"))
    return manifest
