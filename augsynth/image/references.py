"""Reference images of the domain-adaptation ops (FDA, HistogramMatching, PixelDistributionAdaptation): files the
spec names under ``reference_images``, checked at load and handed to albumentations with every call."""

from __future__ import annotations

import hashlib
import io
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from augsynth.core.errors import DataError, SpecError, excerpt
from augsynth.core.paths import confined

MAX_REFERENCES = 64
KEYS = ("reference_images", "reference_sha256")  # augsynth's keys of a reference op's entry


def check_references(raw: dict[str, Any], path: str, roots: list[Path]) -> dict[str, Any]:
    """The entry's ``reference_images`` resolved inside ``roots`` (1 to 64 readable image files), with a digest of
    their bytes so that the spec's fingerprint changes when a file does."""
    files = raw.get("reference_images")
    if not (isinstance(files, list) and 1 <= len(files) <= MAX_REFERENCES and all(isinstance(f, str) for f in files)):
        raise SpecError(
            f"{path}.reference_images",
            f"{raw['op']} needs reference_images: a list of 1 to {MAX_REFERENCES} image files, got {excerpt(files)}",
            fix="write reference_images: [refs/target-1.png, refs/target-2.png] (relative to the spec's folder)",
        )
    resolved = [str(confined(f, f"{path}.reference_images[{j}]", roots)) for j, f in enumerate(files)]
    contents = []
    for j, file in enumerate(resolved):
        try:
            contents.append(Path(file).read_bytes())
            _decode(contents[-1])
        except (OSError, UnidentifiedImageError) as err:
            raise SpecError(
                f"{path}.reference_images[{j}]",
                f"'{file}' is not a readable image: {err}",
                fix="give image files Pillow reads (PNG, JPEG ...)",
            ) from None
    return {"reference_images": resolved, "reference_sha256": _digest(contents)}


def metadata_key(entry: dict[str, Any]) -> str:
    """The data key the op reads its references from: one per set of files."""
    return f"augsynth_references_{entry['reference_sha256'][:12]}"


def reference_data(entry: dict[str, Any], channels: int) -> dict[str, list[np.ndarray]]:
    """``{metadata_key: images}`` for a call on images of ``channels`` channels (1: grayscale)."""
    rgb, gray = _loaded(tuple(entry["reference_images"]), entry["reference_sha256"])
    return {metadata_key(entry): gray if channels == 1 else rgb}


@lru_cache(maxsize=16)
def _loaded(files: tuple[str, ...], sha256: str) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The files as RGB and as grayscale arrays, refused when they changed since the spec was loaded."""
    contents = [Path(file).read_bytes() for file in files]
    if _digest(contents) != sha256:
        raise DataError(f"the reference images {', '.join(files)} changed since the spec was loaded; load it again")
    images = [_decode(content) for content in contents]
    return images, [np.asarray(Image.fromarray(image).convert("L")) for image in images]


def _digest(contents: list[bytes]) -> str:
    """One SHA-256 over the files' own SHA-256s, in order."""
    digest = hashlib.sha256()
    for content in contents:
        digest.update(hashlib.sha256(content).digest())
    return digest.hexdigest()


def _decode(content: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(content)) as image:
        return np.asarray(image.convert("RGB"))
