"""A Markdown preview of text copies: each original beside its augmented copies."""

from __future__ import annotations

from pathlib import Path

from augsynth.data.splits import make_splits
from augsynth.spec.schema import Spec
from augsynth.text.ops import TEXT_OPS
from augsynth.text.pipeline import TextPipeline


def text_preview(spec: Spec, path: Path, rows: int = 8, copies: int | None = None, chars: int = 300) -> Path:
    """Markdown: one train sample per class, the original then its copies (ops with fitted models left out)."""
    splits = make_splits(spec)
    fitted_free = [op for op in spec.augment.text if TEXT_OPS.get(op["op"]).fitted is None]
    pipeline = TextPipeline(fitted_free, spec.seed, TextPipeline.protection(spec))  # fitted models need the expansion
    copies = spec.augment.copies if copies is None else copies
    chosen = list({record.label: record for record in reversed(splits.train)}.values())[:rows]
    lines = [
        f"# {spec.name}: originals and augmented copies",
        "",
        f"Ops shown: {', '.join(op['op'] for op in fitted_free)} (ops with fitted models are left out here).",
        "",
    ]
    for record in chosen:
        text = splits.payload_format.decode(record.payload)
        lines += [f"## {splits.classes[record.label]} ({record.source_id})", "", f"- original: {text[:chars]}"]
        lines += [f"- copy {c}: {pipeline.augment(text, record.index, c)[0][:chars]}" for c in range(1, copies + 1)]
        lines.append("")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines))
    return path
