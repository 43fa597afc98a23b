"""Text inputs for the neural text model: TF-IDF of words and word pairs, fitted on the arm's own training texts,
served as dense row batches of a sparse matrix (the full matrix never becomes dense)."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.feature_extraction.text import TfidfVectorizer

MAX_FEATURES = 20000


def fit_vectorizer(texts: list[str]) -> TfidfVectorizer:
    """Words and bigrams, sublinear term frequency, at most MAX_FEATURES terms (the most frequent)."""
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, max_features=MAX_FEATURES, dtype=np.float32).fit(
        texts
    )


class SparseRows:
    """A sparse (N, features) matrix that hands out dense float tensors for row slices and index batches."""

    def __init__(self, matrix, device: torch.device):
        self.matrix = matrix.tocsr()
        self.device = device
        self.shape = self.matrix.shape

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: slice | torch.Tensor) -> torch.Tensor:
        if isinstance(rows, torch.Tensor):
            rows = rows.cpu().numpy()
        return torch.from_numpy(self.matrix[rows].toarray()).to(self.device)
