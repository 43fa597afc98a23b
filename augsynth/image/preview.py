"""A PNG grid of originals beside their augmented copies, made by the same pure pipeline as the expansion."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from augsynth.core.kinds import Task
from augsynth.data.splits import make_splits
from augsynth.image.pipeline import Pipeline
from augsynth.spec.schema import Spec


def image_preview(spec: Spec, path: str | Path, rows: int = 8, copies: int | None = None) -> Path:
    """Write a grid: one train sample per row (one per class first), the original then its copies.

    For a regression target each image is captioned with its label, adjusted by the ops that fired.
    """
    splits = make_splits(spec)
    pipeline = Pipeline.from_spec(spec)
    regression = spec.dataset.task == Task.REGRESSION
    copies = spec.augment.copies if copies is None else copies
    chosen, seen = [], set()
    for record in splits.train:  # one per class first, then fill up in order
        if not regression and record.label not in seen:
            seen.add(record.label)
            chosen.append(record)
    chosen += [r for r in splits.train if r not in chosen]
    chosen = chosen[:rows]
    aspect = splits.payload_format.shape[1] / splits.payload_format.shape[0]
    fig = Figure(figsize=(1.3 * aspect * (copies + 1), 1.3 * len(chosen)))
    axes = fig.subplots(len(chosen), copies + 1, squeeze=False)
    for row, record in enumerate(chosen):
        image = splits.payload_format.decode(record.payload)
        for copy in range(copies + 1):
            shown, label = (image, record.label) if copy == 0 else pipeline(image, record.label, record.index, copy)
            ax = axes[row][copy]
            ax.imshow(shown, cmap="gray" if shown.ndim == 2 else None, vmin=0, vmax=255)
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title("original" if copy == 0 else f"copy {copy}", fontsize=8)
            if regression:
                ax.set_xlabel(f"{spec.dataset.target} {label:+.3f}", fontsize=7)
            elif copy == 0:
                ax.set_ylabel(splits.classes[record.label], fontsize=8)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return path
