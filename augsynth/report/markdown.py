"""report.md: a short human summary of a comparison, embedding the plots."""

from __future__ import annotations

from augsynth.report.format import fmt, fmt_ci, metric_scale


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
