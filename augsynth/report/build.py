"""Assemble the typed report from the runs' scores: summaries, paired gains, the classical model, the curve."""

from __future__ import annotations

from dataclasses import dataclass

from augsynth.core.kinds import Task
from augsynth.report.model import (
    ClassicalArm,
    ClassicalBaseline,
    Contribution,
    CurvePoint,
    Expansion,
    GeneratorSummary,
    Quarantined,
    Replicate,
    Report,
    SkippedSize,
)
from augsynth.report.scores import Scores
from augsynth.report.stats import paired_gain, summary
from augsynth.spec.schema import Spec
from augsynth.train.arms import arm
from augsynth.train.arms.derived import POLICY_TEXT, ablation_arms, benchmark_arms, entry_names
from augsynth.train.objectives import Objective


@dataclass(frozen=True)
class ReplicateDraw:
    """What one replicate drew: its spec seed, training seed, train subset (hash and size) and expansion rows."""

    replicate: int
    seed: int
    train_seed: int
    subset: str
    train_samples: int
    rows: int


@dataclass(frozen=True)
class Classical:
    """The classical model's name and its test scores on each arm's rows, in replicate order."""

    model: str
    runs: dict[str, list[float]]


def build_report(
    spec: Spec,
    objective: Objective,
    scores: Scores,
    *,
    device: str,
    test_size: int,
    validation_size: int,
    expansion: Expansion,
    quarantined: Quarantined,
    duplicates_dropped: int,
    skipped_files: list[str],
    accounting: dict[str, dict[str, int]],
    classical: Classical | None,
    generators: dict[str, GeneratorSummary],
    skipped: list[SkippedSize],
    replicates: list[ReplicateDraw],
    wall_seconds: float,
) -> Report:
    """The report of a comparison of ``spec.train.arms``; ``scores`` holds every run, learning curve included."""
    config = spec.train
    arms = benchmark_arms(spec)
    baseline = scores.main("baseline")
    classical_baseline, classical_arms = _classical_sections(classical)
    return Report(
        name=spec.name,
        task=spec.dataset.task,
        metric=objective.metric,
        higher_is_better=objective.higher_is_better,
        test_size=test_size,
        validation_size=validation_size,
        train_size=scores.main_size,
        train_size_unit="samples per class" if objective.task == Task.CLASSIFICATION else "frames",
        replicates=config.replicates,
        learning_curve_replicates=config.curve_replicates,
        interval_covers=interval_covers(spec, objective, test_size, validation_size),
        replicate_rows=replicate_rows(replicates, scores, arms),
        device=device,
        arms={arm: summary(scores.main(arm)) for arm in arms},
        arm_settings={name: text for name in arms if (text := arm(name).describe(spec))},
        gain={arm: paired_gain(scores.main(arm), baseline) for arm in arms if arm != "baseline"},
        ablation=ablation(spec, scores, objective.higher_is_better),
        policies={
            name: paired_gain(scores.main("augmented"), scores.main(name))
            for name in config.arms
            if name in POLICY_TEXT and "augmented" in config.arms
        },
        metrics={
            arm: {metric: summary(values) for metric, values in by_metric.items()}
            for arm, by_metric in scores.metrics.items()
            if arm in arms
        },
        classical_baseline=classical_baseline,
        classical_arms=classical_arms,
        generators=generators,
        learning_curve=curve_points(scores, config.arms, config.learning_curve),
        learning_curve_skipped=skipped,
        expansion=expansion,
        quarantined=quarantined,
        duplicates_dropped=duplicates_dropped,
        skipped_files=skipped_files,
        accounting=accounting,
        train_seconds_mean=sum(scores.seconds) / max(1, len(scores.seconds)),
        wall_seconds=wall_seconds,
    )


def ablation(spec: Spec, scores: Scores, higher_is_better: bool = True) -> list[Contribution]:
    """Each top-level entry's contribution, augmented − augmented-without:NAME paired by replicate, the most helpful
    first (for an error metric, where lower is better, the most negative first)."""
    augmented = scores.main("augmented")
    names = entry_names(spec.augment.text if spec.dataset.is_text else spec.augment.image)
    found = [
        Contribution(**paired_gain(augmented, scores.main(without)).model_dump(), entry=name, arm=without)
        for name, without in zip(names, ablation_arms(spec), strict=False)
    ]
    return sorted(found, key=lambda c: c.mean, reverse=higher_is_better)


def interval_covers(spec: Spec, objective: Objective, test_size: int, validation_size: int) -> str:
    """In plain words, what the intervals are over: what each replicate drew, and what stayed fixed."""
    config, dataset = spec.train, spec.dataset
    amount = dataset.train_amount
    if objective.task == Task.REGRESSION:
        drawn = f"{amount} training frames" if amount else "its training frames"
    else:
        drawn = f"{amount} training samples per class" if amount else "its training samples"
    generated = ", its generators' training and sampling" if spec.generate else ""
    n = config.replicates
    over = (
        "There is one replicate, so there is no interval."
        if n == 1
        else f"Gains are paired by replicate and their 95% t-interval is over the {n} replicates"
        + (" (from 2, an unreliable one)." if n == 2 else ".")
    )
    return (
        f"Each of the {n} replicate{'s' if n != 1 else ''} drew its own {drawn} and {validation_size} validation "
        f"samples from the non-test pool, its own augmentation draw{generated} and its own training seed; every arm "
        f"of a replicate trained on the same subset. {over} The {test_size} test samples were the same for every "
        "replicate and never augmented."
    )


def replicate_rows(draws: list[ReplicateDraw], scores: Scores, arms: list[str]) -> list[Replicate]:
    """Per replicate: its draw and each arm's main-size score (runs are in replicate order)."""
    trained = [arm for arm in arms if scores.main(arm)]
    rows = []
    for draw in draws:
        by_arm = {arm: scores.main(arm)[draw.replicate] for arm in trained}
        gains = {arm: value - by_arm["baseline"] for arm, value in by_arm.items() if arm != "baseline"}
        rows.append(Replicate(**draw.__dict__, scores=by_arm, gains=gains))
    return rows


def curve_points(scores: Scores, arms: list[str], sizes: list[int]) -> list[CurvePoint]:
    """The spec's arms at each learning-curve size they trained at and at the main size, smallest first (the whole
    train split last)."""
    points = [
        CurvePoint(**summary(values).model_dump(), train_size=size, arm=arm)
        for (arm, size), values in scores.by_arm.items()
        if arm in arms and (size in sizes or size == scores.main_size)
    ]
    return sorted(points, key=lambda p: (p.train_size is None, p.train_size or 0, p.arm))


def _classical_sections(classical: Classical | None) -> tuple[ClassicalBaseline | None, dict[str, ClassicalArm]]:
    if classical is None:
        return None, {}
    baseline = classical.runs["baseline"]
    arms = {
        arm: ClassicalArm(**summary(runs).model_dump(), gain=paired_gain(runs, baseline) if arm != "baseline" else None)
        for arm, runs in classical.runs.items()
    }
    return ClassicalBaseline(**summary(baseline).model_dump(), model=classical.model), arms
