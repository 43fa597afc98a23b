"""The Dask task for synthetic rows: sample one block of one class from a generator checkpoint, gate, write a shard."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import torch

from augsynth.core.kinds import Origin, Verdict
from augsynth.data.base import encode_png
from augsynth.data.shards import shard_schema, write_shard
from augsynth.generators.base import sample_noise, sample_seed
from augsynth.generators.gates import decide, load_gate
from augsynth.generators.training import load_generator

BLOCK = 50  # synthetic samples per task (fixed, so batches and bytes do not depend on the worker count)


@dataclass(frozen=True)
class SyntheticBlock:
    """Samples ``start <= j < stop`` of class ``label`` from one generator checkpoint."""

    generator: str
    checkpoint: str  # path
    digest: str
    label: int
    start: int
    stop: int


def plan_blocks(generator: str, checkpoint: str, digest: str, n_classes: int, per_class: int) -> list[SyntheticBlock]:
    return [
        SyntheticBlock(generator, checkpoint, digest, label, start, min(start + BLOCK, per_class))
        for label in range(n_classes)
        for start in range(0, per_class, BLOCK)
    ]


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """(B, C, H, W) in [-1, 1] -> (B, H, W) or (B, H, W, C) uint8."""
    array = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).permute(0, 2, 3, 1).numpy()
    return array[..., 0] if array.shape[-1] == 1 else array


def generate_block(block: SyntheticBlock, seed: int) -> np.ndarray:
    """The block's images, each from its own noise seeded by (seed, generator, class, index)."""
    kind, config, shape, model = load_generator(block.checkpoint)
    noise = sample_noise(
        seed, block.generator, block.label, range(block.start, block.stop), kind.noise_shape(config, shape)
    )
    labels = torch.full((len(noise),), block.label, dtype=torch.long)
    with torch.no_grad():
        return to_uint8(kind.decode(model, noise, labels))


def run_synthetic_partition(
    seed: int,
    partition: int,
    block: SyntheticBlock,
    gate_path: str,
    shards_dir: str,
    min_confidence: float,
    min_nn_ratio: float,
) -> dict:
    """Sample, score and write one block; every sample is written, with the gate's verdict in ``gate``."""
    images = generate_block(block, seed)
    labels = np.full(len(images), block.label, dtype=np.int64)
    confidence, ratio = load_gate(gate_path).score(images, labels)
    verdicts = [decide(c, r, min_confidence, min_nn_ratio) for c, r in zip(confidence, ratio, strict=True)]
    indices = range(block.start, block.stop)
    source = f"{block.generator}/class-{block.label}"
    rows = {
        "id": [f"{source}#{j}" for j in indices],
        "source_id": [source] * len(images),
        "sample_index": list(indices),
        "copy": [0] * len(images),
        "view": ["center"] * len(images),
        "origin": [Origin.SYNTHETIC] * len(images),
        "image": [encode_png(image) for image in images],
        "height": [images.shape[1]] * len(images),
        "width": [images.shape[2]] * len(images),
        "label_before": labels.tolist(),
        "label": labels.tolist(),
        "label_rule": ["[]"] * len(images),
        "ops": [json.dumps({"generator": block.generator, "class": block.label, "index": j}) for j in indices],
        "seed": [sample_seed(seed, block.generator, block.label, j) for j in indices],
        "generator": [block.generator] * len(images),
        "checkpoint": [block.digest] * len(images),
        "gate": verdicts,
        "confidence": confidence.tolist(),
        "nn_ratio": ratio.tolist(),
    }
    entry = write_shard(pa.table(rows, schema=shard_schema("classification")), shards_dir, partition)
    return {
        **entry,
        "inputs": 0,
        "written": 0,
        "quarantined": [],
        "synthetic": len(images),
        "kept": verdicts.count(Verdict.KEPT),
    }
