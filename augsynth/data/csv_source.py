"""``csv:PATH``: a UTF-8 table with an image-path column and a label column (paths relative to the CSV, which must
lead to files inside the CSV's folder).

Driving logs in the common simulator format (``center,left,right,steering,throttle,brake,speed``, often without a
header and with absolute paths from the recording machine) load as a regression source: ``target: steering``,
``image_column: center``, and ``side_cameras`` to add the left/right images.

Every data row is an input: a row with the wrong number of cells, a missing, non-numeric or non-finite label, or an
image that cannot be read is quarantined with the reason.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
from pathlib import Path

from augsynth.core.errors import DataError, SpecError, clip, excerpt, suggestion
from augsynth.core.paths import refuse_system_folder
from augsynth.data.base import BadInput, InputFile, Quarantined, Record, SourceData, SourceSize, data_source

DRIVING_LOG_COLUMNS = ["center", "left", "right", "steering", "throttle", "brake", "speed"]
MISSING_MARKERS = {"nan", "-nan", "null", "n/a", "#n/a", "<na>"}  # what spreadsheets and pandas write for "no value"
TO_UTF8 = "save it as UTF-8 (for example: iconv -f {encoding} -t UTF-8 {name} > utf8-{name}) and point csv: at that"


def _text(path: Path) -> str:
    """The CSV's text: UTF-8 (a byte-order mark dropped) or UTF-16 with a byte-order mark; a DataError that names the
    file, the encoding it seems to have and the fix otherwise.

    Legacy one-byte encodings (Latin-1, Windows-1252, ...) cannot be told apart from their bytes, and a wrong guess
    would silently change label names and file paths, so they are named, not decoded.
    """
    raw = path.read_bytes()
    if b"\0" in raw and not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # ASCII-heavy UTF-16 has a NUL in every other byte: the odd ones (little-endian) or the even ones (big-endian)
        endian = "LE" if raw[1::2].count(0) > len(raw) // 4 else "BE" if raw[0::2].count(0) > len(raw) // 4 else ""
        if endian:
            raise DataError(
                f"{path} looks like UTF-16 text without a byte-order mark; augsynth reads CSV tables as "
                f"UTF-8. Fix: {TO_UTF8.format(encoding='UTF-16' + endian, name=path.name)}"
            )
        raise DataError(
            f"{path} is not a CSV table: it holds NUL bytes, as binary files do. Fix: point "
            "dataset.source at the CSV file (csv:PATH), a text table with a header row"
        )
    try:
        return raw.decode("utf-16" if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "utf-8-sig")
    except UnicodeDecodeError as err:
        if err.encoding.startswith("utf-16"):
            raise DataError(
                f"{path} starts like UTF-16 text but does not decode as UTF-16 ({err.reason} at byte "
                f"{err.start}). Fix: {TO_UTF8.format(encoding='UTF-16', name=path.name)}"
            ) from None
        line = raw[: err.start].count(b"\n") + 1
        raise DataError(
            f"{path} is not UTF-8: byte 0x{raw[err.start]:02x} on line {line} is not valid there; it is "
            "probably in a one-byte legacy encoding such as Latin-1 or Windows-1252. Fix: "
            f"{TO_UTF8.format(encoding='LATIN1', name=path.name)}"
        ) from None


def _table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (line number, cells) rows; a headerless simulator driving log gets the standard column names."""
    reader = csv.reader(io.StringIO(_text(path), newline=""))
    try:
        rows = [(reader.line_num, row) for row in reader if row]
    except csv.Error as err:
        raise DataError(f"{path}: line {reader.line_num} is not valid CSV ({err}). Fix: repair that line") from None
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


def _label_problem(text: str, regression: bool) -> str | None:
    """Why a label cell cannot be used, or None."""
    if not text or text.lower() in MISSING_MARKERS:
        return f"missing label ({text!r})" if text else "missing label"
    if not regression:
        return None
    try:
        value = float(text)
    except ValueError:
        return f"non-numeric label {text!r}"
    return None if math.isfinite(value) else f"non-finite label {text!r}"


def _resolve(ref: str, base: Path) -> Path:
    """An image reference as written, relative to the CSV, or (logs recorded elsewhere) under the CSV's IMG/; a file
    inside the CSV's folder is preferred."""
    candidates = [base / ref, base / "IMG" / Path(ref.replace("\\", "/")).name]
    existing = [c for c in candidates if c.is_file()]
    inside = [c for c in existing if c.resolve().is_relative_to(base.resolve())]
    return (inside or existing or candidates)[0]


@data_source("csv")
class CsvSource:
    default_channels = 3

    def check(self, arg: str, dataset) -> SourceSize:
        path, fix = Path(arg), "give csv:PATH to a table with columns image,label"
        if "://" in arg:
            raise SpecError(
                "dataset.source",
                f"'{clip(arg)}' is a URL; augsynth reads local files only (nothing is downloaded)",
                fix="download the table and give csv:PATH to the local file",
            )
        if arg:
            refuse_system_folder(path, "dataset.source", "CSV file", fix)
        if path.is_dir():
            raise SpecError(
                "dataset.source",
                f"'{clip(arg)}' is a directory, not a CSV file",
                fix=f"{fix}, or use folder:PATH for a folder of class subfolders",
            )
        if not arg or not path.is_file():
            raise SpecError("dataset.source", f"CSV file '{clip(arg)}' does not exist", fix=fix)
        try:
            header, rows = _table(path)  # a DataError names a binary file or another encoding, with the fix
        except csv.Error as err:
            raise SpecError(
                "dataset.source", f"'{clip(arg)}' is not a readable CSV table: {clip(str(err))}", fix=fix
            ) from None
        if not header:
            raise SpecError("dataset.source", f"the CSV file '{clip(arg)}' is empty", fix=fix)
        content = (
            ("dataset.text_column", dataset.text_column)
            if dataset.is_text
            else ("dataset.image_column", dataset.image_column)
        )
        columns = [content, ("dataset.label_column", dataset.label_field)]
        if dataset.side_cameras is not None:
            sides = dataset.side_cameras
            columns += [
                ("dataset.side_cameras.left_column", sides.left_column),
                ("dataset.side_cameras.right_column", sides.right_column),
            ]
        for where, column in columns:
            if column not in header:
                hint = suggestion(column, header)
                raise SpecError(
                    where,
                    f"column {excerpt(column)} is not in {clip(arg)} (columns: {excerpt(header)})",
                    fix=f"{hint}set {where} to the right column name",
                )
        if dataset.task == "regression":
            return SourceSize(records=len(rows))
        column = header.index(dataset.label_field)
        return SourceSize(len(rows), len({row[column].strip() for _, row in rows if len(row) > column} - {""}))

    def load(self, arg: str, dataset) -> SourceData:
        path = Path(arg)
        root = path.parent.resolve()
        header, rows = _table(path)
        regression = dataset.task == "regression"
        sides = dataset.side_cameras
        view_columns = [("left", sides.left_column), ("right", sides.right_column)] if sides else []
        table, quarantined = [], []
        for line, cells in rows:
            source_id = f"{path.name}:{line}"
            row = dict(zip(header, (cell.strip() for cell in cells), strict=False))
            if not dataset.is_text:
                source_id += f":{row.get(dataset.image_column) or ''}"
            if len(cells) != len(header):
                problem = f"malformed row: {len(cells)} cells where the header has {len(header)}"
            else:
                problem = _label_problem(row.get(dataset.label_field) or "", regression)
            if problem:
                quarantined.append(Quarantined(source_id, problem))
            else:
                table.append((source_id, row))
        labels = [] if regression else sorted({row[dataset.label_field] for _, row in table})
        index = {name: i for i, name in enumerate(labels)}
        records = []
        for source_id, row in table:
            label = float(row[dataset.label_field]) if regression else index[row[dataset.label_field]]
            try:
                if dataset.is_text:
                    payload, views = _text_payload(row[dataset.text_column]), ()
                else:
                    payload = _image(row.get(dataset.image_column) or "", path.parent, root)
                    views = tuple(
                        (name, _image(row.get(column) or "", path.parent, root)) for name, column in view_columns
                    )
            except BadInput as err:
                quarantined.append(Quarantined(source_id, str(err)))
                continue
            records.append(Record(len(records), source_id, label, payload, views))
        return SourceData(records, labels, quarantined, listed=len(rows))


def _image(ref: str, base: Path, root: Path) -> InputFile:
    if not ref:
        raise BadInput("missing image path")
    return InputFile.listed(_resolve(ref, base), root)


def _text_payload(text: str) -> bytes:
    if not text.strip():
        raise BadInput("empty text")
    return text.encode()
