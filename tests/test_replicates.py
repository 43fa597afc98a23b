"""Replicates: each draws its own train and validation subsets (and augmentation and training seed), every arm of a
replicate trains on the same subset, the test split is the same for all and never augmented, and the paired
interval is over replicates. A real (tiny) comparison on a real Dask cluster."""

from __future__ import annotations

import numpy as np
import pyarrow.compute as pc
import pytest

from augsynth import compare
from augsynth.data.shards import read_shards
from augsynth.data.splits import make_splits
from augsynth.report.format import gain_sentence
from augsynth.report.model import Gain
from augsynth.report.stats import mean_ci
from augsynth.run import replicate_dir, replicate_seed, replicate_spec
from augsynth.spec.load import parse_spec
from tests.conftest import expect_spec_error, tiny_spec_dict

REPLICATES = 3
CURVE_REPLICATES = 2


def _spec(out):
    return parse_spec(
        tiny_spec_dict(
            out,
            dataset={"train_per_class": 4, "val_per_class": 2},
            augment={"copies": 1},
            train={
                "replicates": REPLICATES,
                "learning_curve_replicates": CURVE_REPLICATES,
                "steps": 12,
                "eval_every": 6,
                "learning_curve": [2],
            },
        )
    )


@pytest.fixture(scope="module")
def replicated(tmp_path_factory, dask_client):
    out = tmp_path_factory.mktemp("replicates")
    spec = _spec(out)
    return spec, out, compare(spec, out, client=dask_client, progress=False)


def _rows(out, origins):
    table = read_shards(out, columns=["source_id", "origin"])
    return table.filter(pc.is_in(table["origin"], value_set=__import__("pyarrow").array(origins)))["source_id"]


def test_replicates_draw_different_subsets_and_share_the_test_split(replicated):
    spec, out, report = replicated
    base = make_splits(spec)
    test_ids = {r.source_id for r in base.test}
    trains = []
    for index in range(REPLICATES):
        splits = base.resized(replicate_spec(spec, index))
        assert {r.source_id for r in splits.test} == test_ids  # the test split depends on the spec's seed only
        where = replicate_dir(out, index)
        originals = set(_rows(where, ["original"]).to_pylist())
        copies = set(_rows(where, ["augmented"]).to_pylist())
        # every arm of a replicate reads the same subset: the baseline its originals, the augmented arm their copies
        assert originals == {r.source_id for r in splits.train} and copies <= originals
        assert not (originals | copies) & test_ids  # never augmented, never trained on
        assert not originals & {r.source_id for r in splits.val}
        trains.append(frozenset(originals))
    assert len(set(trains)) == REPLICATES
    assert len({row.subset for row in report.replicate_rows}) == REPLICATES
    assert [row.seed for row in report.replicate_rows] == [replicate_seed(spec, i) for i in range(REPLICATES)]
    assert report.replicate_rows[0].seed == spec.seed  # replicate 0 is what `augsynth expand` writes


def test_the_paired_interval_is_over_replicates(replicated):
    _, _, report = replicated
    rows = report.replicate_rows
    assert [row.scores["baseline"] for row in rows] == report.arms["baseline"].runs
    assert [row.scores["augmented"] for row in rows] == report.arms["augmented"].runs
    differences = [row.gains["augmented"] for row in rows]
    gain = report.gain["augmented"]
    assert gain.n == report.replicates == REPLICATES
    assert gain.mean == pytest.approx(np.mean(differences))
    assert gain.ci95 == pytest.approx(tuple(mean_ci(differences)[1]))


def test_the_report_says_what_the_interval_covers(replicated):
    _, out, report = replicated
    markdown = (out / "report.md").read_text()
    assert f"over {REPLICATES} replicates" in markdown and "## Replicates" in markdown
    assert "never augmented" in report.interval_covers and f"over the {REPLICATES} replicates" in report.interval_covers
    for row in report.replicate_rows:
        assert f"| {row.replicate} | {row.subset} |" in markdown
    assert (out / "gains.png").stat().st_size > 1000


def test_learning_curve_sizes_are_drawn_within_each_replicates_order(replicated):
    spec, out, report = replicated
    base = make_splits(spec)
    for index in range(CURVE_REPLICATES):
        main = set(_rows(replicate_dir(out, index), ["original"]).to_pylist())
        small = set(_rows(replicate_dir(out, index) / "learning_curve" / "n2", ["original"]).to_pylist())
        assert small < main  # nested: the first 2 per class of the replicate's order are among its first 4
    assert not (replicate_dir(out, CURVE_REPLICATES) / "learning_curve").exists()
    point = next(p for p in report.learning_curve if p.train_size == 2 and p.arm == "augmented")
    assert point.n == CURVE_REPLICATES and report.learning_curve_replicates == CURVE_REPLICATES
    assert base.test  # the curve is scored on the same test split


def test_a_rerun_of_the_same_spec_gives_the_same_numbers(replicated, tmp_path, dask_client):
    spec, _, report = replicated
    again = compare(_spec(tmp_path), tmp_path, client=dask_client, progress=False)
    assert again.arms == report.arms and again.gain == report.gain
    assert [r.scores for r in again.replicate_rows] == [r.scores for r in report.replicate_rows]
    assert again.classical_baseline == report.classical_baseline


def test_seeds_is_the_older_name_of_replicates():
    raw = tiny_spec_dict(train={"seeds": 4, "learning_curve_seeds": 2})
    del raw["train"]["replicates"]
    spec = parse_spec(raw)
    assert (spec.train.replicates, spec.train.curve_replicates, spec.train.seeds) == (4, 2, None)
    expect_spec_error(tiny_spec_dict(train={"seeds": 4}), "train", ["older name of replicates", "give only replicates"])
    expect_spec_error(tiny_spec_dict(train={"learning_curve_replicates": 3}), "train", ["more than replicates"])


def test_gain_sentence_in_plain_words(replicated):
    _, _, report = replicated
    up = Gain(mean=0.041, ci95=(0.023, 0.059), n=8)
    assert gain_sentence("augmented", up, report) == (
        "augmented raised test accuracy by 4.1 points on average over 8 replicates (95% interval +2.3 to +5.9)"
    )
    two = Gain(mean=-0.01, ci95=(-0.2, 0.18), n=2)
    assert "lowered test accuracy by 1.0 points" in gain_sentence("augmented", two, report)
    assert "unreliable from 2" in gain_sentence("augmented", two, report)
    assert "no interval from one replicate" in gain_sentence("augmented", Gain(mean=0.02, ci95=None, n=1), report)
