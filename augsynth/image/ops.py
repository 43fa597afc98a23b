"""Albumentations-backed image ops: the registry of label-safe ops and their parameter checks."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pydantic

from augsynth.core import offline
from augsynth.core.errors import SpecError, entry_name, excerpt, suggestion
from augsynth.core.registry import Registry
from augsynth.core.values import check_op_numbers
from augsynth.image.shift_x import ShiftX

A = offline.albumentations()

Effect = Literal["geometric", "photometric"]


@dataclass(frozen=True)
class ImageOp:
    """One registered op: the albumentations transform behind it and what kind of change it makes."""

    name: str
    transform: type[A.BasicTransform]
    effect: Effect


IMAGE_OPS: Registry[ImageOp] = Registry("image op")

_LABEL_SAFE_FOR_CLASSES: dict[str, Effect] = {
    "HorizontalFlip": "geometric",
    "VerticalFlip": "geometric",
    "Affine": "geometric",
    "Rotate": "geometric",
    "RandomResizedCrop": "geometric",
    "RandomCrop": "geometric",
    "PadIfNeeded": "geometric",
    "ElasticTransform": "geometric",
    "Perspective": "geometric",
    "CoarseDropout": "photometric",
    "GaussNoise": "photometric",
    "GaussianBlur": "photometric",
    "RandomBrightnessContrast": "photometric",
    "RandomGamma": "photometric",
    "RandomShadow": "photometric",
    "HueSaturationValue": "photometric",
    "MotionBlur": "photometric",
}
for _name, _effect in _LABEL_SAFE_FOR_CLASSES.items():
    IMAGE_OPS.add(_name, ImageOp(_name, getattr(A, _name), _effect))
IMAGE_OPS.add("ShiftX", ImageOp("ShiftX", ShiftX, "geometric"))

LABEL_KEYS = ("label_invariant",)  # op-entry keys read by augsynth's label rules, not by albumentations
# Parameters that are ranges [low, high] to sample from: albumentations' *_limit and *_range, and these.
RANGE_PARAMS = ("limit", "rotate", "scale", "shear", "translate_percent", "translate_px", "ratio")


def validate_op(raw: Any, path: str, max_number: float) -> dict[str, Any]:
    """Check one op entry (``{op: Name, **params}``) against the registry and albumentations' own schema; numbers
    in its parameters must be finite and at most ``max_number`` in size."""
    name = entry_name(raw, path, "op", "an op name", fix="write the op as {op: Affine, rotate: [-10, 10], p: 0.5}")
    params = _transform_params(raw)
    if not isinstance(raw.get("label_invariant", False), bool):
        raise SpecError(
            f"{path}.label_invariant",
            f"expected true or false, got {excerpt(raw['label_invariant'])}",
            fix="write label_invariant: true only for an op you know leaves the label unchanged",
        )
    op = IMAGE_OPS.spec_get(name, f"{path}.op", "use a registered op name (names are case-sensitive)")
    allowed = [name for name in inspect.signature(op.transform.__init__).parameters if name not in ("self", "strict")]
    for key in params:
        if key not in allowed:
            hint = suggestion(key, allowed)
            raise SpecError(
                f"{path}.{key}",
                f"{name} has no parameter {excerpt(key)}; it accepts: {', '.join(allowed)}",
                fix=f"{hint}remove or rename the parameter",
            )
    check_op_numbers(params, path, max_number)
    _check_ranges(name, params, path)
    try:
        op.transform(**params, strict=True)  # albumentations validates with its own InitSchema
    except ValueError as err:
        raise _param_error(name, params, path, err) from None
    return {"op": name, **params, **{key: raw[key] for key in LABEL_KEYS if key in raw}}


def _check_ranges(name: str, params: dict[str, Any], path: str) -> None:
    """A range given as two numbers (or, per axis, a mapping of them) must read [low, high]: albumentations samples
    reversed ranges without a word, so a swapped pair is most likely a typo."""
    for key, value in params.items():
        if key not in RANGE_PARAMS and not key.endswith(("_limit", "_range")):
            continue
        for pair in value.values() if isinstance(value, dict) else [value]:
            if (
                isinstance(pair, (list, tuple))
                and len(pair) == 2
                and all(isinstance(v, (int, float)) for v in pair)
                and pair[0] > pair[1]
            ):
                raise SpecError(
                    f"{path}.{key}",
                    f"{name}: a range is [low, high] with low <= high, got {excerpt(value)}",
                    fix=f"write it as [{pair[1]}, {pair[0]}]",
                )


def _transform_params(op_entry: dict[str, Any]) -> dict[str, Any]:
    """The entry's parameters for albumentations (without ``op`` and augsynth's label keys)."""
    return {k: v for k, v in op_entry.items() if k != "op" and k not in LABEL_KEYS}


def _param_error(name: str, params: dict[str, Any], path: str, err: ValueError) -> SpecError:
    """Point albumentations' schema error at the offending parameter."""
    cause = err.__cause__
    if isinstance(cause, pydantic.ValidationError):
        first = cause.errors()[0]
        field = next((str(part) for part in first["loc"] if str(part) in params), None)
        message = first["msg"]
    else:
        field, message = None, str(err)
    where = f"{path}.{field}" if field else path
    got = f" (got {excerpt(params[field])})" if field else ""
    return SpecError(
        where, f"{name}: {message}{got}", fix=f"see the albumentations documentation of {name} for valid values"
    )


def check_shape_preserved(ops: list[dict[str, Any]], shape: tuple[int, ...]) -> None:
    """Apply every op (forced on) to a blank image of the dataset's shape: each must run, and the size must hold."""
    image = np.zeros(shape, dtype=np.uint8)
    for i, op in enumerate(ops):
        transform = build_transform({**op, "p": 1.0})
        if isinstance(transform, ShiftX) and transform.limit_px >= shape[1]:
            raise SpecError(
                f"augment.image[{i}].limit_px",
                f"ShiftX shifts by up to {transform.limit_px} pixels, "
                f"not less than the image width {shape[1]}: the largest shifts leave nothing of the image",
                fix=f"use limit_px well below the width, e.g. {max(1, shape[1] // 8)}",
            )
        try:
            image = transform(image=image)["image"]
        except Exception as err:  # albumentations raises several types for impossible sizes
            raise SpecError(
                f"augment.image[{i}]",
                f"{op['op']} cannot run on {shape[:2]} images: {err}",
                fix="choose parameters that fit dataset.image_size",
            ) from None
    if image.shape != shape:
        raise SpecError(
            "augment.image",
            f"the ops turn {shape[:2]} images into {image.shape[:2]}; every copy must "
            "keep the dataset's image size so arms can be trained together",
            fix=f"end with an op that restores the size, e.g. {{op: RandomCrop, height: {shape[0]}, "
            f"width: {shape[1]}}}, or change dataset.image_size",
        )


def build_transform(op_entry: dict[str, Any]) -> A.BasicTransform:
    """Instantiate a validated op entry as its albumentations transform."""
    return IMAGE_OPS.get(op_entry["op"]).transform(**_transform_params(op_entry))


def jsonable_params(params: dict[str, Any], max_array: int = 16) -> dict[str, Any]:
    """The sampled parameters of one applied transform as JSON-safe values (large arrays summarised)."""
    return {key: _jsonable(value, max_array) for key, value in params.items()}


def _jsonable(value: Any, max_array: int) -> Any:
    if value is None or isinstance(value, bool | int | float | str):  # most parameters: checked first
        return value
    if isinstance(value, tuple | list):
        return [_jsonable(v, max_array) for v in value]
    if isinstance(value, np.ndarray):
        if value.size <= max_array:
            return value.tolist()
        return {"array_shape": list(value.shape), "dtype": str(value.dtype)}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _jsonable(v, max_array) for k, v in value.items()}
    return repr(value)
