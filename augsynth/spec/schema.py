"""The spec's schema: pydantic models of every section, with the checks that need no registry.

Checks that read the registries (ops, sources, models, generator kinds) run in ``augsynth.spec.load``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, field_validator, model_validator

from augsynth.core.kinds import REGRESSION_KINDS, TEXT_KINDS, Task

FLIP_DEFAULTS = {"steering_angle": "negate", "scalar": "refuse"}
MAX_SEED = 2**32 - 1
MAX_LIST = 100  # entries of a list of ops, generators, arms or learning-curve sizes


def _not_bool(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError(f"expected a number, not {str(value).lower()}")
    return value


# Every section refuses unknown keys and NaN/infinity in float fields; integers are never coerced from true, 1.0e+40
# or "5", and floats never from true/false.
SECTION_CONFIG = ConfigDict(extra="forbid", allow_inf_nan=False)
Int = Annotated[int, Strict()]
Bool = Annotated[bool, Strict()]
Float = Annotated[float, BeforeValidator(_not_bool)]


class LabelSpec(BaseModel):
    """A declared label: a regression target (how flips and shifts change it) or a text label kind (what to keep)."""

    model_config = SECTION_CONFIG

    kind: Literal["steering_angle", "scalar", "topic", "sentiment"]
    flip: Literal["negate", "keep", "refuse"] | None = None
    shift_gain: Float | None = None
    range: tuple[Float, Float] | None = None
    mixes_linearly: Bool = False  # a mix of two images may take the same mix of their labels (MixUp, CutMix)
    protect: list[str] = []

    @model_validator(mode="after")
    def _fields_fit_the_kind(self) -> LabelSpec:
        if self.range is not None and self.range[0] >= self.range[1]:
            raise ValueError("range must be [low, high] with low < high")
        image_fields = [name for name in ("flip", "shift_gain", "range") if getattr(self, name) is not None]
        image_fields += ["mixes_linearly"] if self.mixes_linearly else []
        if self.kind in TEXT_KINDS and image_fields:
            raise ValueError(f"{', '.join(image_fields)} only apply to steering_angle and scalar labels")
        if self.kind in REGRESSION_KINDS and self.protect:
            raise ValueError("protect (tokens text ops must not touch) only applies to topic and sentiment labels")
        return self

    @property
    def flip_mode(self) -> str:
        return self.flip or FLIP_DEFAULTS.get(self.kind, "refuse")


@dataclass(frozen=True)
class Target:
    """The label an op acts on: its name in ``labels`` (None for class labels) and its declaration."""

    name: str | None
    spec: LabelSpec | None

    @property
    def kind(self) -> str:
        return self.spec.kind if self.spec else "class"


class _Section(BaseModel):
    model_config = SECTION_CONFIG


class SideCameras(_Section):
    """Left/right camera images of each frame, added to training with the steering correction."""

    correction: Float = Field(default=0.2, gt=0)
    left_column: str = "left"
    right_column: str = "right"


class DatasetSpec(_Section):
    """Where the data comes from and how it is split."""

    source: str = "sklearn:digits"
    task: Task = Task.CLASSIFICATION
    target: str | None = None
    image_size: int | tuple[int, int] | None = None
    channels: Annotated[Literal[1, 3], BeforeValidator(_not_bool)] | None = None
    train_per_class: Int | None = Field(default=None, ge=1)
    val_per_class: Int = Field(default=3, ge=1)
    train_size: Int | None = Field(default=None, ge=1)
    val_size: Int = Field(default=50, ge=1)
    frames: Int | None = Field(default=None, ge=10)
    test_fraction: Float = Field(default=0.3, gt=0.0, lt=1.0)
    image_column: str = "image"
    text_column: str = "text"
    label_column: str | None = None
    side_cameras: SideCameras | None = None

    @field_validator("image_size", mode="before")
    @classmethod
    def _positive_size(cls, value: Any) -> Any:
        if value is None:
            return value
        sizes = list(value) if isinstance(value, (list, tuple)) else [value]
        if len(sizes) != (2 if isinstance(value, (list, tuple)) else 1) or not all(
            isinstance(n, int) and not isinstance(n, bool) for n in sizes
        ):
            raise ValueError("image_size is a whole number of pixels, or [height, width]")
        if min(sizes) < 1:
            raise ValueError("image_size must be greater than 0 pixels")
        return value

    @property
    def label_field(self) -> str:
        """The column holding the label: ``label_column``, else the regression target's name, else ``label``."""
        return self.label_column or self.target or "label"

    @property
    def train_amount(self) -> int | None:
        """The small-data size: train samples per class (classification) or train frames (regression)."""
        return self.train_size if self.task == Task.REGRESSION else self.train_per_class

    @property
    def is_text(self) -> bool:
        return self.task == Task.TEXT_CLASSIFICATION

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

    copies: Int = Field(default=4, ge=0)
    # each entry checked against its op at load; {albumentations: FILE} reads an A.save file instead
    image: list[Any] | dict[str, Any] = Field(default_factory=list, max_length=MAX_LIST)
    input: list[Any] = Field(default_factory=list, max_length=MAX_LIST)  # model-input steps: Normalize, ToTensorV2
    text: list[Any] = Field(default_factory=list, max_length=MAX_LIST)


class OutputSpec(_Section):
    """Where results go and how the expansion is cut into shards."""

    dir: Path = Path("out")
    partition_size: Int = Field(default=256, ge=1)

    @field_validator("dir")
    @classmethod
    def _home_expanded(cls, folder: Path) -> Path:
        return folder.expanduser()


class RandAugmentSpec(_Section):
    """The randaugment arm's policy: N ops per copy at magnitude M of 30 (Cubuk et al. 2020)."""

    n: Int = Field(default=2, ge=1)
    m: Int = Field(default=9, ge=0, le=30)


class TrainSpec(_Section):
    """The value benchmark: which arms, how many replicates, and the training budget each run gets.

    A replicate draws its own train and validation subsets from the non-test pool, its own augmentation (and
    generator-sampling) seed and its own training seed; every arm of a replicate trains on the same subset, so gains
    are paired by replicate and their intervals are over replicates. ``seeds`` and ``learning_curve_seeds`` are the
    older names of ``replicates`` and ``learning_curve_replicates`` and mean the same."""

    model: str = "small-cnn"
    arms: list[str] = Field(default_factory=lambda: ["baseline", "augmented"], max_length=MAX_LIST)  # registered
    replicates: Int = Field(default=5, ge=1)  # one gives no interval, two an unreliable one
    seeds: Int | None = Field(default=None, ge=1)  # the older name of replicates
    steps: Int = Field(default=600, ge=1)
    batch_size: Int = Field(default=64, ge=1)
    lr: Float = Field(default=3e-3, gt=0)
    weights: Path | None = None  # an EfficientNet-Lite0 state dict for the backbone arms (default: ImageNet)
    backbone_size: Int = Field(default=64, ge=32, le=512)  # images are resized to this for the backbone
    weight_decay: Float = Field(default=5e-4, ge=0)
    loss: str | None = None  # a registered loss for the task (checked at load)
    mix: Literal["mixup", "cutmix"] | None = None  # for every arm; the mixup and cutmix arms set it for their own
    mixup_alpha: Float = Field(default=0.4, gt=0)  # Beta(alpha, alpha) mixing weights (Zhang et al. 2018)
    cutmix_alpha: Float = Field(default=1.0, gt=0)  # Beta(alpha, alpha) box areas (Yun et al. 2019)
    eval_every: Int = Field(default=25, ge=1)
    patience: Int = Field(default=8, ge=1)
    # the best-on-validation checkpoint is chosen among those from this fraction of the steps on (0: any; 1: the last)
    select_from: Float = Field(default=0.0, ge=0, le=1)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    precision: Literal["auto", "fp32", "bf16"] = "auto"  # auto: bf16 autocast on a GPU that has it, else fp32
    compile: Bool = False  # torch.compile the model (pays a compile time per run; for long runs on a GPU)
    learning_curve: list[Int] = Field(default_factory=lambda: [5, 10, 20, 40], max_length=MAX_LIST)
    learning_curve_replicates: Int | None = Field(default=None, ge=1)  # the first N replicates (None: all)
    learning_curve_seeds: Int | None = Field(default=None, ge=1)  # the older name of learning_curve_replicates
    classical_baseline: Bool = True
    pretrain: Literal["autoencoder"] | None = None  # the 'pretrained' arm: encoder pretrained as an autoencoder
    pretrain_steps: Int = Field(default=300, ge=1)
    pretrain_synthetic: Bool = False  # pretrain on the train split plus the kept synthetic samples
    ablation: Bool = False  # an augmented-without:NAME arm per top-level entry of the pipeline, against augmented
    randaugment: RandAugmentSpec = Field(default_factory=RandAugmentSpec)  # the randaugment arm's N and M

    @field_validator("arms")
    @classmethod
    def _baseline_first(cls, arms: list[str]) -> list[str]:
        if "baseline" not in arms:
            raise ValueError("the arms must include 'baseline': every gain is measured against it")
        if len(set(arms)) != len(arms):
            raise ValueError("each arm may appear once")
        return arms

    @model_validator(mode="after")
    def _older_names(self) -> TrainSpec:
        """``seeds`` -> ``replicates`` and ``learning_curve_seeds`` -> ``learning_curve_replicates`` (one of each)."""
        for old, new in (("seeds", "replicates"), ("learning_curve_seeds", "learning_curve_replicates")):
            value = getattr(self, old)
            if value is None:
                continue
            if new in self.model_fields_set and getattr(self, new) is not None:
                raise ValueError(f"{old} is the older name of {new} (the same thing): give only {new}")
            setattr(self, new, value)
            setattr(self, old, None)
        if self.learning_curve_replicates is not None and self.learning_curve_replicates > self.replicates:
            raise ValueError(
                f"learning_curve_replicates ({self.learning_curve_replicates}) is more than replicates "
                f"({self.replicates}): the learning curve trains on the first replicates' subsets"
            )
        return self

    @property
    def curve_replicates(self) -> int:
        """How many replicates (the first ones) the learning-curve sizes train on."""
        return self.learning_curve_replicates or self.replicates

    @field_validator("learning_curve")
    @classmethod
    def _positive_sizes(cls, sizes: list[int]) -> list[int]:
        if any(n < 1 for n in sizes):
            raise ValueError("learning-curve sizes (train samples per class, or frames) must be >= 1")
        return sorted(set(sizes))


class LimitsSpec(_Section):
    """Caps on the work a spec may ask for, checked at load (``augsynth.spec.limits``): a typo such as
    ``copies: 1000000000`` is refused instead of running for days. Raise a limit on purpose for a job meant to be that
    large."""

    max_output_rows: Int = Field(default=1_000_000, ge=1)  # train samples x (copies + 1) + generated samples
    max_copies: Int = Field(default=1_000, ge=0)  # augment.copies
    max_image_pixels: Int = Field(default=1 << 20, ge=1)  # height x width of dataset.image_size
    max_frames: Int = Field(default=100_000, ge=10)  # dataset.frames of a rendered data set
    max_generated: Int = Field(default=100_000, ge=1)  # per_class x classes, summed over the generators
    max_generator_epochs: Int = Field(default=100_000, ge=1)  # epochs of each generator
    max_train_steps: Int = Field(default=1_000_000, ge=1)  # train.steps x training runs (arms, replicates, curve)
    max_op_number: Float = Field(default=1024, gt=0)  # any number in an image op's parameters (pixels, kernels)


class Spec(_Section):
    """A whole augsynth spec."""

    version: Annotated[Literal[1], BeforeValidator(_not_bool)] = 1
    name: str
    seed: Int = Field(default=0, ge=0, le=MAX_SEED)
    dataset: DatasetSpec = Field(default_factory=DatasetSpec)
    labels: dict[str, LabelSpec] = Field(default_factory=dict)
    augment: AugmentSpec = Field(default_factory=AugmentSpec)
    generate: list[Any] = Field(default_factory=list, max_length=MAX_LIST)  # entries checked against their kind at load
    output: OutputSpec = Field(default_factory=OutputSpec)
    train: TrainSpec = Field(default_factory=TrainSpec)
    limits: LimitsSpec = Field(default_factory=LimitsSpec)

    def fingerprint(self, *sections: str) -> str:
        """A content hash of the given top-level sections (all that shape the data when none given)."""
        keys = sections or ("version", "seed", "dataset", "labels", "augment", "generate")
        data = self.model_dump(mode="json", include=set(keys))
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

    @property
    def target(self) -> Target:
        """The label the ops act on: class labels, the declared regression target, or a declared text label."""
        name = self.dataset.target if self.dataset.task != Task.CLASSIFICATION else None
        return Target(name, self.labels.get(name) if name else None)

    @property
    def text_label_kind(self) -> str:
        """What text ops must preserve: the declared kind, else ``topic``."""
        return self.target.spec.kind if self.target.spec else "topic"

    @property
    def loss(self) -> str:
        """The training loss: as given, else Huber (regression) or cross-entropy."""
        return self.train.loss or ("huber" if self.dataset.task == Task.REGRESSION else "cross_entropy")

    def with_train_size(self, n: int) -> Spec:
        """The same spec with another small-data size (learning curves): per class, or frames for regression."""
        field = "train_size" if self.dataset.task == Task.REGRESSION else "train_per_class"
        return self.model_copy(update={"dataset": self.dataset.model_copy(update={field: n})})
