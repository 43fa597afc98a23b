"""``csv:PATH``: a table with an image-path column and a label column (paths relative to the CSV)."""

from __future__ import annotations

import csv
from pathlib import Path

from augsynth.datasets.base import Quarantined, Record, SourceData
from augsynth.errors import SpecError, did_you_mean


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


class CsvSource:
    default_channels = 3

    def check(self, arg: str, dataset) -> None:
        path = Path(arg)
        if not arg or not path.is_file():
            raise SpecError("dataset.source", f"CSV file '{arg}' does not exist",
                            fix="give csv:PATH to a table with columns image,label")
        with path.open(newline="") as handle:
            header = next(csv.reader(handle), [])
        for key in ("image_column", "label_column"):
            column = getattr(dataset, key)
            if column not in header:
                close = did_you_mean(column, header)
                hint = f"did you mean '{close}'? " if close else ""
                raise SpecError(f"dataset.{key}", f"column '{column}' is not in {arg} (columns: {header})",
                                fix=f"{hint}set dataset.{key} to the right column name")

    def load(self, arg: str, dataset) -> SourceData:
        path = Path(arg)
        rows = _rows(path)
        labels = sorted({row[dataset.label_column].strip() for row in rows} - {""})
        index = {name: i for i, name in enumerate(labels)}
        records, quarantined = [], []
        for line, row in enumerate(rows, start=2):
            image_ref = (row.get(dataset.image_column) or "").strip()
            label = (row.get(dataset.label_column) or "").strip()
            source_id = f"{path.name}:{line}:{image_ref}"
            file = path.parent / image_ref
            if not label:
                quarantined.append(Quarantined(source_id, "missing label"))
            elif not image_ref or not file.is_file():
                quarantined.append(Quarantined(source_id, f"image file not found: {file}"))
            else:
                records.append(Record(len(records), source_id, index[label], file.read_bytes()))
        return SourceData(records, labels, quarantined)
