"""Data sources by name (``sklearn:digits``, ``folder:PATH``, ``csv:PATH``, ``road:procedural``, ``text:bbc``,
``text:tweets-sentiment``) and the format their payloads decode to."""

from __future__ import annotations

from augsynth.core.errors import SpecError, clip
from augsynth.core.registry import UnknownName
from augsynth.data import csv_source, digits, folder, road_source, text_corpora  # noqa: F401  (register the sources)
from augsynth.data.base import (
    SOURCES,
    BadInput,
    DataSource,
    ImageFormat,
    Quarantined,
    Record,
    SourceData,
    SourceSize,
    TextFormat,
)
from augsynth.spec.schema import DatasetSpec


def _source(dataset: DatasetSpec) -> DataSource:
    try:
        return SOURCES.get(dataset.source_kind)
    except UnknownName as err:
        hint = f"did you mean '{err.suggestion}:...'? " if err.suggestion else ""
        raise SpecError(
            "dataset.source",
            f"unknown data source '{clip(dataset.source)}'; expected one of: "
            f"{', '.join(k + ':...' for k in err.known)}",
            fix=f"{hint}e.g. sklearn:digits, folder:data/images, csv:data/labels.csv",
        ) from None


def check_source(dataset: DatasetSpec) -> SourceSize:
    """Validate the source at load (known kind, files present, columns present); what it knows of its size."""
    return _source(dataset).check(dataset.source_arg, dataset)


def load_source(dataset: DatasetSpec) -> SourceData:
    """List every record of the source in a stable order."""
    return _source(dataset).load(dataset.source_arg, dataset)


def payload_format(dataset: DatasetSpec) -> ImageFormat | TextFormat:
    """How this dataset's payloads decode: text, or the pixel format all its images are decoded to."""
    if dataset.is_text:
        return TextFormat()
    channels = dataset.channels or _source(dataset).default_channels
    return ImageFormat(channels, dataset.size_hw)


__all__ = [
    "BadInput",
    "DataSource",
    "ImageFormat",
    "TextFormat",
    "Quarantined",
    "Record",
    "SourceData",
    "SourceSize",
    "SOURCES",
    "check_source",
    "payload_format",
    "load_source",
]
