"""Translate a pipeline albumentations 0.4.6 to 2.0.x serialized (``A.save`` / ``A.to_dict``) into augsynth spec
entries for albumentations 2.0.8: every change is a note, everything that cannot be translated is one SpecError."""

from __future__ import annotations

import inspect
import json
import warnings
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from augsynth.core import offline
from augsynth.core.errors import SpecError, excerpt, format_path
from augsynth.image.albu_versions import (
    ANY_VALUE,
    PAIR_SUFFIXES,
    RANGE_SUFFIXES,
    REFUSED,
    RULES,
    SHARED_RENAMES,
    SKIMAGE_BORDER_MODES,
    SKIMAGE_ORDERS,
    Rule,
    flip_entry,
)
from augsynth.image.catalogue import COMPOSITIONS, INPUT_STEPS
from augsynth.image.shift_x import ShiftX

A = offline.albumentations()

INPUT_OPS = frozenset(INPUT_STEPS)  # model-input steps, kept apart
COMPOSITION_KEYS = {"SomeOf": ("n", "replace"), "RandomOrder": ("n", "replace")}  # kept beside p and transforms
COMPOSE = frozenset({"Compose", "ReplayCompose"})
OWN_SHIFT_X = f"{ShiftX.__module__}.{ShiftX.__name__}"  # augsynth's own transform, as export-albu writes it
COMPOSE_DROPPED = ("is_check_shapes", "strict", "seed", "save_applied_params", "mask_interpolation", "save_key")
COMPOSE_REFUSED_TARGETS = ("bbox_params", "keypoint_params", "additional_targets")  # augsynth has images and labels
FIX = "translate these steps by hand into augment.image, or remove them from the pipeline and save it again"


@dataclass(frozen=True)
class Imported:
    """A translated pipeline: spec entries, model-input steps, the version that wrote it, what the translation did."""

    image: list[dict]
    input: list[dict]
    version: str
    notes: list[str]


@dataclass
class _Problem:
    where: str
    transform: str
    param: str | None
    why: str


@dataclass
class _Context:
    version: str
    notes: list[str] = field(default_factory=list)
    problems: list[_Problem] = field(default_factory=list)

    @property
    def version_key(self) -> tuple[int, ...]:
        """The version as numbers; an unknown version counts as the newest."""
        try:
            return tuple(int(part) for part in self.version.split(".")[:3])
        except ValueError:
            return (99,)


@dataclass
class _Step:
    """The log of one transform's translation: notes and refusals carry its location and name."""

    ctx: _Context
    where: str
    name: str

    def note(self, text: str) -> None:
        self.ctx.notes.append(f"{self.where}: {self.name}: {text}")

    def refuse(self, param: str | None, why: str) -> None:
        self.ctx.problems.append(_Problem(self.where, self.name, param, why))


def import_albumentations(data: dict, origin: str) -> Imported:
    """Translate a parsed ``A.save`` file (``{"__version__", "transform"}``) or a bare transform dict."""
    if not isinstance(data, dict):
        raise SpecError(origin, f"expected an albumentations pipeline (a mapping), got {excerpt(data)}")
    if "transform" in data and "__class_fullname__" not in data:
        ctx, root, parts = _Context(str(data.get("__version__", "unknown"))), data["transform"], ["transform"]
    else:
        ctx, root, parts = _Context("unknown"), data, []
    image, inputs = _top(root, parts, ctx)
    if ctx.problems:
        raise _error(origin, ctx)
    return Imported(image=image, input=inputs, version=ctx.version, notes=ctx.notes)


def read_albumentations(path: Path) -> Imported:
    """Read and translate an albumentations pipeline file (.json, .yaml or .yml)."""
    path = Path(path)
    loaders = {".json": json.loads, ".yaml": yaml.safe_load, ".yml": yaml.safe_load}
    if path.suffix.lower() not in loaders:
        raise SpecError(str(path), "expected a .json, .yaml or .yml file written by albumentations' save")
    try:
        data = loaders[path.suffix.lower()](path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise SpecError(str(path), f"cannot read it: {error}") from error
    return import_albumentations(data, str(path))


def _error(origin: str, ctx: _Context) -> SpecError:
    described = [
        (
            p.where,
            f"{p.transform} ({f'parameter {p.param!r}, ' if p.param else ''}albumentations {ctx.version}): {p.why}",
        )
        for p in ctx.problems
    ]
    if len(described) == 1:
        return SpecError(f"{origin}: {described[0][0]}", described[0][1], fix=FIX)
    listed = "".join(f"\n  - {where}: {text}" for where, text in described)
    return SpecError(origin, f"{len(described)} parts cannot be translated to albumentations 2.0.8:{listed}", fix=FIX)


def _class_name(raw: Any, parts: list[str | int], ctx: _Context) -> str | None:
    """The albumentations class name of a serialized transform, or None (with a problem) when it has none."""
    where = format_path(parts)
    if not isinstance(raw, dict):
        ctx.problems.append(_Problem(where, "?", None, f"expected a serialized transform, got {excerpt(raw)}"))
        return None
    full = raw.get("__class_fullname__", raw.get("__type__"))
    if not isinstance(full, str):
        ctx.problems.append(_Problem(where, "?", None, f"no '__class_fullname__' in {excerpt(raw)}"))
        return None
    name = full.rsplit(".", 1)[-1]
    if "." in full and full.split(".")[0] != "albumentations" and full != OWN_SHIFT_X:
        ctx.problems.append(_Problem(where, full, None, "not an albumentations class (a user's transform)"))
        return None
    if "__name__" in raw or name in REFUSED:  # Lambda and other non-serializable transforms write only a name
        why = REFUSED.get(name, "albumentations writes only the name of this non-serializable transform")
        ctx.problems.append(_Problem(where, name, None, why))
        return None
    return name


def _top(root: Any, parts: list[str | int], ctx: _Context) -> tuple[list[dict], list[dict]]:
    """The top-level Compose as (image entries, input steps); any other transform as a one-step pipeline."""
    name = _class_name(root, parts, ctx)
    if name is None:
        return [], []
    if name not in COMPOSE:
        entry = _translate(root, name, parts, ctx)
        return ([], [entry]) if entry and entry["op"] in INPUT_OPS else ([entry] if entry else [], [])
    step = _Step(ctx, format_path(parts), name)
    children = _compose_children(root, parts, step)
    cut = len(children)
    while cut and children[cut - 1][1]["op"] in INPUT_OPS:
        cut -= 1
    for child_parts, entry in children[:cut]:
        if entry["op"] in INPUT_OPS:
            _Step(ctx, format_path(child_parts), entry["op"]).refuse(
                None,
                f"{entry['op']} in the middle of the pipeline changes the pixel type the next ops get: "
                "augsynth applies model-input steps after every augmentation, so they must come last",
            )
    image, inputs = [entry for _, entry in children[:cut]], [entry for _, entry in children[cut:]]
    p = root.get("p", 1.0)
    if p != 1:
        step.note(f"p {p} < 1: the pipeline becomes one Sequential with p {p} (augsynth applies it to every copy)")
        image = [{"op": "Sequential", "transforms": image, "p": p}]
        if inputs:
            step.refuse("p", f"with p {p} the input steps {[e['op'] for e in inputs]} ran only sometimes")
    return image, inputs


def _compose_children(raw: dict, parts: list[str | int], step: _Step) -> list[tuple[list[str | int], dict]]:
    """A Compose's translated children with their locations, after checking Compose's own keys."""
    for key in COMPOSE_REFUSED_TARGETS:
        if raw.get(key):
            step.refuse(key, f"augsynth augments images and class labels only; {key} needs other targets")
    for key in COMPOSE_DROPPED:
        if key in raw:
            step.note(f"dropped {key} (augsynth checks shapes, seeds and records runs itself)")
    known = {"__class_fullname__", "transforms", "p", *COMPOSE_REFUSED_TARGETS, *COMPOSE_DROPPED}
    for key in sorted(set(raw) - known):
        step.refuse(key, "an unknown Compose parameter")
    return _translated_children(raw, parts, step.ctx)


def _translated_children(raw: dict, parts: list[str | int], ctx: _Context) -> list[tuple[list[str | int], dict]]:
    """The translatable ``transforms`` of a composition as (location, entry) pairs."""
    children = []
    for index, child in enumerate(raw.get("transforms", [])):
        child_parts = [*parts, "transforms", index]
        name = _class_name(child, child_parts, ctx)
        entry = name and _translate(child, name, child_parts, ctx)
        if entry:
            children.append((child_parts, entry))
    return children


def _translate(raw: dict, name: str, parts: list[str | int], ctx: _Context) -> dict | None:
    """One serialized transform (leaf or composition) as a spec entry, or None where it cannot be translated."""
    where = format_path(parts)
    step = _Step(ctx, where, name)
    if name in COMPOSE:
        step.note("a nested Compose -> Sequential")
        entry = {"op": "Sequential", "transforms": _nested(step, _compose_children(raw, parts, step))}
        return {**entry, "p": raw.get("p", 1.0)}
    if name in COMPOSITIONS:
        return _composition(raw, name, parts, step)
    return _leaf(raw, name, step)


def _nested(step: _Step, children: list[tuple[list[str | int], dict]]) -> list[dict]:
    """The entries of a nested composition, refusing model-input steps among them."""
    for child_parts, entry in children:
        if entry["op"] in INPUT_OPS:
            _Step(step.ctx, format_path(child_parts), entry["op"]).refuse(
                None, f"{entry['op']} inside a composition changes the pixel type the next ops get (only sometimes)"
            )
    return [entry for _, entry in children]


def _composition(raw: dict, name: str, parts: list[str | int], step: _Step) -> dict:
    keeps = COMPOSITION_KEYS.get(name, ())
    for key in sorted(set(raw) - {"__class_fullname__", "transforms", "p", *keeps}):
        step.refuse(key, f"an unknown {name} parameter")
    entry = {"op": name, "transforms": _nested(step, _translated_children(raw, parts, step.ctx))}
    return {**entry, **{k: raw[k] for k in ("p", *keeps) if k in raw}}


@cache
def _transform_class(name: str) -> Any:
    """The 2.0.8 class of a transform name (augsynth's ShiftX too), or None."""
    return ShiftX if name == "ShiftX" else getattr(A, name, None)


def _signature(name: str) -> dict[str, Any] | None:
    """The 2.0.8 ``__init__`` parameters of transform ``name`` with their defaults, or None when there is none."""
    cls = _transform_class(name)
    if not (isinstance(cls, type) and issubclass(cls, A.BasicTransform)):
        return None
    params = inspect.signature(cls.__init__).parameters
    return {k: v.default for k, v in params.items() if k not in {"self", "args", "kwargs"}}


def _leaf(raw: dict, name: str, step: _Step) -> dict | None:
    params = {k: v for k, v in raw.items() if k not in {"__class_fullname__", "__type__"}}
    p = params.pop("p", None)
    if "always_apply" in params:
        if params.pop("always_apply"):
            p = 1.0
            step.note("always_apply: true -> p: 1.0 (always_apply removed in 2.0)")
        else:
            step.note("dropped always_apply: false (removed in 2.0)")
    if name == "Flip" and _signature(name) is None:
        step.note("Flip (removed in 2.0) -> OneOf of HorizontalFlip, VerticalFlip, both (a third each, as Flip did)")
        for key in params:
            step.refuse(key, "Flip had no parameters besides p")
        return flip_entry(p)
    rule = RULES.get(name, Rule())
    target = rule.target or name
    signature = _signature(target)
    if signature is None:
        step.refuse(None, "not a transform of albumentations 2.0.8 and no known rename of one")
        return None
    if target != name:
        step.note(f"{name} -> {target} (albumentations {step.ctx.version} name)")
    params = {rule.renames.get(k, k): v for k, v in params.items()}
    for key in rule.nulls:
        if key in params and params[key] is None:
            del params[key]
            step.note(f"dropped {key}: None (the old default; 2.0 spells it {signature[key]!r})")
    if rule.convert and (rule.before is None or step.ctx.version_key < rule.before):
        params = rule.convert(params, step)
    params, left = _fit(params, {k: v for k, v in signature.items() if k != "strict"}, rule, step)
    if p is not None:
        params = {"p": p, **params}
    built = _build(target, params, step)
    if built is None:
        return None
    written = _plain(A.to_dict(built)["transform"])
    untranslated = [key for key, value in left.items() if key not in written or written[key] != _plain(value)]
    for key in left:
        if key in untranslated:
            step.refuse(key, "albumentations 2.0.8's class has no such parameter, and there is no known translation")
        else:
            step.note(f"dropped {key} (2.0's to_dict writes it, derived from the init parameters, and it matches)")
    return None if untranslated else {"op": target, **_plain(params)}


def _fit(
    params: dict[str, Any], signature: dict[str, Any], rule: Rule, step: _Step
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The parameters in 2.0's terms (pairs merged, renamed, removed ones dropped) and those left untranslated."""
    params = _merge_pairs(params, signature, step)
    fitted = {k: v for k, v in params.items() if k in signature}
    left = {}
    for key, value in params.items():
        new = SHARED_RENAMES.get(key)
        if key in signature:
            continue
        if key in rule.removed:
            neutral = rule.removed[key]
            if neutral == ANY_VALUE or value in neutral:
                step.note(f"dropped {key}: {excerpt(value)} (removed in 2.0; no effect on images at this value)")
            else:
                step.refuse(key, f"removed in 2.0, and {excerpt(value)} is not its neutral value {neutral[0]!r}")
        elif new in signature and new not in fitted:
            converted = _flag(key, value, step)
            if converted is not None:
                fitted[new] = converted
                step.note(f"{key} -> {new}" + (f" ({value!r} -> {converted!r})" if converted != value else ""))
            elif value is None:
                step.note(f"dropped {key}: None (the old default; 2.0's {new} defaults to {signature[new]!r})")
        else:
            left[key] = value
    return fitted, left


def _merge_pairs(params: dict[str, Any], signature: dict[str, Any], step: _Step) -> dict[str, Any]:
    """Old scalar pairs (``x_lower``/``x_upper``, ``x_min``/``x_max``, ``x_x``/``x_y``) -> 2.0's one range."""
    merged = dict(params)
    for key in params:
        for first, second in PAIR_SUFFIXES:
            base = key.removesuffix(first)
            if base == key or key in signature or base + second not in params:
                continue
            target = next((base + suffix for suffix in RANGE_SUFFIXES if base + suffix in signature), None)
            if target is not None:
                low, high = merged.pop(key), merged.pop(base + second)
                merged[target] = None if low is None and high is None else [low, high]
                step.note(f"{key}, {base + second} -> {target}")
    return merged


def _flag(key: str, value: Any, step: _Step) -> Any:
    """A renamed value in 2.0's terms: scikit-image border modes and spline orders become OpenCV flags."""
    if key in {"mode", "pad_mode"} and isinstance(value, str):
        if value not in SKIMAGE_BORDER_MODES:
            step.refuse(key, f"border mode {value!r} has no OpenCV flag (known: {sorted(SKIMAGE_BORDER_MODES)})")
        return SKIMAGE_BORDER_MODES.get(value)
    if key == "order":
        if value not in SKIMAGE_ORDERS:
            step.refuse(key, f"spline order {value!r} has no OpenCV flag (known: {sorted(SKIMAGE_ORDERS)})")
        return SKIMAGE_ORDERS.get(value)
    return value


def _build(target: str, params: dict[str, Any], step: _Step) -> Any:
    """The translated transform built by 2.0.8 (``strict=True`` where the class takes it), or None with each
    rejected parameter a problem."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _transform_class(target)(**params, **({"strict": True} if "strict" in _signature(target) else {}))
    except Exception as error:  # noqa: BLE001 - every failure of the 2.0 class is reported, per parameter if it can
        cause = error if hasattr(error, "errors") else error.__cause__  # albumentations re-raises as ValueError
        errors = cause.errors() if hasattr(cause, "errors") else [{"loc": (), "msg": str(error)}]
        for item in errors:
            param = next((str(part) for part in item.get("loc", ()) if str(part) in params), None)
            value = f" = {excerpt(params[param])}" if param else ""
            step.refuse(param, f"albumentations 2.0.8 rejects the translated value{value}: {item.get('msg')}")
        return None


def _plain(value: Any) -> Any:
    """``value`` with tuples as lists, as JSON and YAML write it."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
