"""The image sizes a pipeline can produce: every path through its ops (each firing or not, each branch of a block)
must run on the dataset's images and end at the dataset's size."""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from augsynth.core.errors import SpecError
from augsynth.image.catalogue import COMPOSITIONS, IMAGE_OPS, REFERENCE_OPS
from augsynth.image.ops import build_transform
from augsynth.image.references import reference_data
from augsynth.image.shift_x import ShiftX

Shape = tuple[int, ...]
SIZE_DRAWS = 4  # forced runs of each op per input size: ops such as RandomScale draw their output size


def check_shape_preserved(ops: list[dict[str, Any]], shape: Shape) -> None:
    """Every path through the ops (each firing or not, each branch of a block) must run on the dataset's images
    and end at the dataset's size: a crop may shrink the image when a later Resize restores it."""
    finals = _shapes_after(ops, {shape}, "augment.image", top=True)
    wrong = sorted(s for s in finals if s != shape)
    if wrong:
        raise SpecError(
            "augment.image",
            f"the ops can turn {shape[:2]} images into {', '.join(str(s[:2]) for s in wrong[:4])}; every copy must "
            "keep the dataset's image size so arms can be trained together",
            fix=f"end with an op that always restores the size, e.g. {{op: Resize, height: {shape[0]}, "
            f"width: {shape[1]}, p: 1}} or {{op: RandomCrop, height: {shape[0]}, width: {shape[1]}}}, "
            "or change dataset.image_size",
        )


def _shapes_after(ops: list[dict[str, Any]], shapes: set[Shape], path: str, top: bool = False) -> set[Shape]:
    """The image sizes a sequence of ops can produce from ``shapes``."""
    for i, op in enumerate(ops):
        shapes = _op_shapes(op, shapes, f"{path}[{i}]" if top else f"{path}.transforms[{i}]")
    return shapes


def _op_shapes(op: dict[str, Any], shapes: set[Shape], path: str) -> set[Shape]:
    """The sizes one op or block can produce; an op that may not fire also passes its input size through."""
    name = op["op"]
    cls = COMPOSITIONS[name] if name in COMPOSITIONS else IMAGE_OPS.get(name).transform
    p = float(op.get("p", inspect.signature(cls.__init__).parameters["p"].default))
    if name not in COMPOSITIONS:
        fired = {out for shape in shapes for out in _leaf_shapes(op, shape, path)}
    elif name == "Sequential":
        fired = _shapes_after(op["transforms"], shapes, path)
    elif name in ("OneOf", "OneOrOther"):  # the chosen op is forced on
        fired = set().union(
            *(_op_shapes({**t, "p": 1.0}, shapes, f"{path}.transforms[{j}]") for j, t in enumerate(op["transforms"]))
        )
    else:  # SomeOf, RandomOrder: n picks in some order, each firing or not: every reachable size, n rounds
        fired = set(shapes)
        for _ in range(int(op.get("n", 1))):
            fired |= set().union(
                *(_op_shapes(t, fired, f"{path}.transforms[{j}]") for j, t in enumerate(op["transforms"]))
            )
    return fired | shapes if p < 1 else fired


def references_of(op: dict[str, Any], shape: Shape) -> dict[str, list[np.ndarray]]:
    """The reference images a domain-adaptation op reads (none for other ops)."""
    return reference_data(op, 1 if len(shape) == 2 else shape[2]) if op["op"] in REFERENCE_OPS else {}


def _leaf_shapes(op: dict[str, Any], shape: Shape, path: str) -> set[Shape]:
    """The sizes one op (forced on) gives a blank image of ``shape``, over a few draws of its parameters."""
    transform = build_transform({**op, "p": 1.0})
    if isinstance(transform, ShiftX) and transform.limit_px >= shape[1]:
        raise SpecError(
            f"{path}.limit_px",
            f"ShiftX shifts by up to {transform.limit_px} pixels, "
            f"not less than the image width {shape[1]}: the largest shifts leave nothing of the image",
            fix=f"use limit_px well below the width, e.g. {max(1, shape[1] // 8)}",
        )
    image = np.zeros(shape, dtype=np.uint8)
    found = set()
    for draw in range(SIZE_DRAWS):
        transform.set_random_seed(draw)
        try:
            found.add(transform(image=image, **references_of(op, shape))["image"].shape)
        except Exception as err:  # albumentations raises several types for impossible sizes
            raise SpecError(
                path,
                f"{op['op']} cannot run on {shape[:2]} images: {err}",
                fix="choose parameters that fit the images it receives (dataset.image_size, or the size the ops "
                "before it leave)",
            ) from None
    return found
