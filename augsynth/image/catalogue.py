"""Which albumentations transforms augsynth applies, derived from albumentations' own types: pixel-level transforms
(``ImageOnlyTransform``) keep every label, spatial ones (``DualTransform``) need a label rule for a regression
target; what is refused is listed with its reason, and model-input steps run after augmentation."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Literal

from augsynth.core import offline
from augsynth.core.registry import Registry
from augsynth.image.shift_x import ShiftX

A = offline.albumentations()

Effect = Literal["geometric", "photometric"]


@dataclass(frozen=True)
class ImageOp:
    """One accepted op: the albumentations transform behind it and what kind of change it makes."""

    name: str
    transform: type[A.BasicTransform]
    effect: Effect


# Transforms albumentations exports that augsynth does not apply, each with the reason a user is shown.
_NEEDS = "it needs {what} with each image, which augsynth's data sets do not have"
REFUSED: dict[str, str] = {
    "BBoxSafeRandomCrop": _NEEDS.format(what="bounding boxes"),
    "RandomSizedBBoxSafeCrop": _NEEDS.format(what="bounding boxes"),
    "RandomCropNearBBox": _NEEDS.format(what="a cropping box"),
    "CropNonEmptyMaskIfExists": _NEEDS.format(what="a mask"),
    "MaskDropout": _NEEDS.format(what="a mask"),
    "ConstrainedCoarseDropout": _NEEDS.format(what="a mask or bounding boxes (without them it does nothing)"),
    "Mosaic": _NEEDS.format(what="other images and their labels (mosaic_metadata)"),
    "OverlayElements": _NEEDS.format(what="overlay images (overlay_metadata)"),
    "TextImage": _NEEDS.format(what="text boxes (textimage_metadata) and a font file"),
    "TemplateTransform": "its templates are image arrays, which a YAML spec cannot hold",
    "Lambda": "it runs arbitrary Python functions, which a spec cannot name and provenance cannot record",
    "FromFloat": "it converts float images to integers; augsynth's images are already 8-bit",
    "SelectiveChannelTransform": "albumentations does not record which transforms ran inside it, so a row's "
    "provenance would be incomplete",
    "ReplayCompose": "augsynth records every applied parameter itself (the ops column); write the transforms "
    "as a list or a Sequential",
    "Compose": "a spec's augment.image list is the Compose; nest a Sequential for a block with its own p",
}
# Domain adaptation toward reference images, which the spec names under ``reference_images``.
REFERENCE_OPS = ("FDA", "HistogramMatching", "PixelDistributionAdaptation")
# Model-input steps: they run after augmentation, where a model reads the images (augment.input), never among ops.
INPUT_STEPS: dict[str, type[A.BasicTransform]] = {
    "Normalize": A.Normalize,
    "ToFloat": A.ToFloat,
    "ToTensorV2": A.ToTensorV2,
}
_INPUT_STEP_REASON = "it changes the pixel type every later op receives: it is a model-input step"
# Blocks of ops: each holds ``transforms``; albumentations records the leaves that ran inside them.
COMPOSITIONS: dict[str, type[A.BaseCompose]] = {
    name: getattr(A, name) for name in ("OneOf", "SomeOf", "RandomOrder", "Sequential", "OneOrOther")
}


def _exported_transforms() -> dict[str, type[A.BasicTransform]]:
    """Every concrete transform class albumentations exports, by name."""
    abstract = {A.BasicTransform, A.DualTransform, A.ImageOnlyTransform, A.Transform3D}
    return {
        name: value
        for name, value in vars(A).items()
        if inspect.isclass(value) and issubclass(value, A.BasicTransform) and value not in abstract
    }


def _classify(name: str, transform: type[A.BasicTransform]) -> Effect | None:
    """Pixel-level transforms (``ImageOnlyTransform``) keep every label; spatial ones (``DualTransform``) move
    pixels and need a label rule for a regression target. None: not an op (refused, input step, 3-D)."""
    if name in REFUSED or name in INPUT_STEPS or _is_volume(name, transform):
        return None
    if issubclass(transform, A.ImageOnlyTransform):
        return "photometric"
    if issubclass(transform, A.DualTransform):
        return "geometric"
    return None


VOLUME_REASON = "it works on 3-D volumes, not on images"


def _is_volume(name: str, transform: type[A.BasicTransform]) -> bool:
    return issubclass(transform, A.Transform3D) or name == "ToTensor3D"


IMAGE_OPS: Registry[ImageOp] = Registry("image op")
for _name, _transform in sorted(_exported_transforms().items()):
    if (_effect := _classify(_name, _transform)) is not None:
        IMAGE_OPS.add(_name, ImageOp(_name, _transform, _effect))
IMAGE_OPS.add("ShiftX", ImageOp("ShiftX", ShiftX, "geometric"))


def refusal(name: str) -> str | None:
    """Why albumentations' transform ``name`` is not an op, or None when it is one (or is no transform at all)."""
    if name in REFUSED:
        return REFUSED[name]
    if name in INPUT_STEPS:
        return _INPUT_STEP_REASON
    transform = _exported_transforms().get(name)
    if transform is not None and _is_volume(name, transform):
        return VOLUME_REASON
    if transform is not None and name not in IMAGE_OPS:
        return "it is neither a pixel-level nor a spatial image transform"
    return None
