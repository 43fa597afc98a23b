"""Label-adjusting rules checked against the renderer's exact labels, through real albumentations transforms."""

from __future__ import annotations

import json

import numpy as np
import pytest

from augsynth.calibrate import calibrate
from augsynth.core.errors import SpecError
from augsynth.data.road import render, sample_scene, shifted_view_label, steering
from augsynth.image.labels import LabelAdjuster
from augsynth.image.pipeline import Pipeline
from augsynth.spec.load import parse_spec
from augsynth.spec.schema import LabelSpec, Target
from tests.conftest import expect_spec_error

SIZE = (48, 128)
SCENES = [sample_scene(3, i) for i in range(12)]
STEERING = Target("steering", LabelSpec(kind="steering_angle", flip="negate", shift_gain=0.015))
SHIFT_TOLERANCE = 0.02  # |rule - exact| for shifts up to 12 px after calibration (measured max about 0.012)


def road_spec(tmp_path, ops: list[dict], labels: dict | None = None, **dataset) -> dict:
    return {
        "version": 1,
        "name": "road",
        "seed": 0,
        "dataset": {
            "source": "road:procedural",
            "task": "regression",
            "target": "steering",
            "frames": 60,
            "image_size": list(SIZE),
            "train_size": 20,
            "val_size": 10,
            **dataset,
        },
        "labels": labels or {"steering": {"kind": "steering_angle", "flip": "negate", "shift_gain": 0.015}},
        "augment": {"copies": 2, "image": ops},
        "output": {"dir": str(tmp_path / "out"), "partition_size": 8},
        "train": {
            "model": "pilotnet",
            "arms": ["baseline", "augmented", "naive"],
            "replicates": 2,
            "steps": 20,
            "eval_every": 10,
            "learning_curve": [],
            "device": "cpu",
        },
    }


def _augment(ops: list[dict], image: np.ndarray, target: Target, label: float, copy: int = 1):
    augmented = Pipeline(ops, seed=0, target=target).apply(image, label, sample_index=0, copy_index=copy)
    return augmented.image, augmented.ops, (augmented.label, augmented.notes)


@pytest.mark.parametrize("scene", SCENES[:6])
def test_flip_rule_equals_the_exact_label_of_the_mirrored_scene(scene):
    out, _, (label, notes) = _augment(
        [{"op": "HorizontalFlip", "p": 1.0}], render(scene, SIZE), STEERING, steering(scene)
    )
    assert np.array_equal(out, render(scene.mirrored(), SIZE))  # the flipped image IS the mirrored scene
    assert label == steering(scene.mirrored())
    assert notes == ["HorizontalFlip: flip: negate"]


@pytest.mark.parametrize(
    "op",
    [{"op": "ShiftX", "limit_px": 12, "p": 1.0}, {"op": "Affine", "translate_px": {"x": [-12, 12], "y": 0}, "p": 1.0}],
)
def test_shift_rule_matches_the_exact_label_of_the_shifted_view_after_calibration(tmp_path, op):
    gain = calibrate(parse_spec(road_spec(tmp_path, [op])), scenes=40).shift_gain
    target = Target("steering", LabelSpec(kind="steering_angle", shift_gain=gain))
    errors, shifts = [], set()
    for copy, scene in enumerate(SCENES, start=1):
        _, applied, (label, _) = _augment([op], render(scene, SIZE), target, steering(scene), copy)
        dx = applied[0]["dx"] if op["op"] == "ShiftX" else applied[0]["matrix"][0][2]
        shifts.add(dx)
        errors.append(abs(label - shifted_view_label(scene, dx, SIZE)))
    assert len(shifts) > 3  # really sampled, not a constant
    assert max(errors) < SHIFT_TOLERANCE


def test_calibration_recovers_a_linear_gain_and_the_side_camera_correction(tmp_path):
    result = calibrate(parse_spec(road_spec(tmp_path, [{"op": "ShiftX", "limit_px": 10}])), scenes=50)
    assert 0.010 < result.shift_gain < 0.020
    assert result.r2 > 0.99
    assert 0.1 < result.side_correction < 0.3


def test_photometric_ops_leave_the_label_alone_and_change_the_pixels():
    scene = SCENES[0]
    image = render(scene, SIZE)
    ops = [{"op": "RandomBrightnessContrast", "p": 1.0}, {"op": "RandomShadow", "p": 1.0}]
    out, applied, (label, notes) = _augment(ops, image, STEERING, steering(scene))
    assert len(applied) == 2 and not np.array_equal(out, image)
    assert label == steering(scene) and notes == []


def test_rules_compose_in_the_order_the_ops_ran():
    ops = [{"op": "ShiftX", "limit_px": 10, "p": 1.0}, {"op": "HorizontalFlip", "p": 1.0}]
    _, applied, (label, notes) = _augment(ops, render(SCENES[1], SIZE), STEERING, 0.3)
    dx = applied[0]["dx"]
    assert label == pytest.approx(-(0.3 + 0.015 * dx))
    assert [note.split(":")[0] for note in notes] == (["ShiftX", "HorizontalFlip"] if dx else ["HorizontalFlip"])


def test_labels_are_clipped_to_the_declared_range():
    target = Target("steering", LabelSpec(kind="steering_angle", shift_gain=1.0, range=(-1, 1)))
    label, notes = LabelAdjuster([{"op": "ShiftX", "limit_px": 5}], target).adjust(0.9, [(0, "ShiftX", {"dx": 4})])
    assert label == 1.0 and notes[-1] == "clipped to [-1, 1]"


def test_scalar_targets_declare_what_a_flip_does():
    keep = Target("y", LabelSpec(kind="scalar", flip="keep"))
    assert LabelAdjuster([{"op": "HorizontalFlip"}], keep).adjust(0.4, [(0, "HorizontalFlip", {})]) == (0.4, [])


@pytest.mark.parametrize(
    ("op", "where", "words"),
    [
        ({"op": "Rotate", "limit": 10}, "augment.image[0].op", ["Rotate", "steering_angle", "label_invariant"]),
        ({"op": "Perspective"}, "augment.image[0].op", ["Perspective", "steering_angle"]),
        ({"op": "VerticalFlip"}, "augment.image[0].op", ["VerticalFlip", "steering_angle"]),
        ({"op": "Affine", "rotate": [-5, 5]}, "augment.image[0].rotate", ["Affine", "steering_angle", "ShiftX"]),
        ({"op": "Affine", "translate_px": {"x": [-5, 5], "y": [-2, 2]}}, "augment.image[0]", ["x only"]),
    ],
)
def test_ops_without_a_rule_for_the_label_kind_are_refused_at_load(tmp_path, op, where, words):
    expect_spec_error(road_spec(tmp_path, [op]), where, words)


def test_label_invariant_is_the_deliberate_way_out(tmp_path):
    spec = parse_spec(road_spec(tmp_path, [{"op": "Rotate", "limit": 3, "label_invariant": True}]))
    assert spec.augment.image[0]["label_invariant"] is True


def test_a_shift_without_a_gain_points_to_calibrate(tmp_path):
    labels = {"steering": {"kind": "steering_angle"}}
    with pytest.raises(SpecError, match="augsynth calibrate") as err:
        parse_spec(road_spec(tmp_path, [{"op": "ShiftX", "limit_px": 5}], labels))
    assert "ShiftX" in str(err.value) and "steering_angle" in str(err.value)


def test_a_scalar_flip_must_be_declared(tmp_path):
    labels = {"steering": {"kind": "scalar"}}
    with pytest.raises(SpecError, match="flip: negate | keep"):
        parse_spec(road_spec(tmp_path, [{"op": "HorizontalFlip"}], labels))


def test_expanded_rows_carry_label_before_label_and_rule(tmp_path, dask_client):
    from augsynth.data.shards import read_shards
    from augsynth.run import expand_all as expand

    ops = [{"op": "HorizontalFlip", "p": 0.5}, {"op": "ShiftX", "limit_px": 8, "p": 0.8}]
    spec = parse_spec(road_spec(tmp_path, ops, side_cameras={"correction": 0.2}))
    result = expand(spec, client=dask_client, progress=False)
    rows = read_shards(result.out_dir).to_pylist()
    assert len(rows) == 20 * (1 + 2 + 2)  # original, two copies, left and right view
    for row in rows:
        notes = json.loads(row["label_rule"])
        ops_applied = {op["op"]: op for op in json.loads(row["ops"])}
        expected = row["label_before"]
        if row["origin"] == "side":
            expected += 0.2 if row["view"] == "left" else -0.2
        if "ShiftX" in ops_applied and "HorizontalFlip" in ops_applied:
            first = json.loads(row["ops"])[0]["op"]
            dx = ops_applied["ShiftX"]["dx"]
            expected = -expected + 0.015 * dx if first == "HorizontalFlip" else -(expected + 0.015 * dx)
        elif "ShiftX" in ops_applied:
            expected += 0.015 * ops_applied["ShiftX"]["dx"]
        elif "HorizontalFlip" in ops_applied:
            expected = -expected
        assert row["label"] == pytest.approx(expected)
        assert bool(notes) == (row["label"] != row["label_before"])
    assert {row["origin"] for row in rows} == {"original", "augmented", "side"}


def test_a_frame_count_is_only_for_rendered_data(tmp_path):
    raw = road_spec(tmp_path, [{"op": "HorizontalFlip"}])
    raw["dataset"].update(
        {"source": "sklearn:digits", "task": "classification", "target": None, "train_size": None, "image_size": 16}
    )
    raw.pop("labels")
    raw["train"].update({"model": "small-cnn", "arms": ["baseline", "augmented"]})
    with pytest.raises(SpecError) as err:
        parse_spec(raw)
    assert err.value.path == "dataset.frames"
