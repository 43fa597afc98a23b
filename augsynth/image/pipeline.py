"""The augmentation pipeline as a pure function: (image, seed, sample index, copy index) -> (image, ops)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from augsynth.core import offline
from augsynth.core.seeding import sample_generators
from augsynth.image.ops import build_transform, jsonable_params

A = offline.albumentations()


class Pipeline:
    """A validated list of image ops, applied with a per-sample random state.

    >>> import numpy as np
    >>> pipe = Pipeline([{"op": "HorizontalFlip", "p": 1.0}], seed=0)
    >>> image, ops = pipe.augment(np.arange(4, dtype=np.uint8).reshape(2, 2), sample_index=0, copy_index=1)
    >>> image.tolist(), ops[0]["op"]
    ([[1, 0], [3, 2]], 'HorizontalFlip')
    """

    def __init__(self, ops: list[dict[str, Any]], seed: int):
        self.ops = [dict(op) for op in ops]
        self.seed = seed
        self._compose = A.Compose([build_transform(op) for op in self.ops], seed=None, save_applied_params=True)

    @classmethod
    def from_spec(cls, spec: Any) -> Pipeline:
        """The pipeline a loaded spec describes."""
        return cls(spec.augment.image, seed=spec.seed)

    def augment(self, image: np.ndarray, sample_index: int, copy_index: int) -> tuple[np.ndarray, list[dict]]:
        """Augment one image as copy ``copy_index`` of sample ``sample_index``; returns the image and ops applied."""
        np_rng, py_rng = sample_generators(self.seed, sample_index, copy_index)
        self._compose.set_random_state(np_rng, py_rng)
        result = self._compose(image=image)
        applied = [{"op": name, **jsonable_params(params)} for name, params in result["applied_transforms"]]
        return np.ascontiguousarray(result["image"]), applied

    @staticmethod
    def ops_json(applied: list[dict]) -> str:
        """Provenance text of the applied ops (stable key order)."""
        return json.dumps(applied, sort_keys=True, separators=(",", ":"))
