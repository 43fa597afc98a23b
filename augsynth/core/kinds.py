"""The closed sets of names compared across layers: task, label kind, row origin and gate verdict.

They are ``StrEnum``s: each member equals its string, so specs, shards and reports keep their plain strings.
"""

from __future__ import annotations

from enum import StrEnum


class Task(StrEnum):
    """What the data set asks of the model."""

    CLASSIFICATION = "classification"
    REGRESSION = "regression"
    TEXT_CLASSIFICATION = "text-classification"


class LabelKind(StrEnum):
    """What a label means, which decides how each op may change it."""

    CLASS = "class"
    STEERING_ANGLE = "steering_angle"
    SCALAR = "scalar"
    TOPIC = "topic"
    SENTIMENT = "sentiment"


REGRESSION_KINDS = (LabelKind.STEERING_ANGLE, LabelKind.SCALAR)
TEXT_KINDS = (LabelKind.TOPIC, LabelKind.SENTIMENT)


class Origin(StrEnum):
    """Where an output row came from."""

    ORIGINAL = "original"
    AUGMENTED = "augmented"
    SIDE = "side"  # a side-camera view with its corrected label
    SYNTHETIC = "synthetic"


EXPANDED = (Origin.ORIGINAL, Origin.AUGMENTED, Origin.SIDE)  # the rows an expansion makes from real samples


class Verdict(StrEnum):
    """What the quality gates decided about a generated sample."""

    KEPT = "kept"
    LOW_CONFIDENCE = "low_confidence"
    NEAR_COPY = "near_copy"
