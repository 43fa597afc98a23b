"""On the fly: AugDataset and transform give what the offline expansion writes, for any DataLoader worker count."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader, RandomSampler

import augsynth
from augsynth import AugDataset, Pipeline, expand
from augsynth.data.shards import read_shards
from augsynth.spec.load import parse_spec
from tests.conftest import tiny_spec_dict
from tests.test_labels import road_spec
from tests.test_text import text_spec

COPIES = 3
STEERING_OPS = [
    {"op": "HorizontalFlip", "p": 0.5},
    {"op": "ShiftX", "limit_px": 8, "p": 0.8},
    {"op": "RandomBrightnessContrast", "p": 0.5},
]


def _digits_spec(tmp_path):
    return parse_spec(tiny_spec_dict(tmp_path / "out", augment={"copies": COPIES}))


def _steering_spec(tmp_path):
    return parse_spec(road_spec(tmp_path, STEERING_OPS, labels={"steering": _steering_label()}))


def _steering_label() -> dict:
    return {"kind": "steering_angle", "flip": "negate", "shift_gain": 0.015, "range": [-0.6, 0.6]}


def _decode(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)))


def _assert_offline_copies_equal_epochs(spec, out, client) -> int:
    """Every augmented offline row equals the on-the-fly item of its sample at epoch = its copy; returns how many."""
    expand(spec, out, client=client, progress=False)
    dataset = AugDataset.from_spec(spec, to_tensor=lambda image: image, provenance=True)
    position = {index: i for i, index in enumerate(dataset.indices)}
    rows = [row for row in read_shards(out).to_pylist() if row["origin"] == "augmented"]
    assert len(rows) == len(dataset) * spec.augment.copies
    for row in rows:
        dataset.set_epoch(row["copy"])
        image, label, ops = dataset[position[row["sample_index"]]]
        assert np.array_equal(image, _decode(row["image"])), row["id"]
        assert float(label) == np.float32(row["label"]), row["id"]
        assert ops == row["ops"], row["id"]
    return len(rows)


def test_offline_copy_c_is_the_on_the_fly_sample_at_epoch_c_on_digits(tmp_path, dask_client):
    assert _assert_offline_copies_equal_epochs(_digits_spec(tmp_path), tmp_path / "out", dask_client) == 40 * COPIES


def test_offline_copy_c_is_the_on_the_fly_sample_at_epoch_c_on_steering(tmp_path, dask_client):
    spec = parse_spec(
        road_spec(tmp_path, STEERING_OPS, labels={"steering": _steering_label()})
        | {"augment": {"copies": COPIES, "image": STEERING_OPS}}
    )
    assert _assert_offline_copies_equal_epochs(spec, tmp_path / "out", dask_client) == 20 * COPIES
    rows = read_shards(tmp_path / "out").to_pylist()
    assert any(row["label"] != row["label_before"] for row in rows)  # the labels really were adjusted
    transform = augsynth.transform(spec)
    dataset = AugDataset.from_spec(spec, to_tensor=lambda image: image)
    row = next(r for r in rows if r["copy"] == 2 and r["label"] != r["label_before"])
    image, _ = dataset.samples[dataset.indices.index(row["sample_index"])]
    _, label = transform(image, row["label_before"], row["sample_index"], 2)
    assert label == row["label"]  # exactly, in float64, through the plain callable


def _stream(dataset: AugDataset, workers: int, epochs: int = 2, **loader) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Every batch of ``epochs`` epochs through a real DataLoader (a seeded shuffle, which the loader's own draws of
    worker seeds leave alone)."""
    sampler = RandomSampler(dataset, generator=torch.Generator().manual_seed(0))
    loader = DataLoader(dataset, batch_size=8, sampler=sampler, num_workers=workers, **loader)
    batches = []
    for epoch in range(epochs):
        dataset.set_epoch(epoch)
        batches += list(loader)
    return batches


@pytest.mark.filterwarnings("ignore:This DataLoader will create 4 worker processes")
def test_the_stream_is_identical_for_any_worker_count_and_differs_between_epochs(tmp_path):
    dataset = AugDataset.from_spec(_digits_spec(tmp_path))
    streams = {workers: _stream(dataset, workers) for workers in (0, 1, 2, 4)}
    reference = streams[0]
    half = len(reference) // 2
    for workers, stream in streams.items():
        assert len(stream) == len(reference), workers
        for (images, labels), (ref_images, ref_labels) in zip(stream, reference, strict=True):
            assert torch.equal(images, ref_images) and torch.equal(labels, ref_labels), workers
    first, second = torch.cat([b[0] for b in reference[:half]]), torch.cat([b[0] for b in reference[half:]])
    assert first.shape == second.shape == (40, 1, 16, 16) and first.dtype == torch.float32
    assert not torch.equal(first, second)  # the same order of samples, other draws
    assert reference[0][1].dtype == torch.int64


def test_persistent_workers_see_the_epoch(tmp_path):
    dataset = AugDataset.from_spec(_digits_spec(tmp_path))
    fresh = _stream(dataset, 0)
    persistent = _stream(dataset, 2, persistent_workers=True)
    assert all(torch.equal(a[0], b[0]) for a, b in zip(fresh, persistent, strict=True))


@pytest.mark.slow  # each spawned worker imports torch, albumentations and this module afresh
def test_spawned_workers_give_the_same_stream(tmp_path):
    """Spawned workers (the default on macOS and Windows) get the dataset pickled: the pipeline is rebuilt there."""
    dataset = AugDataset.from_spec(_steering_spec(tmp_path))
    spawned = _stream(dataset, 2, multiprocessing_context="spawn", persistent_workers=True)
    for (images, labels), (ref_images, ref_labels) in zip(spawned, _stream(dataset, 0), strict=True):
        assert torch.equal(images, ref_images) and torch.equal(labels, ref_labels)


def test_regression_labels_collate_as_float32_and_held_out_splits_are_not_augmented(tmp_path):
    spec = _steering_spec(tmp_path)
    train = AugDataset.from_spec(spec)
    _, labels = next(iter(DataLoader(train, batch_size=4)))
    assert labels.dtype == torch.float32 and labels.shape == (4,)
    test = AugDataset.from_spec(spec, "test", to_tensor=lambda image: image)
    assert len(test) == 18 and not any(test.augmented)  # 60 frames, test_fraction 0.3
    for epoch in (0, 3):
        test.set_epoch(epoch)
        image, label = test[0]
        assert np.array_equal(image, test.samples[0][0]) and float(label) == np.float32(test.samples[0][1])


def test_a_user_brings_samples_and_a_pipeline():
    rng = np.random.default_rng(0)
    samples = [(rng.integers(0, 256, (20, 20, 3), dtype=np.uint8), i % 2) for i in range(6)]
    pipeline = Pipeline([{"op": "Affine", "rotate": [-20, 20], "p": 1.0}], seed=3)
    dataset = AugDataset(samples, pipeline, provenance=True)
    dataset.set_epoch(5)
    image, label, ops = dataset[2]
    assert image.shape == (3, 20, 20) and float(image.min()) >= 0.0 and float(image.max()) <= 1.0
    assert label == 0 and json.loads(ops)[0]["op"] == "Affine"
    expected, _ = pipeline(samples[2][0], 0, index=2, epoch=5)
    assert torch.equal(image, torch.from_numpy(expected).permute(2, 0, 1).float() / 255)
    with pytest.raises(ValueError, match="provenance"):
        AugDataset(samples, lambda image, label, index, epoch: (image, label), provenance=True)


def test_a_pipeline_refuses_an_op_the_label_has_no_rule_for():
    from augsynth.core.errors import SpecError
    from augsynth.spec.schema import LabelSpec, Target

    with pytest.raises(SpecError, match="Rotate has no rule for the steering_angle"):
        Pipeline([{"op": "Rotate"}], seed=0, target=Target("steering", LabelSpec(kind="steering_angle")))


def test_text_specs_give_strings_equal_to_the_offline_copies(tmp_path, dask_client):
    ops = [{"op": "SynonymAug", "aug_p": 0.3}, {"op": "TfIdfAug", "aug_p": 0.2}]
    spec = parse_spec(text_spec(tmp_path, ops))
    expand(spec, tmp_path / "out", client=dask_client, progress=False)
    dataset = AugDataset.from_spec(spec)
    position = {index: i for i, index in enumerate(dataset.indices)}
    rows = [row for row in read_shards(tmp_path / "out").to_pylist() if row["origin"] == "augmented"]
    assert rows
    for row in rows:
        dataset.set_epoch(row["copy"])
        text, label = dataset[position[row["sample_index"]]]
        assert (text, label) == (row["text"], row["label"])
    texts, labels = next(iter(DataLoader(dataset, batch_size=3)))
    assert len(texts) == 3 and isinstance(texts[0], str) and labels.dtype == torch.int64
