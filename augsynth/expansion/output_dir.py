"""The output dir is augsynth's own: made by it (and marked), or empty when first used, or handed over on purpose.

A job writes shards, checkpoints and reports under its output dir and may replace what is there; so it never starts
in a folder holding someone else's files unless ``--overwrite`` says so.
"""

from __future__ import annotations

from pathlib import Path

from augsynth.core.atomic import make_folder, writing
from augsynth.core.errors import SpecError
from augsynth.core.paths import refuse_system_folder

MARKER = ".augsynth"  # written into every output dir augsynth makes or is given
LEGACY = "expansion.json"  # what an output dir made before the marker existed holds


def claim_output_dir(out_dir: Path, overwrite: bool) -> None:
    """Make ``out_dir`` (marked), or mark it when it is empty, or accept it when marked; a non-empty folder augsynth
    did not make is refused unless ``overwrite``, and system folders always."""
    refuse_system_folder(
        out_dir, "output.dir", "output dir", fix="write results to a folder of their own, e.g. --out out/NAME"
    )
    if (out_dir / MARKER).is_file():
        return
    if out_dir.exists() and not out_dir.is_dir():
        raise SpecError("output.dir", f"'{out_dir}' is a file, not a folder", fix="choose another output dir (--out)")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / LEGACY).is_file() and not overwrite:
        raise SpecError(
            "output.dir",
            f"'{out_dir}' is not empty and was not made by augsynth (no {MARKER} file in "
            "it): a run would write its results among those files and could replace some of them",
            fix="choose a new or empty output dir (--out), or pass --overwrite if augsynth may write there",
        )
    make_folder(out_dir)
    with writing(out_dir / MARKER):  # a read-only or full disk is a DataError naming the path
        (out_dir / MARKER).write_text("This folder is the output dir of an augsynth job.\n", encoding="utf-8")
