"""Texts as fixed-width rows of hashed word and word-bigram ids (0 pads), the input of the fastText-style model."""

from __future__ import annotations

import re
import zlib

import numpy as np

BUCKETS = 2**18
MAX_TOKENS = 1024
_WORD = re.compile(r"\w+(?:'\w+)?")


def ngram_ids(text: str, buckets: int = BUCKETS, max_tokens: int = MAX_TOKENS) -> list[int]:
    """Stable (crc32) bucket ids, from 1, of the lower-cased words and adjacent word pairs, in order."""
    words = _WORD.findall(text.lower())
    grams = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    return [zlib.crc32(gram.encode()) % (buckets - 1) + 1 for gram in grams[:max_tokens]]


def featurize(texts: list[str], buckets: int = BUCKETS, max_tokens: int = MAX_TOKENS) -> np.ndarray:
    """(N, width) int64 id rows, right-padded with 0; width is the longest row (at most ``max_tokens``)."""
    rows = [ngram_ids(text, buckets, max_tokens) for text in texts]
    out = np.zeros((len(rows), max(1, max(map(len, rows), default=1))), dtype=np.int64)
    for i, row in enumerate(rows):
        out[i, : len(row)] = row
    return out
