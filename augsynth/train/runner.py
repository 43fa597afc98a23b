"""Runs many training jobs: spread over the Dask workers on CPU, one after another on a GPU."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from distributed import Client, as_completed
from tqdm.auto import tqdm

from augsynth.train.loop import ArrayData, RunResult, train_once
from augsynth.train.objectives import Objective


@dataclass(frozen=True)
class Job:
    """One training run: which arm at which train size, from which seed."""

    arm: str
    train_size: int
    seed_index: int
    seed: int
    train: ArrayData


def run_jobs(jobs: list[Job], val: ArrayData, test: ArrayData, objective: Objective, config, device: torch.device,
             client: Client | None, progress: bool = True) -> list[RunResult]:
    """Results in the order of ``jobs``."""
    results: list[RunResult | None] = [None] * len(jobs)
    with tqdm(total=len(jobs), desc="train", unit="run", disable=not progress) as bar:
        if device.type == "cpu" and client is not None:
            val_ref, test_ref = client.scatter([val, test], broadcast=True)
            distinct = {id(job.train): job.train for job in jobs}  # each train set crosses the wire once
            refs = dict(zip(distinct, client.scatter(list(distinct.values()), hash=False), strict=True))
            futures = {client.submit(train_once, refs[id(job.train)], val_ref, test_ref, objective, config, job.seed,
                                     device, pure=False): i for i, job in enumerate(jobs)}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                bar.update()
        else:
            for i, job in enumerate(jobs):
                results[i] = train_once(job.train, val, test, objective, config, job.seed, device)
                bar.update()
    return results  # type: ignore[return-value]
