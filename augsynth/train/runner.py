"""Runs many training jobs: spread over the Dask workers on CPU, one after another on a GPU."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from distributed import Client
from tqdm.auto import tqdm

from augsynth.core.gather import finished
from augsynth.data.arrays import ArrayData
from augsynth.train.arms import ArmInputs
from augsynth.train.loop import RunResult, train_once
from augsynth.train.objectives import Objective


@dataclass(frozen=True)
class Job:
    """One training run: which arm at which train size (None: all the train split), from which seed, on what."""

    arm: str
    train_size: int | None
    seed: int
    inputs: ArmInputs
    replicate: int = 0  # which replicate's draw (train subset, augmentation) the inputs come from


def run_jobs(
    jobs: list[Job],
    objective: Objective,
    config,
    device: torch.device,
    client: Client | None,
    progress: bool = True,
    input_steps: list[dict] | None = None,
) -> list[RunResult]:
    """Results in the order of ``jobs``; images reach the models through ``input_steps`` (``augment.input``)."""
    results: list[RunResult | None] = [None] * len(jobs)
    configs = [config.model_copy(update=job.inputs.settings) if job.inputs.settings else config for job in jobs]
    with tqdm(total=len(jobs), desc="train", unit="run", disable=not progress) as bar:
        if device.type == "cpu" and client is not None:
            # each data set crosses the wire once, however many jobs use it
            distinct = {id(data): data for job in jobs for data in _arrays(job.inputs) if data is not None}
            refs = dict(zip(distinct, client.scatter(list(distinct.values()), hash=False), strict=True))
            refs[id(None)] = None
            futures = {}
            for i, (job, job_config) in enumerate(zip(jobs, configs, strict=True)):
                train, val, test, pretrain = (refs[id(data)] for data in _arrays(job.inputs))
                futures[
                    client.submit(
                        train_once,
                        train,
                        val,
                        test,
                        objective,
                        job_config,
                        job.seed,
                        device,
                        pretrain,
                        input_steps,
                        pure=False,
                    )
                ] = i
            for future, result in finished(client, futures, "training"):
                results[futures[future]] = result
                bar.update()
        else:
            for i, (job, job_config) in enumerate(zip(jobs, configs, strict=True)):
                inputs = job.inputs
                results[i] = train_once(
                    inputs.train,
                    inputs.val,
                    inputs.test,
                    objective,
                    job_config,
                    job.seed,
                    device,
                    inputs.pretrain,
                    input_steps,
                )
                bar.update()
    return results  # type: ignore[return-value]


def _arrays(inputs: ArmInputs) -> tuple[ArrayData, ArrayData, ArrayData, ArrayData | None]:
    """The arrays a run reads, in ``train_once``'s order."""
    return inputs.train, inputs.val, inputs.test, inputs.pretrain
