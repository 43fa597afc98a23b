"""report.md: a short human summary of a comparison, embedding the plots."""

from __future__ import annotations

from augsynth.data.accounting import files, skipped_names
from augsynth.report.format import fmt, gain_sentence, interval, intervals_note, metric_scale
from augsynth.report.model import Expansion, Report


def markdown(report: Report) -> str:
    """A short human summary: arms, paired gains, classical baseline, learning curve."""
    unit = report.train_size_unit
    better = "higher" if report.higher_is_better else "lower"
    _, suffix = metric_scale(report)
    lines = [
        f"# {report.name}: did the augmentation help?",
        "",
        f"{intervals_note(report.replicates)}; {report.train_size or 'all'} train {unit}, test split of "
        f"{report.test_size} samples (never augmented), test {report.metric}{suffix} ({better} is better), "
        f"device {report.device}.",
        "",
        *[f"- {gain_sentence(arm, gain, report)}." for arm, gain in report.gain.items()],
        "",
        report.interval_covers,
        "",
        "| arm | mean | 95% CI | change vs baseline (paired) | change 95% CI |",
        "|---|---|---|---|---|",
    ]
    for arm, stats in report.arms.items():
        gain = report.gain.get(arm)
        gain_text = f"{fmt(gain.mean, report, True)} | {interval(gain, report, True)}" if gain else "— | —"
        lines.append(f"| {arm} | {fmt(stats.mean, report)} | {interval(stats, report)} | {gain_text} |")
    forest = report.classical_baseline
    if forest:
        lines.append(
            f"| {forest.model.replace('_', ' ')} (classical) | {fmt(forest.mean, report)} | "
            f"{interval(forest, report)} | | |"
        )
    lines += [""] * bool(report.arm_settings) + [f"- {name}: {text}" for name, text in report.arm_settings.items()]
    lines += _ablation(report) + _policies(report)
    lines += _other_metrics(report) + _classical_arms(report) + _replicates(report) + _generators(report)
    lines += [
        "",
        "![arms](arms.png)",
        "",
        "## Learning curve",
        "",
        f"| train {unit} | arm | mean | 95% CI |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {point.train_size or 'all'} | {point.arm} | {fmt(point.mean, report)} | {interval(point, report)} |"
        for point in report.learning_curve
    ]
    lines += [f"| {skipped.train_size} | skipped: {skipped.reason} | | |" for skipped in report.learning_curve_skipped]
    exp = report.expansion
    lines += ["", "![learning curve](learning_curve.png)"] if report.sized_curve() else []
    lines += [
        "",
        f"Expansion: inputs {exp.inputs} / written {exp.written} / quarantined {exp.quarantined} "
        f"({exp.rows} rows{_synthetic_rows(exp)}). Wall time {report.wall_seconds:.0f} s.",
        "",
    ]
    return "\n".join(lines + _skipped_files(report))


def _replicates(report: Report) -> list[str]:
    """One row per replicate: its draw (train subset hash, seeds) and each arm's score and paired change."""
    rows = report.replicate_rows
    if not rows:
        return []
    arms = list(rows[0].scores)
    gains = list(rows[0].gains)
    lines = [
        "",
        "## Replicates",
        "",
        "| replicate | train subset | spec seed | train seed | "
        + " | ".join(arms)
        + "".join(f" | {arm} − baseline" for arm in gains)
        + " |",
        "|---" * (4 + len(arms) + len(gains)) + "|",
    ]
    for row in rows:
        scores = " | ".join(fmt(row.scores[arm], report) for arm in arms)
        changes = "".join(f" | {fmt(row.gains[arm], report, True)}" for arm in gains)
        lines.append(f"| {row.replicate} | {row.subset} | {row.seed} | {row.train_seed} | {scores}{changes} |")
    return lines + ["", "![paired gains per replicate](gains.png)"]


def _skipped_files(report: Report) -> list[str]:
    """The files of the data folder in no image format Pillow opens: neither decoded nor quarantined."""
    if not report.skipped_files:
        return []
    return [
        f"Skipped {files(len(report.skipped_files))} in no image format Pillow opens (not inputs, so not "
        f"quarantined; all in report.json `skipped_files`): {skipped_names(report.skipped_files)}.",
        "",
    ]


def _synthetic_rows(expansion: Expansion) -> str:
    if not expansion.synthetic:
        return ""
    return f", of which {expansion.synthetic} synthetic and {expansion.synthetic_kept} of those kept"


def _generators(report: Report) -> list[str]:
    """Per generator: what the gates kept, how close samples came to training images, diversity, TSTR."""
    if not report.generators:
        return []
    lines = [
        "",
        "## Generators",
        "",
        "Trained on the train split only. Gates: the classifier trained on real train data must give the "
        "intended class at least `min_confidence`; a sample nearer to a training image than `min_nn_ratio` "
        "times the typical gap between training images is a near copy. TSTR: train on that generator's kept "
        "samples only, test on the real test split. Diversity: mean pairwise distance within a class, "
        "synthetic over real.",
        "",
        "| generator | generated | kept | low confidence | near copies | min NN ratio | diversity | TSTR | "
        "TSTR vs baseline | train s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, g in report.generators.items():
        ratio = g.diversity.ratio if g.diversity else None
        div = f"{ratio:.2f}" if ratio is not None else "—"
        tstr = f"{fmt(g.tstr.mean, report)} {interval(g.tstr, report)}" if g.tstr else "— (nothing kept)"
        change = fmt(g.tstr_gain.mean, report, True) if g.tstr_gain else "—"
        lines.append(
            f"| {name} ({g.kind}) | {g.generated} | {g.kept} | {g.confidence_rejected} | "
            f"{g.memorization.rejected} | {g.memorization.min_nn_ratio:.2f} | {div} | {tstr} | {change} | "
            f"{g.train_seconds:.0f} |"
        )
    combined = [(name, g.augmented_plus) for name, g in report.generators.items() if g.augmented_plus]
    if combined:
        lines += [
            "",
            "Each generator's kept samples added to the augmented arm on their own:",
            "",
            "| arm | mean | 95% CI | change vs baseline | change vs augmented |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| augmented + {name} | {fmt(c.mean, report)} | {interval(c, report)} | "
            f"{fmt(c.gain.mean, report, True)} {interval(c.gain, report, True)} | "
            f"{fmt(c.over_augmented.mean, report, True)} {interval(c.over_augmented, report, True)} |"
            for name, c in combined
        ]
    return lines + ["", "![generated samples](generated.png)"]


def _other_metrics(report: Report) -> list[str]:
    """Secondary test metrics per arm (RMSE beside MAE), when the task has them."""
    lines = [
        f"- {arm}: test {metric} {fmt(stats.mean, report)} {interval(stats, report)}"
        for arm, by_metric in report.metrics.items()
        for metric, stats in by_metric.items()
        if metric != report.metric
    ]
    return [""] + lines if lines else []


def _classical_arms(report: Report) -> list[str]:
    """The classical model trained on each arm's data too: does the augmentation help it?"""
    forest = report.classical_baseline
    lines = [
        f"- {forest.model.replace('_', ' ')} on the {arm} arm: {fmt(stats.mean, report)} "
        f"{interval(stats, report)}, change {fmt(stats.gain.mean, report, True)} "
        f"{interval(stats.gain, report, True)}"
        for arm, stats in report.classical_arms.items()
        if forest and stats.gain
    ]
    return [""] + lines if lines else []


def _ablation(report: Report) -> list[str]:
    """Each top-level entry's contribution: augmented − augmented-without:NAME, paired, the most helpful first."""
    if not report.ablation:
        return []
    helps = "positive" if report.higher_is_better else "negative"
    lines = [
        "",
        "## Ablation",
        "",
        f"Contribution of each top-level entry of the pipeline: the augmented arm minus the arm whose copies were "
        f"made without that entry, paired by replicate, with its 95% interval ({helps}: the entry helps; an "
        "interval that spans 0 does not tell).",
        "",
    ]
    return lines + [f"- {c.entry}: {fmt(c.mean, report, True)} {interval(c, report, True)}" for c in report.ablation]


def _policies(report: Report) -> list[str]:
    """Does the hand-written pipeline beat a generic policy? augmented − policy, paired by replicate."""
    if not report.policies:
        return []
    lines = ["", "## Policies", ""]
    for name, gain in report.policies.items():
        better = gain.mean > 0 if report.higher_is_better else gain.mean < 0
        ci = gain.ci95
        sure = ci is not None and (ci[0] > 0 or ci[1] < 0)
        verdict = f"{'beat' if better else 'lost to'} {name}" + ("" if sure else ", not clearly (the interval spans 0)")
        lines.append(
            f"- augmented − {name}: {fmt(gain.mean, report, True)} {interval(gain, report, True)}: "
            f"your pipeline {verdict}"
        )
    return lines
