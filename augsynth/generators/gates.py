"""Quality gates for synthetic samples: a confidence filter, a memorization check and a diversity measure."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch

from augsynth.core.atomic import write_atomically
from augsynth.core.kinds import Verdict
from augsynth.core.seeding import stream_rng
from augsynth.data.arrays import ArrayData
from augsynth.train.loop import fit_model
from augsynth.train.models import MODELS
from augsynth.train.objectives import Objective
from augsynth.train.tensors import tensors

GATE_STREAM = 0x6A7E  # the gate classifier's training seed


def pixels(images: np.ndarray) -> torch.Tensor:
    """Images (N, H, W[, C]) uint8 as flat float vectors in [0, 1]: the space distances are measured in."""
    return torch.from_numpy(images.reshape(len(images), -1).astype(np.float32) / 255.0)


def nearest_distances(queries: torch.Tensor, reference: torch.Tensor, exclude_self: bool = False) -> torch.Tensor:
    """Euclidean distance from each query to its nearest reference vector."""
    distances = torch.cdist(queries.double(), reference.double(), compute_mode="donot_use_mm_for_euclid_dist")
    if exclude_self:
        distances.fill_diagonal_(float("inf"))
    return distances.min(dim=1).values


def typical_gap(train: torch.Tensor) -> float:
    """The median distance from a training sample to its nearest other training sample."""
    return float(nearest_distances(train, train, exclude_self=True).median())


GATE_SETTINGS = {"model", "steps", "batch_size", "lr", "weight_decay", "loss", "eval_every", "patience"}


def gate_digest(data_digest: str, config, seed: int) -> str:
    """The content hash of a gate: the training data, the trainer settings its classifier uses and the seed."""
    settings = config.model_dump(mode="json", include=GATE_SETTINGS)
    key = json.dumps({"data": data_digest, "train": settings, "seed": seed}, sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def prepare_gate(
    train: ArrayData,
    val: ArrayData,
    data_digest: str,
    objective: Objective,
    config,
    seed: int,
    folder: Path,
    device: torch.device,
) -> str:
    """The gate's checkpoint: a classifier trained on the real train split (validation for early stopping) and the
    train pixels the memorization check compares against. Reused when data and trainer settings are unchanged."""
    path = folder / f"gate-{gate_digest(data_digest, config, seed)}.pt"
    if path.exists():
        return str(path)
    (x, y), (xv, yv) = tensors(train, device), tensors(val, device)
    gate_seed = int(stream_rng(seed, GATE_STREAM).integers(2**31))
    model, _ = fit_model(x, y, xv, yv, objective, config, gate_seed, device)
    flat = pixels(train.images)
    saved = {
        "state": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "model": config.model,
        "shape": list(x.shape[1:]),
        "classes": objective.n_outputs,
        "train": flat,
        "gap": typical_gap(flat),
    }
    folder.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda temp: torch.save(saved, temp))
    return str(path)


@dataclass(frozen=True)
class Gate:
    """The loaded gate: classifier (eval mode, CPU), train pixels and their typical nearest-neighbour gap."""

    classifier: torch.nn.Module
    train: torch.Tensor
    gap: float

    @torch.no_grad()
    def score(self, images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per sample: the classifier's probability of the intended class, and the distance to the nearest train
        sample divided by the typical gap between train samples."""
        data = ArrayData(images, labels)
        x, y = tensors(data, torch.device("cpu"))
        probabilities = torch.softmax(self.classifier(x), dim=1)
        confidence = probabilities[torch.arange(len(y)), y]
        ratio = nearest_distances(pixels(images), self.train) / self.gap
        return confidence.double().numpy(), ratio.numpy()


@lru_cache(maxsize=2)
def load_gate(path: str) -> Gate:
    saved = torch.load(path, map_location="cpu", weights_only=True)
    model = MODELS.get(saved["model"])(saved["shape"][0], saved["classes"])
    with torch.no_grad():  # sizes lazy layers before the weights are loaded
        model.eval()(torch.zeros(2, *saved["shape"]))
    model.load_state_dict(saved["state"])
    return Gate(model.eval(), saved["train"], saved["gap"])


def decide(confidence: float, nn_ratio: float, min_confidence: float, min_nn_ratio: float) -> str:
    """``near_copy`` (memorized), ``low_confidence`` (not recognisably its class) or ``kept``."""
    if nn_ratio < min_nn_ratio:
        return Verdict.NEAR_COPY
    if confidence < min_confidence:
        return Verdict.LOW_CONFIDENCE
    return Verdict.KEPT


def diversity(synthetic: np.ndarray, synthetic_labels: np.ndarray, real: np.ndarray, real_labels: np.ndarray) -> dict:
    """Mean pairwise distance within each class, synthetic over real (1 = as varied as the real samples)."""
    ratios = {}
    for label in np.unique(real_labels):
        fake, true = synthetic[synthetic_labels == label], real[real_labels == label]
        if len(fake) < 2 or len(true) < 2:  # the gates may keep no sample of a class
            continue
        ratios[int(label)] = _mean_pairwise(pixels(fake)) / _mean_pairwise(pixels(true))
    values = list(ratios.values())
    return {"ratio": float(np.mean(values)) if values else None, "per_class": ratios}


def _mean_pairwise(x: torch.Tensor) -> float:
    return float(torch.pdist(x.double()).mean())
