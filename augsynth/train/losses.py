"""Training losses by name: cross-entropy and the cosine loss (Barz & Denzler, 2020) for classes; Huber and MSE
for a regression target (one output)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from augsynth.core.errors import SpecError
from augsynth.core.kinds import Task
from augsynth.core.registry import Registry

LossFunction = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Loss:
    """A training loss and the task whose outputs it reads (class logits, or one regression output)."""

    name: str
    task: Task
    fn: LossFunction

    def __call__(self, outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return self.fn(outputs, targets)


LOSSES: Registry[Loss] = Registry("loss")


def loss(name: str, task: Task) -> Callable[[LossFunction], LossFunction]:
    """Decorator: register a loss function under ``name`` for ``task``."""

    def register(fn: LossFunction) -> LossFunction:
        LOSSES.add(name, Loss(name, task, fn))
        return fn

    return register


def losses_for(task: Task) -> list[str]:
    """Names of the losses a task can train with."""
    return [name for name in LOSSES.names() if LOSSES.get(name).task == task]


def check_loss(name: str | None, task: Task) -> None:
    """Validate ``train.loss`` at load: a registered loss for the task's outputs (text classifies too)."""
    if name is None:
        return
    task = Task.REGRESSION if task == Task.REGRESSION else Task.CLASSIFICATION  # text classifies too
    chosen = LOSSES.spec_get(name, "train.loss", "pick a registered loss")
    if chosen.task != task:
        raise SpecError(
            "train.loss",
            f"'{name}' is a {chosen.task} loss",
            fix=f"use one of {', '.join(losses_for(task))} for {task}",
        )


@loss("cross_entropy", task=Task.CLASSIFICATION)
def cross_entropy(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(outputs, targets)


@loss("cosine", task=Task.CLASSIFICATION)
def cosine(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """1 - cos(outputs, one-hot target): the L2-normalised output's component on the true class."""
    return (1.0 - F.normalize(outputs, dim=1).gather(1, targets[:, None])).mean()


@loss("cosine_ce", task=Task.CLASSIFICATION)
def cosine_ce(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The cosine loss plus 0.1 x cross-entropy on the same outputs (Barz & Denzler 2020 weight the
    cross-entropy term by 0.1)."""
    return cosine(outputs, targets) + 0.1 * F.cross_entropy(outputs, targets)


@loss("huber", task=Task.REGRESSION)
def huber(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Smooth L1 with delta 0.1 (label units): squared near the target, absolute beyond, robust to outliers."""
    return F.huber_loss(outputs[:, 0], targets, delta=0.1)


@loss("mse", task=Task.REGRESSION)
def mse(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    return F.mse_loss(outputs[:, 0], targets)
