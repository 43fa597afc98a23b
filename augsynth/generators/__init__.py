"""Generators (conditional VAE, conditional GAN, DDPM) trained on the train split and sampled per class."""

from typing import Any

from augsynth.generators import diffusion, gan, vae  # noqa: F401  (register the kinds)
from augsynth.generators.base import GENERATORS, GeneratorConfig, GeneratorKind, ImageShape
from augsynth.spec.schema import Spec


def config_of(raw: dict[str, Any]) -> GeneratorConfig:
    """The typed config of one validated ``generate`` entry."""
    return GENERATORS.get(raw["kind"]).config.model_validate(raw)


def configs_of(spec: Spec) -> list[GeneratorConfig]:
    """The typed configs of the spec's ``generate`` entries (validated at load)."""
    return [config_of(raw) for raw in spec.generate]


__all__ = ["GENERATORS", "GeneratorConfig", "GeneratorKind", "ImageShape", "config_of", "configs_of"]
