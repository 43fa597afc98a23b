"""Export an expansion's rows for other trainers: a torchvision ``ImageFolder`` tree or a Hugging Face dataset."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from augsynth.core.errors import SpecError
from augsynth.core.kinds import Task
from augsynth.exports.destination import check_destination, publish
from augsynth.exports.hf import write_hf
from augsynth.exports.imagefolder import write_imagefolder
from augsynth.exports.source import open_expansion

WRITERS = {"imagefolder": write_imagefolder, "hf": write_hf}
FORMATS = tuple(WRITERS)


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: how many rows, in which format, the class names (empty for regression), and where."""

    dest: Path
    format: str
    rows: int
    classes: list[str]

    def summary(self) -> str:
        labels = f"{len(self.classes)} classes" if self.classes else "regression labels"
        return f"exported {self.rows} rows ({labels}) as {self.format} to {self.dest}"


def export(
    out_dir: str | Path, fmt: str, dest: str | Path, overwrite: bool = False, progress: bool = True
) -> ExportResult:
    """Write every row of the expansion in ``out_dir`` to ``dest`` as ``fmt`` (``imagefolder`` or ``hf``).

    ``dest`` must be new or empty; with ``overwrite`` an earlier export there is replaced. The export is written
    under a temp name beside ``dest`` and renamed when complete.
    """
    out_dir, dest = Path(out_dir), Path(dest)
    if fmt not in WRITERS:
        raise SpecError("--format", f"unknown export format '{fmt}'", fix=f"choose one of {', '.join(FORMATS)}")
    expansion = open_expansion(out_dir)
    if fmt == "imagefolder" and expansion.task != Task.CLASSIFICATION:
        raise SpecError(
            "--format",
            f"'{out_dir}' is a {expansion.task.value} expansion: an imagefolder tree holds images by class only",
            fix="use --format hf, which keeps float labels and text",
        )
    check_destination(dest, out_dir, overwrite)
    marker = json.dumps({"format": fmt, "expansion": str(out_dir.resolve()), "rows": expansion.rows}, indent=1)
    with tqdm(total=expansion.rows, desc=f"export {fmt}", unit="row", disable=not progress) as bar:
        publish(dest, lambda folder: WRITERS[fmt](expansion, folder, bar.update), marker)
    return ExportResult(dest, fmt, expansion.rows, expansion.classes)
