"""Bounded work: what a spec asks for, counted at load against its ``limits:`` section, before anything runs.

Counts that need the data (rows, generated samples) use what the source knows cheaply at load; where the source
cannot say (how many classes a CSV holds, say), the per-setting limits still apply.
"""

from __future__ import annotations

from typing import Any

from augsynth.core.errors import SpecError
from augsynth.core.kinds import Task
from augsynth.spec.schema import Spec

CURVE_ARMS = ("baseline", "augmented")  # the arms a learning curve trains at each size


def check_limits(spec: Spec, records: int | None, classes: int | None, generators: list[dict[str, Any]]) -> None:
    """Refuse a spec that asks for more than a limit allows, naming the limit. ``records`` and ``classes`` are the
    source's sizes when known at load (else None); ``generators`` the validated generator settings."""
    data = spec.dataset
    if data.size_hw is not None:
        _within(
            data.size_hw[0] * data.size_hw[1],
            "max_image_pixels",
            spec,
            "dataset.image_size",
            f"dataset.image_size {list(data.size_hw)} is {data.size_hw[0] * data.size_hw[1]} pixels per image",
        )
    if data.frames is not None:
        _within(data.frames, "max_frames", spec, "dataset.frames", f"dataset.frames is {data.frames}")
    _within(spec.augment.copies, "max_copies", spec, "augment.copies", f"augment.copies is {spec.augment.copies}")
    generated = 0
    for i, config in enumerate(generators):
        _within(
            config["epochs"],
            "max_generator_epochs",
            spec,
            f"generate[{i}].epochs",
            f"generate[{i}].epochs is {config['epochs']}",
        )
        generated += config["per_class"] * (classes or 1)
        per_class = f" x {classes} classes" if classes else ""
        _within(
            generated,
            "max_generated",
            spec,
            f"generate[{i}].per_class",
            f"the generators make {generated} samples (per_class {config['per_class']}{per_class}"
            f"{', with the generators before it' if i else ''})",
        )
    curve = [n for n in spec.train.learning_curve if n != data.train_amount]  # each size is expanded too
    trains = [_train_records(spec, size, records, classes) for size in [data.train_amount, *curve]]
    if trains[0] is not None:
        # every replicate expands its own subset (and the first curve_replicates their curve sizes)
        replicates, curve_replicates = spec.train.replicates, spec.train.curve_replicates
        curve_train = sum(n for n in trains[1:] if n is not None)
        train = trains[0] * replicates + curve_train * curve_replicates
        rows = train * (spec.augment.copies + 1) + generated * replicates
        _within(
            rows,
            "max_output_rows",
            spec,
            "augment.copies",
            f"the expansion writes up to {rows} rows ({train} training samples over {replicates} replicates"
            f"{', learning-curve sizes included,' if curve else ''} x (copies {spec.augment.copies} + 1)"
            f"{f' + {generated} generated per replicate' if generated else ''})",
        )
    train_config, runs = spec.train, _training_runs(spec)
    pretraining = train_config.pretrain_steps * train_config.replicates if train_config.pretrain else 0
    steps = train_config.steps * runs + pretraining
    _within(
        steps,
        "max_train_steps",
        spec,
        "train.steps",
        f"training takes {steps} optimizer steps (train.steps {train_config.steps} x {runs} runs of the arms and "
        f"learning-curve sizes over the replicates{f' + {pretraining} pretraining' if pretraining else ''})",
    )


def _within(value: int, limit: str, spec: Spec, where: str, what: str) -> None:
    allowed = getattr(spec.limits, limit)
    if value > allowed:
        raise SpecError(
            where,
            f"{what}, above limits.{limit} ({allowed})",
            fix=f"lower it, or raise limits.{limit} if you mean it (limits: {{{limit}: {value}}})",
        )


def _train_records(spec: Spec, amount: int | None, records: int | None, classes: int | None) -> int | None:
    """At most how many training samples (camera views included) an expansion reads with ``amount`` frames or
    samples per class (None: all the source has), when that is known at load."""
    if spec.dataset.task == Task.REGRESSION:
        frames = amount or records
        return None if frames is None else frames * (3 if spec.dataset.side_cameras is not None else 1)
    if amount is not None and classes is not None:
        return amount * classes if records is None else min(records, amount * classes)
    return records


def _training_runs(spec: Spec) -> int:
    """Training runs of the benchmark: every arm over the replicates, and the learning-curve sizes over theirs."""
    train = spec.train
    curve_sizes = [n for n in train.learning_curve if n != spec.dataset.train_amount]
    curve_arms = [arm for arm in train.arms if arm in CURVE_ARMS]
    ablation = len(spec.augment.text if spec.dataset.is_text else spec.augment.image) if train.ablation else 0
    return train.replicates * (len(train.arms) + ablation) + len(curve_sizes) * len(curve_arms) * train.curve_replicates
