"""Where an export goes: a new, empty or earlier export folder, written whole under a temp name and renamed."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from augsynth.core.atomic import make_folder, temp_sibling, write_atomically, write_text_atomically
from augsynth.core.errors import SpecError, clip
from augsynth.core.paths import refuse_system_folder

MARKER = ".augsynth-export"  # written last into every export: a folder holding it is a complete export


def check_destination(dest: Path, out_dir: Path, overwrite: bool) -> None:
    """SpecError unless ``dest`` is new, empty, or (with ``overwrite``) an earlier export; never the expansion
    itself, a folder holding it, or a system folder."""
    fix = "export to a new folder of its own, e.g. out/NAME-export"
    refuse_system_folder(dest, "DIR", "export folder", fix=fix)
    target, source = dest.resolve(), out_dir.resolve()
    if source == target or source.is_relative_to(target):
        raise SpecError("DIR", f"'{clip(str(dest))}' is or holds the expansion '{clip(str(out_dir))}'", fix=fix)
    if dest.exists() and not dest.is_dir():
        raise SpecError("DIR", f"'{clip(str(dest))}' is a file, not a folder", fix=fix)
    if not dest.is_dir() or not any(dest.iterdir()):
        return
    if not overwrite:
        raise SpecError(
            "DIR",
            f"'{clip(str(dest))}' exists and is not empty",
            fix=f"{fix}, or pass --overwrite to replace an earlier export there",
        )
    if not (dest / MARKER).is_file():
        raise SpecError(
            "DIR",
            f"'{clip(str(dest))}' is not an earlier export (no {MARKER} file in it): --overwrite replaces only an "
            "export, never other files",
            fix=f"{fix}, or empty that folder yourself",
        )


def publish(dest: Path, write: Callable[[Path], None], marker: str) -> Path:
    """Call ``write(folder)`` on a hidden temp sibling of ``dest``, add the marker, and rename it onto ``dest``: an
    interrupted export leaves no folder that looks complete. An earlier export at ``dest`` is moved aside just
    before the rename and deleted after it."""
    replaced: list[Path] = []

    def write_all(temp: Path) -> None:
        write(make_folder(temp))
        write_text_atomically(temp / MARKER, marker)
        if dest.is_dir() and any(dest.iterdir()):
            replaced.append(temp_sibling(dest))
            os.replace(dest, replaced[0])

    final = write_atomically(dest, write_all)
    for old in replaced:
        shutil.rmtree(old, ignore_errors=True)
    return final
