"""The text pipeline as a pure function: (text, seed, sample index, copy index) -> (text, ops applied).

nlpaug draws from Python's and numpy's process-global generators; its modules are pointed at private ones
(``random_state``), reseeded from the sample's own ``SeedSequence`` before every copy, so the output does not depend
on which worker ran it, what ran before, or what other threads drew.
"""

from __future__ import annotations

from typing import Any

from augsynth.core.kinds import LabelKind
from augsynth.core.seeding import sample_seeds
from augsynth.text.ops import DEFAULT_PROTECTED, build_augmenter, protected_regex
from augsynth.text.random_state import PYTHON, isolate_nlpaug, reseed


class TextPipeline:
    """Validated text ops applied in order, each with its probability ``p``, from a per-sample random state."""

    def __init__(
        self, ops: list[dict[str, Any]], seed: int, protect: str | None = None, fitted: dict[str, str] | None = None
    ):
        self.ops = [dict(op) for op in ops]
        self.seed = seed
        self._augmenters = [build_augmenter(op, protect, (fitted or {}).get(op["op"])) for op in self.ops]
        isolate_nlpaug()

    @classmethod
    def from_spec(cls, spec: Any, fitted: dict[str, str] | None = None) -> TextPipeline:
        """The text pipeline a loaded spec describes; sentiment labels protect negations and intensifiers."""
        return cls(spec.augment.text, spec.seed, cls.protection(spec), fitted)

    @staticmethod
    def protection(spec: Any) -> str | None:
        """The protected-token regex of a spec's text label (None when nothing is protected)."""
        declared = spec.target.spec.protect if spec.target.spec else []
        defaults = DEFAULT_PROTECTED if spec.text_label_kind == LabelKind.SENTIMENT else ()
        return protected_regex(declared, defaults) if defaults or declared else None

    def augment(self, text: str, sample_index: int, copy_index: int) -> tuple[str, list[dict]]:
        """Copy ``copy_index`` of sample ``sample_index``; the ops that ran are returned with their parameters."""
        python_seed, numpy_seed = sample_seeds(self.seed, sample_index, copy_index)
        reseed(python_seed, numpy_seed)
        applied = []
        for op, augmenter in zip(self.ops, self._augmenters, strict=True):
            if PYTHON.random() < op.get("p", 1.0):
                out = augmenter.augment(text)
                text = out[0] if isinstance(out, list) and out else text
                applied.append(op)
        return text, applied

    def __call__(self, text: str, label: Any = None, index: int = 0, epoch: int = 0) -> tuple[str, Any]:
        """On the fly: sample ``index`` at ``epoch`` is offline copy ``epoch`` of that sample (text labels are kept:
        ops that could change them are refused at load). Unlike the expansion, a copy that comes out unchanged or
        empty is returned as it is, not dropped, so that every index yields a sample."""
        return self.augment(text, index, epoch)[0], label
