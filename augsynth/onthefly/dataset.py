"""``AugDataset``: a torch Dataset whose sample i at epoch e is offline copy e of sample i, for any worker count."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import torch
from torch.utils.data import Dataset

from augsynth.data.decode import decode_each
from augsynth.data.splits import make_splits
from augsynth.expansion.task import side_camera_label
from augsynth.image.input_steps import InputSteps
from augsynth.image.pipeline import Pipeline
from augsynth.onthefly.transform import SpecLike, as_spec, pipeline_of

Split = Literal["train", "val", "test"]


def image_to_tensor(image: np.ndarray) -> torch.Tensor:
    """A uint8 (H, W) or (H, W, C) image as a CHW float32 tensor in [0, 1] (what torchvision's ``ToTensor`` gives)."""
    tensor = torch.from_numpy(np.ascontiguousarray(image))
    tensor = tensor[None] if tensor.ndim == 2 else tensor.permute(2, 0, 1)
    return tensor.float().div_(255.0)


class AugDataset(Dataset):
    """Samples ``(input, label)`` augmented on the fly: item ``i`` at epoch ``e`` is drawn from the same seed tuple
    ``(seed, index_i, e)`` as offline copy ``e`` of that sample, so it equals it pixel for pixel and label for label.

    ``samples`` are ``(image, label)`` pairs (uint8 arrays, (H, W) or (H, W, C)) or ``(text, label)`` pairs;
    ``pipeline`` is an ``augsynth.Pipeline`` (or text pipeline), or None for no augmentation; ``indices`` are the
    samples' stable indices in the seeding (default: their positions). Call ``set_epoch(e)`` before each epoch: the
    epoch lives in shared memory, so DataLoader workers see it, persistent ones too. An item is a pure function of
    (index, epoch), so the stream is the same for every ``num_workers``.

    Items are ``(input, label)``, or ``(input, label, ops_json)`` with ``provenance=True``. Images go through
    ``to_tensor`` (default: CHW float32 in [0, 1]); texts stay strings unless ``to_tensor`` is given. Class labels
    are ints, regression labels float32 tensors: the default collate stacks both.
    """

    def __init__(
        self,
        samples: Sequence[tuple[Any, Any]],
        pipeline: Pipeline | Any | None = None,
        *,
        indices: Sequence[int] | None = None,
        augmented: Sequence[bool] | None = None,
        to_tensor: Callable[[Any], Any] | None = None,
        provenance: bool = False,
    ):
        self.samples = list(samples)
        self.pipeline = pipeline
        self.indices = list(range(len(self.samples))) if indices is None else [int(i) for i in indices]
        self.augmented = [pipeline is not None] * len(self.samples) if augmented is None else list(augmented)
        if not len(self.indices) == len(self.augmented) == len(self.samples):
            raise ValueError(
                f"AugDataset: {len(self.samples)} samples, {len(self.indices)} indices and {len(self.augmented)} "
                "augmented flags: give one of each per sample"
            )
        if provenance and pipeline is not None and not hasattr(pipeline, "augment"):
            raise ValueError("AugDataset: provenance=True needs an augsynth pipeline (a plain callable has no ops)")
        self.to_tensor = to_tensor
        self.provenance = provenance
        self.quarantined: list[dict] = []  # inputs of the spec's split that did not decode (from_spec)
        self._epoch = torch.zeros(1, dtype=torch.int64).share_memory_()
        self._epoch_view: np.ndarray | None = None  # a numpy view of it, made in each process (cheaper to read)

    @classmethod
    def from_spec(
        cls,
        spec: SpecLike,
        split: Split = "train",
        *,
        to_tensor: Callable[[Any], Any] | None = None,
        provenance: bool = False,
    ) -> AugDataset:
        """The spec's data source and split (``train``, ``val`` or ``test``; only ``train`` is augmented), with its
        pipeline and label rules; images go through the spec's model-input steps (``augment.input``) unless
        ``to_tensor`` is given. Side-camera views of a driving log are items of their own, unaugmented, with the
        corrected label (as offline)."""
        if split not in ("train", "val", "test"):
            raise ValueError(f"AugDataset.from_spec: split must be 'train', 'val' or 'test', got {split!r}")
        spec = as_spec(spec)
        splits = make_splits(spec)
        records = {"train": splits.train, "val": splits.val, "test": splits.test}[split]
        stage = {"train": "train", "val": "validation", "test": "test"}[split]
        decoded, quarantined = decode_each(records, splits.payload_format, stage)
        samples, indices, augmented = [], [], []
        for record, content in decoded:
            samples.append((content, record.label))
            indices.append(record.index)
            augmented.append(split == "train")
            if split == "train":
                for name, payload in record.view_payloads:
                    label, _ = side_camera_label(record.label, name, spec.dataset.side_cameras.correction)
                    samples.append((splits.payload_format.decode(payload), label))
                    indices.append(record.index)
                    augmented.append(False)
        pipeline = pipeline_of(spec, splits) if split == "train" else None
        if to_tensor is None and spec.augment.input:
            to_tensor = InputSteps(spec.augment.input)
        dataset = cls(
            samples, pipeline, indices=indices, augmented=augmented, to_tensor=to_tensor, provenance=provenance
        )
        dataset.quarantined = quarantined
        return dataset

    @property
    def epoch(self) -> int:
        if self._epoch_view is None:
            self._epoch_view = self._epoch.numpy()
        return int(self._epoch_view[0])

    def __getstate__(self) -> dict:
        """Pickled for spawned workers: the shared tensor travels as shared memory, the view is made again there."""
        return {**self.__dict__, "_epoch_view": None}

    def set_epoch(self, epoch: int) -> None:
        """Draw the next items from epoch ``epoch`` (offline copy ``epoch``); set it before iterating a DataLoader."""
        self._epoch.fill_(int(epoch))

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int) -> tuple[Any, ...]:
        content, label = self.samples[i]
        ops = "[]"
        if self.augmented[i]:
            content, label, ops = self._augment(content, label, self.indices[i], self.epoch)
        if self.to_tensor is not None:
            content = self.to_tensor(content)
        elif not isinstance(content, str):
            content = image_to_tensor(content)
        return (content, collatable(label), ops) if self.provenance else (content, collatable(label))

    def _augment(self, content: Any, label: Any, index: int, epoch: int) -> tuple[Any, Any, str]:
        """(input, label, ops JSON when provenance is asked for) of one item."""
        if isinstance(self.pipeline, Pipeline):
            augmented = self.pipeline.apply(content, label, index, epoch)
            return augmented.image, augmented.label, augmented.ops_json if self.provenance else ""
        if self.provenance:  # a text pipeline: its ops are JSON-safe as they are
            text, applied = self.pipeline.augment(content, index, epoch)
            return text, label, Pipeline.ops_json(applied)
        content, label = self.pipeline(content, label, index, epoch)
        return content, label, ""


def collatable(label: Any) -> Any:
    """Class labels as ints and regression targets as float32 tensors, which the default collate stacks into the
    dtypes losses expect (int64 classes, float32 targets); anything else as it is."""
    if isinstance(label, bool | int | np.integer):
        return int(label)
    if isinstance(label, float | np.floating):
        return torch.tensor(label, dtype=torch.float32)
    return label
