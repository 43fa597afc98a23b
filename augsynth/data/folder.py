"""``folder:PATH``: one subfolder per class holding images in any format Pillow opens (.png, .jpg, .bmp, .gif (first
frame), .tif, .webp, .ppm, .tga, .ico ...).

Only files inside PATH are read: a symlink that leads out of it, a linked folder (not walked) and an unreadable
file are quarantined with the reason. A file with another extension is skipped: counted and listed, not decoded.
Hidden files and folders (``.name``) are not inputs.
"""

from __future__ import annotations

import os
from pathlib import Path

from augsynth.core.errors import SpecError, clip
from augsynth.core.paths import refuse_system_folder
from augsynth.data.base import (
    IMAGE_SUFFIXES,
    BadInput,
    InputFile,
    Quarantined,
    Record,
    SourceData,
    SourceSize,
    data_source,
)


def _class_dirs(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


@data_source("folder")
class FolderSource:
    default_channels = 3

    def check(self, arg: str, dataset) -> SourceSize:
        root = Path(arg)
        fix = "give folder:PATH with one subfolder per class (PATH/cat/*.png, PATH/dog/*.png)"
        if arg:
            refuse_system_folder(root, "dataset.source", "data folder", fix)
        if not arg or not root.is_dir():
            raise SpecError("dataset.source", f"folder '{clip(arg)}' does not exist or is not a directory", fix=fix)
        classes = len(_class_dirs(root))
        if classes < 2:
            raise SpecError(
                "dataset.source",
                f"folder '{clip(arg)}' needs at least two class subfolders",
                fix="put each class's images in its own subfolder of PATH",
            )
        return SourceSize(classes=classes)

    def load(self, arg: str, dataset) -> SourceData:
        root = Path(arg)
        inside = root.resolve()
        classes = _class_dirs(root)
        records, quarantined, skipped, listed = [], [], [], 0
        for label, class_dir in enumerate(classes):
            if not class_dir.resolve().is_relative_to(inside):
                listed += 1
                quarantined.append(
                    Quarantined(
                        f"{class_dir.name}/",
                        f"the class folder is a link that leads outside "
                        f"the data folder (to {class_dir.resolve()}); it was not walked",
                    )
                )
                continue
            for file in _entries(class_dir):
                listed += 1
                source_id = file.relative_to(root).as_posix()
                if file.suffix.lower() not in IMAGE_SUFFIXES and not file.is_dir():
                    skipped.append(source_id)
                    continue
                try:
                    records.append(Record(len(records), source_id, label, _image_file(file, inside)))
                except BadInput as err:
                    quarantined.append(Quarantined(source_id, str(err)))
        return SourceData(records, [c.name for c in classes], quarantined, listed, skipped)


def _entries(folder: Path) -> list[Path]:
    """Every file under ``folder`` and every linked folder (listed, not walked), sorted; hidden names left out."""
    found = []
    for here, folders, files in os.walk(folder):  # does not descend into linked folders
        folders[:] = [name for name in folders if not name.startswith(".")]
        found += [Path(here) / name for name in files if not name.startswith(".")]
        found += [Path(here) / name for name in folders if (Path(here) / name).is_symlink()]
    return sorted(found)


def _image_file(file: Path, root: Path) -> InputFile:
    if file.is_symlink() and file.is_dir():
        raise BadInput(f"linked folder (to {file.resolve()}), not followed: put its images in the class folder")
    return InputFile.listed(file, root)
