"""``augsynth calibrate``: estimate a steering target's ``shift_gain`` and the side-camera correction.

From the renderer (``road:procedural``): the exact label of every shifted and side-camera view is known, so the gain
is a least-squares slope of label change against shift, with its fit quality. From a driving log with
``side_cameras``: each side image is matched to its centre image by phase correlation; the pixel displacement a
side camera produces, set against the correction it is known to need, gives the gain per pixel.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from augsynth.core.errors import SpecError
from augsynth.core.kinds import Task
from augsynth.data import load_source
from augsynth.data.road import sample_scene, shifted_view_label, side_view_label, steering
from augsynth.data.road_source import DEFAULT_SIZE_HW, WORLD_SEED
from augsynth.image.ops import leaves
from augsynth.spec.load import load_spec, read_yaml
from augsynth.spec.schema import Spec


@dataclass(frozen=True)
class Calibration:
    """A fitted ``shift_gain`` (label units per pixel) with its fit quality, and the side-camera correction."""

    target: str
    method: str
    shift_gain: float
    r2: float
    residual_rms: float
    samples: int
    side_correction: float | None
    side_correction_sd: float | None

    def summary(self) -> str:
        spread = f"sd {self.side_correction_sd:.4f}" if self.side_correction_sd is not None else "as declared"
        side = f"; side-camera correction {self.side_correction:+.4f} ({spread})" if self.side_correction else ""
        return (
            f"labels.{self.target}.shift_gain = {self.shift_gain:.6f} per pixel ({self.method}: R^2 "
            f"{self.r2:.4f}, residual RMS {self.residual_rms:.5f} label units, {self.samples} samples){side}"
        )


def load_for_calibration(path: Path) -> Spec:
    """Load a spec whose target may still lack ``shift_gain`` (that is what calibration is for)."""
    raw = read_yaml(path)
    target = ((raw or {}).get("dataset") or {}).get("target") if isinstance(raw, dict) else None
    declared = (raw.get("labels") or {}).get(target) if target else None
    if isinstance(declared, dict) and declared.get("shift_gain") is None:
        declared["shift_gain"] = 0.0
    return load_spec(raw, origin=str(path))


def calibrate(spec: Spec, scenes: int = 200, max_shift_px: int | None = None) -> Calibration:
    """Estimate the gain for the spec's regression target from its data source."""
    target = spec.dataset.target
    if spec.dataset.task != Task.REGRESSION or target is None:
        raise SpecError(
            "dataset.task",
            "calibration estimates the shift gain of a regression target",
            fix="set dataset.task: regression and dataset.target",
        )
    limit = max_shift_px or _largest_shift(spec)
    if spec.dataset.source == "road:procedural":
        return _from_renderer(spec, target, scenes, limit)
    if spec.dataset.side_cameras is not None:
        return _from_side_cameras(spec, target, scenes)
    raise SpecError(
        "dataset.source",
        f"cannot calibrate from '{spec.dataset.source}': it has no exact labels and no side-camera images",
        fix="use road:procedural, or a driving log with dataset.side_cameras",
    )


def _largest_shift(spec: Spec) -> int:
    """The widest shift the spec's ops can make (ShiftX limit_px), so the fit covers what expansion will do."""
    shifts = [leaf.entry for leaf in leaves(spec.augment.image) if leaf.entry["op"] == "ShiftX"]
    return max([int(op["limit_px"]) for op in shifts if "limit_px" in op] or [10])


def _fit_through_origin(dx: np.ndarray, dy: np.ndarray) -> tuple[float, float, float]:
    """Slope of dy = gain * dx by least squares, R^2 (about zero) and residual RMS."""
    gain = float(dx @ dy / (dx @ dx))
    residual = dy - gain * dx
    r2 = 1.0 - float(residual @ residual) / float(dy @ dy)
    return gain, r2, float(np.sqrt(np.mean(residual**2)))


def _from_renderer(spec: Spec, target: str, scenes: int, limit: int) -> Calibration:
    size = spec.dataset.size_hw or DEFAULT_SIZE_HW
    shifts = np.array([d for d in range(-limit, limit + 1) if d != 0], dtype=float)
    dx, dy, side = [], [], []
    for i in range(scenes):
        scene = sample_scene(WORLD_SEED, i)
        label = steering(scene)
        dx.append(shifts)
        dy.append(np.array([shifted_view_label(scene, d, size) - label for d in shifts]))
        side.append(side_view_label(scene, "left") - label)
        side.append(label - side_view_label(scene, "right"))
    gain, r2, rms = _fit_through_origin(np.concatenate(dx), np.concatenate(dy))
    return Calibration(
        target,
        "renderer ground truth",
        gain,
        r2,
        rms,
        len(shifts) * scenes,
        float(np.mean(side)),
        float(np.std(side, ddof=1)),
    )


def _from_side_cameras(spec: Spec, target: str, frames: int) -> Calibration:
    """Gain = correction / displacement: the side image is matched to the centre one by phase correlation."""
    correction = spec.dataset.side_cameras.correction
    records = load_source(spec.dataset).records[:frames]
    dx, dy = [], []
    for record in records:
        center = _gray(record.payload)
        for name, payload in record.view_payloads:
            shift = _horizontal_shift(center, _gray(payload))
            dx.append(shift)
            dy.append(correction if name == "left" else -correction)
    if not dx:
        raise SpecError(
            "dataset.side_cameras",
            "no side-camera images were found to calibrate from",
            fix="check dataset.side_cameras.left_column / right_column",
        )
    gain, r2, rms = _fit_through_origin(np.array(dx), np.array(dy))
    return Calibration(target, "side-camera phase correlation", gain, r2, rms, len(dx), correction, None)


def _gray(payload: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(payload, np.uint8), cv2.IMREAD_GRAYSCALE)
    return image.astype(np.float32)


def _horizontal_shift(center: np.ndarray, side: np.ndarray) -> float:
    """How far right (pixels) the side view's content sits relative to the centre view, below the horizon."""
    road = slice(center.shape[0] // 2, None)
    window = cv2.createHanningWindow(center[road].shape[::-1], cv2.CV_32F)
    (shift_x, _), _ = cv2.phaseCorrelate(center[road], side[road], window)
    return float(shift_x)


def write_gain(spec_path: Path, calibration: Calibration) -> None:
    """Put the fitted gain into the spec file, keeping its comments and layout (``shift_gain:`` must be present)."""
    text = spec_path.read_text()
    pattern = re.compile(r"(shift_gain:\s*)([-+0-9.eE]+|null|~)")
    if not pattern.search(text):
        raise SpecError(
            f"labels.{calibration.target}.shift_gain",
            f"no 'shift_gain:' entry in {spec_path} to update",
            fix=f"add shift_gain: 0 under labels.{calibration.target}, then rerun with --write",
        )
    spec_path.write_text(pattern.sub(lambda m: f"{m.group(1)}{calibration.shift_gain:.6f}", text, count=1))
