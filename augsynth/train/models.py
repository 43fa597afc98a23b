"""Bundled models by name, and the device choice (CUDA when present)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import torch
from torch import nn

from augsynth.core.errors import SpecError
from augsynth.core.registry import Registry

ModelFactory = Callable[[int, int], nn.Module]  # (in_channels or text features, n_outputs) -> module
Reads = Literal["images", "text", "features"]


@dataclass(frozen=True)
class Model:
    """A bundled model: what it reads (images, TF-IDF of texts, or feature vectors) and how it is built; a
    pretrained one takes the spec's ``train.weights`` too."""

    name: str
    reads: Reads
    build: ModelFactory
    pretrained: bool = False

    def __call__(self, inputs: int, n_outputs: int, weights: str | None = None) -> nn.Module:
        return self.build(inputs, n_outputs, weights) if self.pretrained else self.build(inputs, n_outputs)


MODELS: Registry[Model] = Registry("model")


def model(name: str, reads: Reads, pretrained: bool = False) -> Callable[[ModelFactory], ModelFactory]:
    """Decorator: register a model factory under ``name`` (``pretrained``: it also takes a weights path)."""

    def register(build: ModelFactory) -> ModelFactory:
        MODELS.add(name, Model(name, reads, build, pretrained))
        return build

    return register


def _conv_block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


def _conv_trunk(in_channels: int, widths: tuple[int, int, int]) -> list[nn.Module]:
    """Three conv+BatchNorm blocks with 2x2 max-pooling between them."""
    return [
        _conv_block(in_channels, widths[0]),
        nn.MaxPool2d(2),
        _conv_block(widths[0], widths[1]),
        nn.MaxPool2d(2),
        _conv_block(widths[1], widths[2]),
    ]


@model("small-cnn", reads="images")
def small_cnn(in_channels: int, n_classes: int) -> nn.Module:
    """Three conv blocks, then a linear head on the flattened (position-aware) feature map."""
    return nn.Sequential(
        *_conv_trunk(in_channels, (16, 32, 64)),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Dropout(0.3),
        nn.LazyLinear(n_classes),
    )


@model("small-cnn-gap", reads="images")
def small_cnn_gap(in_channels: int, n_classes: int) -> nn.Module:
    """Three conv blocks, global average pooling (built-in translation invariance), linear head."""
    return nn.Sequential(
        *_conv_trunk(in_channels, (16, 32, 64)),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Dropout(0.2),
        nn.Linear(64, n_classes),
    )


@model("pilotnet", reads="images")
def pilotnet(in_channels: int, n_outputs: int) -> nn.Module:
    """The NVIDIA end-to-end driving CNN (Bojarski et al., 2016), padded for small frames such as 48x128:
    three 5x5 stride-2 convolutions, two 3x3, then dense 100-50-10 layers."""

    def conv(c_in: int, c_out: int, kernel: int, stride: int) -> list[nn.Module]:
        return [
            nn.Conv2d(c_in, c_out, kernel, stride, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True),
        ]

    return nn.Sequential(
        *conv(in_channels, 24, 5, 2),
        *conv(24, 36, 5, 2),
        *conv(36, 48, 5, 2),
        *conv(48, 64, 3, 1),
        *conv(64, 64, 3, 2),
        nn.Flatten(),
        nn.Dropout(0.3),
        nn.LazyLinear(100),
        nn.ReLU(inplace=True),
        nn.Linear(100, 50),
        nn.ReLU(inplace=True),
        nn.Linear(50, 10),
        nn.ReLU(inplace=True),
        nn.Linear(10, n_outputs),
    )


@model("tfidf-mlp", reads="text")
def tfidf_mlp(in_features: int, n_outputs: int) -> nn.Module:
    """For text: a one-hidden-layer network on the TF-IDF of words and bigrams (fitted on the arm's train texts)."""
    return nn.Sequential(
        nn.Dropout(0.2), nn.Linear(in_features, 256), nn.ReLU(inplace=True), nn.Dropout(0.2), nn.Linear(256, n_outputs)
    )


@model("embedding-head", reads="features")
def embedding_head(in_features: int, n_outputs: int) -> nn.Module:
    """A linear classifier on frozen feature vectors (the transfer arm's sentence embeddings)."""
    return nn.Sequential(nn.Dropout(0.1), nn.Linear(in_features, n_outputs))


@model("efficientnet-lite0-tail", reads="features", pretrained=True)
def efficientnet_tail(in_channels: int, n_outputs: int, weights: str | None = None) -> nn.Module:
    """The last blocks of the pretrained EfficientNet-Lite0 and a new classifier, fine-tuned on the activations
    of its frozen first blocks (the fine-tune arms)."""
    from augsynth.train.backbones import Tail  # the backbone packages load only for these arms

    return Tail(n_outputs, weights)


def resolve_device(choice: str) -> torch.device:
    """``auto`` -> CUDA when present, else CPU."""
    if choice == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(choice)


def check_model_and_device(train, text: bool = False) -> None:
    """Validate ``train.model`` (and that it reads the data set's kind of input) and ``train.device`` at load."""
    chosen = MODELS.spec_get(train.model, "train.model", "pick a bundled model")
    reads = "text" if text else "images"
    if chosen.reads != reads:
        wanted = ", ".join(name for name in MODELS.names() if MODELS.get(name).reads == reads)
        raise SpecError(
            "train.model",
            f"'{train.model}' reads {chosen.reads}, not the {reads} of this data set",
            fix=f"use one of: {wanted}",
        )
    if train.device == "cuda" and not torch.cuda.is_available():
        raise SpecError(
            "train.device",
            "CUDA was requested but no CUDA device is available here",
            fix="use device: auto (CUDA when present, else CPU) or device: cpu",
        )
