"""Every output is a pure function of (spec seed, sample index, copy index): worker count and sharding don't matter."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from augsynth import Pipeline, expand
from augsynth.data.shards import read_shards
from augsynth.spec.load import parse_spec
from tests.conftest import TINY_OPS, read_table, sorted_rows, tiny_spec_dict

COPIES = 3
PARTITION = 7
TRAIN = 4 * 10  # train_per_class x 10 digit classes


# Nested blocks too: which branch runs is drawn from the same per-sample state as every parameter.
NESTED_OPS = [
    *TINY_OPS,
    {
        "op": "OneOf",
        "p": 0.9,
        "transforms": [
            {"op": "SomeOf", "n": 2, "transforms": [{"op": "Blur", "p": 1.0}, {"op": "Sharpen"}, {"op": "Equalize"}]},
            {
                "op": "Sequential",
                "p": 1.0,
                "transforms": [
                    {"op": "RandomCrop", "height": 12, "width": 12},
                    {"op": "Resize", "height": 16, "width": 16},
                ],
            },
        ],
    },
    {"op": "RandomOrder", "n": 2, "transforms": [{"op": "HorizontalFlip"}, {"op": "CoarseDropout"}]},
]


def _spec(partition_size: int = PARTITION):
    return parse_spec(
        tiny_spec_dict(
            dataset={"train_per_class": 4, "val_per_class": 2, "image_size": 16},
            augment={"copies": COPIES, "image": NESTED_OPS},
            output={"partition_size": partition_size},
        )
    )


@pytest.fixture(scope="module")
def one_and_two_workers(tmp_path_factory):
    """The same spec expanded on a fresh cluster of 1 worker and on a fresh cluster of 2 workers."""
    spec = _spec()
    one = tmp_path_factory.mktemp("workers1")
    two = tmp_path_factory.mktemp("workers2")
    results = (expand(spec, one, workers=1, progress=False), expand(spec, two, workers=2, progress=False))
    return spec, one, two, results


def test_worker_count_does_not_change_shard_bytes(one_and_two_workers):
    _, one, two, (first, second) = one_and_two_workers
    expected_shards = -(-TRAIN // PARTITION)
    assert first.shards == second.shards == expected_shards
    assert first.shards_skipped == second.shards_skipped == 0
    names_one = sorted(p.name for p in (one / "shards").iterdir())
    names_two = sorted(p.name for p in (two / "shards").iterdir())
    assert names_one == names_two == [f"part-{i:05d}.parquet" for i in range(expected_shards)]
    for name in names_one:
        assert (one / "shards" / name).read_bytes() == (two / "shards" / name).read_bytes(), name


def test_worker_count_does_not_change_manifest(one_and_two_workers):
    _, one, two, (first, second) = one_and_two_workers
    rows_one = read_table(one / "manifest.parquet").to_pylist()
    rows_two = read_table(two / "manifest.parquet").to_pylist()
    assert rows_one == rows_two
    assert len(rows_one) == first.rows == second.rows == TRAIN * (COPIES + 1)
    assert "image" not in rows_one[0]
    places = {tuple(op["at"][:2]) for row in rows_one for op in json.loads(row["ops"]) if "at" in op}
    assert places == {(2, 0), (2, 1), (3, 0), (3, 1)}  # every branch of the nested blocks ran somewhere
    assert {row["shard"] for row in rows_one} == {p.name for p in (one / "shards").iterdir()}


def test_copies_differ_from_each_other_and_the_original(one_and_two_workers):
    _, one, _, _ = one_and_two_workers
    by_source: dict[str, dict[int, bytes]] = {}
    for row in read_shards(one, columns=["source_id", "copy", "image"]).to_pylist():
        by_source.setdefault(row["source_id"], {})[row["copy"]] = row["image"]
    assert len(by_source) == TRAIN
    for source_id, copies in by_source.items():
        assert sorted(copies) == list(range(COPIES + 1))
        assert len(set(copies.values())) == COPIES + 1, f"{source_id}: some copies are identical"


def test_partition_size_does_not_change_rows(one_and_two_workers, tmp_path, dask_client):
    _, one, _, _ = one_and_two_workers
    result = expand(_spec(partition_size=11), tmp_path / "p11", client=dask_client, progress=False)
    assert result.shards == 4
    reference = sorted_rows(read_shards(one))
    regrouped = sorted_rows(read_shards(tmp_path / "p11"))
    assert len(reference) == len(regrouped) == TRAIN * (COPIES + 1)
    assert regrouped == reference  # every column, images included


def _image(seed: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, size=(16, 16), dtype=np.uint8)


def test_pipeline_augment_is_pure():
    pipeline = Pipeline(TINY_OPS, seed=0)
    image = _image()
    first, ops_first = pipeline.augment(image, 5, 1)
    pipeline.augment(image, 6, 2)  # another call in between must not leak state
    again, ops_again = pipeline.augment(image, 5, 1)
    assert np.array_equal(first, again)
    assert ops_first == ops_again
    assert [op["op"] for op in ops_first] == ["GaussNoise", "Affine"]
    other, _ = pipeline.augment(image, 5, 2)
    assert not np.array_equal(first, other)
    assert not np.array_equal(first, image)


def test_pipeline_does_not_depend_on_global_random_state():
    pipeline = Pipeline(TINY_OPS, seed=0)
    image = _image()
    np.random.seed(1)
    first, _ = pipeline.augment(image, 0, 1)
    np.random.seed(2)
    second, _ = Pipeline(TINY_OPS, seed=0).augment(image, 0, 1)
    assert np.array_equal(first, second)
    third, _ = Pipeline(TINY_OPS, seed=1).augment(image, 0, 1)
    assert not np.array_equal(first, third)


@settings(max_examples=15, deadline=None)
@given(sample=st.integers(0, 10_000), copy=st.integers(1, 50))
def test_pipeline_purity_property(sample, copy):
    pipeline = Pipeline(TINY_OPS, seed=7)
    image = _image()
    first, ops_first = pipeline.augment(image, sample, copy)
    second, ops_second = pipeline.augment(image.copy(), sample, copy)
    assert first.dtype == np.uint8 and first.shape == image.shape
    assert np.array_equal(first, second)
    assert Pipeline.ops_json(ops_first) == Pipeline.ops_json(ops_second)


@pytest.mark.parametrize("name", ["augmix", "augmented-without:Affine"])
def test_a_derived_arm_expansion_is_the_same_bytes_for_any_worker_count(name, tmp_path, dask_client):
    """The policy and ablation arms' expansions (nested SomeOf with replacement, a pipeline less one entry)."""
    from augsynth.train.arms import arm

    raw = tiny_spec_dict(
        dataset={"train_per_class": 4, "val_per_class": 2, "image_size": 16},
        augment={"copies": COPIES, "image": NESTED_OPS},
        output={"partition_size": PARTITION},
        train={"arms": ["baseline", "augmented", "augmix"], "ablation": True},
    )
    derived = arm(name).expansion(parse_spec(raw))
    one, two = tmp_path / "one", tmp_path / "two"
    expand(derived, one, workers=1, progress=False)
    expand(derived, two, client=dask_client, progress=False)
    names = sorted(p.name for p in (one / "shards").iterdir())
    assert names == sorted(p.name for p in (two / "shards").iterdir()) and len(names) == -(-TRAIN // PARTITION)
    for shard in names:
        assert (one / "shards" / shard).read_bytes() == (two / "shards" / shard).read_bytes(), shard
