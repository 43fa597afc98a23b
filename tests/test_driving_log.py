"""Driving logs in the simulator format, side cameras, and ``augsynth calibrate`` (fit and --write)."""

from __future__ import annotations

import pytest
import yaml
from PIL import Image

from augsynth.calibrate import calibrate, load_for_calibration
from augsynth.cli import main
from augsynth.data import load_source
from augsynth.data.road import SIDE_CAMERA_OFFSET_M, render, sample_scene, steering
from augsynth.spec.load import parse_spec

SIZE = (48, 128)
FRAMES = 30


@pytest.fixture(scope="module")
def driving_log(tmp_path_factory):
    """A headerless log as the simulator writes it: absolute paths from the recording machine, images in IMG/."""
    root = tmp_path_factory.mktemp("log")
    (root / "IMG").mkdir()
    lines = []
    for i in range(FRAMES):
        scene = sample_scene(5, i)
        refs = []
        for view, lateral in (("center", 0.0), ("left", -SIDE_CAMERA_OFFSET_M), ("right", SIDE_CAMERA_OFFSET_M)):
            Image.fromarray(render(scene, SIZE, lateral=lateral)).save(root / "IMG" / f"{view}_{i}.png")
            refs.append(f"C:\\Users\\sim\\IMG\\{view}_{i}.png")
        label = "oops" if i == 7 else f"{steering(scene):.6f}"
        lines.append(", ".join([*refs, label, "0.5", "0", "30.1"]))
    (root / "driving_log.csv").write_text("\n".join(lines) + "\n")
    return root / "driving_log.csv"


def log_spec(path, shift_gain=None, **dataset) -> dict:
    return {
        "version": 1,
        "name": "log",
        "dataset": {
            "source": f"csv:{path}",
            "task": "regression",
            "target": "steering",
            "image_column": "center",
            "image_size": list(SIZE),
            "train_size": 10,
            "val_size": 5,
            "side_cameras": {"correction": 0.19},
            **dataset,
        },
        "labels": {"steering": {"kind": "steering_angle", "shift_gain": shift_gain}},
        "augment": {"copies": 1, "image": [{"op": "ShiftX", "limit_px": 8}]},
        "train": {"model": "pilotnet", "learning_curve": []},
    }


def test_a_headerless_simulator_log_loads_with_side_views_and_quarantines_bad_labels(driving_log):
    spec = parse_spec(log_spec(driving_log, 0.015))
    data = load_source(spec.dataset)
    assert len(data.records) == FRAMES - 1
    assert [q.reason for q in data.quarantined] == ["non-numeric label 'oops'"]
    first = data.records[0]
    assert isinstance(first.label, float) and first.label == pytest.approx(steering(sample_scene(5, 0)), abs=1e-6)
    assert [name for name, _ in first.views] == ["left", "right"]


def test_side_camera_calibration_lands_near_the_renderer_gain(driving_log, tmp_path):
    from_log = calibrate(parse_spec(log_spec(driving_log, 0.0)), scenes=FRAMES)
    road = {
        **log_spec(driving_log, 0.0),
        "dataset": {"source": "road:procedural", "task": "regression", "target": "steering", "image_size": list(SIZE)},
    }
    exact = calibrate(parse_spec(road), scenes=50)
    assert from_log.method.startswith("side-camera") and from_log.r2 > 0.5
    assert from_log.shift_gain == pytest.approx(exact.shift_gain, rel=0.25)


def test_calibrate_write_fills_in_the_gain_and_keeps_the_comments(driving_log, tmp_path, capsys):
    path = tmp_path / "spec.yaml"
    text = yaml.safe_dump(log_spec(driving_log), sort_keys=False)
    path.write_text("# my steering spec\n" + text)
    assert main(["validate", str(path)]) == 2  # ShiftX without a gain is refused ...
    assert "augsynth calibrate" in capsys.readouterr().err
    assert main(["calibrate", str(path), "--write", "--scenes", "20"]) == 0  # ... until calibration fills it in
    assert path.read_text().startswith("# my steering spec\n")
    gain = load_for_calibration(path).labels["steering"].shift_gain
    assert 0.005 < gain < 0.03
    assert main(["validate", str(path)]) == 0
