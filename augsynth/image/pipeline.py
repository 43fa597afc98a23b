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
from augsynth.image.catalogue import REFERENCE_OPS
from augsynth.image.labels import LabelAdjuster
from augsynth.image.ops import build_transform, jsonable_params
from augsynth.image.references import reference_data
from augsynth.spec.schema import Target

A = offline.albumentations()
CLASS_LABEL = Target(None, None)  # labels no image op changes


@dataclass(frozen=True)
class Augmented:
    """One augmented sample: the image, the label after the label rules (with their notes), and the transforms that
    ran with the parameters albumentations sampled (raw: ``ops`` makes them JSON-safe only when asked); ``at`` holds,
    for an op inside a composition, its place in the tree (indices through ``transforms`` lists), else None."""

    image: np.ndarray
    label: Any
    notes: list[str]
    applied: list[tuple[str, dict[str, Any]]]
    at: list[tuple[int, ...] | None]

    @property
    def ops(self) -> list[dict[str, Any]]:
        """The applied ops with their sampled parameters as JSON-safe values (and ``at`` for ops inside blocks)."""
        return [
            {"op": name, **jsonable_params(params), **({"at": list(where)} if where else {})}
            for (name, params), where in zip(self.applied, self.at, strict=True)
        ]

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
        self._leaves = _leaf_transforms(self._compose)  # tree order, as self.labels.leaves
        self._nested = any(len(leaf.at) > 1 for leaf in self.labels.leaves)
        self._by_name: dict[str, list[int]] = {}
        for position, transform in enumerate(self._leaves):
            self._by_name.setdefault(type(transform).__name__, []).append(position)
        self._references = [leaf.entry for leaf in self.labels.leaves if leaf.entry["op"] in REFERENCE_OPS]
        # Ops of one class at several places are told apart by their params: reset those not called every time.
        self._stale = [t for t in self._leaves if len(self._by_name[type(t).__name__]) > 1]

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
        for transform in self._stale:
            transform.params = {}
        result = self._compose(image=image, **self._reference_data(image))
        applied = result["applied_transforms"]
        if not (self._nested or self.labels.changes_labels):  # the common case: nothing to place
            return Augmented(np.ascontiguousarray(result["image"]), label, [], applied, [None] * len(applied))
        positions = self._positions(applied)
        fired = [(i, name, params) for i, (name, params) in zip(positions, applied, strict=True)]
        label, notes = self.labels.adjust(label, fired)
        at = [self.labels.leaves[i].at if len(self.labels.leaves[i].at) > 1 else None for i in positions]
        return Augmented(np.ascontiguousarray(result["image"]), label, notes, applied, at)

    def _reference_data(self, image: np.ndarray) -> dict[str, list[np.ndarray]]:
        """The reference images the domain-adaptation ops read, in the image's channels."""
        channels = 1 if image.ndim == 2 else image.shape[2]
        return {k: v for entry in self._references for k, v in reference_data(entry, channels).items()}

    def _positions(self, applied: list[tuple[str, dict[str, Any]]]) -> list[int]:
        """The leaf each applied entry came from: the only op of its class, else the one whose current params are
        the very objects albumentations copied into the entry."""
        positions, used = [], set()
        for name, params in applied:
            candidates = self._by_name[name]
            if len(candidates) > 1:
                candidates = [i for i in candidates if _same_draw(self._leaves[i].params, params) and i not in used]
                candidates = candidates or [i for i in self._by_name[name] if self._leaves[i].params]
            positions.append(candidates[0])
            used.add(candidates[0])
        return positions

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


def _leaf_transforms(transform: Any) -> list[A.BasicTransform]:
    """The transforms (not compositions) inside ``transform``, in tree order."""
    if isinstance(transform, A.BaseCompose):
        return [leaf for inner in transform.transforms for leaf in _leaf_transforms(inner)]
    return [transform]


def _same_draw(current: dict[str, Any], recorded: dict[str, Any]) -> bool:
    """True when ``recorded`` is albumentations' (shallow) copy of ``current``."""
    return current.keys() == recorded.keys() and all(current[key] is recorded[key] for key in current)
