"""Model-input steps (``augment.input``: Normalize, ToFloat, ToTensorV2): how a model reads an augmented image.

They run after augmentation, on every arm alike, where images become model inputs: in the bundled trainer (offline
shards keep the augmented 8-bit pixels) and in ``AugDataset`` (on the fly).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from augsynth.core.errors import SpecError
from augsynth.image.ops import build_input_steps


class InputSteps:
    """The steps as one callable: a uint8 (H, W) or (H, W, C) image -> a CHW float32 tensor.

    >>> import numpy as np
    >>> steps = InputSteps([{"op": "Normalize", "mean": 0.5, "std": 0.5, "max_pixel_value": 255}])
    >>> tensor = steps(np.full((2, 2), 255, dtype=np.uint8))
    >>> tuple(tensor.shape), float(tensor.max())
    ((1, 2, 2), 1.0)
    """

    def __init__(self, steps: list[dict[str, Any]]):
        self.steps = [dict(step) for step in steps]
        self._compose = build_input_steps(self.steps)

    def __reduce__(self) -> tuple:
        return (InputSteps, (self.steps,))

    def __call__(self, image: np.ndarray) -> torch.Tensor:
        out = self._compose(image=image)["image"] if self._compose is not None else image
        if isinstance(out, torch.Tensor):  # ToTensorV2 made it CHW already
            return out.float() if out.ndim == 3 else out[None].float()
        tensor = torch.from_numpy(np.ascontiguousarray(out, dtype=np.float32))
        return tensor[None] if tensor.ndim == 2 else tensor.permute(2, 0, 1)

    def batch(self, images: np.ndarray) -> torch.Tensor:
        """NCHW float32 for a stack of images."""
        return torch.stack([self(image) for image in images])


def check_input_steps(steps: list[dict[str, Any]], shape: tuple[int, ...]) -> None:
    """The steps must run on an image of the dataset's shape and give one value per pixel and channel."""
    try:
        out = InputSteps(steps)(np.zeros(shape, dtype=np.uint8))
    except Exception as err:  # albumentations raises several types for a step that does not fit the images
        raise SpecError(
            "augment.input",
            f"the model-input steps cannot run on {shape} images: {err}",
            fix="give Normalize one mean and std per channel (1 for grayscale, 3 for RGB); put ToTensorV2 last",
        ) from None
    channels = 1 if len(shape) == 2 else shape[2]
    if tuple(out.shape) != (channels, *shape[:2]):
        raise SpecError(
            "augment.input",
            f"the model-input steps turn {shape} images into {tuple(out.shape)} inputs",
            fix="model-input steps may change pixel values only, not the size or the channels",
        )
