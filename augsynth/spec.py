"""The declarative spec: pydantic models plus every check, all done at load before any work starts."""

from __future__ import annotations

import hashlib
import importlib.util
import json
from pathlib import Path
from typing import Any, Literal

import pydantic
import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from augsynth.errors import SpecError, did_you_mean, format_path
from augsynth.image_ops import check_shape_preserved, validate_op
from augsynth.labels import LabelSpec, Target, rule_for


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SideCameras(_Section):
    """Left/right camera images of each frame, added to training with the steering correction."""

    correction: float = Field(default=0.2, gt=0)
    left_column: str = "left"
    right_column: str = "right"


class DatasetSpec(_Section):
    """Where the data comes from and how it is split."""

    source: str = "sklearn:digits"
    task: Literal["classification", "regression", "text-classification"] = "classification"
    target: str | None = None
    image_size: int | tuple[int, int] | None = None
    channels: Literal[1, 3] | None = None
    train_per_class: int | None = Field(default=None, ge=1)
    val_per_class: int = Field(default=3, ge=1)
    train_size: int | None = Field(default=None, ge=1)
    val_size: int = Field(default=50, ge=1)
    frames: int | None = Field(default=None, ge=10)
    test_fraction: float = Field(default=0.3, gt=0.0, lt=1.0)
    image_column: str = "image"
    text_column: str = "text"
    label_column: str | None = None
    side_cameras: SideCameras | None = None

    @property
    def label_field(self) -> str:
        """The column holding the label: ``label_column``, else the regression target's name, else ``label``."""
        return self.label_column or self.target or "label"

    @property
    def train_amount(self) -> int | None:
        """The small-data size: train samples per class (classification) or train frames (regression)."""
        return self.train_size if self.task == "regression" else self.train_per_class

    @property
    def is_text(self) -> bool:
        return self.task == "text-classification"

    @property
    def size_hw(self) -> tuple[int, int] | None:
        """``image_size`` as (height, width)."""
        if self.image_size is None:
            return None
        return (self.image_size, self.image_size) if isinstance(self.image_size, int) else tuple(self.image_size)

    @property
    def source_kind(self) -> str:
        return self.source.split(":", 1)[0]

    @property
    def source_arg(self) -> str:
        return self.source.split(":", 1)[1] if ":" in self.source else ""


class AugmentSpec(_Section):
    """How many augmented copies of each training sample, made by which ops."""

    copies: int = Field(default=4, ge=0)
    image: list[dict[str, Any]] = Field(default_factory=list)
    text: list[dict[str, Any]] = Field(default_factory=list)


class OutputSpec(_Section):
    """Where results go and how the expansion is cut into shards."""

    dir: Path = Path("out")
    partition_size: int = Field(default=256, ge=1)


ArmName = Literal["baseline", "augmented", "naive", "transfer", "synthetic", "augmented+synthetic", "pretrained"]
SYNTHETIC_ARMS = ("synthetic", "augmented+synthetic")
CLASSIFICATION_LOSSES = ("cross_entropy", "cosine")
REGRESSION_LOSSES = ("huber", "mse")


class TrainSpec(_Section):
    """The value benchmark: which arms, how many seeds, and the training budget each run gets."""

    model: str = "small-cnn"
    arms: list[ArmName] = Field(default_factory=lambda: ["baseline", "augmented"])
    seeds: int = Field(default=5, ge=2)
    steps: int = Field(default=600, ge=1)
    batch_size: int = Field(default=64, ge=1)
    lr: float = Field(default=3e-3, gt=0)
    weight_decay: float = Field(default=5e-4, ge=0)
    loss: Literal["cross_entropy", "cosine", "huber", "mse"] | None = None
    eval_every: int = Field(default=25, ge=1)
    patience: int = Field(default=8, ge=1)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    learning_curve: list[int] = Field(default_factory=lambda: [5, 10, 20, 40])
    learning_curve_seeds: int | None = Field(default=None, ge=2)
    classical_baseline: bool = True
    pretrain: Literal["autoencoder"] | None = None  # the 'pretrained' arm: encoder pretrained as an autoencoder
    pretrain_steps: int = Field(default=300, ge=1)
    pretrain_synthetic: bool = False  # pretrain on the train split plus the kept synthetic samples

    @field_validator("arms")
    @classmethod
    def _baseline_first(cls, arms: list[str]) -> list[str]:
        if "baseline" not in arms:
            raise ValueError("the arms must include 'baseline': every gain is measured against it")
        if len(set(arms)) != len(arms):
            raise ValueError("each arm may appear once")
        return arms

    @field_validator("learning_curve")
    @classmethod
    def _positive_sizes(cls, sizes: list[int]) -> list[int]:
        if any(n < 1 for n in sizes):
            raise ValueError("learning-curve sizes (train samples per class, or frames) must be >= 1")
        return sorted(set(sizes))


class Spec(_Section):
    """A whole augsynth spec."""

    version: Literal[1] = 1
    name: str
    seed: int = Field(default=0, ge=0)
    dataset: DatasetSpec = Field(default_factory=DatasetSpec)
    labels: dict[str, LabelSpec] = Field(default_factory=dict)
    augment: AugmentSpec = Field(default_factory=AugmentSpec)
    generate: list[Any] = Field(default_factory=list)  # each entry checked against its kind at load
    output: OutputSpec = Field(default_factory=OutputSpec)
    train: TrainSpec = Field(default_factory=TrainSpec)

    def fingerprint(self, *sections: str) -> str:
        """A content hash of the given top-level sections (all that shape the data when none given)."""
        keys = sections or ("version", "seed", "dataset", "labels", "augment", "generate")
        data = self.model_dump(mode="json", include=set(keys))
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

    @property
    def target(self) -> Target:
        """The label the ops act on: class labels, the declared regression target, or a declared text label."""
        name = self.dataset.target if self.dataset.task != "classification" else None
        return Target(name, self.labels.get(name) if name else None)

    @property
    def text_label_kind(self) -> str:
        """What text ops must preserve: the declared kind, else ``topic``."""
        return self.target.spec.kind if self.target.spec else "topic"

    @property
    def loss(self) -> str:
        """The training loss: as given, else Huber (regression) or cross-entropy."""
        return self.train.loss or ("huber" if self.dataset.task == "regression" else "cross_entropy")

    def with_train_size(self, n: int) -> Spec:
        """The same spec with another small-data size (learning curves): per class, or frames for regression."""
        field = "train_size" if self.dataset.task == "regression" else "train_per_class"
        return self.model_copy(update={"dataset": self.dataset.model_copy(update={field: n})})

    @property
    def generators(self) -> list:
        """The validated generator configs of ``generate``."""
        from augsynth.generators import config_of

        return [config_of(raw) for raw in self.generate]


def load_spec(source: str | Path | dict, origin: str | None = None) -> Spec:
    """Read and fully validate a spec from a YAML file path or a mapping; raises ``SpecError``."""
    if isinstance(source, dict):
        raw = source
    else:
        origin = str(source)
        raw = read_yaml(Path(source))
    try:
        spec = parse_spec(raw)
    except SpecError as err:
        err.source = origin
        raise
    return spec


def parse_spec(raw: Any) -> Spec:
    """Validate a spec mapping: structure, ops, data source and trainer choices."""
    if not isinstance(raw, dict):
        raise SpecError("<spec>", f"expected a mapping at the top level, got {type(raw).__name__}",
                        fix="start the file with 'version: 1' and 'name: ...'")
    try:
        spec = Spec.model_validate(raw)
    except pydantic.ValidationError as err:
        raise _spec_error(err, Spec) from None
    spec.augment.image = [validate_op(op, f"augment.image[{i}]") for i, op in enumerate(spec.augment.image)]
    if spec.dataset.is_text and "model" not in spec.train.model_fields_set:
        spec.train.model = "tfidf-mlp"
    _check_semantics(spec)
    spec.generate = _check_generators(spec)
    if spec.augment.text:
        from augsynth.text.ops import validate_text_op

        spec.augment.text = [validate_text_op(op, f"augment.text[{i}]", spec.text_label_kind)
                             for i, op in enumerate(spec.augment.text)]
    return spec


def _check_semantics(spec: Spec) -> None:
    from augsynth.datasets import check_source, payload_format
    from augsynth.train.models import check_model_and_device

    _check_task(spec)
    if spec.dataset.is_text:
        _check_text(spec)
    else:
        for i, op in enumerate(spec.augment.image):
            rule_for(op, spec.target, f"augment.image[{i}]")
    check_source(spec.dataset)
    fmt = payload_format(spec.dataset)
    if not spec.dataset.is_text and fmt.size_hw is not None:
        check_shape_preserved(spec.augment.image, fmt.size_hw if fmt.channels == 1 else (*fmt.size_hw, 3))
    check_model_and_device(spec.train, spec.dataset.is_text)
    section = "text" if spec.dataset.is_text else "image"
    for arm in ("augmented", "naive", "augmented+synthetic"):
        ops = spec.augment.text if spec.dataset.is_text else spec.augment.image
        if arm in spec.train.arms and (spec.augment.copies == 0 or not ops):
            raise SpecError("augment", f"the '{arm}' arm needs augment.copies >= 1 and at least one {section} op",
                            fix=f"add ops under augment.{section}, or drop '{arm}' from train.arms")


def _check_generators(spec: Spec) -> list[dict[str, Any]]:
    """Generators: registered kinds with valid settings and unique names, on class-labelled images only; the arms
    that use them."""
    from augsynth.generators import GENERATORS

    train = spec.train
    for arm in SYNTHETIC_ARMS:
        if arm in train.arms and not spec.generate:
            raise SpecError("train.arms", f"the '{arm}' arm trains on generated samples, but 'generate' is empty",
                            fix="add a generator, e.g. generate: [{kind: cvae, per_class: 50}], or drop the arm")
    if ("pretrained" in train.arms) != (train.pretrain is not None):
        raise SpecError("train.pretrain" if train.pretrain else "train.arms",
                        "the 'pretrained' arm and train.pretrain go together",
                        fix="set train.pretrain: autoencoder and list 'pretrained' in train.arms (or neither)")
    if train.pretrain and train.model not in ("small-cnn", "small-cnn-gap"):
        raise SpecError("train.pretrain", f"autoencoder pretraining needs a small-cnn encoder, not {train.model}",
                        fix="use model small-cnn or small-cnn-gap, or remove train.pretrain")
    if train.pretrain_synthetic and not spec.generate:
        raise SpecError("train.pretrain_synthetic", "there are no generated samples to pretrain on",
                        fix="add a generator under 'generate', or set pretrain_synthetic: false")
    if spec.generate and spec.dataset.task != "classification":
        raise SpecError("generate", "generators are conditioned on classes: they need an image classification "
                        "data set", fix="remove 'generate', or set dataset.task: classification")
    validated, names = [], set()
    for i, raw in enumerate(spec.generate):
        path = f"generate[{i}]"
        if not isinstance(raw, dict) or "kind" not in raw:
            raise SpecError(path, f"expected a mapping with a 'kind' key, got {raw!r}",
                            fix="write a generator as {kind: cvae, per_class: 50, epochs: 300}")
        kind = GENERATORS.spec_get(str(raw["kind"]), f"{path}.kind", "use a registered kind")
        try:
            config = kind.config.model_validate(raw)
        except pydantic.ValidationError as err:
            inner = _spec_error(err, kind.config)
            raise SpecError(f"{path}.{inner.path}", inner.message, fix=inner.fix) from None
        if config.label in names:
            raise SpecError(f"{path}.name", f"the generator name '{config.label}' is used twice",
                            fix="give each generator of the same kind its own name: key")
        names.add(config.label)
        validated.append(config.model_dump())
    return validated


def _check_text(spec: Spec) -> None:
    """Text tasks take text ops only, and a declared target must be a text label kind."""
    if spec.augment.image:
        raise SpecError("augment.image", "image ops do not apply to a text-classification data set",
                        fix="move the ops to augment.text (nlpaug ops), or change dataset.task")
    if "transfer" in spec.train.arms:
        from augsynth.train.transfer import INSTALL, PACKAGES

        missing = [name for name in PACKAGES if importlib.util.find_spec(name) is None]
        if missing:
            raise SpecError("train.arms", f"the 'transfer' arm embeds texts with the packaged all-MiniLM-L6-v2 "
                            f"model; missing: {', '.join(missing)}", fix=f"{INSTALL}, or drop 'transfer'")
    if spec.target.spec is not None and spec.target.spec.kind not in ("topic", "sentiment"):
        raise SpecError(f"labels.{spec.target.name}.kind", f"a text label is a topic or a sentiment, not "
                        f"{spec.target.spec.kind}", fix="use kind: topic or kind: sentiment")


def _check_task(spec: Spec) -> None:
    """Fields that belong to the other task, a regression target that is not declared, a loss for the wrong task."""
    data, train = spec.dataset, spec.train
    if spec.augment.text and not data.is_text:
        raise SpecError("augment.text", "text ops need a text data set", fix="set dataset.task: text-classification")
    if data.is_text:
        if data.target is not None and data.target not in spec.labels:
            raise SpecError("dataset.target", f"the target '{data.target}' is not declared under labels",
                            fix=f"add labels: {{{data.target}: {{kind: sentiment}}}} (or topic)")
        misplaced = [("dataset.train_size", data.train_size), ("dataset.side_cameras", data.side_cameras)]
    else:
        misplaced = [("dataset.target", data.target), ("dataset.train_size", data.train_size),
                     ("dataset.side_cameras", data.side_cameras), ("labels", spec.labels or None)]
    if data.frames is not None and data.source_kind != "road":
        raise SpecError("dataset.frames", f"only a rendered data set (road:procedural) has a frame count; "
                        f"'{data.source}' has the samples it has", fix="remove dataset.frames")
    if "transfer" in train.arms and not data.is_text:
        raise SpecError("train.arms", "the 'transfer' arm (frozen sentence embeddings) is for text data sets",
                        fix="remove 'transfer', or use a text-classification data set")
    if data.task != "regression":
        for path, value in misplaced:
            if value is not None:
                raise SpecError(path, "only used when dataset.task is regression",
                                fix="set dataset.task: regression, or remove the key")
        if "naive" in train.arms:
            raise SpecError("train.arms", "the 'naive' arm (augmented images with unadjusted labels) only exists "
                            "for regression targets; class labels are never adjusted", fix="remove 'naive'")
        if train.loss in REGRESSION_LOSSES:
            raise SpecError("train.loss", f"'{train.loss}' is a regression loss",
                            fix=f"use one of {', '.join(CLASSIFICATION_LOSSES)} for classification")
        return
    if data.train_per_class is not None:
        raise SpecError("dataset.train_per_class", "regression has no classes",
                        fix="give the number of training frames as dataset.train_size")
    if data.target is None:
        raise SpecError("dataset.target", "regression needs the name of its target",
                        fix="add dataset.target: steering and declare it under labels")
    if data.target not in spec.labels:
        close = did_you_mean(data.target, spec.labels)
        hint = f"did you mean '{close}'? " if close else ""
        raise SpecError("dataset.target", f"the target '{data.target}' is not declared under labels "
                        f"(declared: {', '.join(spec.labels) or 'none'})",
                        fix=f"{hint}add labels: {{{data.target}: {{kind: steering_angle, flip: negate, "
                            "shift_gain: 0.01}}")
    if spec.labels[data.target].kind not in ("steering_angle", "scalar"):
        raise SpecError(f"labels.{data.target}.kind", "a regression target is a steering_angle or a scalar",
                        fix="use kind: steering_angle or kind: scalar")
    if train.loss in CLASSIFICATION_LOSSES:
        raise SpecError("train.loss", f"'{train.loss}' is a classification loss",
                        fix=f"use one of {', '.join(REGRESSION_LOSSES)} for regression")


def read_yaml(path: Path) -> Any:
    """The parsed YAML of a spec file; SpecError when missing or malformed."""
    if not path.is_file():
        raise SpecError("<file>", f"spec file '{path}' does not exist", fix="check the path", source=str(path))
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise SpecError("<file>", f"not valid YAML: {err}", fix="fix the YAML syntax", source=str(path)) from None


def _spec_error(err: pydantic.ValidationError, model: type[BaseModel]) -> SpecError:
    """Turn pydantic's first error into a SpecError with a YAML path and a did-you-mean."""
    first = err.errors()[0]
    loc = [part for part in first["loc"] if not (isinstance(part, str) and part in _UNION_TAGS)]
    path = format_path(loc)
    if first["type"] == "extra_forbidden":
        known = _fields_at(model, loc[:-1])
        close = did_you_mean(str(loc[-1]), known)
        hint = f"did you mean '{close}'? " if close else ""
        return SpecError(path, f"unknown key '{loc[-1]}'; expected one of: {', '.join(known)}",
                         fix=f"{hint}remove or rename the key")
    got = f" (got {first['input']!r})" if "input" in first and first["type"] != "missing" else ""
    return SpecError(path, f"{first['msg']}{got}", fix=_FIXES.get(first["type"], "correct the value"))


_UNION_TAGS = {"int", "tuple[int,int]", "none", "tuple[int, int]"}
_FIXES = {
    "missing": "add this required key",
    "literal_error": "use one of the listed values",
    "greater_than_equal": "use a larger value",
    "greater_than": "use a larger value",
    "less_than": "use a smaller value",
}


def _fields_at(model: type[BaseModel], loc: list[Any]) -> list[str]:
    """Field names of the nested section at ``loc``."""
    for part in loc:
        field = model.model_fields.get(str(part))
        annotation = getattr(field, "annotation", None)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return []
        model = annotation
    return list(model.model_fields)
