"""A spec's image ops (and model-input steps) as a current albumentations pipeline file that ``A.load`` reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from augsynth.core import offline
from augsynth.core.errors import SpecError
from augsynth.image.ops import build_input_steps, build_transform

A = offline.albumentations()
FORMATS = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}


def to_albumentations(ops: list[dict[str, Any]], input_steps: list[dict[str, Any]] | None = None) -> A.Compose:
    """One ``A.Compose`` of the ops, then the model-input steps. ShiftX is augsynth's own transform: ``A.load`` reads
    it back where augsynth is imported."""
    steps = build_input_steps(input_steps or [])
    return A.Compose([build_transform(op) for op in ops] + (list(steps.transforms) if steps else []))


def save_albumentations(ops: list[dict[str, Any]], input_steps: list[dict[str, Any]], path: Path) -> Path:
    """Write the pipeline with ``A.save`` as JSON or YAML, chosen by the file's suffix."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise SpecError("--out", f"'{path}' ends in neither .json nor .yaml", fix="name the file pipeline.json")
    try:
        A.save(to_albumentations(ops, input_steps), str(path), data_format=fmt)
    except NotImplementedError as err:  # albumentations will not write ops that read data passed with each call
        raise SpecError(
            "augment.image",
            f"albumentations cannot write this pipeline: {err}",
            fix="export a copy of the spec without that op; it stays usable in augsynth itself",
        ) from None
    return path
