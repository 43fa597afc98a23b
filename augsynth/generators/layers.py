"""Shape helpers shared by the generator networks."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from augsynth.generators.base import ImageShape


def fit_size(shape: ImageShape, multiple: int) -> tuple[int, int]:
    """The working (height, width): the image size rounded up to a multiple of ``multiple`` (the down-sampling)."""
    return (math.ceil(shape.height / multiple) * multiple, math.ceil(shape.width / multiple) * multiple)


def resize(x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Bilinear resize of a (B, C, H, W) batch; a no-op when it already has that size."""
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)
