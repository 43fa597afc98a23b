"""The orchestrator: load/split -> fit generators -> expand -> train every arm over seeds -> report.

Each stage lives in its own package and knows nothing of the ones above it; only this module puts them in order.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from distributed import Client

from augsynth.core.errors import DataError
from augsynth.core.seeding import TRAIN_STREAM, stream_rng
from augsynth.data.accounting import tally
from augsynth.data.decode import check_no_overlap, decode_records
from augsynth.data.splits import Splits, make_splits
from augsynth.expansion.cluster import dask_client
from augsynth.expansion.job import ExpandResult, ExtraShards, expand, parallel_keys
from augsynth.expansion.output_dir import claim_output_dir
from augsynth.generators import configs_of
from augsynth.image.preview import image_preview
from augsynth.report.build import Classical, build_report
from augsynth.report.generators import generator_report
from augsynth.report.model import Expansion, Quarantined, Report, SkippedSize
from augsynth.report.plots import generated_grid
from augsynth.report.scores import Scores
from augsynth.report.write import write_report
from augsynth.spec.schema import Spec
from augsynth.train.arms import ArmContext, ArmInputs, arm, generator_arm
from augsynth.train.classical import classical_name, classical_score
from augsynth.train.models import resolve_device
from augsynth.train.objectives import Objective, objective_for
from augsynth.train.runner import Job, run_jobs


def expand_all(
    spec: Spec,
    out: str | Path | None = None,
    *,
    splits: Splits | None = None,
    client: Client | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    overwrite: bool = False,
    **options,
) -> ExpandResult:
    """The expansion with the generator stage: generated samples' shards follow the real ones in the same job
    (``options`` as for ``augsynth.expansion.job.expand``; torch loads only when the spec has generators). The
    cluster starts first, so that the pass that decodes every input before the split runs on its workers."""
    if client is None:
        claim_output_dir(Path(out or spec.output.dir), overwrite)  # refused before a cluster starts
        with dask_client(workers, scheduler) as active:
            return expand_all(spec, out, splits=splits, client=active, overwrite=overwrite, **options)
    splits = splits or _split_on(client, spec)
    synthetic = _synthetic_shards(spec, splits, Path(out or spec.output.dir))
    return expand(spec, out, splits=splits, client=client, overwrite=overwrite, extra=synthetic, **options)


def _split_on(client: Client, spec: Spec) -> Splits:
    """The spec's splits, with the pass that decodes every input run on the cluster's workers."""
    return make_splits(spec, parallel_keys(client, spec.output.partition_size))


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


@dataclass(frozen=True)
class Prepared:
    """What every arm shares: the splits, the expansion's accounting, the arms' context (rows read from the shards,
    the decoded validation and test splits) and the inputs quarantined on the way."""

    splits: Splits
    expansion: ExpandResult
    context: ArmContext  # the expansion's rows and the held-out splits, as the arms read them
    quarantined: Quarantined
    accounting: dict[str, dict[str, int]]  # per stage, from independent counts


def compare(
    spec: Spec,
    out: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Client | None = None,
    overwrite: bool = False,
    progress: bool = True,
) -> Report:
    """Expand (resuming), train every arm over ``train.seeds`` seeds, and write the report into ``out``."""
    start = time.perf_counter()
    out_dir = Path(out or spec.output.dir)
    device = resolve_device(spec.train.device)
    context = nullcontext(client) if client is not None else dask_client(workers, scheduler)
    with context as active:
        prepared = _prepare(spec, out_dir, active, device.type, overwrite, progress)
        objective = objective_for(spec, len(prepared.splits.classes))
        inputs = _main_inputs(spec, prepared.context)
        curve, skipped = _curve_inputs(spec, prepared, active, progress)
        jobs = _jobs(spec, inputs, curve)
        results = run_jobs(jobs, objective, spec.train, device, active, progress, spec.augment.input)
    scores = Scores.collect(jobs, results, objective.metric, spec.dataset.train_amount)
    report = _report(spec, prepared, objective, scores, inputs, skipped, str(device), start)
    if spec.generate:
        generated_grid(out_dir, prepared.splits.classes, out_dir / "generated.png")
    write_report(report, out_dir)
    return report


def _prepare(spec: Spec, out_dir: Path, client: Client, device: str, overwrite: bool, progress: bool) -> Prepared:
    """Split, expand (resuming), decode the held-out splits, and check that no train image is among them."""
    splits = _split_on(client, spec)
    expansion = expand_all(spec, out_dir, client=client, splits=splits, overwrite=overwrite, progress=progress)
    val, val_quarantined = decode_records(splits.val, splits.payload_format, "validation")
    test, test_quarantined = decode_records(splits.test, splits.payload_format, "test")
    context = ArmContext(spec, out_dir, val, test, device)
    check_no_overlap({"train": context.rows("baseline"), "validation": val, "test": test})
    quarantined = Quarantined(
        source=[q.__dict__ for q in splits.quarantined],
        train=expansion.quarantine,
        validation=val_quarantined,
        test=test_quarantined,
    )
    accounting = {
        "source": splits.accounting(),
        "train": tally("train", expansion.inputs, expansion.written, expansion.quarantined),
        "validation": tally("validation", len(splits.val), len(val), len(val_quarantined)),
        "test": tally("test", len(splits.test), len(test), len(test_quarantined)),
    }
    return Prepared(splits, expansion, context, quarantined, accounting)


def _main_inputs(spec: Spec, context: ArmContext) -> dict[str, ArmInputs]:
    """Each arm's training inputs at the main train size, and each generator's (see ``_per_generator_inputs``)."""
    inputs = {name: arm(name).inputs(context) for name in spec.train.arms}
    return inputs | _per_generator_inputs(spec, context)


def _per_generator_inputs(spec: Spec, context: ArmContext) -> dict[str, ArmInputs]:
    """Per generator: its kept samples alone (TSTR) and, beside other generators, added to the augmented arm's rows."""
    arms = ["synthetic"]
    if "augmented+synthetic" in spec.train.arms and len(configs_of(spec)) > 1:
        arms.append("augmented+synthetic")
    inputs = {}
    for name in (c.label for c in configs_of(spec)):
        for each in arms:
            try:
                rows = context.rows(each, generator=name)
            except DataError:  # the gates rejected all its samples: the report says so
                break
            inputs[generator_arm(each, name)] = ArmInputs(rows, context.val, context.test)
    return inputs


def _curve_inputs(
    spec: Spec, prepared: Prepared, client: Client, progress: bool
) -> tuple[dict[tuple[int, str], ArmInputs], list[SkippedSize]]:
    """Inputs of the learning-curve arms at each curve size other than the main one (expanded under
    out/learning_curve), and the sizes the data set is too small for."""
    inputs: dict[tuple[int, str], ArmInputs] = {}
    skipped = []
    main = prepared.context
    curve_arms = [name for name in spec.train.arms if arm(name).in_learning_curve]
    for size in spec.train.learning_curve:
        if size == spec.dataset.train_amount:
            continue
        sized = spec.with_train_size(size).model_copy(update={"generate": []})  # curves compare real data only
        try:
            sized_splits = prepared.splits.resized(sized)
        except DataError as err:
            skipped.append(SkippedSize(train_size=size, reason=str(err)))
            continue
        where = main.out_dir / "learning_curve" / f"n{size}"
        expand(sized, where, client=client, splits=sized_splits, progress=progress)
        context = ArmContext(sized, where, main.val, main.test, main.device)
        inputs.update({(size, name): arm(name).inputs(context) for name in curve_arms})
    return inputs, skipped


def _jobs(spec: Spec, inputs: dict[str, ArmInputs], curve: dict[tuple[int, str], ArmInputs]) -> list[Job]:
    """One job per arm and seed at the main size, and per curve arm, size and curve seed."""
    main_size = spec.dataset.train_amount
    jobs = [
        Job(name, main_size, seed, arm_inputs)
        for name, arm_inputs in inputs.items()
        for seed in run_seeds(spec, spec.train.seeds)
    ]
    curve_seeds = run_seeds(spec, spec.train.learning_curve_seeds or spec.train.seeds)
    return jobs + [
        Job(name, size, seed, arm_inputs) for (size, name), arm_inputs in curve.items() for seed in curve_seeds
    ]


def _classical(spec: Spec, context: ArmContext, objective: Objective) -> Classical | None:
    """The classical model on every arm with rows of its own for text (cheap), on the baseline only for images (a
    forest per arm and seed would cost more than the deep arms)."""
    if not spec.train.classical_baseline:
        return None
    names = [name for name in spec.train.arms if arm(name).classical] if spec.dataset.is_text else ["baseline"]
    seeds = run_seeds(spec, spec.train.seeds)
    runs = {
        name: [classical_score(context.rows(name), context.test, objective, seed) for seed in seeds] for name in names
    }
    return Classical(classical_name(context.rows("baseline")), runs)


def _report(
    spec: Spec,
    prepared: Prepared,
    objective: Objective,
    scores: Scores,
    inputs: dict[str, ArmInputs],
    skipped: list[SkippedSize],
    device: str,
    start: float,
) -> Report:
    """The typed report, with the classical model and the generators' section (``start``: when the run began)."""
    context, expansion = prepared.context, prepared.expansion
    synthetic = {
        name: inputs[generator_arm("synthetic", name)].train
        for name in (c.label for c in configs_of(spec))
        if generator_arm("synthetic", name) in inputs
    }
    classical = _classical(spec, context, objective)
    generators = generator_report(spec, context.out_dir, context.rows("baseline"), scores, synthetic)
    return build_report(
        spec,
        objective,
        scores,
        device=device,
        test_size=len(context.test),
        validation_size=len(context.val),
        expansion=Expansion(
            inputs=expansion.inputs,
            written=expansion.written,
            quarantined=expansion.quarantined,
            rows=expansion.rows,
            synthetic=expansion.synthetic,
            synthetic_kept=expansion.synthetic_kept,
        ),
        quarantined=prepared.quarantined,
        duplicates_dropped=prepared.splits.duplicates,
        skipped_files=prepared.splits.skipped,
        accounting=prepared.accounting,
        classical=classical,
        generators=generators,
        skipped=skipped,
        wall_seconds=time.perf_counter() - start,
    )
