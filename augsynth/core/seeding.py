"""Per-sample random generators: each output is a pure function of (seed, sample index, copy index)."""

from __future__ import annotations

import random

import numpy as np

SPLIT_STREAM = 0x5A17  # distinguishes the data-split stream from per-sample streams
TRAIN_STREAM = 0x7EA1  # distinguishes trainer streams (init, batches) from the others


def seed_tuple(seed: int, sample_index: int, copy_index: int) -> list[int]:
    """The seed tuple recorded in provenance for one output sample."""
    return [int(seed), int(sample_index), int(copy_index)]


def sample_generators(seed: int, sample_index: int, copy_index: int) -> tuple[np.random.Generator, random.Random]:
    """numpy and Python generators for output (sample_index, copy_index), independent of any global state."""
    sequence = np.random.SeedSequence(seed_tuple(seed, sample_index, copy_index))
    state = sequence.generate_state(2, dtype=np.uint64)
    return np.random.default_rng(sequence), random.Random(int(state[0]) << 64 | int(state[1]))


def sample_seeds(seed: int, sample_index: int, copy_index: int) -> tuple[int, int]:
    """Two integer seeds (64-bit, 32-bit) for output (sample_index, copy_index): for libraries seeded by integers."""
    state = np.random.SeedSequence(seed_tuple(seed, sample_index, copy_index)).generate_state(3)
    return int(state[0]) << 32 | int(state[1]), int(state[2])


def stream_rng(seed: int, stream: int, *keys: int) -> np.random.Generator:
    """A numpy generator for a named stream (splits, trainer runs), keyed by extra integers."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), stream, *map(int, keys)]))
