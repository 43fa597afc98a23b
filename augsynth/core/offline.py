"""The one place augsynth touches the process environment: the off switches of libraries that would call the
network, set only around the import or load that reads them, and restored afterwards."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType


@contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables for the duration of the block (forced over the user's values), then restore."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def albumentations() -> ModuleType:
    """albumentations, imported with its update check (a network call at import) forced off, whatever the user's
    ``NO_ALBUMENTATIONS_UPDATE`` says; every augsynth module imports it through here."""
    with environment(NO_ALBUMENTATIONS_UPDATE="1"):
        return importlib.import_module("albumentations")


def hub_offline() -> contextmanager:
    """Hugging Face libraries read installed files only while the block runs (no hub lookups)."""
    return environment(HF_HUB_OFFLINE="1")
