"""Expansion throughput: augsynth (Dask, shards, provenance) vs a bare albumentations loop, side by side.

Prints the ratios and writes benchmarks/results/expand_overhead.json. Run: python benchmarks/expand_overhead.py
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

import augsynth
from augsynth.core import offline
from augsynth.data.splits import make_splits

A = offline.albumentations()

SPEC = {
    "name": "bench-expand",
    "dataset": {"source": "sklearn:digits", "image_size": 32},
    "augment": {
        "copies": 4,
        "image": [
            {"op": "Affine", "rotate": [-12, 12], "translate_percent": [-0.08, 0.08], "p": 0.9},
            {"op": "GaussNoise", "std_range": [0.02, 0.08], "p": 0.5},
        ],
    },
    "output": {"partition_size": 128},
    "train": {"arms": ["baseline", "augmented"]},
}


def bare_loop(images: list[np.ndarray], copies: int) -> float:
    """Seconds for the same augmentations with one Compose and no bookkeeping, in one process."""
    compose = A.Compose(
        [
            A.Affine(rotate=(-12, 12), translate_percent=(-0.08, 0.08), p=0.9),
            A.GaussNoise(std_range=(0.02, 0.08), p=0.5),
        ],
        seed=0,
    )
    start = time.perf_counter()
    for image in images:
        for _ in range(copies):
            compose(image=image)
    return time.perf_counter() - start


def main() -> None:
    spec = augsynth.load_spec(SPEC)
    splits = make_splits(spec)
    images = [splits.payload_format.decode(r.payload) for r in splits.train]
    bare = bare_loop(images, spec.augment.copies)
    results = {"images": len(images), "copies": spec.augment.copies, "bare_albumentations_s": bare}
    for workers in (1, 2):
        out = Path(tempfile.mkdtemp())
        start = time.perf_counter()
        augsynth.expand(spec, out, workers=workers, splits=splits, progress=False)
        results[f"augsynth_{workers}w_s"] = time.perf_counter() - start
        shutil.rmtree(out)
    results["ratio_1w"] = bare / results["augsynth_1w_s"]
    results["ratio_2w"] = bare / results["augsynth_2w_s"]
    results["speedup_2w_vs_1w"] = results["augsynth_1w_s"] / results["augsynth_2w_s"]
    print(json.dumps(results, indent=1))
    target = Path(__file__).parent / "results" / "expand_overhead.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
