"""augsynth: declarative augmentation and synthesis for small data, and a benchmark of whether it helped.

``import augsynth`` is light: the public names load their modules (albumentations, Dask, torch) on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from augsynth.core.errors import DataError, SpecError

__version__ = "0.1.0"

_LAZY = {  # public name -> module that defines it
    "load_spec": "augsynth.spec.load",
    "Spec": "augsynth.spec.schema",
    "Pipeline": "augsynth.image.pipeline",
    "AugDataset": "augsynth.onthefly.dataset",
    "transform": "augsynth.onthefly.transform",
    "ExpandResult": "augsynth.expansion.job",
    "expand": "augsynth.run",
    "compare": "augsynth.run",
    "preview": "augsynth.run",
    "export": "augsynth.exports",
    "ExportResult": "augsynth.exports",
    "replay_row": "augsynth.replay",
    "read_albumentations": "augsynth.image.albu_import",
    "to_albumentations": "augsynth.image.albu_export",
}
_RENAMED = {"expand": "expand_all", "replay_row": "replay"}  # a function named as its module would hide it

if TYPE_CHECKING:
    from augsynth.expansion.job import ExpandResult
    from augsynth.exports import ExportResult, export
    from augsynth.image.albu_export import to_albumentations
    from augsynth.image.albu_import import read_albumentations
    from augsynth.image.pipeline import Pipeline
    from augsynth.onthefly.dataset import AugDataset
    from augsynth.onthefly.transform import transform
    from augsynth.replay import replay as replay_row
    from augsynth.run import compare, preview
    from augsynth.run import expand_all as expand
    from augsynth.spec.load import load_spec
    from augsynth.spec.schema import Spec


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module 'augsynth' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), _RENAMED.get(name, name))
    globals()[name] = value
    return value


__all__ = [
    "AugDataset",
    "DataError",
    "ExpandResult",
    "ExportResult",
    "Pipeline",
    "Spec",
    "SpecError",
    "compare",
    "expand",
    "export",
    "load_spec",
    "preview",
    "read_albumentations",
    "replay_row",
    "to_albumentations",
    "transform",
    "__version__",
]
