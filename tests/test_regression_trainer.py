"""The value benchmark for a regression target: baseline, adjusted and naive arms, MAE/RMSE, a forest, the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest

from augsynth.cli import main
from augsynth.run import compare
from augsynth.spec.load import parse_spec
from augsynth.train.arms import arm_data
from tests.test_labels import road_spec

SEEDS = 2


@pytest.fixture(scope="module")
def regression(tmp_path_factory, dask_client):
    root = tmp_path_factory.mktemp("steer")
    raw = road_spec(root, [{"op": "HorizontalFlip", "p": 0.5}, {"op": "ShiftX", "limit_px": 6, "p": 0.7}])
    raw["train"].update({"replicates": SEEDS, "steps": 30, "eval_every": 10, "batch_size": 16, "learning_curve": [10]})
    spec = parse_spec(raw)
    report = compare(spec, root / "out", client=dask_client, progress=False)
    return spec, root / "out", report, raw


def test_the_report_ranks_by_mae_lower_is_better(regression):
    _, out, report, _ = regression
    assert (report.task, report.metric, report.higher_is_better) == ("regression", "mae", False)
    assert report.train_size == 20 and report.train_size_unit == "frames"
    assert set(report.arms) == {"baseline", "augmented", "naive"}
    for arm, stats in report.arms.items():
        assert stats.n == SEEDS and all(0 <= v < 2 for v in stats.runs)
        rmse = report.metrics[arm]["rmse"].runs
        assert all(r >= m for r, m in zip(rmse, stats.runs, strict=True))  # RMSE >= MAE, run by run
        change = [a - b for a, b in zip(stats.runs, report.arms["baseline"].runs, strict=True)]
        if arm != "baseline":
            assert report.gain[arm].mean == pytest.approx(np.mean(change))
    assert report.classical_baseline.model == "random_forest" and report.classical_baseline.mean > 0
    assert {(p.train_size, p.arm) for p in report.learning_curve} >= {(10, "baseline")}
    assert json.loads((out / "report.json").read_text())["metric"] == "mae"
    assert "MAE" in (out / "report.md").read_text().upper()


def test_naive_trains_on_the_same_images_with_unadjusted_labels(regression):
    _, out, _, _ = regression
    adjusted, naive, baseline = arm_data(out, "augmented"), arm_data(out, "naive"), arm_data(out, "baseline")
    assert np.array_equal(adjusted.images, naive.images)
    assert len(adjusted) == 3 * len(baseline)  # originals and two copies
    assert adjusted.labels.dtype == np.float32
    changed = adjusted.labels != naive.labels
    assert 0 < changed.sum() < len(changed)  # flipped or shifted copies differ; originals do not


def test_cli_run_writes_report_and_captioned_preview(regression, write_spec, tmp_path, capsys):
    _, _, _, raw = regression
    raw = {
        **raw,
        "output": {"dir": str(tmp_path / "cli"), "partition_size": 8},
        "train": {**raw["train"], "learning_curve": [], "classical_baseline": False},
    }
    assert main(["run", str(write_spec(raw)), "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert "naive - base" in printed and "mae" in printed
    assert (tmp_path / "cli" / "preview.png").stat().st_size > 0
