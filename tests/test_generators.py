"""Generators: each kind trains and samples deterministically, the gates catch a planted copy, generators see the
train split only, and a tiny comparison reports every synthetic arm."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import math
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pytest
import torch
from distributed import Client, LocalCluster
from torch import nn

from augsynth import DataError, compare, expand
from augsynth.data.base import content_key
from augsynth.data.decode import decode_records
from augsynth.data.shards import read_shards
from augsynth.data.splits import make_splits
from augsynth.generators import GENERATORS
from augsynth.generators.base import GeneratorConfig, ImageShape
from augsynth.generators.gates import decide, load_gate, pixels, prepare_gate
from augsynth.generators.sampling import SyntheticBlock, generate_block
from augsynth.generators.training import fit_generator, load_generator, prepare_generators, training_images
from augsynth.spec.load import parse_spec
from augsynth.train.arms import arm_data
from augsynth.train.objectives import objective_for
from augsynth.train.pretrain import pretrain_encoder
from augsynth.train.tensors import tensors
from tests.conftest import expect_spec_error, tiny_spec_dict

FEW_EPOCHS = {"cvae": 3, "cgan": 3, "ddpm": 2}


def _generate(per_class: int = 3, **extra) -> list[dict]:
    return [{"kind": kind, "epochs": epochs, "per_class": per_class, **extra} for kind, epochs in FEW_EPOCHS.items()]


@pytest.fixture(scope="module")
def digits_splits():
    spec = parse_spec(tiny_spec_dict())
    return spec, make_splits(spec)


@pytest.mark.parametrize("kind", sorted(FEW_EPOCHS))
def test_each_kind_trains_and_samples_the_same_bytes_from_the_same_seed(kind, digits_splits, tmp_path):
    spec, splits = digits_splits
    data, _ = training_images(splits)
    config = GENERATORS.get(kind).config(kind=kind, epochs=FEW_EPOCHS[kind])
    paths = [tmp_path / f"{kind}-{run}.pt" for run in ("a", "b")]
    for path in paths:
        fit_generator(config.model_dump(), data, len(splits.classes), 0, str(path), "cpu", False)
    first, second = (load_generator(str(path))[3].state_dict() for path in paths)
    assert all(torch.equal(first[key], second[key]) for key in first), "training is not a function of the seed"
    block = SyntheticBlock(kind, str(paths[0]), "x", label=3, start=0, stop=4)
    images = generate_block(block, seed=0)
    assert images.shape == (4, 16, 16) and images.dtype == np.uint8
    assert np.array_equal(images, generate_block(dataclasses.replace(block, checkpoint=str(paths[1])), seed=0))
    assert not np.array_equal(images, generate_block(block, seed=1))
    later = generate_block(dataclasses.replace(block, start=2, stop=6), seed=0)
    assert np.array_equal(images[2:], later[:2]), "a sample depends on its own index only, not on its block"
    assert len({image.tobytes() for image in images}) == 4


def test_generators_never_see_validation_or_test_rows(digits_splits):
    _, splits = digits_splits
    data, digest = training_images(splits)
    seen = {content_key(image) for image in data.images}
    assert len(data) == len(splits.train)
    assert seen == {content_key(splits.payload_format.decode(r.payload)) for r in splits.train}
    held_out = {content_key(splits.payload_format.decode(r.payload)) for r in splits.val + splits.test}
    assert not seen & held_out
    leaked = dataclasses.replace(splits, train=splits.train + splits.test[:1])
    with pytest.raises(DataError, match="generator training data and test"):
        training_images(leaked)
    assert training_images(splits)[1] == digest


def test_a_checkpoint_is_reused_when_config_and_data_match(digits_splits, tmp_path):
    spec, splits = digits_splits
    data, digest = training_images(splits)
    configs = [GENERATORS.get("cvae").config(kind="cvae", epochs=2)]
    first = prepare_generators(configs, data, digest, 10, 0, tmp_path, torch.device("cpu"), None, progress=False)
    stamp = Path(first["cvae"].path).stat().st_mtime_ns
    again = prepare_generators(configs, data, digest, 10, 0, tmp_path, torch.device("cpu"), None, progress=False)
    assert again == first and Path(first["cvae"].path).stat().st_mtime_ns == stamp
    more = [c.model_copy(update={"per_class": 99, "min_confidence": 0.9}) for c in configs]  # sampling settings only
    assert prepare_generators(more, data, digest, 10, 0, tmp_path, torch.device("cpu"), None, False) == first
    longer = [c.model_copy(update={"epochs": 3}) for c in configs]
    other = prepare_generators(longer, data, digest, 10, 0, tmp_path, torch.device("cpu"), None, progress=False)
    assert other["cvae"].digest != first["cvae"].digest


def test_gate_flags_a_planted_copy_and_passes_an_unseen_digit(digits_splits, tmp_path):
    spec, splits = digits_splits
    data, digest = training_images(splits)
    val, _ = decode_records(splits.val, splits.payload_format, "validation")
    path = prepare_gate(
        data, val, digest, objective_for(spec, 10), spec.train, spec.seed, tmp_path, torch.device("cpu")
    )
    gate = load_gate(path)
    copy = data.images[:1]
    nudged = np.clip(copy.astype(int) + 3, 0, 255).astype(np.uint8)
    unseen = splits.payload_format.decode(splits.test[0].payload)[None]
    confidence, ratio = gate.score(
        np.concatenate([copy, nudged, unseen]), np.array([data.labels[0], data.labels[0], splits.test[0].label])
    )
    assert ratio[0] == 0.0 and ratio[1] < 0.2 and ratio[2] > 0.5
    assert decide(confidence[0], ratio[0], 0.0, 0.2) == "near_copy"
    assert decide(confidence[1], ratio[1], 0.0, 0.2) == "near_copy"
    assert decide(confidence[2], ratio[2], 0.0, 0.2) == "kept"
    assert decide(0.3, 1.0, 0.5, 0.2) == "low_confidence"
    assert math.isclose(float(pixels(copy).max()), float(copy.max()) / 255)


class _Copycat(nn.Module):
    """A 'generator' that has memorized the training set: it returns the first training image of the class."""

    def __init__(self, shape: ImageShape, n_classes: int):
        super().__init__()
        self.register_buffer("images", torch.zeros(n_classes, shape.channels, shape.height, shape.width))


def _copycat_fit(model, x, y, config, rng, device, progress):
    for label in range(len(model.images)):
        model.images[label] = x[(y == label).nonzero()[0, 0]]


class COPYCAT:
    """A generator kind that returns training images: every sample must fail the near-copy gate."""

    config = GeneratorConfig
    build = staticmethod(lambda config, shape, n: _Copycat(shape, n))
    fit = staticmethod(_copycat_fit)
    noise_shape = staticmethod(lambda config, shape: (1,))
    decode = staticmethod(lambda model, noise, labels: model.images[labels])


@pytest.mark.filterwarnings("ignore:Couldn't detect a suitable IP address")  # in-process workers need no address
def test_gates_reject_every_sample_of_a_generator_that_copies_training_images(spec_dict):
    GENERATORS._items["copycat"] = COPYCAT  # in-process workers below see this registration
    try:
        spec = parse_spec(spec_dict(generate=[{"kind": "copycat", "per_class": 2, "min_confidence": 0.0}]))
        with (
            LocalCluster(n_workers=1, processes=False, dashboard_address=":0", silence_logs=logging.ERROR) as cluster,
            Client(cluster) as client,
        ):
            result = expand(spec, client=client, progress=False)
    finally:
        del GENERATORS._items["copycat"]
    assert result.synthetic == 20 and result.synthetic_kept == 0
    rows = read_shards(spec.output.dir, columns=["origin", "gate", "nn_ratio"])
    synthetic = rows.filter(pc.equal(rows["origin"], "synthetic"))
    assert set(synthetic["gate"].to_pylist()) == {"near_copy"}
    assert max(synthetic["nn_ratio"].to_pylist()) == 0.0


def test_autoencoder_pretraining_learns_to_reconstruct(digits_splits):
    spec, splits = digits_splits
    data, _ = training_images(splits)
    x, _ = tensors(data, torch.device("cpu"))
    from augsynth.train.models import MODELS

    def loss_after(steps: int) -> float:
        torch.manual_seed(0)
        model = MODELS.get("small-cnn-gap")(1, 10)
        config = spec.train.model_copy(update={"pretrain_steps": steps, "lr": 3e-3})
        return pretrain_encoder(model, x, config, seed=0)

    assert loss_after(60) < 0.5 * loss_after(1)


def test_synthetic_rows_are_identical_whatever_the_worker_count(spec_dict, tmp_path, dask_client):
    spec = parse_spec(spec_dict(generate=_generate(min_confidence=0.0), train={"steps": 20}))
    one = expand(spec, tmp_path / "one", workers=1, progress=False)
    two = expand(spec, tmp_path / "two", client=dask_client, progress=False)
    assert one.synthetic == two.synthetic == 3 * 10 * 3

    def synthetic(out):
        table = read_shards(out, columns=["origin", "id", "image", "seed", "gate", "confidence", "checkpoint"])
        return table.filter(pc.equal(table["origin"], "synthetic")).to_pylist()

    assert synthetic(tmp_path / "one") == synthetic(tmp_path / "two")
    checkpoints = sorted((tmp_path / "one" / "generators").glob("*.pt"))
    assert len({hashlib.sha256(p.read_bytes()).hexdigest() for p in checkpoints}) == 4  # three generators, the gate
    stamps = [p.stat().st_mtime_ns for p in checkpoints]
    last = sorted((tmp_path / "one" / "shards").glob("part-*.parquet"))[-1]  # a synthetic block
    last.unlink()
    resumed = expand(spec, tmp_path / "one", workers=1, progress=False)
    assert resumed.shards_skipped == resumed.shards - 1
    assert [p.stat().st_mtime_ns for p in checkpoints] == stamps, "resuming retrained a generator"
    assert synthetic(tmp_path / "one") == synthetic(tmp_path / "two")


def test_comparison_reports_every_synthetic_arm(spec_dict, tmp_path, dask_client):
    spec = parse_spec(
        spec_dict(
            generate=_generate(per_class=4, min_confidence=0.0),
            train={
                "arms": ["baseline", "augmented", "synthetic", "augmented+synthetic", "pretrained"],
                "pretrain": "autoencoder",
                "pretrain_steps": 20,
                "pretrain_synthetic": True,
            },
        )
    )
    report = compare(spec, tmp_path / "cmp", client=dask_client, progress=False)
    assert set(report.arms) == {"baseline", "augmented", "synthetic", "augmented+synthetic", "pretrained"}
    assert set(report.gain) == set(report.arms) - {"baseline"}
    assert set(report.generators) == set(FEW_EPOCHS)
    for g in report.generators.values():
        assert g.generated == 40 and g.kept + g.confidence_rejected + g.memorization.rejected == 40
        assert g.memorization.min_nn_ratio >= 0 and g.train_seconds > 0
        assert g.tstr.n == 2 and 0 <= g.tstr.mean <= 1
        combined = g.augmented_plus  # this generator's samples added to the augmented arm, paired by seed
        assert combined.gain.mean == pytest.approx(combined.mean - report.arms["baseline"].mean)
        assert combined.over_augmented.mean == pytest.approx(combined.mean - report.arms["augmented"].mean)
    assert report.expansion.synthetic == 120
    augmented = len(arm_data(tmp_path / "cmp", "augmented"))
    for name, g in report.generators.items():  # rows a generator's arms train on: its kept samples (+ real ones)
        assert len(arm_data(tmp_path / "cmp", "synthetic", generator=name)) == g.kept
        assert len(arm_data(tmp_path / "cmp", "augmented+synthetic", generator=name)) == augmented + g.kept
    assert (tmp_path / "cmp" / "generated.png").stat().st_size > 1000
    assert "## Generators" in (tmp_path / "cmp" / "report.md").read_text()


def test_generator_spec_errors(spec_dict):
    expect_spec_error(spec_dict(generate=[{"kind": "cvea"}]), "generate[0].kind", ["cvae", "did you mean"])
    expect_spec_error(
        spec_dict(generate=[{"kind": "cvae", "epocs": 3}]), "generate[0].epocs", ["did you mean 'epochs'"]
    )
    expect_spec_error(
        spec_dict(generate=[{"kind": "ddpm", "per_class": 0}]), "generate[0].per_class", ["greater than or equal to 1"]
    )
    expect_spec_error(spec_dict(generate=[{"kind": "cvae"}, {"kind": "cvae"}]), "generate[1].name", ["twice", "name"])
    expect_spec_error(spec_dict(train={"arms": ["baseline", "synthetic"]}), "train.arms", ["generate"])
    expect_spec_error(spec_dict(train={"arms": ["baseline", "pretrained"]}), "train.arms", ["train.pretrain"])
    expect_spec_error(spec_dict(generate=["cvae"]), "generate[0]", ["kind"])
