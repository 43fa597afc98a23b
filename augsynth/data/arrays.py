"""In-memory arrays of one split or arm: what the trainer, the generators and the gates read."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class ArrayData:
    """Labels (integer classes or float targets) with their inputs: images (N, H, W[, C]) uint8, feature vectors
    (N, D) float32, or texts."""

    images: np.ndarray | None
    labels: np.ndarray
    texts: list[str] | None = None

    def __len__(self) -> int:
        return len(self.labels)
