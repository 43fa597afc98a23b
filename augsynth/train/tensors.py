"""ArrayData -> torch tensors: images in NCHW (scaled to [-1, 1], or through the spec's model-input steps), feature
vectors as they are, labels by task."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from augsynth.data.arrays import ArrayData
from augsynth.image.input_steps import InputSteps


def label_tensor(data: ArrayData, device: torch.device) -> torch.Tensor:
    """Integer class labels as long, regression targets as float."""
    labels = torch.from_numpy(data.labels)
    return (labels.long() if labels.dtype == torch.int64 else labels.float()).to(device)


def tensors(
    data: ArrayData, device: torch.device, input_steps: list[dict[str, Any]] | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """(x, y) on ``device``: images through the spec's model-input steps when it has some, else scaled to [-1, 1]."""
    if data.images.dtype == np.float32:  # feature vectors (sentence embeddings), used as they are
        return resident(torch.from_numpy(data.images), device), label_tensor(data, device)
    if input_steps:
        return resident(InputSteps(input_steps).batch(data.images).contiguous(), device), label_tensor(data, device)
    x = torch.from_numpy(data.images).float().div_(255.0)
    x = x[:, None] if x.ndim == 3 else x.permute(0, 3, 1, 2)
    return resident(x.sub_(0.5).div_(0.5).contiguous(), device), label_tensor(data, device)


def resident(x: torch.Tensor, device: torch.device) -> torch.Tensor:
    """The whole split on ``device`` for the run: copied once, from pinned memory to a GPU."""
    if device.type == "cuda":
        return x.pin_memory().to(device, non_blocking=True)
    return x.to(device)
