"""The augmentation pipeline as a pure function: (image, label, seed, sample index, copy index) -> (image, label, ops).

The offline expansion, the preview and the on-the-fly torch Dataset all call ``Pipeline.apply``, so an offline copy
and an on-the-fly sample with the same (sample index, copy index) are the same pixels and the same label.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from augsynth.core import offline
from augsynth.core.seeding import SampleRandom
from augsynth.image.labels import LabelAdjuster
from augsynth.image.ops import build_transform, jsonable_params
from augsynth.spec.schema import Target

A = offline.albumentations()
CLASS_LABEL = Target(None, None)  # labels no image op changes


@dataclass(frozen=True)
class Augmented:
    """One augmented sample: the image, the label after the label rules (with their notes), and the transforms that
    ran with the parameters albumentations sampled (raw: ``ops`` makes them JSON-safe only when asked)."""

    image: np.ndarray
    label: Any
    notes: list[str]
    applied: list[tuple[str, dict[str, Any]]]

    @property
    def ops(self) -> list[dict[str, Any]]:
        """The applied ops with their sampled parameters as JSON-safe values."""
        return [{"op": name, **jsonable_params(params)} for name, params in self.applied]

    @property
    def ops_json(self) -> str:
        """Provenance text of the applied ops (stable key order)."""
        return Pipeline.ops_json(self.ops)


class Pipeline:
    """A validated list of image ops, applied with a per-sample random state, and the label rules of ``target``
    (class labels, which no op changes, when it is None).

    >>> import numpy as np
    >>> pipe = Pipeline([{"op": "HorizontalFlip", "p": 1.0}], seed=0)
    >>> image, ops = pipe.augment(np.arange(4, dtype=np.uint8).reshape(2, 2), sample_index=0, copy_index=1)
    >>> image.tolist(), ops[0]["op"]
    ([[1, 0], [3, 2]], 'HorizontalFlip')
    >>> image, label = pipe(np.arange(4, dtype=np.uint8).reshape(2, 2), 7, index=0, epoch=1)
    >>> image.tolist(), label
    ([[1, 0], [3, 2]], 7)
    """

    def __init__(self, ops: list[dict[str, Any]], seed: int, target: Target | None = None):
        self.ops = [dict(op) for op in ops]
        self.seed = seed
        self.labels = LabelAdjuster(self.ops, target or CLASS_LABEL)  # refuses an op with no rule for the label
        self._random = SampleRandom()
        # One image and no other target: albumentations' check that targets agree in shape has nothing to compare.
        self._compose = A.Compose(
            [build_transform(op) for op in self.ops], seed=None, save_applied_params=True, is_check_shapes=False
        )
        self._compose.set_random_state(self._random.numpy, self._random.python)  # reseeded in place per sample

    def __reduce__(self) -> tuple:
        """Pickled as its ops, seed and target and built again where it lands (spawned DataLoader workers): the
        Compose must hold the very generators that ``reseed`` sets, which pickling them apart would break."""
        return (Pipeline, (self.ops, self.seed, self.labels.target))

    @classmethod
    def from_spec(cls, spec: Any) -> Pipeline:
        """The pipeline a loaded spec describes, with the label rules of its target."""
        return cls(spec.augment.image, seed=spec.seed, target=spec.target)

    def apply(self, image: np.ndarray, label: Any, sample_index: int, copy_index: int) -> Augmented:
        """Copy ``copy_index`` of sample ``sample_index``: the augmented image and the label the rules give it."""
        self._random.reseed(self.seed, sample_index, copy_index)
        result = self._compose(image=image)
        applied = result["applied_transforms"]
        label, notes = self.labels.adjust(label, applied)
        return Augmented(np.ascontiguousarray(result["image"]), label, notes, applied)

    def augment(self, image: np.ndarray, sample_index: int, copy_index: int) -> tuple[np.ndarray, list[dict]]:
        """Augment one image as copy ``copy_index`` of sample ``sample_index``; returns the image and ops applied."""
        augmented = self.apply(image, None, sample_index, copy_index)
        return augmented.image, augmented.ops

    def __call__(self, image: np.ndarray, label: Any = None, index: int = 0, epoch: int = 0) -> tuple[np.ndarray, Any]:
        """On the fly: sample ``index`` at ``epoch`` is offline copy ``epoch`` of that sample (same seed tuple)."""
        augmented = self.apply(image, label, index, epoch)
        return augmented.image, augmented.label

    @staticmethod
    def ops_json(applied: list[dict]) -> str:
        """Provenance text of the applied ops (stable key order)."""
        return json.dumps(applied, sort_keys=True, separators=(",", ":"))
