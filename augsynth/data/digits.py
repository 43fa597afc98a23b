"""``sklearn:digits``: the 1,797 8x8 handwritten digits embedded in scikit-learn (no download)."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_digits

from augsynth.core.errors import SpecError
from augsynth.data.base import Record, SourceData, SourceSize, data_source, encode_png

SIZE = SourceSize(records=1797, classes=10)


@data_source("sklearn")
class DigitsSource:
    default_channels = 1

    def check(self, arg: str, dataset) -> SourceSize:
        if arg != "digits":
            raise SpecError(
                "dataset.source",
                f"unknown scikit-learn data set '{arg}'; expected 'digits'",
                fix="use source: sklearn:digits",
            )
        if dataset.channels == 3:
            raise SpecError("dataset.channels", "sklearn:digits is grayscale", fix="use channels: 1 or leave it out")
        return SIZE

    def load(self, arg: str, dataset) -> SourceData:
        digits = load_digits()
        pixels = np.clip(digits.images * 16.0, 0, 255).astype(np.uint8)
        records = [
            Record(i, f"digits:{i:04d}", int(label), encode_png(image))
            for i, (image, label) in enumerate(zip(pixels, digits.target, strict=True))
        ]
        return SourceData(records, [str(c) for c in digits.target_names])
