"""The declarative spec: pydantic models plus every check, all done at load before any work starts."""

from __future__ import annotations

import types
import typing
from pathlib import Path
from typing import Any

import pydantic
from pydantic import BaseModel

from augsynth.core.errors import SpecError, entry_name, excerpt, format_path, suggestion
from augsynth.core.kinds import REGRESSION_KINDS, TEXT_KINDS, Task
from augsynth.core.paths import confined, refuse_system_folder
from augsynth.data import SourceSize, check_source, payload_format
from augsynth.image.input_steps import check_input_steps
from augsynth.image.labels import rule_for
from augsynth.image.ops import leaves, validate_input_step, validate_op
from augsynth.image.sizes import check_shape_preserved
from augsynth.spec.limits import check_limits
from augsynth.spec.schema import DatasetSpec, Spec
from augsynth.spec.yaml_io import read_yaml
from augsynth.train.arms import ARMS, arm
from augsynth.train.arms.derived import check_ablation, check_derived


def load_spec(source: str | Path | dict, origin: str | None = None) -> Spec:
    """Read and fully validate a spec from a YAML file path or a mapping; raises ``SpecError``. File parameters of
    ops resolve against the spec file's folder (the current directory for a mapping)."""
    if isinstance(source, dict):
        raw, folder = source, Path.cwd()
    else:
        origin = str(source)
        raw, folder = read_yaml(Path(source)), Path(source).resolve().parent
    try:
        spec = parse_spec(raw, folder)
    except SpecError as err:
        err.source = origin
        raise
    return spec


def parse_spec(raw: Any, folder: Path | None = None) -> Spec:
    """Validate a spec mapping: structure, limits, ops, data source and trainer choices; ``folder`` (default: the
    current directory) is where file parameters of ops resolve and must stay."""
    if not isinstance(raw, dict):
        raise SpecError(
            "<spec>",
            f"expected a mapping at the top level, got {type(raw).__name__}",
            fix="start the file with 'version: 1' and 'name: ...'",
        )
    try:
        spec = Spec.model_validate(raw)
    except pydantic.ValidationError as err:
        raise _spec_error(err, Spec) from None
    for i, name in enumerate(spec.train.arms):
        ARMS.spec_get(name, f"train.arms[{i}]", "list registered arms only")
    if isinstance(spec.augment.image, dict):
        _import_albumentations(spec, folder or Path.cwd())
    roots = [folder or Path.cwd(), *_data_root(spec.dataset)]
    spec.augment.image = [
        validate_op(op, f"augment.image[{i}]", spec.limits.max_op_number, roots)
        for i, op in enumerate(spec.augment.image)
    ]
    spec.augment.input = [
        validate_input_step(step, f"augment.input[{i}]", spec.limits.max_op_number)
        for i, step in enumerate(spec.augment.input)
    ]
    if spec.dataset.is_text and "model" not in spec.train.model_fields_set:
        spec.train.model = "tfidf-mlp"
    refuse_system_folder(
        spec.output.dir,
        "output.dir",
        "output dir",
        fix="write results to a folder of their own, e.g. output: {dir: out/NAME}",
    )
    size = _check_semantics(spec)
    spec.generate = _check_generators(spec)
    check_limits(spec, size.records, size.classes, spec.generate)
    fmt = payload_format(spec.dataset)
    if not spec.dataset.is_text and fmt.size_hw is not None:  # after the limits: it runs the ops on a blank image
        shape = fmt.size_hw if fmt.channels == 1 else (*fmt.size_hw, 3)
        check_shape_preserved(spec.augment.image, shape)
        check_input_steps(spec.augment.input, shape)
        check_derived(spec, shape)
    if spec.augment.text:
        from augsynth.text.ops import validate_text_op  # nlpaug loads only for text specs

        spec.augment.text = [
            validate_text_op(op, f"augment.text[{i}]", spec.text_label_kind, roots)
            for i, op in enumerate(spec.augment.text)
        ]
        check_derived(spec, None)
    return spec


def _import_albumentations(spec: Spec, folder: Path) -> None:
    """``augment.image: {albumentations: FILE}``: the ops (and model-input steps) of an albumentations file."""
    from augsynth.image.albu_import import read_albumentations  # only specs that name a file read one

    entry = spec.augment.image
    if set(entry) != {"albumentations"} or not isinstance(entry["albumentations"], str):
        raise SpecError(
            "augment.image",
            f"expected a list of ops or {{albumentations: FILE}}, got {excerpt(entry)}",
            fix="write augment.image: {albumentations: pipeline.json} (a file A.save wrote), or a list of ops",
        )
    imported = read_albumentations(confined(entry["albumentations"], "augment.image.albumentations", [folder]))
    if imported.input and spec.augment.input:
        raise SpecError(
            "augment.input",
            f"the albumentations file ends in model-input steps ({', '.join(s['op'] for s in imported.input)}) "
            "and the spec gives augment.input too",
            fix="keep the steps in one place: remove augment.input, or the steps from the file",
        )
    spec.augment.image = imported.image
    spec.augment.input = spec.augment.input or imported.input


def _data_root(dataset: DatasetSpec) -> list[Path]:
    """The folder a folder: or csv: source reads from, where op file parameters may point as well."""
    if dataset.source_kind == "folder":
        return [Path(dataset.source_arg)]
    return [Path(dataset.source_arg).parent] if dataset.source_kind == "csv" else []


def _check_semantics(spec: Spec) -> SourceSize:
    from augsynth.train.losses import check_loss  # torch loads only once the schema checks pass
    from augsynth.train.models import check_model_and_device  # likewise

    _check_task(spec)
    if spec.dataset.is_text:
        _check_text(spec)
    else:
        for leaf in leaves(spec.augment.image):
            rule_for(leaf.entry, spec.target, leaf.path)
    for name in spec.train.arms:
        arm(name).check(spec)
    check_ablation(spec)
    size = check_source(spec.dataset)
    check_model_and_device(spec.train, spec.dataset.is_text)
    check_loss(spec.train.loss, spec.dataset.task)
    return size


def _check_generators(spec: Spec) -> list[dict[str, Any]]:
    """Generators: registered kinds with valid settings and unique names, on class-labelled images only; pretraining
    settings."""
    train = spec.train
    if train.pretrain and "pretrained" not in train.arms:  # the arm checks the other direction
        raise SpecError(
            "train.pretrain",
            "the 'pretrained' arm and train.pretrain go together",
            fix="set train.pretrain: autoencoder and list 'pretrained' in train.arms (or neither)",
        )
    if train.pretrain_synthetic and not spec.generate:
        raise SpecError(
            "train.pretrain_synthetic",
            "there are no generated samples to pretrain on",
            fix="add a generator under 'generate', or set pretrain_synthetic: false",
        )
    if spec.generate and spec.dataset.task != Task.CLASSIFICATION:
        raise SpecError(
            "generate",
            "generators are conditioned on classes: they need an image classification data set",
            fix="remove 'generate', or set dataset.task: classification",
        )
    if not spec.generate:
        return []
    from augsynth.generators import GENERATORS  # torch and diffusers load only for specs with generators

    validated, names = [], set()
    for i, raw in enumerate(spec.generate):
        path = f"generate[{i}]"
        name = entry_name(
            raw,
            path,
            "kind",
            "a generator kind",
            fix="write a generator as {kind: cvae, per_class: 50, epochs: 300}",
            name_fix=f"use one of: {', '.join(GENERATORS.names())}",
        )
        kind = GENERATORS.spec_get(name, f"{path}.kind", "use a registered kind")
        try:
            config = kind.config.model_validate(raw)
        except pydantic.ValidationError as err:
            inner = _spec_error(err, kind.config)
            raise SpecError(f"{path}.{inner.path}", inner.message, fix=inner.fix) from None
        if config.label in names:
            raise SpecError(
                f"{path}.name",
                f"the generator name '{config.label}' is used twice",
                fix="give each generator of the same kind its own name: key",
            )
        names.add(config.label)
        validated.append(config.model_dump())
    return validated


def _check_text(spec: Spec) -> None:
    """Text tasks take text ops only, and a declared target must be a text label kind."""
    if spec.augment.image:
        raise SpecError(
            "augment.image",
            "image ops do not apply to a text-classification data set",
            fix="move the ops to augment.text (nlpaug ops), or change dataset.task",
        )
    if spec.augment.input:
        raise SpecError(
            "augment.input",
            "model-input steps (Normalize, ToTensorV2) apply to images, not to a text data set",
            fix="remove augment.input",
        )
    if spec.target.spec is not None and spec.target.spec.kind not in TEXT_KINDS:
        raise SpecError(
            f"labels.{spec.target.name}.kind",
            f"a text label is a topic or a sentiment, not {spec.target.spec.kind}",
            fix="use kind: topic or kind: sentiment",
        )


def _check_task(spec: Spec) -> None:
    """Fields that belong to the other task, and a regression target that is not declared."""
    data = spec.dataset
    if spec.augment.text and not data.is_text:
        raise SpecError("augment.text", "text ops need a text data set", fix="set dataset.task: text-classification")
    if data.is_text:
        if data.target is not None and data.target not in spec.labels:
            raise SpecError(
                "dataset.target",
                f"the target '{data.target}' is not declared under labels",
                fix=f"add labels: {{{data.target}: {{kind: sentiment}}}} (or topic)",
            )
        misplaced = [("dataset.train_size", data.train_size), ("dataset.side_cameras", data.side_cameras)]
    else:
        misplaced = [
            ("dataset.target", data.target),
            ("dataset.train_size", data.train_size),
            ("dataset.side_cameras", data.side_cameras),
            ("labels", spec.labels or None),
        ]
    if data.frames is not None and data.source_kind != "road":
        raise SpecError(
            "dataset.frames",
            f"only a rendered data set (road:procedural) has a frame count; '{data.source}' has the samples it has",
            fix="remove dataset.frames",
        )
    if data.task != Task.REGRESSION:
        for path, value in misplaced:
            if value is not None:
                raise SpecError(
                    path,
                    "only used when dataset.task is regression",
                    fix="set dataset.task: regression, or remove the key",
                )
        return
    if data.train_per_class is not None:
        raise SpecError(
            "dataset.train_per_class",
            "regression has no classes",
            fix="give the number of training frames as dataset.train_size",
        )
    if data.target is None:
        raise SpecError(
            "dataset.target",
            "regression needs the name of its target",
            fix="add dataset.target: steering and declare it under labels",
        )
    if data.target not in spec.labels:
        hint = suggestion(data.target, spec.labels)
        raise SpecError(
            "dataset.target",
            f"the target '{data.target}' is not declared under labels (declared: {', '.join(spec.labels) or 'none'})",
            fix=f"{hint}add labels: {{{data.target}: {{kind: steering_angle, flip: negate, shift_gain: 0.01}}}}",
        )
    if spec.labels[data.target].kind not in REGRESSION_KINDS:
        raise SpecError(
            f"labels.{data.target}.kind",
            "a regression target is a steering_angle or a scalar",
            fix="use kind: steering_angle or kind: scalar",
        )


def _spec_error(err: pydantic.ValidationError, model: type[BaseModel]) -> SpecError:
    """Turn pydantic's first error into a SpecError with a YAML path and a did-you-mean."""
    first = err.errors()[0]
    loc = [part for part in first["loc"] if not (isinstance(part, str) and part in _UNION_TAGS)]
    path = format_path(loc)
    if first["type"] == "extra_forbidden":
        known = _fields_at(model, loc[:-1])
        hint = suggestion(str(loc[-1]), known)
        return SpecError(
            path,
            f"unknown key {excerpt(loc[-1])}; expected one of: {', '.join(known)}",
            fix=f"{hint}remove or rename the key",
        )
    got = f" (got {excerpt(first['input'])})" if "input" in first and first["type"] != "missing" else ""
    message = _MESSAGES.get(first["type"], first["msg"].removeprefix("Value error, "))
    return SpecError(path, f"{message}{got}", fix=_FIXES.get(first["type"], "correct the value"))


_UNION_TAGS = {"int", "tuple[int,int]", "none", "tuple[int, int]"}
_MESSAGES = {
    "dict_type": "expected a mapping (key: value pairs)",
    "model_type": "expected a mapping (key: value pairs)",
}
_FIXES = {
    "missing": "add this required key",
    "literal_error": "use one of the listed values",
    "greater_than_equal": "use a larger value",
    "greater_than": "use a larger value",
    "less_than": "use a smaller value",
}


def _fields_at(model: type[BaseModel], loc: list[Any]) -> list[str]:
    """Field names of the nested section at ``loc`` (through optional sections, mappings and lists of sections)."""
    annotation: Any = model
    parts = list(loc)
    while True:
        args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
            annotation = args[0]  # an optional section
        elif typing.get_origin(annotation) in (dict, list) and parts:
            parts.pop(0)  # a mapping's key or a list's index
            annotation = args[-1]
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if not parts:
                return list(annotation.model_fields)
            field = annotation.model_fields.get(str(parts.pop(0)))
            if field is None:
                return []
            annotation = field.annotation
        else:
            return []
