"""Every training run's test scores, gathered by arm and train size."""

from __future__ import annotations

from dataclasses import dataclass

from augsynth.train.loop import RunResult
from augsynth.train.runner import Job


@dataclass(frozen=True)
class Scores:
    """The report's metric by (arm, train size), in seed order; every test metric of the runs at the main size."""

    main_size: int | None
    by_arm: dict[tuple[str, int | None], list[float]]
    metrics: dict[str, dict[str, list[float]]]
    seconds: list[float]

    @classmethod
    def collect(cls, jobs: list[Job], results: list[RunResult], metric: str, main_size: int | None) -> Scores:
        by_arm: dict[tuple[str, int | None], list[float]] = {}
        metrics: dict[str, dict[str, list[float]]] = {}
        for job, result in zip(jobs, results, strict=True):
            by_arm.setdefault((job.arm, job.train_size), []).append(result.test[metric])
            if job.train_size == main_size:
                for name, value in result.test.items():
                    metrics.setdefault(job.arm, {}).setdefault(name, []).append(value)
        return cls(main_size, by_arm, metrics, [result.seconds for result in results])

    def main(self, arm: str) -> list[float] | None:
        """The arm's scores at the main train size (None when it did not train)."""
        return self.by_arm.get((arm, self.main_size))
