"""What every generator kind provides, its registry, and per-sample seeding of synthetic samples."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import torch
from pydantic import BaseModel, Field, field_validator
from torch import nn

from augsynth.core.registry import Registry
from augsynth.spec.schema import SECTION_CONFIG, Float, Int

PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
GENERATOR_STREAM = 0x6E4E  # distinguishes generator streams (training, per-sample noise) from the others


class GeneratorConfig(BaseModel):
    """Settings every generator kind accepts; each kind adds its own hyper-parameters."""

    model_config = SECTION_CONFIG

    kind: str
    name: str | None = None  # defaults to the kind; names its checkpoint file, so a plain file name
    per_class: Int = Field(default=50, ge=1)
    epochs: Int = Field(default=200, ge=1)  # passes over the train split
    batch_size: Int = Field(default=64, ge=1)
    lr: Float = Field(default=2e-3, gt=0)
    min_confidence: Float = Field(default=0.5, ge=0.0, le=1.0)  # gate: classifier's probability of the intended class
    min_nn_ratio: Float = Field(default=0.2, ge=0.0)  # gate: distance to nearest train sample / typical train NN gap

    @field_validator("name")
    @classmethod
    def _plain_name(cls, name: str | None) -> str | None:
        if name is not None and not PLAIN_NAME.fullmatch(name):
            raise ValueError(
                "a generator name is a plain file name: up to 64 letters, digits, '-', '_' or '.', "
                "starting with a letter or digit (no '/', no '..')"
            )
        return name

    @property
    def label(self) -> str:
        return self.name or self.kind


@dataclass(frozen=True)
class ImageShape:
    """Channels, height and width of the images a generator learns."""

    channels: int
    height: int
    width: int


class GeneratorKind(Protocol):
    """One kind of generator, registered with ``@GENERATORS.register(name)`` on a class that provides:

    - ``config``: its pydantic settings (extra keys are errors);
    - ``build(config, shape, n_classes) -> nn.Module``;
    - ``fit(model, x, y, config, rng, device, progress)``: trains in place on images ``x`` (N, C, H, W) scaled to
      [-1, 1] and class labels ``y`` (N,), both on ``device``; draws all its randomness from the torch generator
      ``rng`` (on the CPU);
    - ``noise_shape(config, shape) -> tuple``: the shape of one sample's noise;
    - ``decode(model, noise, labels) -> Tensor``: images in [-1, 1] (B, C, H, W) from noise (B, *noise_shape) and
      labels (B,), deterministically (eval mode, no further randomness).
    """

    config: type[GeneratorConfig]
    build: Callable[[GeneratorConfig, ImageShape, int], nn.Module]
    fit: Callable[..., None]
    noise_shape: Callable[[GeneratorConfig, ImageShape], tuple[int, ...]]
    decode: Callable[[nn.Module, torch.Tensor, torch.Tensor], torch.Tensor]


GENERATORS: Registry[GeneratorKind] = Registry("generator kind")


def name_key(name: str) -> int:
    """A stable 32-bit integer for a generator's name, for seed sequences."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")


def sample_seed(seed: int, name: str, label: int, index: int) -> list[int]:
    """The seed tuple of synthetic sample ``index`` of class ``label``, recorded in provenance."""
    return [int(seed), name_key(name), int(label), int(index)]


def sample_noise(seed: int, name: str, label: int, indices: range, shape: tuple[int, ...]) -> torch.Tensor:
    """Noise for samples ``indices`` of one class: each drawn from its own ``SeedSequence([seed, name, k, j])``."""
    rows = []
    for index in indices:
        rng = np.random.default_rng(np.random.SeedSequence(sample_seed(seed, name, label, index)))
        rows.append(rng.standard_normal(shape, dtype=np.float32))
    return torch.from_numpy(np.stack(rows))


def training_rng(seed: int, name: str) -> torch.Generator:
    """The torch generator a generator's training draws from (initialisation, batches, noise)."""
    state = np.random.SeedSequence([int(seed), GENERATOR_STREAM, name_key(name)]).generate_state(1, dtype=np.uint64)
    return torch.Generator().manual_seed(int(state[0]) & (2**63 - 1))


def batches(n: int, batch_size: int, epochs: int, rng: torch.Generator) -> list[torch.Tensor]:
    """Index batches: ``epochs`` seeded permutations of ``n`` samples cut into batches (the last one may be short)."""
    out = []
    for _ in range(epochs):
        order = torch.randperm(n, generator=rng)
        out += list(order.split(min(batch_size, n)))
    return out
