"""One training run: fixed optimizer-step budget, AdamW + one-cycle, validation-based early stopping."""

from __future__ import annotations

import copy
import dataclasses
import time
from dataclasses import dataclass

import numpy as np
import torch

from augsynth.data.arrays import ArrayData
from augsynth.train.losses import LOSSES
from augsynth.train.mixing import mixed_loss
from augsynth.train.models import MODELS
from augsynth.train.objectives import Objective
from augsynth.train.pretrain import pretrain_encoder
from augsynth.train.tensors import label_tensor, tensors
from augsynth.train.text_features import SparseRows, fit_vectorizer


def model_inputs(
    train: ArrayData, others: list[ArrayData], device: torch.device, input_steps: list[dict] | None = None
) -> list[tuple]:
    """(x, y) of the train split and of each other split: image tensors (through the spec's model-input steps),
    or TF-IDF rows fitted on the train texts."""
    if train.texts is None:
        return [tensors(data, device, input_steps) for data in (train, *others)]
    vectorizer = fit_vectorizer(train.texts)
    return [
        (SparseRows(vectorizer.transform(data.texts), device), label_tensor(data, device)) for data in (train, *others)
    ]


@dataclass
class RunResult:
    """Test metrics of the best-on-validation weights, and how the run went."""

    test: dict[str, float]
    val_score: float
    best_step: int
    steps_run: int
    seconds: float


def train_once(
    train: ArrayData,
    val: ArrayData,
    test: ArrayData,
    objective: Objective,
    config,
    seed: int,
    device: torch.device,
    pretrain: ArrayData | None = None,
    input_steps: list[dict] | None = None,
) -> RunResult:
    """Train ``config.model`` from seed ``seed`` for ``config.steps`` steps; score the best-on-validation weights.

    With ``pretrain``, the model's encoder is first trained as an autoencoder on those images. ``input_steps`` are
    the spec's model-input steps (``augment.input``).
    """
    start = time.perf_counter()
    if config.loss and config.loss != objective.loss.name:  # an arm trained with another loss (the cosine arms)
        objective = dataclasses.replace(objective, loss=LOSSES.get(config.loss))
    (x, y), (xv, yv), (xt, yt) = model_inputs(train, [val, test], device, input_steps)
    x, xv, xt = (channels_last(t) for t in (x, xv, xt))
    pretrain_x = channels_last(tensors(pretrain, device, input_steps)[0]) if pretrain is not None else None
    model, fit = fit_model(x, y, xv, yv, objective, config, seed, device, pretrain_x)
    return RunResult(
        objective.scores(model, xt, yt), fit.val_score, fit.best_step, fit.steps_run, time.perf_counter() - start
    )


def channels_last(x):
    """Image batches (NCHW) in channels-last memory order, which the convolutions, batch norms and poolings of the
    bundled CNNs run faster on (on a 2-core CPU: small-cnn-gap 10.4 -> 8.2 ms a step, pilotnet 64 -> 51); other
    inputs as they are. The values are the same; the sums inside a convolution may round differently."""
    if isinstance(x, torch.Tensor) and x.dim() == 4:
        return x.contiguous(memory_format=torch.channels_last)
    return x


@dataclass
class Fit:
    """How a run went: the best validation score, its step, and the steps run before stopping."""

    val_score: float
    best_step: int
    steps_run: int


def fit_model(
    x,
    y: torch.Tensor,
    xv,
    yv: torch.Tensor,
    objective: Objective,
    config,
    seed: int,
    device: torch.device,
    pretrain_x: torch.Tensor | None = None,
) -> tuple[torch.nn.Module, Fit]:
    """The model with its best-on-validation weights after at most ``config.steps`` AdamW + one-cycle steps, chosen
    among the checkpoints from ``config.select_from`` of the steps on.

    Why ``select_from``: digits with 30 validation images reached 100% on validation at step 175 of 600, at the
    schedule's peak learning rate, and never again; that checkpoint scored 84.1% on test where the same run's
    annealed weights score about 92% (the augmented arm of one replicate in eight)."""
    torch.manual_seed(seed)
    weights = str(config.weights) if config.weights else None
    model = MODELS.get(config.model)(x.shape[1], objective.n_outputs, weights).to(device)
    with torch.no_grad():  # sizes lazy layers from the input shape
        model.eval()(x[:2])
    if isinstance(x, torch.Tensor) and x.dim() == 4:
        model = model.to(memory_format=torch.channels_last)
    if config.compile:
        model = torch.compile(model)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=uses_bf16(config.precision, device))
    if pretrain_x is not None:
        pretrain_encoder(model, pretrain_x, config, seed)
    # a pretrained model may train its pretrained layers at a lower rate than its new head
    groups = model.param_groups(config.lr) if hasattr(model, "param_groups") else [{"params": model.parameters()}]
    optimizer = torch.optim.AdamW(groups, lr=config.lr, weight_decay=config.weight_decay)
    max_lr = [group["lr"] for group in optimizer.param_groups]
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=max_lr, total_steps=config.steps)
    batches = _batch_indices(len(y), config.batch_size, config.steps, seed)
    best: tuple[float | None, int, dict] = (None, 0, copy.deepcopy(model.state_dict()))
    stale, step = 0, 0
    mixing = np.random.default_rng([seed, 1]) if config.mix else None
    alpha = config.mixup_alpha if config.mix == "mixup" else config.cutmix_alpha
    for step, idx in enumerate(batches, start=1):
        model.train()
        index = torch.from_numpy(idx).to(device)
        with autocast:  # the forward pass and the loss; the backward pass follows the same precision
            if mixing is not None:
                loss = mixed_loss(objective.loss, model, x[index], y[index], config.mix, alpha, mixing)
            else:
                loss = objective.loss(model(x[index]), y[index])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        schedule.step()
        if step < config.select_from * config.steps and step != config.steps:
            continue  # checkpoints from the middle of the one-cycle schedule are not candidates
        if step % config.eval_every == 0 or step == config.steps:
            score = objective.scores(model, xv, yv)[objective.metric]
            if objective.at_least_as_good(score, best[0]):
                best, stale = (score, step, copy.deepcopy(model.state_dict())), 0
            else:
                stale += 1
                if stale >= config.patience:
                    break
    model.load_state_dict(best[2])
    return model, Fit(best[0], best[1], step)


def uses_bf16(precision: str, device: torch.device) -> bool:
    """bf16 autocast: asked for, or ``auto`` on a CUDA device that supports it. Validation and test scoring stay
    fp32, so the precision changes the training, never how it is measured."""
    if precision == "auto":
        return device.type == "cuda" and torch.cuda.is_bf16_supported()
    return precision == "bf16"


def _batch_indices(n: int, batch_size: int, steps: int, seed: int) -> list[np.ndarray]:
    """Fixed-size index batches from consecutive seeded permutations (an epoch tail joins the next epoch)."""
    rng = np.random.default_rng(seed)
    batch_size = min(batch_size, n)
    order: list[int] = []
    batches = []
    while len(batches) < steps:
        if len(order) < batch_size:
            order += rng.permutation(n).tolist()
        batches.append(np.asarray(order[:batch_size]))
        order = order[batch_size:]
    return batches
