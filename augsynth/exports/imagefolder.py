"""``--format imagefolder``: DIR/<class>/<row>.png (the shard's PNG bytes as they are) and DIR/provenance.csv."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

from augsynth.core.errors import DataError
from augsynth.data.shards import CONTENT_COLUMNS
from augsynth.exports.names import UniqueNames
from augsynth.exports.source import Expansion

PROVENANCE = "provenance.csv"


def write_imagefolder(expansion: Expansion, folder: Path, progress: Callable[[int], object]) -> None:
    """One PNG per row in its class's folder (torchvision's ``ImageFolder`` layout), and one provenance line per
    file: its path, class name and every shard column but the pixels (``seed`` as JSON)."""
    class_dirs = UniqueNames()
    dirs = [class_dirs(name) for name in expansion.classes]
    files = UniqueNames()
    with (folder / PROVENANCE).open("w", newline="", encoding="utf-8") as handle:
        writer: csv.DictWriter | None = None
        for table in expansion.tables():
            columns = [name for name in table.column_names if name not in CONTENT_COLUMNS]
            if writer is None:
                writer = csv.DictWriter(handle, ["file", "class", *columns])
                writer.writeheader()
            for row in table.to_pylist():
                label = row["label"]
                if not 0 <= label < len(dirs):
                    raise DataError(f"row {row['id']} has label {label}, but the expansion has {len(dirs)} classes")
                relative = Path(dirs[label], files(row["id"], ".png"))
                (folder / relative.parent).mkdir(exist_ok=True)
                (folder / relative).write_bytes(row["image"])
                writer.writerow(
                    {"file": relative.as_posix(), "class": expansion.classes[label]}
                    | {name: json.dumps(row[name]) if name == "seed" else row[name] for name in columns}
                )
            progress(table.num_rows)
