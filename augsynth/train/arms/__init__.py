"""Arms of the value benchmark, one registered class each: ``ARMS`` holds them by the name a spec lists."""

from augsynth.train.arms import derived, finetune, pretrained, real, recipes, synthetic, transfer  # noqa: F401 (registers)
from augsynth.train.arms.base import ARMS, Arm, ArmContext, ArmInputs, arm, arm_data, generator_arm

__all__ = ["ARMS", "Arm", "ArmContext", "ArmInputs", "arm", "arm_data", "generator_arm"]
