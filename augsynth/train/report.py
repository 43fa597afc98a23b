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


def metric_scale(report: dict) -> tuple[float, str]:
    """How a metric is shown: accuracy in %, errors in label units."""
    return (100.0, " (%)") if report["metric"] == "accuracy" else (1.0, "")


def fmt(value: float | None, report: dict, signed: bool = False) -> str:
    """A metric value as shown in the report (n/a for missing)."""
    if value is None or math.isnan(value):
        return "n/a"
    scale, _ = metric_scale(report)
    digits = 1 if scale == 100 else 4
    return f"{scale * value:{'+' if signed else ''}.{digits}f}"


def fmt_ci(ci: list[float], report: dict, signed: bool = False) -> str:
    return f"[{fmt(ci[0], report, signed)}, {fmt(ci[1], report, signed)}]"


def markdown(report: dict) -> str:
    """A short human summary: arms, paired gains, classical baseline, learning curve."""
    size, unit = report["train_size"], report["train_size_unit"]
    better = "higher" if report["higher_is_better"] else "lower"
    _, suffix = metric_scale(report)
    lines = [f"# {report['name']}: did the augmentation help?", "",
             f"{report['seeds']} seeds, {size or 'all'} train {unit}, test split of "
             f"{report['test_size']} samples (never augmented), test {report['metric']}{suffix} ({better} is better), "
             f"95% t-intervals, device {report['device']}.", "",
             "| arm | mean | 95% CI | change vs baseline (paired) | change 95% CI |", "|---|---|---|---|---|"]
    for arm, stats in report["arms"].items():
        gain = report["gain"].get(arm)
        gain_text = f"{fmt(gain['mean'], report, True)} | {fmt_ci(gain['ci95'], report, True)}" if gain else "— | —"
        lines.append(f"| {arm} | {fmt(stats['mean'], report)} | {fmt_ci(stats['ci95'], report)} | {gain_text} |")
    forest = report.get("classical_baseline")
    if forest:
        lines.append(f"| {forest['model'].replace('_', ' ')} (classical) | {fmt(forest['mean'], report)} | "
                     f"{fmt_ci(forest['ci95'], report)} | | |")
    lines += _other_metrics(report) + _classical_arms(report) + _generators(report)
    lines += ["", "![arms](arms.png)", "", "## Learning curve", "", f"| train {unit} | arm | mean | 95% CI |",
              "|---|---|---|---|"]
    for point in report["learning_curve"]:
        if "mean" in point:
            lines.append(f"| {point['train_size']} | {point['arm']} | {fmt(point['mean'], report)} | "
                         f"{fmt_ci(point['ci95'], report)} |")
        else:
            lines.append(f"| {point['train_size']} | skipped: {point['skipped']} | | |")
    exp = report["expansion"]
    lines += ["", "![learning curve](learning_curve.png)", "",
              f"Expansion: inputs {exp['inputs']} / written {exp['written']} / quarantined {exp['quarantined']} "
              f"({exp['rows']} rows{_synthetic_rows(exp)}). Wall time {report['wall_seconds']:.0f} s.", ""]
    return "\n".join(lines)


def _synthetic_rows(expansion: dict) -> str:
    if not expansion.get("synthetic"):
        return ""
    return f", of which {expansion['synthetic']} synthetic and {expansion['synthetic_kept']} of those kept"


def _generators(report: dict) -> list[str]:
    """Per generator: what the gates kept, how close samples came to training images, diversity, TSTR."""
    generators = report.get("generators") or {}
    if not generators:
        return []
    lines = ["", "## Generators", "",
             "Trained on the train split only. Gates: the classifier trained on real train data must give the "
             "intended class at least `min_confidence`; a sample nearer to a training image than `min_nn_ratio` "
             "times the typical gap between training images is a near copy. TSTR: train on that generator's kept "
             "samples only, test on the real test split. Diversity: mean pairwise distance within a class, "
             "synthetic over real.", "",
             "| generator | generated | kept | low confidence | near copies | min NN ratio | diversity | TSTR | "
             "TSTR vs baseline | train s |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name, g in generators.items():
        memo = g["memorization"]
        div = f"{g['diversity']['ratio']:.2f}" if g["diversity"] else "—"
        tstr = (f"{fmt(g['tstr']['mean'], report)} {fmt_ci(g['tstr']['ci95'], report)}" if g["tstr"]
                else "— (nothing kept)")
        change = f"{fmt(g['tstr_gain']['mean'], report, True)}" if g["tstr_gain"] else "—"
        lines.append(f"| {name} ({g['kind']}) | {g['generated']} | {g['kept']} | {g['confidence_rejected']} | "
                     f"{memo['rejected']} | {memo['min_nn_ratio']:.2f} | {div} | {tstr} | {change} | "
                     f"{g['train_seconds']:.0f} |")
    combined = [(name, g["augmented_plus"]) for name, g in generators.items() if g.get("augmented_plus")]
    if combined:
        lines += ["", "Each generator's kept samples added to the augmented arm on their own:", "",
                  "| arm | mean | 95% CI | change vs baseline | change vs augmented |", "|---|---|---|---|---|"]
        lines += [f"| augmented + {name} | {fmt(c['mean'], report)} | {fmt_ci(c['ci95'], report)} | "
                  f"{fmt(c['gain']['mean'], report, True)} {fmt_ci(c['gain']['ci95'], report, True)} | "
                  f"{fmt(c['over_augmented']['mean'], report, True)} "
                  f"{fmt_ci(c['over_augmented']['ci95'], report, True)} |" for name, c in combined]
    return lines + ["", "![generated samples](generated.png)"]


def _other_metrics(report: dict) -> list[str]:
    """Secondary test metrics per arm (RMSE beside MAE), when the task has them."""
    lines = []
    for arm, by_metric in report.get("metrics", {}).items():
        for metric, stats in by_metric.items():
            if metric != report["metric"]:
                lines.append(f"- {arm}: test {metric} {stats['mean']:.4f} [{stats['ci95'][0]:.4f}, "
                             f"{stats['ci95'][1]:.4f}]")
    return [""] + lines if lines else []


def _classical_arms(report: dict) -> list[str]:
    """The classical model trained on each arm's data too: does the augmentation help it?"""
    forest = report.get("classical_baseline")
    lines = [f"- {forest['model'].replace('_', ' ')} on the {arm} arm: {fmt(stats['mean'], report)} "
             f"{fmt_ci(stats['ci95'], report)}, change {fmt(stats['gain']['mean'], report, True)} "
             f"{fmt_ci(stats['gain']['ci95'], report, True)}"
             for arm, stats in report.get("classical_arms", {}).items() if "gain" in stats]
    return [""] + lines if lines else []


def plot_arms(report: dict, path: Path) -> None:
    arms = report["arms"]
    scale, suffix = metric_scale(report)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    names = list(arms)
    means = [scale * arms[a]["mean"] for a in names]
    errors = [[scale * (arms[a]["mean"] - arms[a]["ci95"][0]) for a in names],
              [scale * (arms[a]["ci95"][1] - arms[a]["mean"]) for a in names]]
    ax.bar(names, means, yerr=errors, capsize=6, color=["#888888"] + ["#3a7bd5"] * (len(names) - 1))
    forest = report.get("classical_baseline")
    if forest:
        ax.axhline(scale * forest["mean"], color="#c0392b", linestyle="--", label=forest["model"].replace("_", " "))
        ax.legend(loc="lower right")
    if report["higher_is_better"]:
        low = min(means + ([scale * forest["mean"]] if forest else [])) - 10
        ax.set_ylim(max(0, low), 100)
    ax.set_ylabel(f"test {report['metric']}{suffix}")
    ax.set_title(f"{report['name']}: mean and 95% CI over {report['seeds']} seeds")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_learning_curve(report: dict, path: Path) -> None:
    scale, suffix = metric_scale(report)
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    points = [p for p in report["learning_curve"] if "mean" in p]
    for arm in dict.fromkeys(p["arm"] for p in points):
        mine = sorted((p for p in points if p["arm"] == arm), key=lambda p: p["train_size"])
        sizes = [p["train_size"] for p in mine]
        ax.plot(sizes, [scale * p["mean"] for p in mine], marker="o", label=arm)
        ax.fill_between(sizes, [scale * p["ci95"][0] for p in mine], [scale * p["ci95"][1] for p in mine], alpha=0.2)
    ax.set_xscale("log", base=2)
    ax.set_xlabel(f"train {report['train_size_unit']}")
    ax.set_ylabel(f"test {report['metric']}{suffix}")
    ax.set_title("learning curve (mean, 95% CI)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
