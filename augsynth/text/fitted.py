"""Models some text ops need, fitted on the training split only (never validation or test) and saved beside the
shards: TF-IDF statistics for TfIdfAug, a word2vec model (gensim, optional) for WordEmbsAug."""

from __future__ import annotations

import hashlib
import zlib
from pathlib import Path

from augsynth.core.atomic import write_atomically
from augsynth.text.ops import TEXT_OPS, whitespace_tokens


def fit_text_models(ops: list[dict], train_texts: list[str], out_dir: Path) -> dict[str, str]:
    """Op name -> directory of its fitted model; reused when the same training texts were fitted before."""
    digest = hashlib.sha256("\x00".join(train_texts).encode()).hexdigest()[:16]
    fitted = {}
    for op in ops:
        kind = TEXT_OPS.get(op["op"]).fitted
        if kind == "tfidf":
            fitted[op["op"]] = str(_tfidf(train_texts, out_dir / "assets" / f"tfidf-{digest}"))
        elif kind == "word2vec":
            fitted[op["op"]] = str(_word2vec(train_texts, out_dir / "assets" / f"word2vec-{digest}.bin"))
    return fitted


def _stable_hash(word: str) -> int:
    """gensim seeds each word vector from this; Python's own hash differs between processes."""
    return zlib.crc32(word.encode())


def _word2vec(texts: list[str], where: Path) -> Path:
    """A small skip-gram word2vec on the training texts (one thread, fixed seeds: the same file every time)."""
    if where.is_file():
        return where.resolve()
    from gensim.models import Word2Vec

    sentences = [whitespace_tokens(text) for text in texts]
    model = Word2Vec(
        sentences, vector_size=50, window=5, min_count=2, sg=1, epochs=20, workers=1, seed=1, hashfxn=_stable_hash
    )
    write_atomically(where, lambda temp: model.wv.save_word2vec_format(str(temp), binary=True))
    return where.resolve()


def _tfidf(texts: list[str], where: Path) -> Path:
    """nlpaug's TF-IDF statistics over the whitespace tokens augsynth's text ops see; written atomically."""
    if where.is_dir():
        return where.resolve()
    import nlpaug.model.word_stats as nmws

    model = nmws.TfIdf()
    model.train([whitespace_tokens(text) for text in texts])

    def save(temp: Path) -> None:
        temp.mkdir()
        model.save(str(temp))

    write_atomically(where, save)  # a complete folder from a racing run wins
    return where.resolve()
