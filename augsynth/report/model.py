"""The typed report of a comparison: what ``report.json`` holds, and what report.md, the plots and the CLI read.

Intervals are None where fewer than two runs give none. ``SCHEMA_VERSION`` changes when a key changes meaning or goes.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

SCHEMA_VERSION = 2  # 2: replicates (was seeds), replicate_rows, interval_covers

Interval = tuple[float, float]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Summary(_Model):
    """One arm's test scores over replicates (in replicate order): their mean and 95% t-interval."""

    mean: float
    ci95: Interval | None  # None from a single run
    runs: list[float]

    @property
    def n(self) -> int:
        return len(self.runs)


class Gain(_Model):
    """Mean and 95% t-interval of the per-replicate differences from a reference arm (paired by replicate)."""

    mean: float
    ci95: Interval | None  # None from a single pair
    n: int  # pairs


class ClassicalBaseline(Summary):
    """The classical model (random forest, or TF-IDF + logistic regression) on the baseline's rows."""

    model: str


class ClassicalArm(Summary):
    """The classical model on one arm's rows; its gain over the classical baseline (None for the baseline)."""

    gain: Gain | None = None


class Contribution(Gain):
    """One top-level entry of the pipeline in the ablation: augmented − augmented-without:NAME, paired by replicate
    (positive: the entry helps, in the metric's better direction for accuracy; for an error, negative helps)."""

    entry: str
    arm: str  # the augmented-without:NAME arm


class CurvePoint(Summary):
    """One arm at one train size (None: the whole train split)."""

    train_size: int | None
    arm: str


class SkippedSize(_Model):
    """A learning-curve size the data set is too small for."""

    train_size: int
    reason: str


class Memorization(_Model):
    """How close a generator's samples came to training images, relative to the typical gap between them."""

    min_nn_ratio: float
    median_nn_ratio: float
    threshold: float
    rejected: int


class Diversity(_Model):
    """Mean pairwise distance within a class, synthetic over real, per class with at least two kept samples."""

    ratio: float | None
    per_class: dict[int, float]


class AugmentedPlus(Summary):
    """One generator's kept samples added to the augmented arm's rows."""

    gain: Gain  # over the baseline
    over_augmented: Gain


class GeneratorSummary(_Model):
    """What one generator made, what its gates kept, and how its samples trained a model."""

    kind: str
    checkpoint: str
    generated: int
    kept: int
    confidence_rejected: int
    memorization: Memorization
    mean_confidence: float
    diversity: Diversity | None  # None when the gates kept nothing
    tstr: Summary | None  # train on its kept samples, test on real
    tstr_gain: Gain | None
    augmented_plus: AugmentedPlus | None  # with the augmented+synthetic arm and more than one generator
    train_seconds: float
    train_device: str


class Expansion(_Model):
    """The expansion's accounting: ``inputs == written + quarantined``."""

    inputs: int
    written: int
    quarantined: int
    rows: int
    synthetic: int
    synthetic_kept: int


class Quarantined(_Model):
    """Bad inputs set aside, by where they were found, each with its reason."""

    source: list[dict[str, Any]]
    train: list[dict[str, Any]]
    validation: list[dict[str, Any]]
    test: list[dict[str, Any]]


class Replicate(_Model):
    """One replicate: its draw (the spec seed that carved its train and validation subsets and drew its augmentation,
    its training seed, a short hash of its train subset) and each arm's test score at the main train size."""

    replicate: int
    seed: int
    train_seed: int
    subset: str  # 8 hex digits of the train subset's content hashes
    train_samples: int
    rows: int  # rows of its expansion (originals, copies and generated)
    scores: dict[str, float]  # by arm
    gains: dict[str, float]  # by arm but the baseline: the arm's score minus the baseline's


class Report(_Model):
    """A whole comparison: every arm against the baseline, paired by replicate, on one held-out test split."""

    schema_version: int = SCHEMA_VERSION
    name: str
    task: str
    metric: str
    higher_is_better: bool
    test_size: int
    validation_size: int
    train_size: int | None  # per class (classification) or frames (regression); None: the whole train split
    train_size_unit: str
    replicates: int  # the unit of every interval
    learning_curve_replicates: int  # the first ones: learning-curve sizes other than the main one train on these
    interval_covers: str  # in plain words: what varies between replicates and what is fixed
    replicate_rows: list[Replicate]
    device: str
    arms: dict[str, Summary]
    arm_settings: dict[str, str]  # how an arm's runs differ from the baseline's besides their rows (loss, mixing)
    gain: dict[str, Gain]  # every arm but the baseline, over the baseline
    ablation: list[Contribution] = []  # train.ablation: each top-level entry's contribution, the largest first
    policies: dict[str, Gain] = {}  # per policy arm: augmented − policy, paired by replicate
    metrics: dict[str, dict[str, Summary]]  # every test metric of each arm (RMSE beside MAE)
    classical_baseline: ClassicalBaseline | None
    classical_arms: dict[str, ClassicalArm]
    generators: dict[str, GeneratorSummary]
    learning_curve: list[CurvePoint]
    learning_curve_skipped: list[SkippedSize]
    expansion: Expansion
    quarantined: Quarantined
    duplicates_dropped: int
    skipped_files: list[str] = []  # files in no image format Pillow opens: counted and listed, not decoded
    accounting: dict[str, dict[str, int]]  # per stage: inputs == used + quarantined (+ what was left out, named)
    train_seconds_mean: float
    wall_seconds: float

    def sized_curve(self) -> list[CurvePoint]:
        """The learning-curve points with a train size (those a plot can place)."""
        return [point for point in self.learning_curve if point.train_size is not None]

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)
