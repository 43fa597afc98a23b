"""What a run optimises and how it is scored: accuracy for classes, MAE (and RMSE) for a regression target."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from augsynth.core.kinds import Task
from augsynth.train.losses import LOSSES, Loss


@dataclass(frozen=True)
class Objective:
    """The task's output size, loss, test metrics, and the metric early stopping and the report rank by."""

    task: str
    n_outputs: int
    loss: Loss
    metric: str
    higher_is_better: bool

    @torch.no_grad()
    def predict(self, model: torch.nn.Module, x: torch.Tensor, batch: int = 1024) -> torch.Tensor:
        model.eval()
        return torch.cat([model(x[i : i + batch]) for i in range(0, len(x), batch)])

    def scores(self, model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
        """Every metric of the task on (x, y)."""
        out = self.predict(model, x)
        if self.task == Task.CLASSIFICATION:
            return {"accuracy": float((out.argmax(1) == y).double().mean())}
        error = out[:, 0] - y
        return {"mae": float(error.abs().mean()), "rmse": float(error.square().mean().sqrt())}

    def at_least_as_good(self, score: float, best: float | None) -> bool:
        """Whether a checkpoint scoring ``score`` on validation replaces the best so far.

        Ties replace it: a small validation set gives many equal scores, and keeping the first of them picked weights
        from the middle of the one-cycle schedule, at its peak learning rate (digits, 30 validation images: the
        augmented arm's test accuracy spread over seeds tripled, and its mean fell 2 points)."""
        return best is None or (score >= best if self.higher_is_better else score <= best)


def objective_for(spec, n_classes: int) -> Objective:
    """The objective of a loaded spec."""
    loss = LOSSES.get(spec.loss)
    if spec.dataset.task == Task.REGRESSION:
        return Objective("regression", 1, loss, "mae", False)
    return Objective("classification", n_classes, loss, "accuracy", True)
