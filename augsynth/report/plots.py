"""The report's plots: arms with their intervals, the learning curve, a grid of generated samples.

Figures are made with ``matplotlib.figure.Figure`` (no pyplot, no backend switch in the user's process).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
from matplotlib.figure import Figure
from PIL import Image

from augsynth.core.kinds import Origin, Verdict
from augsynth.data.shards import read_shards
from augsynth.report.format import intervals_note, metric_scale
from augsynth.report.model import Report


def plot_arms(report: Report, path: Path) -> None:
    """Bars of each arm's mean with its interval (none from one seed), and the classical model as a line."""
    scale, suffix = metric_scale(report)
    fig = Figure(figsize=(5, 3.5))
    ax = fig.subplots()
    names = list(report.arms)
    stats = [report.arms[name] for name in names]
    means = [scale * s.mean for s in stats]
    errors = [
        [scale * (s.mean - s.ci95[0]) if s.ci95 else 0.0 for s in stats],
        [scale * (s.ci95[1] - s.mean) if s.ci95 else 0.0 for s in stats],
    ]
    ax.bar(names, means, yerr=errors, capsize=6, color=["#888888"] + ["#3a7bd5"] * (len(names) - 1))
    forest = report.classical_baseline
    if forest:
        ax.axhline(scale * forest.mean, color="#c0392b", linestyle="--", label=forest.model.replace("_", " "))
        ax.legend(loc="lower right")
    if report.higher_is_better:
        low = min(means + ([scale * forest.mean] if forest else [])) - 10
        ax.set_ylim(max(0, low), 100)
    ax.set_ylabel(f"test {report.metric}{suffix}")
    ax.set_title(f"{report.name}: mean, {intervals_note(report.replicates)}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def plot_learning_curve(report: Report, path: Path) -> None:
    """Each arm's mean (and interval) against the train size, for the points with a size."""
    scale, suffix = metric_scale(report)
    fig = Figure(figsize=(5.5, 3.5))
    ax = fig.subplots()
    points = report.sized_curve()
    for arm in dict.fromkeys(p.arm for p in points):
        mine = sorted((p for p in points if p.arm == arm), key=lambda p: p.train_size)
        sizes = [p.train_size for p in mine]
        ax.plot(sizes, [scale * p.mean for p in mine], marker="o", label=arm)
        if all(p.ci95 for p in mine):
            ax.fill_between(sizes, [scale * p.ci95[0] for p in mine], [scale * p.ci95[1] for p in mine], alpha=0.2)
    ax.set_xscale("log", base=2)
    ax.set_xlabel(f"train {report.train_size_unit}")
    ax.set_ylabel(f"test {report.metric}{suffix}")
    ax.set_title(
        f"learning curve: mean, {intervals_note(report.learning_curve_replicates)} (main size: all)", fontsize=9
    )
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def plot_gains(report: Report, path: Path) -> None:
    """Each replicate's paired change (arm minus baseline) as a dot per arm, the mean as a bar and its interval."""
    scale, suffix = metric_scale(report)
    fig = Figure(figsize=(5, 3.5))
    ax = fig.subplots()
    arms = list(report.gain)
    for i, arm in enumerate(arms):
        values = [scale * row.gains[arm] for row in report.replicate_rows if arm in row.gains]
        offsets = np.linspace(-0.15, 0.15, len(values)) if len(values) > 1 else np.zeros(len(values))
        ax.scatter(i + offsets, values, color="#3a7bd5", s=18, zorder=3)
        gain = report.gain[arm]
        ax.hlines(scale * gain.mean, i - 0.3, i + 0.3, color="black", linewidth=2, zorder=4)
        if gain.ci95:
            ax.vlines(i + 0.32, scale * gain.ci95[0], scale * gain.ci95[1], color="black", linewidth=1.2)
    ax.axhline(0, color="#888888", linestyle="--", linewidth=1)
    ax.set_xticks(range(len(arms)), arms)
    ax.set_xlim(-0.6, len(arms) - 0.4)
    ax.set_ylabel(f"change in test {report.metric}{suffix} vs baseline")
    ax.set_title(
        f"paired change per replicate (dots), mean and 95% interval; {intervals_note(report.replicates)}", fontsize=8
    )
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def generated_grid(out_dir: str | Path, classes: list[str], path: str | Path, per_class: int = 8) -> Path:
    """One row per class and generator: its first synthetic samples, those the gates rejected framed in red."""
    table = read_shards(out_dir, columns=["origin", "generator", "label", "sample_index", "gate", "image"])
    table = table.filter(pc.equal(table["origin"], str(Origin.SYNTHETIC))).sort_by(
        [("generator", "ascending"), ("label", "ascending"), ("sample_index", "ascending")]
    )
    rows = table.to_pylist()
    keys = list(dict.fromkeys((row["generator"], row["label"]) for row in rows))
    fig = Figure(figsize=(1.0 * per_class, 1.0 * len(keys)))
    axes = fig.subplots(len(keys), per_class, squeeze=False)
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
            if samples[c]["gate"] != Verdict.KEPT:
                for spine in ax.spines.values():
                    spine.set_edgecolor("red")
                    spine.set_linewidth(2)
            if c == 0:
                ax.set_ylabel(f"{generator}\n{classes[label]}", fontsize=7)
    fig.suptitle("generated samples (red frame: rejected by a gate)", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.4 / max(1, len(keys))))
    path = Path(path)
    fig.savefig(path, dpi=90)
    return path
