"""Models some text ops need, fitted on the training split only (never validation or test) and saved beside the
shards: TF-IDF statistics for TfIdfAug."""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from pathlib import Path

from augsynth.text.ops import TEXT_OPS, whitespace_tokens


def fit_text_models(ops: list[dict], train_texts: list[str], out_dir: Path) -> dict[str, str]:
    """Op name -> directory of its fitted model; reused when the same training texts were fitted before."""
    digest = hashlib.sha256("\x00".join(train_texts).encode()).hexdigest()[:16]
    fitted = {}
    for op in ops:
        if TEXT_OPS.get(op["op"]).fitted == "tfidf":
            fitted[op["op"]] = str(_tfidf(train_texts, out_dir / "assets" / f"tfidf-{digest}"))
    return fitted


def _tfidf(texts: list[str], where: Path) -> Path:
    """nlpaug's TF-IDF statistics over the whitespace tokens augsynth's text ops see; written atomically."""
    if where.is_dir():
        return where.resolve()
    import nlpaug.model.word_stats as nmws

    model = nmws.TfIdf()
    model.train([whitespace_tokens(text) for text in texts])
    temp = where.with_name(f".{where.name}.{uuid.uuid4().hex}")
    temp.mkdir(parents=True)
    model.save(str(temp))
    try:
        os.replace(temp, where)
    except OSError:  # another run finished the same model first
        shutil.rmtree(temp)
    return where.resolve()
