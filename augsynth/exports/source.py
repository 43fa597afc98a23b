"""The expansion an export or a replay reads: its task, class names, spec and complete shards, or a clear refusal."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from augsynth.core.errors import DataError, SpecError
from augsynth.core.kinds import Task

RERUN = "run `augsynth expand SPEC --out OUT` again: it resumes and finishes the expansion"


@dataclass(frozen=True)
class Expansion:
    """A complete expansion: its task, class names by label index (empty for regression), its shards in
    partition order with their row counts from the manifest, and the spec it expanded (as JSON data)."""

    out_dir: Path
    task: Task
    classes: list[str]
    shards: list[tuple[Path, int]]
    spec: dict

    @property
    def rows(self) -> int:
        return sum(rows for _, rows in self.shards)

    def tables(self) -> Iterator[pa.Table]:
        """The shards' rows, one shard at a time, each checked against the row count the manifest recorded."""
        for path, rows in self.shards:
            table = pq.read_table(path)
            if table.num_rows != rows:
                raise DataError(
                    f"{path} holds {table.num_rows} rows where {self.out_dir / 'manifest.parquet'} records {rows}: "
                    f"the expansion changed while it was exported; {RERUN}, then export again"
                )
            yield table


def open_expansion(out_dir: Path) -> Expansion:
    """The expansion in ``out_dir``: a SpecError when there is none, a DataError when it is incomplete."""
    stamp_path = out_dir / "expansion.json"
    if not stamp_path.is_file():
        raise SpecError(
            "OUT",
            f"'{out_dir}' holds no expansion (no {stamp_path.name} in it)",
            fix="give the output dir of an expansion, or make one first: augsynth expand SPEC --out OUT",
        )
    stamp = json.loads(stamp_path.read_text(encoding="utf-8"))
    if "classes" not in stamp or "spec" not in stamp:
        raise DataError(f"{stamp_path} was written by an older augsynth and lacks the class names; {RERUN}")
    manifest = out_dir / "manifest.parquet"
    if not manifest.is_file():
        raise DataError(f"{out_dir} holds an unfinished expansion (no {manifest.name}); {RERUN}")
    counts = Counter(pq.read_table(manifest, columns=["shard"])["shard"].to_pylist())
    shards = [(out_dir / "shards" / name, rows) for name, rows in sorted(counts.items())]
    missing = [str(path) for path, _ in shards if not path.is_file()]
    if missing or not shards:
        listed = ", ".join(missing[:3]) or "none listed"
        raise DataError(f"{out_dir} lacks shards its manifest lists ({listed}); {RERUN}")
    return Expansion(out_dir, Task(stamp["spec"]["dataset"]["task"]), list(stamp["classes"]), shards, stamp["spec"])
