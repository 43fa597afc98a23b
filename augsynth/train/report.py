"""report.json, report.md and the plots of a comparison."""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def write_report(report: dict, out_dir: Path) -> None:
    """Write the JSON report, the PNG plots and a Markdown summary that embeds them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    temp = out_dir / ".report.json.tmp"
    temp.write_text(json.dumps(report, indent=2, allow_nan=True))
    os.replace(temp, out_dir / "report.json")
    plot_arms(report, out_dir / "arms.png")
    if any("mean" in p for p in report["learning_curve"]):
        plot_learning_curve(report, out_dir / "learning_curve.png")
    (out_dir / "report.md").write_text(markdown(report))


def _pct(value: float) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{100 * value:.1f}"


def _ci(ci: list[float]) -> str:
    return f"[{_pct(ci[0])}, {_pct(ci[1])}]"


def markdown(report: dict) -> str:
    """A short human summary: arms, paired gains, classical baseline, learning curve."""
    size = report["train_per_class"]
    lines = [f"# {report['name']}: did the augmentation help?", "",
             f"{report['seeds']} seeds, {size or 'all'} train samples per class, test split of "
             f"{report['test_size']} images (never augmented), {report['metric']} in %, 95% t-intervals, "
             f"device {report['device']}.", "",
             "| arm | mean | 95% CI | gain vs baseline (paired) | gain 95% CI |", "|---|---|---|---|---|"]
    for arm, stats in report["arms"].items():
        gain = report["gain"].get(arm)
        gain_text = (f"{100 * gain['mean']:+.1f} | {_ci(gain['ci95'])}" if gain else "— | —")
        lines.append(f"| {arm} | {_pct(stats['mean'])} | {_ci(stats['ci95'])} | {gain_text} |")
    forest = report.get("classical_baseline")
    if forest:
        lines.append(f"| random forest (classical) | {_pct(forest['mean'])} | {_ci(forest['ci95'])} | | |")
    lines += ["", "![arms](arms.png)", "", "## Learning curve", "", "| train per class | arm | mean | 95% CI |",
              "|---|---|---|---|"]
    for point in report["learning_curve"]:
        if "mean" in point:
            lines.append(f"| {point['train_size']} | {point['arm']} | {_pct(point['mean'])} | {_ci(point['ci95'])} |")
        else:
            lines.append(f"| {point['train_size']} | skipped: {point['skipped']} | | |")
    exp = report["expansion"]
    lines += ["", "![learning curve](learning_curve.png)", "",
              f"Expansion: inputs {exp['inputs']} / written {exp['written']} / quarantined {exp['quarantined']} "
              f"({exp['rows']} rows). Wall time {report['wall_seconds']:.0f} s.", ""]
    return "\n".join(lines)


def plot_arms(report: dict, path: Path) -> None:
    arms = report["arms"]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    names = list(arms)
    means = [100 * arms[a]["mean"] for a in names]
    errors = [[100 * (arms[a]["mean"] - arms[a]["ci95"][0]) for a in names],
              [100 * (arms[a]["ci95"][1] - arms[a]["mean"]) for a in names]]
    ax.bar(names, means, yerr=errors, capsize=6, color=["#888888"] + ["#3a7bd5"] * (len(names) - 1))
    forest = report.get("classical_baseline")
    if forest:
        ax.axhline(100 * forest["mean"], color="#c0392b", linestyle="--", label="random forest")
        ax.legend(loc="lower right")
    low = min(means + ([100 * forest["mean"]] if forest else [])) - 10
    ax.set_ylim(max(0, low), 100)
    ax.set_ylabel(f"test {report['metric']} (%)")
    ax.set_title(f"{report['name']}: mean and 95% CI over {report['seeds']} seeds")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_learning_curve(report: dict, path: Path) -> None:
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    points = [p for p in report["learning_curve"] if "mean" in p]
    for arm in dict.fromkeys(p["arm"] for p in points):
        mine = sorted((p for p in points if p["arm"] == arm), key=lambda p: p["train_size"])
        sizes = [p["train_size"] for p in mine]
        ax.plot(sizes, [100 * p["mean"] for p in mine], marker="o", label=arm)
        ax.fill_between(sizes, [100 * p["ci95"][0] for p in mine], [100 * p["ci95"][1] for p in mine], alpha=0.2)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("train samples per class")
    ax.set_ylabel(f"test {report['metric']} (%)")
    ax.set_title("learning curve (mean, 95% CI)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
