"""Per-sample random generators: each output is a pure function of (seed, sample index, copy index)."""

from __future__ import annotations

import hashlib
import random

import numpy as np

SPLIT_STREAM = 0x5A17  # distinguishes the data-split stream from per-sample streams
TRAIN_STREAM = 0x7EA1  # distinguishes trainer streams (init, batches) from the others
REPLICATE_STREAM = 0x4E91  # the spec seeds of replicates 1, 2 ... (their train subsets and augmentation draws)
MASK_128 = (1 << 128) - 1


def seed_tuple(seed: int, sample_index: int, copy_index: int) -> list[int]:
    """The seed tuple recorded in provenance for one output sample."""
    return [int(seed), int(sample_index), int(copy_index)]


class SampleRandom:
    """One numpy generator and one Python generator whose states are set for each output sample.

    ``reseed(seed, i, c)`` puts both in a state that is a pure function of (seed, i, c): a BLAKE2b digest of the
    three numbers gives the PCG64 state and (odd) increment, 128 bits each, and the Python seed (64 bits). Setting
    the state of long-lived generators costs about 7 us, where building a ``SeedSequence`` and two new generators per
    sample cost about 25 us; a library holding references to these generators (albumentations) sees every reseed.
    """

    def __init__(self) -> None:
        self._bits = np.random.PCG64(0)
        self.numpy = np.random.Generator(self._bits)
        self.python = random.Random(0)
        self._digest = hashlib.blake2b(digest_size=40, person=b"augsynth-sample")
        self._state = {"bit_generator": "PCG64", "state": {"state": 0, "inc": 1}, "has_uint32": 0, "uinteger": 0}

    def reseed(self, seed: int, sample_index: int, copy_index: int) -> None:
        digest = self._digest.copy()
        digest.update(f"{seed},{sample_index},{copy_index}".encode())
        bits = int.from_bytes(digest.digest(), "little")
        self._state["state"]["state"] = bits & MASK_128
        self._state["state"]["inc"] = (bits >> 128) & MASK_128 | 1
        self._bits.state = self._state
        self.python.seed(bits >> 256)


def sample_seeds(seed: int, sample_index: int, copy_index: int) -> tuple[int, int]:
    """Two integer seeds (64-bit, 32-bit) for output (sample_index, copy_index): for libraries seeded by integers."""
    state = np.random.SeedSequence(seed_tuple(seed, sample_index, copy_index)).generate_state(3)
    return int(state[0]) << 32 | int(state[1]), int(state[2])


def stream_rng(seed: int, stream: int, *keys: int) -> np.random.Generator:
    """A numpy generator for a named stream (splits, trainer runs), keyed by extra integers."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), stream, *map(int, keys)]))
