"""The report's ``generators`` section: per generator, what the gates did, TSTR, diversity and training time."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq

from augsynth.data.arrays import ArrayData
from augsynth.generators import configs_of
from augsynth.generators.gates import diversity
from augsynth.report.stats import paired_gain, summary
from augsynth.spec.schema import Spec


def generator_report(spec: Spec, out_dir: Path, baseline: ArrayData, scores: dict, main_size: int | None,
                     synthetic: dict[str, ArrayData]) -> dict:
    """``{name: {tstr, tstr_gain, augmented_plus, memorization, confidence_rejected, kept, generated, diversity,
    train_seconds, ...}}``; ``augmented_plus`` (this generator's kept samples added to the augmented arm) is there
    when the spec has the augmented+synthetic arm and more than one generator. ``synthetic``: each generator's kept
    samples, as the trainer read them (absent when the gates kept none)."""
    if not spec.generate:
        return {}
    manifest = pq.read_table(out_dir / "manifest.parquet",
                             columns=["generator", "checkpoint", "gate", "confidence", "nn_ratio"])
    report = {}
    for config in configs_of(spec):
        name = config.label
        rows = manifest.filter(pc.equal(manifest["generator"], name))
        gates = rows["gate"].to_pylist()
        ratios = rows["nn_ratio"].to_numpy()
        digest = rows["checkpoint"][0].as_py()
        meta = json.loads((out_dir / "generators" / f"{name}-{digest}.json").read_text())
        tstr = scores.get((f"synthetic:{name}", main_size))
        combined = scores.get((f"augmented+synthetic:{name}", main_size))
        kept = gates.count("kept")
        kept_samples = synthetic.get(name)
        report[name] = {
            "kind": config.kind,
            "checkpoint": digest,
            "generated": len(gates),
            "kept": kept,
            "confidence_rejected": gates.count("low_confidence"),
            "memorization": {"min_nn_ratio": float(ratios.min()), "median_nn_ratio": float(np.median(ratios)),
                             "threshold": config.min_nn_ratio, "rejected": gates.count("near_copy")},
            "mean_confidence": float(np.mean(rows["confidence"].to_numpy())),
            "diversity": (diversity(kept_samples.images, kept_samples.labels, baseline.images, baseline.labels)
                          if kept_samples is not None else None),
            "tstr": summary(tstr) if tstr else None,
            "tstr_gain": paired_gain(tstr, scores[("baseline", main_size)]) if tstr else None,
            "augmented_plus": ({**summary(combined), "gain": paired_gain(combined, scores[("baseline", main_size)]),
                                "over_augmented": paired_gain(combined, scores[("augmented", main_size)])}
                               if combined else None),
            "train_seconds": meta["train_seconds"],
            "train_device": meta["device"],
        }
    return report
