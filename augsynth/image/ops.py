"""Image op entries of a spec: their checks against albumentations' own schemas, and building them."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pydantic

from augsynth.core import offline
from augsynth.core.errors import SpecError, clip, entry_name, excerpt, suggestion
from augsynth.core.values import check_op_numbers
from augsynth.image import references
from augsynth.image.catalogue import COMPOSITIONS, IMAGE_OPS, INPUT_STEPS, REFERENCE_OPS, refusal

A = offline.albumentations()


MAX_DEPTH = 8  # nesting of compositions
REFERENCE_SET_BY_AUGSYNTH = ("metadata_key", "reference_images", "read_fn")  # from the entry's reference_images
LABEL_KEYS = ("label_invariant",)  # op-entry keys read by augsynth's label rules, not by albumentations
OWN_KEYS = (*LABEL_KEYS, *references.KEYS)  # every op-entry key augsynth reads itself
# Parameters that are ranges [low, high] to sample from: albumentations' *_limit and *_range, and these.
RANGE_PARAMS = ("limit", "rotate", "scale", "shear", "translate_percent", "translate_px", "ratio")


def validate_op(
    raw: Any, path: str, max_number: float, roots: list[Path] | None = None, depth: int = 0
) -> dict[str, Any]:
    """Check one op entry (``{op: Name, **params}``, or a composition ``{op: OneOf, transforms: [...]}``) against
    albumentations' own schema; numbers in its parameters must be finite and at most ``max_number`` in size. Files
    it names (``reference_images``) resolve against ``roots[0]`` (default: the current directory) and must lie
    inside ``roots``."""
    name = entry_name(raw, path, "op", "an op name", fix="write the op as {op: Affine, rotate: [-10, 10], p: 0.5}")
    if not isinstance(raw.get("label_invariant", False), bool):
        raise SpecError(
            f"{path}.label_invariant",
            f"expected true or false, got {excerpt(raw['label_invariant'])}",
            fix="write label_invariant: true only for an op you know leaves the label unchanged",
        )
    own = {key: raw[key] for key in LABEL_KEYS if key in raw}
    if name in COMPOSITIONS:
        return {**_validate_composition(name, raw, path, max_number, roots, depth), **own}
    _refuse_non_op(name, path)
    params = _transform_params(raw)
    if name not in IMAGE_OPS:
        raise SpecError(
            f"{path}.op",
            f"unknown image op '{clip(name)}'; augsynth takes albumentations {A.__version__} transforms by class "
            "name (README: 'Albumentations transforms'), the compositions "
            f"{', '.join(COMPOSITIONS)}, and ShiftX",
            fix=f"{suggestion(name, IMAGE_OPS.names())}names are case-sensitive",
        )
    op = IMAGE_OPS.get(name)
    if name in REFERENCE_OPS:
        own |= references.check_references(raw, path, roots or [Path.cwd()])
    _check_params(name, op.transform, params, path, ("self", "strict", *REFERENCE_SET_BY_AUGSYNTH))
    check_op_numbers(params, path, max_number)
    _check_ranges(name, params, path)
    try:
        op.transform(**params, **_strict(op.transform))  # albumentations validates with its own InitSchema
    except ValueError as err:
        raise _param_error(name, params, path, err) from None
    return {"op": name, **params, **own}


def validate_input_step(raw: Any, path: str, max_number: float) -> dict[str, Any]:
    """Check one model-input step (Normalize, ToFloat, ToTensorV2) of ``augment.input``."""
    name = entry_name(raw, path, "op", "a step name", fix="write the step as {op: Normalize}")
    if name not in INPUT_STEPS:
        raise SpecError(
            f"{path}.op",
            f"'{clip(name)}' is not a model-input step; augment.input takes {', '.join(INPUT_STEPS)}",
            fix=f"{suggestion(name, INPUT_STEPS)}move augmentations to augment.image",
        )
    params = {k: v for k, v in raw.items() if k != "op"}
    _check_params(name, INPUT_STEPS[name], params, path, ("self", "strict"))
    check_op_numbers(params, path, max_number)
    try:
        INPUT_STEPS[name](**params)
    except ValueError as err:
        raise _param_error(name, params, path, err) from None
    return {"op": name, **params}


def _strict(cls: type) -> dict[str, bool]:
    """``strict=True`` (unknown parameters are errors) for the transforms whose constructor takes it."""
    return {"strict": True} if "strict" in inspect.signature(cls.__init__).parameters else {}


def _validate_composition(
    name: str, raw: dict[str, Any], path: str, max_number: float, roots: list[Path] | None, depth: int
) -> dict:
    """A block of ops: its ``transforms`` each validated, its own parameters (p, n, replace) checked."""
    if depth >= MAX_DEPTH:
        raise SpecError(path, f"compositions nest more than {MAX_DEPTH} deep", fix="flatten the nested blocks")
    inner = raw.get("transforms")
    if not isinstance(inner, list) or not inner:
        raise SpecError(
            f"{path}.transforms",
            f"{name} needs a non-empty list of ops under 'transforms', got {excerpt(inner)}",
            fix=f"write {{op: {name}, transforms: [{{op: HorizontalFlip}}, {{op: Rotate, limit: 10}}]}}",
        )
    if name == "OneOrOther" and len(inner) != 2:
        raise SpecError(f"{path}.transforms", f"OneOrOther chooses between exactly 2 ops, got {len(inner)}", fix="")
    params = {k: v for k, v in _transform_params(raw).items() if k != "transforms"}
    _check_params(name, COMPOSITIONS[name], params, path, ("self", "transforms", "first", "second"))
    check_op_numbers(params, path, max_number)
    transforms = [
        validate_op(op, f"{path}.transforms[{j}]", max_number, roots, depth + 1) for j, op in enumerate(inner)
    ]
    n = params.get("n", 1)
    if "n" in params and not (isinstance(n, int) and not isinstance(n, bool) and n >= 1):
        raise SpecError(f"{path}.n", f"{name}: n is how many ops to pick, a whole number >= 1, got {excerpt(n)}", "")
    if name in ("SomeOf", "RandomOrder") and n > len(transforms) and not params.get("replace", False):
        raise SpecError(
            f"{path}.n",
            f"{name} picks n={n} of {len(transforms)} ops without replacement",
            fix=f"use n <= {len(transforms)}, or replace: true",
        )
    try:
        build_transform({"op": name, **params, "transforms": transforms})
    except (ValueError, TypeError) as err:
        raise SpecError(path, f"{name}: {err}", fix=f"see the albumentations documentation of {name}") from None
    return {"op": name, **params, "transforms": transforms}


def _refuse_non_op(name: str, path: str) -> None:
    """An albumentations transform augsynth does not apply among ops: refused with its reason."""
    reason = refusal(name)
    if reason is None:
        return
    fix = (
        f"move {name} to augment.input (it runs after augmentation, offline and on the fly)"
        if name in INPUT_STEPS
        else "remove the op"
    )
    raise SpecError(f"{path}.op", f"{name} is not applied by augsynth: {reason}", fix=fix)


def _check_params(name: str, cls: type, params: dict[str, Any], path: str, skip: tuple[str, ...]) -> None:
    """Every parameter must be one the class's constructor takes."""
    allowed = [key for key in inspect.signature(cls.__init__).parameters if key not in skip]
    allowed = [key for key in allowed if key not in ("args", "kwargs")]
    for key in params:
        if key not in allowed:
            raise SpecError(
                f"{path}.{key}",
                f"{name} has no parameter {excerpt(key)}; it accepts: {', '.join(allowed)}",
                fix=f"{suggestion(key, allowed)}remove or rename the parameter",
            )


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
    return {k: v for k, v in op_entry.items() if k != "op" and k not in OWN_KEYS}


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


def build_transform(op_entry: dict[str, Any]) -> A.BasicTransform | A.BaseCompose:
    """Instantiate a validated op entry (a composition with its ops) as its albumentations transform."""
    name = op_entry["op"]
    params = _transform_params(op_entry)
    if name in COMPOSITIONS:
        params["transforms"] = [build_transform(op) for op in params["transforms"]]
        return COMPOSITIONS[name](**params)
    if name in REFERENCE_OPS:
        params["metadata_key"] = references.metadata_key(op_entry)
    return IMAGE_OPS.get(name).transform(**params)


def build_input_steps(steps: list[dict[str, Any]]) -> A.Compose | None:
    """The model-input steps as one Compose (None when there are none)."""
    if not steps:
        return None
    return A.Compose([INPUT_STEPS[s["op"]](**{k: v for k, v in s.items() if k != "op"}) for s in steps])


@dataclass(frozen=True)
class Leaf:
    """One op (not a composition) of a pipeline: where it sits (``at``: indices through ``transforms`` lists), its
    spec path and entry (with ``label_invariant`` inherited from the blocks around it)."""

    at: tuple[int, ...]
    path: str
    entry: dict[str, Any]


def leaves(ops: list[dict[str, Any]], path: str = "augment.image", invariant: bool = False, at=()) -> list[Leaf]:
    """The ops of a pipeline in tree order, compositions opened."""
    found = []
    for i, op in enumerate(ops):
        here, where = f"{path}[{i}]" if not at else f"{path}.transforms[{i}]", (*at, i)
        inherited = invariant or bool(op.get("label_invariant"))
        if op["op"] in COMPOSITIONS:
            found += leaves(op["transforms"], here, inherited, where)
        else:
            found.append(Leaf(where, here, {**op, "label_invariant": True} if inherited else op))
    return found


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
