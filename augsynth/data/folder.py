"""``folder:PATH``: one subfolder per class holding .png/.jpg images."""

from __future__ import annotations

from pathlib import Path

from augsynth.core.errors import SpecError, clip
from augsynth.core.paths import refuse_system_folder
from augsynth.data.base import IMAGE_SUFFIXES, Record, SourceData, SourceSize, data_source


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
            raise SpecError("dataset.source", f"folder '{clip(arg)}' needs at least two class subfolders",
                            fix="put each class's images in its own subfolder of PATH")
        return SourceSize(classes=classes)

    def load(self, arg: str, dataset) -> SourceData:
        root = Path(arg)
        classes = _class_dirs(root)
        records = []
        for label, class_dir in enumerate(classes):
            for file in sorted(class_dir.rglob("*")):
                if file.is_file() and file.suffix.lower() in IMAGE_SUFFIXES:
                    records.append(Record(len(records), file.relative_to(root).as_posix(), label, file.read_bytes()))
        return SourceData(records, [c.name for c in classes])
