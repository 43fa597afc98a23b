"""Private random generators for nlpaug, reseeded per sample.

nlpaug draws from the process-global ``random`` and ``numpy.random`` generators. Inside a Dask worker other threads
draw from them too (tornado's periodic callbacks jitter with ``random.random()``), so reseeding the globals is not
enough for byte-identical output. nlpaug's modules are pointed at generators of their own instead.
"""

from __future__ import annotations

import random
import sys
import types

import numpy as np

PYTHON = random.Random()
NUMPY = np.random.RandomState()


class _NumpyWithPrivateRandom(types.ModuleType):
    """``numpy`` as nlpaug sees it: everything as usual, except ``numpy.random`` is augsynth's own generator."""

    random = NUMPY

    def __getattr__(self, name: str):
        return getattr(np, name)


_NUMPY_VIEW = _NumpyWithPrivateRandom("numpy")


def isolate_nlpaug() -> None:
    """Point every loaded nlpaug module that uses ``random`` or ``numpy`` at the private generators (idempotent)."""
    for name, module in list(sys.modules.items()):
        if name == "nlpaug" or name.startswith("nlpaug."):
            if getattr(module, "random", None) is random:
                module.random = PYTHON
            if getattr(module, "np", None) is np:
                module.np = _NUMPY_VIEW


def reseed(python_seed: int, numpy_seed: int) -> None:
    PYTHON.seed(python_seed)
    NUMPY.seed(numpy_seed)
