"""The value benchmark: a real (tiny) training comparison, its report, and the statistics and losses behind it."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import torch
from PIL import Image

from augsynth import DataError, compare
from augsynth.data.arrays import ArrayData
from augsynth.data.decode import check_no_overlap
from augsynth.report.model import SCHEMA_VERSION, Gain, Report, Summary
from augsynth.report.stats import mean_ci, paired_gain, summary
from augsynth.spec.load import parse_spec
from augsynth.train.loop import _batch_indices
from augsynth.train.losses import LOSSES, cosine
from tests.conftest import tiny_spec_dict

SEEDS = 2
MAIN_SIZE = 4


@pytest.fixture(scope="module")
def comparison(tmp_path_factory, dask_client):
    spec = parse_spec(
        tiny_spec_dict(
            dataset={"train_per_class": MAIN_SIZE, "val_per_class": 2},
            augment={"copies": 1},
            output={"partition_size": 20},
            train={
                "replicates": SEEDS,
                "steps": 30,
                "eval_every": 10,
                "batch_size": 32,
                "learning_curve": [2, 500],
                "device": "cpu",
            },
        )
    )
    out = tmp_path_factory.mktemp("compare")
    report = compare(spec, out, client=dask_client, progress=False)
    return spec, out, report


def _finite_ci(stats_: Summary | Gain) -> None:
    lo, hi = stats_.ci95
    assert math.isfinite(lo) and math.isfinite(hi)
    assert lo <= stats_.mean + 1e-12 and stats_.mean <= hi + 1e-12


def test_report_has_the_designed_keys(comparison):
    _, _, report = comparison
    assert (report.schema_version, report.task, report.metric) == (SCHEMA_VERSION, "classification", "accuracy")
    assert report.higher_is_better is True
    assert report.test_size == pytest.approx(0.3 * 1797, abs=1)
    assert report.validation_size == 2 * 10
    assert report.replicates == report.learning_curve_replicates == SEEDS
    assert report.train_size == MAIN_SIZE and report.train_size_unit == "samples per class"
    assert set(report.arms) == {"baseline", "augmented"}
    for arm in ("baseline", "augmented"):
        summary_ = report.arms[arm]
        assert summary_.n == SEEDS
        assert all(0.0 <= r <= 1.0 for r in summary_.runs)
        assert summary_.mean == pytest.approx(np.mean(summary_.runs))
        _finite_ci(summary_)
    # with 30 steps the model must already beat chance (10%) on 10 balanced classes
    assert report.arms["baseline"].mean > 0.15


def test_gain_is_the_mean_of_paired_differences(comparison):
    _, _, report = comparison
    base, aug = report.arms["baseline"].runs, report.arms["augmented"].runs
    differences = [a - b for a, b in zip(aug, base, strict=True)]
    gain = report.gain["augmented"]
    assert gain.mean == pytest.approx(np.mean(differences))
    assert gain.ci95 == pytest.approx(tuple(mean_ci(differences)[1]))
    assert gain.n == SEEDS
    assert set(report.gain) == {"augmented"}


def test_classical_baseline(comparison):
    _, _, report = comparison
    forest = report.classical_baseline
    assert forest.model == "random_forest"
    assert 0.0 <= forest.mean <= 1.0
    assert forest.n == SEEDS
    assert forest.mean > 0.15


def test_learning_curve_points(comparison):
    _, out, report = comparison
    points = report.learning_curve
    assert [(p.train_size, p.arm) for p in points] == [
        (2, "augmented"),
        (2, "baseline"),
        (MAIN_SIZE, "augmented"),
        (MAIN_SIZE, "baseline"),
    ]
    for point in points:
        assert point.n == SEEDS
        assert 0.0 <= point.mean <= 1.0
    main_baseline = next(p for p in points if p.train_size == MAIN_SIZE and p.arm == "baseline")
    assert main_baseline.runs == report.arms["baseline"].runs
    assert [p.train_size for p in report.learning_curve_skipped] == [500]
    assert "needs more" in report.learning_curve_skipped[0].reason
    assert (out / "learning_curve" / "n2" / "manifest.parquet").exists()


def test_expansion_and_quarantine_accounting(comparison):
    _, _, report = comparison
    exp = report.expansion
    assert exp.inputs == exp.written + exp.quarantined == MAIN_SIZE * 10
    assert exp.rows == exp.written * 2
    assert report.quarantined.model_dump() == {"source": [], "train": [], "validation": [], "test": []}
    assert report.duplicates_dropped == 0
    accounting = report.accounting
    assert accounting["train"] == {"inputs": MAIN_SIZE * 10, "used": MAIN_SIZE * 10, "quarantined": 0}
    assert accounting["validation"]["used"] == report.validation_size
    assert accounting["test"]["used"] == report.test_size
    source = accounting["source"]
    assert source["inputs"] == source["used"] + source["quarantined"] + source["duplicates"] + source["skipped"]
    assert source["used"] == sum(accounting[s]["inputs"] for s in ("train", "validation", "test")) + source["unused"]


def test_report_files(comparison):
    _, out, report = comparison
    for name in ("report.json", "report.md", "arms.png", "learning_curve.png"):
        assert (out / name).is_file(), name
    saved = json.loads((out / "report.json").read_text())
    assert Report.model_validate(saved) == report
    # the keys DESIGN.md promises
    assert {
        "task",
        "metric",
        "higher_is_better",
        "test_size",
        "arms",
        "gain",
        "classical_baseline",
        "learning_curve",
    } <= set(saved)
    assert set(saved["arms"]["augmented"]) == {"mean", "ci95", "runs"} and {"mean", "ci95"} <= set(
        saved["gain"]["augmented"]
    )
    assert {"model", "mean"} <= set(saved["classical_baseline"])
    assert all({"train_size", "arm", "mean", "ci95"} <= set(point) for point in saved["learning_curve"])
    markdown = (out / "report.md").read_text()
    assert "| baseline |" in markdown and "| augmented |" in markdown
    assert "random forest" in markdown
    assert "(n=2: interval unreliable)" in markdown  # two seeds: the interval is shown, and marked
    with Image.open(out / "arms.png") as image:
        assert image.format == "PNG"


# ---- statistics ---------------------------------------------------------------------------------------------


def test_mean_ci_matches_a_hand_computed_t_interval():
    values = [0.61, 0.70, 0.64, 0.75, 0.68]
    n = len(values)
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = 2.7764451 * sd / math.sqrt(n)  # t(0.975, 4 degrees of freedom) from a printed table
    got_mean, (lo, hi) = mean_ci(values)
    assert got_mean == pytest.approx(mean)
    assert lo == pytest.approx(mean - half)
    assert hi == pytest.approx(mean + half)


def test_mean_ci_edge_cases():
    mean, ci = mean_ci([0.5])
    assert mean == 0.5 and all(math.isnan(c) for c in ci)
    mean, ci = mean_ci([0.4, 0.4, 0.4])
    assert mean == pytest.approx(0.4) and ci == pytest.approx([0.4, 0.4])
    _, wide = mean_ci([0.1, 0.9], level=0.99)
    _, narrow = mean_ci([0.1, 0.9], level=0.5)
    assert wide[0] < narrow[0] < narrow[1] < wide[1]


def test_summary_and_paired_gain():
    two = summary([1, 0])
    assert (two.mean, two.runs, two.n) == (0.5, [1.0, 0.0], 2) and two.ci95 == pytest.approx(mean_ci([1, 0])[1])
    assert summary([0.7]).ci95 is None  # one run: no interval, rather than NaN bounds
    gain = paired_gain([0.8, 0.9, 0.7], [0.7, 0.7, 0.7])
    assert gain.mean == pytest.approx(0.1) and gain.n == 3
    assert gain.ci95 == pytest.approx(mean_ci([0.1, 0.2, 0.0])[1])
    assert paired_gain([0.8], [0.7]).ci95 is None
    with pytest.raises(ValueError):
        paired_gain([0.1, 0.2], [0.1])


# ---- losses ------------------------------------------------------------------------------------------------


def test_cosine_loss_is_zero_along_the_one_hot_direction():
    targets = torch.tensor([1, 0, 2])
    outputs = torch.zeros(3, 3)
    outputs[torch.arange(3), targets] = torch.tensor([3.0, 0.5, 12.0])  # any positive scale
    assert cosine(outputs, targets).item() == pytest.approx(0.0, abs=1e-6)


def test_cosine_loss_is_one_when_orthogonal():
    outputs = torch.tensor([[2.0, 0.0, 0.0], [0.0, 0.0, -1.5]])
    targets = torch.tensor([1, 0])
    assert cosine(outputs, targets).item() == pytest.approx(1.0, abs=1e-6)


def test_cosine_loss_is_two_when_opposite_and_registered():
    assert cosine(torch.tensor([[0.0, -4.0]]), torch.tensor([1])).item() == pytest.approx(2.0, abs=1e-6)
    assert LOSSES.get("cosine").fn is cosine
    outputs = torch.tensor([[4.0, 0.0], [0.0, 4.0]])
    targets = torch.tensor([0, 1])
    assert LOSSES.get("cross_entropy")(outputs, targets).item() < 0.05


# ---- data guards and batching ------------------------------------------------------------------------------


def _data(images: list[np.ndarray], labels: list[int]) -> ArrayData:
    return ArrayData(np.stack(images), np.asarray(labels, dtype=np.int64))


def test_check_no_overlap_refuses_a_shared_image():
    rng = np.random.default_rng(0)
    a, b, c = (rng.integers(0, 256, size=(8, 8), dtype=np.uint8) for _ in range(3))
    check_no_overlap({"train": _data([a, b], [0, 1]), "test": _data([c], [0])})  # disjoint: fine
    with pytest.raises(DataError, match="train and test"):
        check_no_overlap(
            {"train": _data([a, b], [0, 1]), "validation": _data([c], [1]), "test": _data([c.copy(), b.copy()], [0, 1])}
        )


def test_check_no_overlap_ignores_labels_and_checks_every_pair():
    image = np.full((8, 8), 7, np.uint8)
    other = np.zeros((8, 8), np.uint8)
    with pytest.raises(DataError, match="validation and test"):
        check_no_overlap({"train": _data([other], [0]), "validation": _data([image], [0]), "test": _data([image], [1])})


def test_batches_have_a_fixed_size_and_cover_every_sample():
    batches = _batch_indices(10, 4, steps=5, seed=0)
    assert len(batches) == 5
    assert all(len(b) == 4 for b in batches)
    first_epoch = np.concatenate(batches)[:10]
    assert sorted(first_epoch.tolist()) == list(range(10))
    assert [b.tolist() for b in _batch_indices(10, 4, 5, 0)] == [b.tolist() for b in batches]
    assert all(len(b) == 3 for b in _batch_indices(3, 64, 2, 0))
