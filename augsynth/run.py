"""The orchestrator: load/split -> per replicate (fit generators -> expand) -> train every arm -> report.

Each stage lives in its own package and knows nothing of the ones above it; only this module puts them in order.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from distributed import Client

from augsynth.core.errors import DataError
from augsynth.core.seeding import REPLICATE_STREAM, TRAIN_STREAM, stream_rng
from augsynth.data.accounting import tally
from augsynth.data.decode import check_no_overlap, decode_records
from augsynth.data.splits import Splits, make_splits
from augsynth.expansion.cluster import dask_client
from augsynth.expansion.job import ExpandResult, ExtraShards, expand, parallel_keys
from augsynth.expansion.output_dir import claim_output_dir
from augsynth.generators import configs_of
from augsynth.image.preview import image_preview
from augsynth.report.build import Classical, ReplicateDraw, build_report
from augsynth.report.generators import generator_report
from augsynth.report.model import Expansion, Quarantined, Report, SkippedSize
from augsynth.report.plots import generated_grid
from augsynth.report.scores import Scores
from augsynth.report.write import write_report
from augsynth.spec.schema import MAX_SEED, Spec
from augsynth.train.arms import ArmContext, ArmInputs, arm, generator_arm
from augsynth.train.arms.derived import DerivedArm, arm_dir, benchmark_arms
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
    """Training seeds, one per replicate: every arm of a replicate trains from the same one."""
    return [int(stream_rng(spec.seed, TRAIN_STREAM, k).integers(2**31)) for k in range(count)]


def replicate_seed(spec: Spec, index: int) -> int:
    """The spec seed of replicate ``index``: the spec's own for replicate 0 (so that ``augsynth expand`` writes
    replicate 0), a derived one for the others. It draws the replicate's train and validation subsets, its
    augmentation and its generators' sampling; the test split depends on the spec's seed only."""
    if index == 0:
        return spec.seed
    return int(stream_rng(spec.seed, REPLICATE_STREAM, index).integers(MAX_SEED + 1))


def replicate_spec(spec: Spec, index: int) -> Spec:
    """The spec of one replicate: the same but for its seed."""
    return spec if index == 0 else spec.model_copy(update={"seed": replicate_seed(spec, index)})


def replicate_dir(out_dir: Path, index: int) -> Path:
    """Where a replicate's expansion lives: the output dir itself for replicate 0, ``OUT/replicates/r{R}``."""
    return out_dir if index == 0 else out_dir / "replicates" / f"r{index}"


@dataclass(frozen=True)
class Prepared:
    """What every arm of one replicate shares: its spec (its seed), splits (its own train and validation subsets,
    the common test split), the expansion's accounting, the arms' context (rows read from the shards, the decoded
    validation and test splits), its training seed and the inputs quarantined on the way."""

    index: int
    spec: Spec
    splits: Splits
    expansion: ExpandResult
    context: ArmContext  # the expansion's rows and the held-out splits, as the arms read them
    quarantined: Quarantined
    accounting: dict[str, dict[str, int]]  # per stage, from independent counts
    train_seed: int


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
    """Expand every replicate (resuming), train every arm on each, and write the report into ``out``."""
    start = time.perf_counter()
    out_dir = Path(out or spec.output.dir)
    device = resolve_device(spec.train.device)
    context = nullcontext(client) if client is not None else dask_client(workers, scheduler)
    with context as active:
        replicates = _prepare(spec, out_dir, active, device.type, overwrite, progress)
        objective = objective_for(spec, len(replicates[0].splits.classes))
        inputs = _main_inputs(spec, replicates)
        curve, skipped = _curve_inputs(spec, replicates, active, overwrite, progress)
        jobs = _jobs(spec, replicates, inputs, curve)
        results = run_jobs(jobs, objective, spec.train, device, active, progress, spec.augment.input)
    scores = Scores.collect(jobs, results, objective.metric, spec.dataset.train_amount)
    report = _report(spec, replicates, objective, scores, inputs[0], skipped, str(device), start)
    if spec.generate:
        generated_grid(out_dir, replicates[0].splits.classes, out_dir / "generated.png")
    write_report(report, out_dir)
    return report


def _prepare(spec: Spec, out_dir: Path, client: Client, device: str, overwrite: bool, progress: bool) -> list[Prepared]:
    """Split once (the test split), then per replicate: carve its subsets, expand them (resuming), decode its
    held-out splits, and check that none of its train images is among them."""
    splits = _split_on(client, spec)
    test, test_quarantined = decode_records(splits.test, splits.payload_format, "test")
    seeds = run_seeds(spec, spec.train.replicates)
    prepared = []
    for index, train_seed in enumerate(seeds):
        rep_spec = replicate_spec(spec, index)
        rep_splits = splits if index == 0 else splits.resized(rep_spec)
        where = replicate_dir(out_dir, index)
        # every replicate shows its bars: a spec with generators trains them again for each one (minutes, on a CPU)
        expansion = expand_all(
            rep_spec, where, client=client, splits=rep_splits, overwrite=overwrite, progress=progress
        )
        _expand_derived(rep_spec, where, client, rep_splits, overwrite)
        val, val_quarantined = decode_records(rep_splits.val, rep_splits.payload_format, "validation")
        context = ArmContext(rep_spec, where, val, test, device)
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
            "validation": tally("validation", len(rep_splits.val), len(val), len(val_quarantined)),
            "test": tally("test", len(splits.test), len(test), len(test_quarantined)),
        }
        prepared.append(Prepared(index, rep_spec, rep_splits, expansion, context, quarantined, accounting, train_seed))
    return prepared


def _expand_derived(spec: Spec, where: Path, client: Client, splits: Splits, overwrite: bool) -> None:
    """The expansions of the arms with a pipeline of their own (ablation, policies), each under ``where/arms/``:
    the replicate's train subset, copies and seed, made by the arm's pipeline (resumed as any expansion)."""
    for name in benchmark_arms(spec):
        kind = arm(name)
        if isinstance(kind, DerivedArm):
            expand(
                kind.expansion(spec),
                arm_dir(where, name),
                client=client,
                splits=splits,
                overwrite=overwrite,
                progress=False,
            )


def _main_inputs(spec: Spec, replicates: list[Prepared]) -> list[dict[str, ArmInputs]]:
    """Per replicate, each arm's training inputs at the main train size, and each generator's (see
    ``_per_generator_inputs``): a generator arm counts only where every replicate has rows for it, so that its
    gains pair replicate by replicate."""
    inputs = [{name: arm(name).inputs(rep.context) for name in benchmark_arms(spec)} for rep in replicates]
    per_generator = [_per_generator_inputs(spec, rep.context) for rep in replicates]
    common = set.intersection(*(set(each) for each in per_generator))
    return [
        mine | {name: arm_inputs for name, arm_inputs in theirs.items() if name in common}
        for mine, theirs in zip(inputs, per_generator, strict=True)
    ]


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
    spec: Spec, replicates: list[Prepared], client: Client, overwrite: bool, progress: bool
) -> tuple[dict[tuple[int, int, str], ArmInputs], list[SkippedSize]]:
    """Inputs of the learning-curve arms at each curve size other than the main one, by (replicate, size, arm), for
    the first ``train.curve_replicates`` replicates: each size is drawn within the replicate's own order of the pool
    (so its subsets are nested in the replicate's) and expanded under its ``learning_curve/n{size}``. Also the sizes
    the data set is too small for."""
    inputs: dict[tuple[int, int, str], ArmInputs] = {}
    skipped: dict[int, SkippedSize] = {}
    curve_arms = [name for name in spec.train.arms if arm(name).in_learning_curve]
    for rep in replicates[: spec.train.curve_replicates]:
        main = rep.context
        for size in spec.train.learning_curve:
            if size == spec.dataset.train_amount or size in skipped:
                continue
            sized = rep.spec.with_train_size(size).model_copy(update={"generate": []})  # curves: real data only
            try:
                sized_splits = rep.splits.resized(sized)
            except DataError as err:
                skipped[size] = SkippedSize(train_size=size, reason=str(err))
                continue
            where = main.out_dir / "learning_curve" / f"n{size}"
            expand(sized, where, client=client, splits=sized_splits, overwrite=overwrite, progress=False)
            context = ArmContext(sized, where, main.val, main.test, main.device)
            inputs.update({(rep.index, size, name): arm(name).inputs(context) for name in curve_arms})
    return inputs, list(skipped.values())


def _jobs(
    spec: Spec,
    replicates: list[Prepared],
    inputs: list[dict[str, ArmInputs]],
    curve: dict[tuple[int, int, str], ArmInputs],
) -> list[Job]:
    """One job per arm and replicate at the main size (replicates in order within an arm: scores pair by
    position), and per curve arm, size and curve replicate."""
    main_size = spec.dataset.train_amount
    jobs = [
        Job(name, main_size, rep.train_seed, inputs[rep.index][name], rep.index)
        for name in inputs[0]
        for rep in replicates
    ]
    return jobs + [
        Job(name, size, replicates[index].train_seed, arm_inputs, index)
        for (index, size, name), arm_inputs in sorted(curve.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0]))
    ]


def _classical(spec: Spec, replicates: list[Prepared], objective: Objective) -> Classical | None:
    """The classical model on every replicate: on every arm with rows of its own for text (cheap), on the baseline
    only for images (a forest per arm and replicate would cost more than the deep arms)."""
    if not spec.train.classical_baseline:
        return None
    names = [name for name in spec.train.arms if arm(name).classical] if spec.dataset.is_text else ["baseline"]
    runs = {
        name: [
            classical_score(rep.context.rows(name), rep.context.test, objective, rep.train_seed) for rep in replicates
        ]
        for name in names
    }
    return Classical(classical_name(replicates[0].context.rows("baseline")), runs)


def _report(
    spec: Spec,
    replicates: list[Prepared],
    objective: Objective,
    scores: Scores,
    inputs: dict[str, ArmInputs],
    skipped: list[SkippedSize],
    device: str,
    start: float,
) -> Report:
    """The typed report, with the classical model and the generators' section (replicate 0's generators, whose
    ``inputs`` are given; ``start``: when the run began)."""
    first = replicates[0]
    context, expansion = first.context, first.expansion
    synthetic = {
        name: inputs[generator_arm("synthetic", name)].train
        for name in (c.label for c in configs_of(spec))
        if generator_arm("synthetic", name) in inputs
    }
    classical = _classical(spec, replicates, objective)
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
        quarantined=first.quarantined,
        duplicates_dropped=first.splits.duplicates,
        skipped_files=first.splits.skipped,
        accounting=first.accounting,
        classical=classical,
        generators=generators,
        skipped=skipped,
        replicates=[
            ReplicateDraw(
                replicate=rep.index,
                seed=rep.spec.seed,
                train_seed=rep.train_seed,
                subset=rep.splits.train_digest(),
                train_samples=len(rep.splits.train),
                rows=rep.expansion.rows,
            )
            for rep in replicates
        ],
        wall_seconds=time.perf_counter() - start,
    )
