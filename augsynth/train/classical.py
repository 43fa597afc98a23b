"""The classical baseline every deep arm is compared against: a random forest on (downsampled) pixels, or TF-IDF
with logistic regression for text."""

from __future__ import annotations

import numpy as np
from PIL import Image
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from augsynth.core.kinds import Task
from augsynth.data.arrays import ArrayData
from augsynth.train.objectives import Objective

MAX_FEATURES_SIDE = 32  # larger images are downsampled so that the longer side has at most this many pixels


def features(data: ArrayData) -> np.ndarray:
    """Flattened pixels, downsampled (area averaging) when the images are large."""
    height, width = data.images.shape[1:3]
    scale = MAX_FEATURES_SIDE / max(height, width)
    if scale >= 1:
        return data.images.reshape(len(data), -1)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    small = [np.asarray(Image.fromarray(image).resize(size, Image.Resampling.BOX)) for image in data.images]
    return np.stack(small).reshape(len(data), -1)


def classical_name(train: ArrayData) -> str:
    return "tfidf_logistic_regression" if train.texts is not None else "random_forest"


def classical_score(train: ArrayData, test: ArrayData, objective: Objective, seed: int) -> float:
    """Test score (the objective's metric) of the classical model fitted on the unaugmented train split: a 300-tree
    random forest on pixels, or TF-IDF (words and bigrams, sublinear tf) + logistic regression on texts."""
    if train.texts is not None:
        model = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1),
            LogisticRegression(C=10.0, max_iter=2000, random_state=seed),
        )
        model.fit(train.texts, train.labels)
        return float(model.score(test.texts, test.labels))
    if objective.task == Task.CLASSIFICATION:
        forest = RandomForestClassifier(n_estimators=300, random_state=seed, n_jobs=-1)
        forest.fit(features(train), train.labels)
        return float(forest.score(features(test), test.labels))
    forest = RandomForestRegressor(n_estimators=300, random_state=seed, n_jobs=-1, max_features=0.3)
    forest.fit(features(train), train.labels)
    return float(np.abs(forest.predict(features(test)) - test.labels).mean())
