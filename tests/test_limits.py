"""Bounded work: what a spec asks for is counted at load against ``limits:``; the error names the limit and how to
raise it, and raising it on purpose is accepted. Numbers are never coerced into others and never NaN or infinite."""

from __future__ import annotations

import math
import resource
import time

import pytest

from augsynth.core.errors import SpecError
from augsynth.spec.load import parse_spec
from tests.conftest import expect_spec_error


@pytest.mark.parametrize(
    "sections, where, limit, raised",
    [
        ({"augment": {"copies": 10**9}}, "augment.copies", "max_copies", {"max_output_rows": 10**11}),
        # min(150 per class x 10 classes, 1797 digits) x (900 copies + the original)
        ({"dataset": {"train_per_class": 150}, "augment": {"copies": 900}}, "augment.copies", "max_output_rows", {}),
        # each learning-curve size is expanded too: (40 + 400 + 800 + 1200) x 501 rows; the main size alone is 40 x 501
        (
            {"augment": {"copies": 500}, "train": {"learning_curve": [40, 80, 120]}},
            "augment.copies",
            "max_output_rows",
            {},
        ),
        ({"dataset": {"image_size": [16, 100_000]}}, "dataset.image_size", "max_image_pixels", None),
        (
            {"generate": [{"kind": "cvae", "per_class": 10**9}]},
            "generate[0].per_class",
            "max_generated",
            {"max_output_rows": 10**11},
        ),
        (
            {"generate": [{"kind": "cvae", "per_class": 6_000}, {"kind": "cgan", "per_class": 6_000}]},
            "generate[1].per_class",
            "max_generated",
            {"max_output_rows": 10**11},
        ),
        ({"generate": [{"kind": "cvae", "epochs": 10**9}]}, "generate[0].epochs", "max_generator_epochs", {}),
        ({"train": {"steps": 10**6}}, "train.steps", "max_train_steps", {}),  # 2 arms x 2 seeds
        (
            {"augment": {"image": [{"op": "CoarseDropout", "num_holes_range": [10**9, 10**9]}]}},
            "augment.image[0].num_holes_range",
            "max_op_number",
            None,
        ),
    ],
)
def test_a_limit_is_named_and_can_be_raised(spec_dict, sections, where, limit, raised):
    """``raised``: other limits the same spec needs raised too; None where raising the limit would make the load do
    the work (a 1.6-megapixel test image, 10^9 holes in it): the error is what is tested."""
    raw = spec_dict(**sections)
    expect_spec_error(raw, where, [f"limits.{limit}", "if you mean it"])
    if raised is not None:
        raw["limits"] = {limit: 10**11, **raised}
        assert parse_spec(raw).limits.model_dump()[limit] == 10**11


def test_frames_limit(tmp_path):
    raw = {
        "name": "road",
        "dataset": {
            "source": "road:procedural",
            "task": "regression",
            "target": "steering",
            "frames": 10**9,
            "image_size": [32, 80],
            "train_size": 30,
        },
        "labels": {"steering": {"kind": "steering_angle", "shift_gain": 0.02}},
        "augment": {"copies": 1, "image": [{"op": "HorizontalFlip"}]},
        "output": {"dir": str(tmp_path)},
        "train": {"model": "pilotnet", "replicates": 2, "steps": 10, "learning_curve": [], "device": "cpu"},
    }
    expect_spec_error(raw, "dataset.frames", ["limits.max_frames"])
    raw["limits"] = {"max_frames": 10**9}
    assert parse_spec(raw).dataset.frames == 10**9  # counting frames renders none


def test_huge_image_size_is_refused_before_anything_allocates(spec_dict):
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    start = time.perf_counter()
    try:  # a blank 100000 x 100000 test image would need 10 GB; allow 1 GB more than the process has
        resource.setrlimit(resource.RLIMIT_AS, (_mapped_bytes() + (1 << 30), hard))
        with pytest.raises(SpecError) as info:
            parse_spec(spec_dict(dataset={"image_size": 100_000}))
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
    assert info.value.path == "dataset.image_size"
    assert time.perf_counter() - start < 2.0


def _mapped_bytes() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))


@pytest.mark.parametrize(
    "sections, where, words",
    [
        ({"augment": {"copies": True}}, "augment.copies", ["valid integer"]),
        ({"augment": {"copies": 1e40}}, "augment.copies", ["valid integer"]),
        ({"augment": {"copies": "4"}}, "augment.copies", ["valid integer"]),
        ({"seed": 1234567890123456789012345678901}, "seed", ["less than or equal to 4294967295"]),
        ({"dataset": {"image_size": [-4, 16]}}, "dataset.image_size", ["greater than 0"]),
        ({"dataset": {"image_size": [16]}}, "dataset.image_size", ["[height, width]"]),
        ({"train": {"lr": math.inf}}, "train.lr", ["finite"]),
        ({"train": {"lr": True}}, "train.lr", ["not true"]),
        ({"train": {"weight_decay": math.nan}}, "train.weight_decay", ["finite"]),
        ({"dataset": {"test_fraction": -math.inf}}, "dataset.test_fraction", ["finite"]),
        (
            {"augment": {"image": [{"op": "Affine", "rotate": [math.nan, math.nan]}]}},
            "augment.image[0].rotate",
            ["finite"],
        ),
        (
            {"augment": {"image": [{"op": "Affine", "scale": {"x": [1.0, math.inf], "y": 1.0}}]}},
            "augment.image[0].scale",
            ["finite"],
        ),
        ({"augment": {"image": [{"op": "Affine", "rotate": [12, -12]}]}}, "augment.image[0].rotate", ["low <= high"]),
        ({"generate": [{"kind": "cgan", "lr": math.nan}]}, "generate[0].lr", ["finite"]),
        ({"generate": [{"kind": "cvae", "beta": math.inf}]}, "generate[0].beta", ["finite"]),
    ],
)
def test_numbers_are_whole_finite_and_in_range(spec_dict, sections, where, words):
    expect_spec_error(spec_dict(**sections), where, words)


def test_non_finite_label_settings_are_refused(spec_dict):
    raw = {
        "name": "road",
        "dataset": {
            "source": "road:procedural",
            "task": "regression",
            "target": "steering",
            "frames": 100,
            "image_size": [32, 80],
            "train_size": 30,
        },
        "labels": {"steering": {"kind": "steering_angle", "shift_gain": math.nan}},
        "train": {"model": "pilotnet", "replicates": 2, "learning_curve": []},
    }
    expect_spec_error(raw, "labels.steering.shift_gain", ["finite"])
    raw["labels"]["steering"] = {"kind": "steering_angle", "shift_gain": 0.02, "range": [-math.inf, 1]}
    expect_spec_error(raw, "labels.steering.range[0]", ["finite"])


def test_shiftx_wider_than_the_image_is_refused(tmp_path):
    raw = {
        "name": "road",
        "dataset": {
            "source": "road:procedural",
            "task": "regression",
            "target": "steering",
            "frames": 100,
            "image_size": [32, 80],
            "train_size": 30,
        },
        "labels": {"steering": {"kind": "steering_angle", "shift_gain": 0.02}},
        "augment": {"copies": 1, "image": [{"op": "ShiftX", "limit_px": 80}]},
        "output": {"dir": str(tmp_path)},
        "train": {"model": "pilotnet", "replicates": 2, "learning_curve": [], "device": "cpu"},
    }
    expect_spec_error(raw, "augment.image[0].limit_px", ["image width 80"])
