"""``csv:PATH``: a table with an image-path column and a label column (paths relative to the CSV).

Driving logs in the common simulator format (``center,left,right,steering,throttle,brake,speed``, often without a
header and with absolute paths from the recording machine) load as a regression source: ``target: steering``,
``image_column: center``, and ``side_cameras`` to add the left/right images.
"""

from __future__ import annotations

import csv
from pathlib import Path

from augsynth.core.errors import DataError, SpecError, clip, excerpt, suggestion
from augsynth.core.paths import refuse_system_folder
from augsynth.data.base import Quarantined, Record, SourceData, SourceSize, data_source

DRIVING_LOG_COLUMNS = ["center", "left", "right", "steering", "throttle", "brake", "speed"]


def _table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line number, cells) rows; a headerless simulator driving log gets the standard column names."""
    with path.open(newline="") as handle:
        rows = [(line, row) for line, row in enumerate(csv.reader(handle), start=1) if row]
    if not rows:
        return [], []
    first = [cell.strip() for cell in rows[0][1]]
    if len(first) == len(DRIVING_LOG_COLUMNS) and _is_number(first[3]):
        return DRIVING_LOG_COLUMNS, rows
    return first, rows[1:]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _resolve(ref: str, base: Path) -> Path:
    """An image reference as written, relative to the CSV, or (logs recorded elsewhere) under the CSV's IMG/."""
    for candidate in (Path(ref), base / ref, base / "IMG" / Path(ref.replace("\\", "/")).name):
        if candidate.is_file():
            return candidate
    return base / ref


@data_source("csv")
class CsvSource:
    default_channels = 3

    def check(self, arg: str, dataset) -> SourceSize:
        path, fix = Path(arg), "give csv:PATH to a table with columns image,label"
        if "://" in arg:
            raise SpecError("dataset.source", f"'{clip(arg)}' is a URL; augsynth reads local files only (nothing is "
                            "downloaded)", fix="download the table and give csv:PATH to the local file")
        if arg:
            refuse_system_folder(path, "dataset.source", "CSV file", fix)
        if path.is_dir():
            raise SpecError("dataset.source", f"'{clip(arg)}' is a directory, not a CSV file",
                            fix=f"{fix}, or use folder:PATH for a folder of class subfolders")
        if not arg or not path.is_file():
            raise SpecError("dataset.source", f"CSV file '{clip(arg)}' does not exist", fix=fix)
        with path.open("rb") as handle:
            if b"\0" in handle.read(1 << 16):
                raise SpecError("dataset.source", f"'{clip(arg)}' is a binary file, not a CSV table", fix=fix)
        try:
            header, rows = _table(path)
        except UnicodeDecodeError as err:
            raise DataError(f"{arg}: the table is not UTF-8 text ({err.reason}); save it as UTF-8") from None
        except csv.Error as err:
            raise SpecError("dataset.source", f"'{clip(arg)}' is not a readable CSV table: {clip(str(err))}",
                            fix=fix) from None
        if not header:
            raise SpecError("dataset.source", f"the CSV file '{clip(arg)}' is empty", fix=fix)
        content = ("dataset.text_column", dataset.text_column) if dataset.is_text else ("dataset.image_column",
                                                                                         dataset.image_column)
        columns = [content, ("dataset.label_column", dataset.label_field)]
        if dataset.side_cameras is not None:
            sides = dataset.side_cameras
            columns += [("dataset.side_cameras.left_column", sides.left_column),
                        ("dataset.side_cameras.right_column", sides.right_column)]
        for where, column in columns:
            if column not in header:
                hint = suggestion(column, header)
                raise SpecError(where, f"column {excerpt(column)} is not in {clip(arg)} (columns: {excerpt(header)})",
                                fix=f"{hint}set {where} to the right column name")
        if dataset.task == "regression":
            return SourceSize(records=len(rows))
        column = header.index(dataset.label_field)
        return SourceSize(len(rows), len({row[column].strip() for _, row in rows if len(row) > column} - {""}))

    def load(self, arg: str, dataset) -> SourceData:
        path = Path(arg)
        header, rows = _table(path)
        table = [(line, dict(zip(header, (cell.strip() for cell in row), strict=False))) for line, row in rows]
        regression = dataset.task == "regression"
        labels = [] if regression else sorted({row.get(dataset.label_field) or "" for _, row in table} - {""})
        index = {name: i for i, name in enumerate(labels)}
        sides = dataset.side_cameras
        view_columns = [("left", sides.left_column), ("right", sides.right_column)] if sides else []
        records, quarantined = [], []
        for line, row in table:
            if dataset.is_text:
                self._text_row(path, line, row, dataset, index, records, quarantined)
                continue
            image_ref = row.get(dataset.image_column) or ""
            label_text = row.get(dataset.label_field) or ""
            source_id = f"{path.name}:{line}:{image_ref}"
            files = [(name, _resolve(row.get(column) or "", path.parent)) for name, column in view_columns]
            file = _resolve(image_ref, path.parent)
            missing = [f for f in [file, *(f for _, f in files)] if not f.is_file()]
            if not label_text:
                quarantined.append(Quarantined(source_id, "missing label"))
            elif regression and not _is_number(label_text):
                quarantined.append(Quarantined(source_id, f"non-numeric label {label_text!r}"))
            elif not image_ref or missing:
                quarantined.append(Quarantined(source_id, f"image file not found: {missing[0] if missing else file}"))
            else:
                label = float(label_text) if regression else index[label_text]
                views = tuple((name, f.read_bytes()) for name, f in files)
                records.append(Record(len(records), source_id, label, file.read_bytes(), views))
        return SourceData(records, labels, quarantined)

    @staticmethod
    def _text_row(path: Path, line: int, row: dict, dataset, index: dict, records: list, quarantined: list) -> None:
        text, label = row.get(dataset.text_column) or "", row.get(dataset.label_field) or ""
        source_id = f"{path.name}:{line}"
        if not label:
            quarantined.append(Quarantined(source_id, "missing label"))
        elif not text.strip():
            quarantined.append(Quarantined(source_id, "empty text"))
        else:
            records.append(Record(len(records), source_id, index[label], text.encode()))
