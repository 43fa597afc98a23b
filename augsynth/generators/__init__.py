"""Generators (conditional VAE, conditional GAN, DDPM) trained on the train split and sampled per class."""

from typing import Any

from augsynth.generators import diffusion, gan, vae  # noqa: F401  (register the kinds)
from augsynth.generators.base import GENERATORS, GeneratorConfig, GeneratorKind, ImageShape


def config_of(raw: dict[str, Any]) -> GeneratorConfig:
    """The typed config of one validated ``generate`` entry."""
    return GENERATORS.get(raw["kind"]).config.model_validate(raw)


__all__ = ["GENERATORS", "GeneratorConfig", "GeneratorKind", "ImageShape", "config_of"]
