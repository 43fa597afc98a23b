"""The report's ``generators`` section: per generator, what the gates did, TSTR, diversity and training time."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from augsynth.core.kinds import Verdict
from augsynth.data.arrays import ArrayData
from augsynth.generators import configs_of
from augsynth.generators.gates import diversity
from augsynth.report.model import AugmentedPlus, Diversity, GeneratorSummary, Memorization
from augsynth.report.scores import Scores
from augsynth.report.stats import paired_gain, summary
from augsynth.spec.schema import Spec
from augsynth.train.arms import generator_arm


def generator_report(
    spec: Spec, out_dir: Path, baseline: ArrayData, scores: Scores, synthetic: dict[str, ArrayData]
) -> dict[str, GeneratorSummary]:
    """Per generator, by name. ``synthetic``: each generator's kept samples, as the trainer read them (absent when the
    gates kept none)."""
    if not spec.generate:
        return {}
    manifest = pq.read_table(
        out_dir / "manifest.parquet", columns=["generator", "checkpoint", "gate", "confidence", "nn_ratio"]
    )
    reference = scores.main("baseline")
    report = {}
    for config in configs_of(spec):
        name = config.label
        rows = manifest.filter(pc.equal(manifest["generator"], name))
        gates = rows["gate"].to_pylist()
        ratios = rows["nn_ratio"].to_numpy()
        digest = rows["checkpoint"][0].as_py()
        meta = json.loads((out_dir / "generators" / f"{name}-{digest}.json").read_text())
        tstr = scores.main(generator_arm("synthetic", name))
        combined = scores.main(generator_arm("augmented+synthetic", name))
        kept_samples = synthetic.get(name)
        report[name] = GeneratorSummary(
            kind=config.kind,
            checkpoint=digest,
            generated=len(gates),
            kept=gates.count(Verdict.KEPT),
            confidence_rejected=gates.count(Verdict.LOW_CONFIDENCE),
            memorization=Memorization(
                min_nn_ratio=float(ratios.min()),
                median_nn_ratio=float(np.median(ratios)),
                threshold=config.min_nn_ratio,
                rejected=gates.count(Verdict.NEAR_COPY),
            ),
            mean_confidence=float(np.mean(rows["confidence"].to_numpy())),
            diversity=(
                Diversity(**diversity(kept_samples.images, kept_samples.labels, baseline.images, baseline.labels))
                if kept_samples is not None
                else None
            ),
            tstr=summary(tstr) if tstr else None,
            tstr_gain=paired_gain(tstr, reference) if tstr else None,
            augmented_plus=(
                AugmentedPlus(
                    **summary(combined).model_dump(),
                    gain=paired_gain(combined, reference),
                    over_augmented=paired_gain(combined, scores.main("augmented")),
                )
                if combined
                else None
            ),
            train_seconds=meta["train_seconds"],
            train_device=meta["device"],
        )
    return report
