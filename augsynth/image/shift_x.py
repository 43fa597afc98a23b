"""``ShiftX``: a horizontal image shift by a whole number of pixels, as an albumentations transform.

Steering-angle pipelines need it because its one sampled parameter, ``dx`` (pixels, + = content moves right),
is what the label rule reads to correct the angle.
"""

from __future__ import annotations

from typing import Any, Literal

import cv2
import numpy as np
from pydantic import Field

from augsynth.core import offline

A = offline.albumentations()
BaseTransformInitSchema = A.core.transforms_interface.BaseTransformInitSchema

BORDER_MODES = {"constant": cv2.BORDER_CONSTANT, "replicate": cv2.BORDER_REPLICATE, "reflect": cv2.BORDER_REFLECT_101}


class ShiftX(A.DualTransform):
    """Shift the image right by ``dx`` pixels, ``dx`` drawn uniformly from the integers in [-limit_px, limit_px].

    >>> import numpy as np
    >>> shift = ShiftX(limit_px=1, border="constant", p=1.0)
    >>> shift.apply(np.array([[1, 2, 3]], dtype=np.uint8), dx=1).tolist()
    [[0, 1, 2]]
    """

    class InitSchema(BaseTransformInitSchema):
        limit_px: int = Field(ge=1)
        border: Literal["constant", "replicate", "reflect"]
        fill: float = Field(ge=0, le=255)

    def __init__(
        self,
        limit_px: int = 10,
        border: Literal["constant", "replicate", "reflect"] = "replicate",
        fill: float = 0,
        p: float = 0.5,
    ):
        super().__init__(p=p)
        self.limit_px = limit_px
        self.border = border
        self.fill = fill

    def get_params(self) -> dict[str, Any]:
        return {"dx": self.py_random.randint(-self.limit_px, self.limit_px)}

    def apply(self, img: np.ndarray, dx: int = 0, **params: Any) -> np.ndarray:
        matrix = np.array([[1.0, 0.0, dx], [0.0, 1.0, 0.0]])
        height, width = img.shape[:2]
        shifted = cv2.warpAffine(
            img,
            matrix,
            (width, height),
            flags=cv2.INTER_NEAREST,
            borderMode=BORDER_MODES[self.border],
            borderValue=self.fill,
        )
        return shifted.reshape(img.shape)

    def get_transform_init_args_names(self) -> tuple[str, ...]:
        return ("limit_px", "border", "fill")
