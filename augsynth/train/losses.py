"""Training losses by name: cross-entropy and the cosine loss (Barz & Denzler, 2020) for classes; Huber and MSE
for a regression target (one output)."""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from augsynth.core.registry import Registry

Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
LOSSES: Registry[Loss] = Registry("loss")


@LOSSES.register("cross_entropy")
def cross_entropy(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(outputs, targets)


@LOSSES.register("cosine")
def cosine(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """1 - cos(outputs, one-hot target): the L2-normalised output's component on the true class."""
    return (1.0 - F.normalize(outputs, dim=1).gather(1, targets[:, None])).mean()


@LOSSES.register("huber")
def huber(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Smooth L1 with delta 0.1 (label units): squared near the target, absolute beyond, robust to outliers."""
    return F.huber_loss(outputs[:, 0], targets, delta=0.1)


@LOSSES.register("mse")
def mse(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(outputs[:, 0], targets)
