"""Runs many training jobs: spread over the Dask workers on CPU, one after another on a GPU."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from distributed import Client
from tqdm.auto import tqdm

from augsynth.core.gather import finished
from augsynth.data.arrays import ArrayData
from augsynth.train.loop import RunResult, train_once
from augsynth.train.objectives import Objective


@dataclass(frozen=True)
class Job:
    """One training run: which arm at which train size, from which seed."""

    arm: str
    train_size: int
    seed_index: int
    seed: int
    train: ArrayData
    val: ArrayData
    test: ArrayData
    model: str | None = None  # another model than train.model (the transfer arm's head)
    pretrain: ArrayData | None = None  # images to pretrain the encoder on as an autoencoder (the pretrained arm)


def run_jobs(jobs: list[Job], objective: Objective, config, device: torch.device, client: Client | None,
             progress: bool = True) -> list[RunResult]:
    """Results in the order of ``jobs``."""
    results: list[RunResult | None] = [None] * len(jobs)
    configs = [config.model_copy(update={"model": job.model}) if job.model else config for job in jobs]
    with tqdm(total=len(jobs), desc="train", unit="run", disable=not progress) as bar:
        if device.type == "cpu" and client is not None:
            # each data set crosses the wire once, however many jobs use it
            distinct = {id(data): data for job in jobs for data in (job.train, job.val, job.test, job.pretrain)
                        if data is not None}
            refs = dict(zip(distinct, client.scatter(list(distinct.values()), hash=False), strict=True))
            refs[id(None)] = None
            futures = {client.submit(train_once, refs[id(job.train)], refs[id(job.val)], refs[id(job.test)],
                                     objective, job_config, job.seed, device, refs[id(job.pretrain)],
                                     pure=False): i
                       for i, (job, job_config) in enumerate(zip(jobs, configs, strict=True))}
            for future, result in finished(client, futures, "training"):
                results[futures[future]] = result
                bar.update()
        else:
            for i, (job, job_config) in enumerate(zip(jobs, configs, strict=True)):
                results[i] = train_once(job.train, job.val, job.test, objective, job_config, job.seed, device,
                                        job.pretrain)
                bar.update()
    return results  # type: ignore[return-value]
