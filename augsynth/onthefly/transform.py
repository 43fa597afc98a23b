"""A spec (object, mapping or YAML path) as the callable its ops make: ``(input, label, index, epoch) -> (input,
label)``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from augsynth.data.splits import Splits, make_splits
from augsynth.expansion.job import fitted_models
from augsynth.image.pipeline import Pipeline
from augsynth.spec.load import load_spec
from augsynth.spec.schema import Spec

SpecLike = Spec | dict | str | Path


def as_spec(spec: SpecLike) -> Spec:
    """A loaded spec, reading and validating it when given as a YAML path or a mapping."""
    return spec if isinstance(spec, Spec) else load_spec(spec)


def pipeline_of(spec: Spec, splits: Splits | None = None) -> Any:
    """The spec's image pipeline (with its label rules), or its text pipeline with the models its ops fit on the
    train split (kept in augsynth's cache, filed by a hash of the training texts, as the expansion keeps them)."""
    if not spec.dataset.is_text:
        return Pipeline.from_spec(spec)
    from augsynth.text.ops import TEXT_OPS  # nlpaug loads only for text specs
    from augsynth.text.pipeline import TextPipeline  # nlpaug, as above
    from augsynth.text.wordnet import cache_dir  # nlpaug, as above

    if not any(TEXT_OPS.get(op["op"]).fitted for op in spec.augment.text):
        return TextPipeline.from_spec(spec)
    return TextPipeline.from_spec(spec, fitted_models(spec, (splits or make_splits(spec)).train, cache_dir()))


def transform(spec: SpecLike) -> Any:
    """The spec's augmentation as a plain callable ``(image, label, index, epoch) -> (image, label)`` for your own
    Dataset: ``index`` is the sample's stable position, ``epoch`` picks the draw (offline copy ``epoch``), and the
    label follows the spec's label rules. Images are uint8 arrays (H, W) or (H, W, C); text specs take strings."""
    return pipeline_of(as_spec(spec))
