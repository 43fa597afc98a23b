"""MixUp (Zhang et al. 2018) and CutMix (Yun et al. 2019) inside the training loop: each batch is mixed with a
shuffled copy of itself, and its labels with the same weight (classes: the loss of each label weighted, which is the
soft-label loss for cross-entropy; regression targets: the mixed target, where the spec says labels mix linearly)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch


def mixed_loss(
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    model: torch.nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    mix: str,
    alpha: float,
    rng: np.random.Generator,
) -> torch.Tensor:
    """The loss of ``model`` on the batch mixed by ``mix`` (``mixup`` or ``cutmix``) with Beta(alpha, alpha)."""
    lam = float(rng.beta(alpha, alpha))
    partner = torch.from_numpy(rng.permutation(len(y))).to(x.device)
    if mix == "mixup":
        mixed = lam * x + (1.0 - lam) * x[partner]
    else:
        mixed, lam = _cut_and_paste(x, partner, lam, rng)
    outputs = model(mixed)
    if y.is_floating_point():  # a regression target that mixes linearly
        return loss(outputs, lam * y + (1.0 - lam) * y[partner])
    return lam * loss(outputs, y) + (1.0 - lam) * loss(outputs, y[partner])


def _cut_and_paste(
    x: torch.Tensor, partner: torch.Tensor, lam: float, rng: np.random.Generator
) -> tuple[torch.Tensor, float]:
    """A box of area about (1 - lam) of each image replaced by the partner's; lam recomputed from the clipped box."""
    height, width = x.shape[2], x.shape[3]
    cut = np.sqrt(1.0 - lam)
    box_h, box_w = int(round(height * cut)), int(round(width * cut))
    cy, cx = int(rng.integers(height)), int(rng.integers(width))
    top, bottom = max(cy - box_h // 2, 0), min(cy + box_h - box_h // 2, height)
    left, right = max(cx - box_w // 2, 0), min(cx + box_w - box_w // 2, width)
    mixed = x.clone()
    mixed[:, :, top:bottom, left:right] = x[partner, :, top:bottom, left:right]
    return mixed, 1.0 - (bottom - top) * (right - left) / (height * width)
