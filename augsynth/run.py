"""The orchestrator: load/split -> fit generators -> expand -> train every arm over seeds -> report.

Each stage lives in its own package and knows nothing of the ones above it; only this module puts them in order.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from pathlib import Path

import numpy as np
from distributed import Client

from augsynth.core.errors import DataError
from augsynth.core.seeding import TRAIN_STREAM, stream_rng
from augsynth.data.accounting import tally
from augsynth.data.arrays import ArrayData
from augsynth.data.decode import check_no_overlap, decode_records
from augsynth.data.splits import Splits, make_splits
from augsynth.expand.cluster import dask_client
from augsynth.expand.job import ExpandResult, ExtraShards, expand
from augsynth.generators import configs_of
from augsynth.image.preview import image_preview
from augsynth.report.generators import generator_report
from augsynth.report.plots import generated_grid
from augsynth.report.stats import mean_ci, paired_gain, summary
from augsynth.report.write import write_report
from augsynth.spec.schema import Spec
from augsynth.train.arms import arm_data
from augsynth.train.classical import classical_name, classical_score
from augsynth.train.models import resolve_device
from augsynth.train.objectives import objective_for
from augsynth.train.runner import Job, run_jobs
from augsynth.train.transfer import HEAD_MODEL, embedded


def expand_all(spec: Spec, out: str | Path | None = None, *, splits: Splits | None = None, **options) -> ExpandResult:
    """The expansion with the generator stage: generated samples' shards follow the real ones in the same job
    (``options`` as for ``augsynth.expand.job.expand``; torch loads only when the spec has generators)."""
    splits = splits or make_splits(spec)
    return expand(spec, out, splits=splits, extra=_synthetic_shards(spec, splits, Path(out or spec.output.dir)),
                  **options)


def _synthetic_shards(spec: Spec, splits: Splits, out_dir: Path) -> ExtraShards | None:
    if not spec.generate:
        return None
    from augsynth.generators.stage import plan_synthetic  # torch loads only for specs with generators

    return plan_synthetic(spec, splits, out_dir)


def preview(spec: Spec, path: str | Path, rows: int = 8, copies: int | None = None) -> Path:
    """Originals beside their augmented copies: a PNG grid for images, Markdown (``path`` as ``.md``) for text."""
    if spec.dataset.is_text:
        from augsynth.text.preview import text_preview  # nlpaug loads only for text specs

        return text_preview(spec, Path(path).with_suffix(".md"), rows, copies)
    return image_preview(spec, path, rows, copies)


def run_seeds(spec: Spec, count: int) -> list[int]:
    """Training seeds, shared by every arm so that gains can be paired seed by seed."""
    return [int(stream_rng(spec.seed, TRAIN_STREAM, k).integers(2**31)) for k in range(count)]


def compare(spec: Spec, out: str | Path | None = None, *, workers: int | None = None, scheduler: str | None = None,
            client: Client | None = None, overwrite: bool = False, progress: bool = True) -> dict:
    """Expand (resuming), train every arm over ``train.seeds`` seeds, and write the report into ``out``."""
    start = time.perf_counter()
    out_dir = Path(out or spec.output.dir)
    config = spec.train
    device = resolve_device(config.device)
    context = nullcontext(client) if client is not None else dask_client(workers, scheduler)
    with context as active:
        splits = make_splits(spec)
        expansion = expand_all(spec, out_dir, client=active, splits=splits, overwrite=overwrite, progress=progress)
        val, val_quarantined = decode_records(splits.val, splits.payload_format, "validation")
        test, test_quarantined = decode_records(splits.test, splits.payload_format, "test")
        main_size = spec.dataset.train_amount
        objective = objective_for(spec, len(splits.classes))
        arms = {arm: arm_data(out_dir, arm, spec.dataset.is_text) for arm in config.arms if arm != "transfer"}
        check_no_overlap({"train": arms["baseline"], "validation": val, "test": test})
        inputs = {arm: (data, val, test, None, None) for arm, data in arms.items()}
        if "transfer" in config.arms:
            inputs["transfer"] = (*(embedded(d, device.type) for d in (arms["baseline"], val, test)), HEAD_MODEL, None)
        if "pretrained" in config.arms:
            inputs["pretrained"] = (arms["pretrained"], val, test, None, _pretrain_images(spec, out_dir, arms))
        inputs.update(_per_generator_inputs(spec, out_dir, val, test))
        jobs = [Job(arm, main_size, k, seed, *inputs[arm]) for arm in inputs
                for k, seed in enumerate(run_seeds(spec, config.seeds))]
        curve_train, skipped = _curve_arms(spec, splits, out_dir, active, progress)
        curve_seeds = run_seeds(spec, config.learning_curve_seeds or config.seeds)
        jobs += [Job(arm, size, k, seed, data, val, test) for (size, arm), data in curve_train.items()
                 for k, seed in enumerate(curve_seeds)]
        results = run_jobs(jobs, objective, config, device, active, progress)
    scores: dict[tuple[str, int | None], list[float]] = {}
    others: dict[str, dict[str, list[float]]] = {}
    for job, result in zip(jobs, results, strict=True):
        scores.setdefault((job.arm, job.train_size), []).append(result.test[objective.metric])
        if job.train_size == main_size and job.arm in config.arms:
            for metric, value in result.test.items():
                others.setdefault(job.arm, {}).setdefault(metric, []).append(value)
    # the classical model on every arm for text (cheap), on the baseline only for images (a forest per arm and seed
    # would cost more than the deep arms)
    classical_on = list(arms) if spec.dataset.is_text else ["baseline"]
    classical = ({arm: [classical_score(arms[arm], test, objective, seed) for seed in run_seeds(spec, config.seeds)]
                  for arm in classical_on} if config.classical_baseline else {})
    report = {
        "name": spec.name,
        "task": spec.dataset.task,
        "metric": objective.metric,
        "higher_is_better": objective.higher_is_better,
        "test_size": len(test),
        "validation_size": len(val),
        "train_size": main_size,
        "train_size_unit": "samples per class" if objective.task == "classification" else "frames",
        "seeds": config.seeds,
        "device": str(device),
        "arms": {arm: summary(scores[(arm, main_size)]) for arm in config.arms},
        "generators": generator_report(spec, out_dir, arms["baseline"], scores, main_size,
                                       {key.split(":", 1)[1]: data for key, (data, *_) in inputs.items()
                                        if key.startswith("synthetic:")}),
        "gain": {arm: paired_gain(scores[(arm, main_size)], scores[("baseline", main_size)])
                 for arm in config.arms if arm != "baseline"},
        "metrics": {arm: {metric: summary(values) for metric, values in by_metric.items()}
                    for arm, by_metric in others.items()},
        "classical_baseline": ({"model": classical_name(arms["baseline"]), **summary(classical["baseline"])}
                               if classical else None),
        "classical_arms": {arm: {**summary(scores_), **({"gain": paired_gain(scores_, classical["baseline"])}
                                                        if arm != "baseline" else {})}
                           for arm, scores_ in classical.items()},
        "learning_curve": _curve_points(scores, main_size, config, skipped),
        "expansion": {"inputs": expansion.inputs, "written": expansion.written,
                      "quarantined": expansion.quarantined, "rows": expansion.rows,
                      "synthetic": expansion.synthetic, "synthetic_kept": expansion.synthetic_kept},
        "quarantined": {"source": [q.__dict__ for q in splits.quarantined], "train": expansion.quarantine,
                        "validation": val_quarantined, "test": test_quarantined},
        "duplicates_dropped": splits.duplicates,
        "accounting": {"source": splits.accounting(),
                       "train": tally("train", expansion.inputs, expansion.written, expansion.quarantined),
                       "validation": tally("validation", len(splits.val), len(val), len(val_quarantined)),
                       "test": tally("test", len(splits.test), len(test), len(test_quarantined))},
        "train_seconds_mean": sum(r.seconds for r in results) / max(1, len(results)),
        "wall_seconds": time.perf_counter() - start,
    }
    if spec.generate:
        generated_grid(out_dir, splits.classes, out_dir / "generated.png")
    write_report(report, out_dir)
    return report


def _per_generator_inputs(spec: Spec, out_dir: Path, val: ArrayData, test: ArrayData) -> dict[str, tuple]:
    """Per generator: its kept samples alone (TSTR) and, beside other generators, added to the augmented arm's rows."""
    arms = ["synthetic"]
    if "augmented+synthetic" in spec.train.arms and len(configs_of(spec)) > 1:
        arms.append("augmented+synthetic")
    inputs = {}
    for name in (c.label for c in configs_of(spec)):
        for arm in arms:
            try:
                inputs[f"{arm}:{name}"] = (arm_data(out_dir, arm, generator=name), val, test, None, None)
            except DataError:  # the gates rejected all its samples: the report says so
                break
    return inputs


def _pretrain_images(spec: Spec, out_dir: Path, arms: dict[str, ArrayData]) -> ArrayData:
    """What the pretrained arm's autoencoder learns from: the train split, plus the kept synthetic samples."""
    images = arms["baseline"]
    if spec.train.pretrain_synthetic:
        synthetic = arms["synthetic"] if "synthetic" in arms else arm_data(out_dir, "synthetic")
        images = ArrayData(np.concatenate([images.images, synthetic.images]),
                           np.concatenate([images.labels, synthetic.labels]))
    return images


def _curve_arms(spec: Spec, splits: Splits, out_dir: Path, client: Client, progress: bool) -> tuple[dict, list[dict]]:
    """Train arrays of each learning-curve size other than the main one (expanded under out/learning_curve)."""
    data: dict[tuple[int, str], ArrayData] = {}
    skipped = []
    curve_arms = [arm for arm in spec.train.arms if arm in ("baseline", "augmented")]
    for size in spec.train.learning_curve:
        if size == spec.dataset.train_amount:
            continue
        sized = spec.with_train_size(size).model_copy(update={"generate": []})  # curves compare real data only
        try:
            sized_splits = splits.resized(sized)
        except DataError as err:
            skipped.append({"train_size": size, "reason": str(err)})
            continue
        where = out_dir / "learning_curve" / f"n{size}"
        expand(sized, where, client=client, splits=sized_splits, progress=progress)
        for arm in curve_arms:
            data[(size, arm)] = arm_data(where, arm, spec.dataset.is_text)
    return data, skipped


def _curve_points(scores: dict, main_size: int | None, config, skipped: list[dict]) -> list[dict]:
    points = []
    for (arm, size), values in sorted(scores.items(), key=lambda item: (item[0][1] or 0, item[0][0])):
        if arm in config.arms and (size in config.learning_curve or size == main_size):
            mean, ci = mean_ci(values)
            points.append({"train_size": size, "arm": arm, "mean": mean, "ci95": ci, "runs": values})
    return points + [{"train_size": s["train_size"], "skipped": s["reason"]} for s in skipped]
