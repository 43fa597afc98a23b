"""A PNG grid of originals beside their augmented copies, made by the same pure pipeline as the expansion."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from augsynth.labels import LabelAdjuster  # noqa: E402
from augsynth.pipeline import Pipeline  # noqa: E402
from augsynth.spec import Spec  # noqa: E402
from augsynth.splits import make_splits  # noqa: E402


def preview(spec: Spec, path: str | Path, rows: int = 8, copies: int | None = None) -> Path:
    """Write a grid: one train sample per row (one per class first), the original then its copies.

    For a regression target each image is captioned with its label, adjusted by the ops that fired. For text the
    preview is Markdown (``path`` with the suffix ``.md``): each original beside its copies.
    """
    if spec.dataset.is_text:
        return _text_preview(spec, Path(path).with_suffix(".md"), rows, copies)
    splits = make_splits(spec)
    pipeline = Pipeline.from_spec(spec)
    adjuster = LabelAdjuster(spec.augment.image, spec.target)
    regression = spec.dataset.task == "regression"
    copies = spec.augment.copies if copies is None else copies
    chosen, seen = [], set()
    for record in splits.train:  # one per class first, then fill up in order
        if not regression and record.label not in seen:
            seen.add(record.label)
            chosen.append(record)
    chosen += [r for r in splits.train if r not in chosen]
    chosen = chosen[:rows]
    aspect = splits.payload_format.shape[1] / splits.payload_format.shape[0]
    fig, axes = plt.subplots(len(chosen), copies + 1, figsize=(1.3 * aspect * (copies + 1), 1.3 * len(chosen)),
                             squeeze=False)
    for row, record in enumerate(chosen):
        image = splits.payload_format.decode(record.payload)
        for copy in range(copies + 1):
            shown, applied = (image, []) if copy == 0 else pipeline.augment(image, record.index, copy)
            ax = axes[row][copy]
            ax.imshow(shown, cmap="gray" if shown.ndim == 2 else None, vmin=0, vmax=255)
            ax.set_xticks([])
            ax.set_yticks([])
            if row == 0:
                ax.set_title("original" if copy == 0 else f"copy {copy}", fontsize=8)
            if regression:
                ax.set_xlabel(f"{spec.dataset.target} {adjuster.adjust(record.label, applied)[0]:+.3f}", fontsize=7)
            elif copy == 0:
                ax.set_ylabel(splits.classes[record.label], fontsize=8)
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _text_preview(spec: Spec, path: Path, rows: int, copies: int | None, chars: int = 300) -> Path:
    from augsynth.text.ops import TEXT_OPS
    from augsynth.text.pipeline import TextPipeline

    splits = make_splits(spec)
    fitted_free = [op for op in spec.augment.text if TEXT_OPS.get(op["op"]).fitted is None]
    pipeline = TextPipeline(fitted_free, spec.seed, TextPipeline.protection(spec))  # fitted models need the expansion
    copies = spec.augment.copies if copies is None else copies
    chosen = list({record.label: record for record in reversed(splits.train)}.values())[:rows]
    lines = [f"# {spec.name}: originals and augmented copies", "",
             f"Ops shown: {', '.join(op['op'] for op in fitted_free)} (ops with fitted models are left out here).", ""]
    for record in chosen:
        text = splits.payload_format.decode(record.payload)
        lines += [f"## {splits.classes[record.label]} ({record.source_id})", "", f"- original: {text[:chars]}"]
        lines += [f"- copy {c}: {pipeline.augment(text, record.index, c)[0][:chars]}" for c in range(1, copies + 1)]
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return path


def generated_grid(out_dir: str | Path, classes: list[str], path: str | Path, per_class: int = 8) -> Path:
    """One row per class and generator: its first synthetic samples, those the gates rejected framed in red."""
    import io

    import numpy as np
    import pyarrow.compute as pc
    from PIL import Image

    from augsynth.expand import read_shards

    table = read_shards(out_dir, columns=["origin", "generator", "label", "sample_index", "gate", "image"])
    table = table.filter(pc.equal(table["origin"], "synthetic")).sort_by([("generator", "ascending"),
                                                                         ("label", "ascending"),
                                                                         ("sample_index", "ascending")])
    rows = table.to_pylist()
    keys = list(dict.fromkeys((row["generator"], row["label"]) for row in rows))
    fig, axes = plt.subplots(len(keys), per_class, figsize=(1.0 * per_class, 1.0 * len(keys)), squeeze=False)
    for r, (generator, label) in enumerate(keys):
        samples = [row for row in rows if row["generator"] == generator and row["label"] == label][:per_class]
        for c, ax in enumerate(axes[r]):
            ax.set_xticks([])
            ax.set_yticks([])
            if c >= len(samples):
                ax.axis("off")
                continue
            image = np.asarray(Image.open(io.BytesIO(samples[c]["image"])))
            ax.imshow(image, cmap="gray" if image.ndim == 2 else None, vmin=0, vmax=255)
            if samples[c]["gate"] != "kept":
                for spine in ax.spines.values():
                    spine.set_edgecolor("red")
                    spine.set_linewidth(2)
            if c == 0:
                ax.set_ylabel(f"{generator}\n{classes[label]}", fontsize=7)
    fig.suptitle("generated samples (red frame: rejected by a gate)", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.4 / max(1, len(keys))))
    path = Path(path)
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
