"""The classical baseline every deep arm is compared against: a random forest on raw pixels."""

from __future__ import annotations

from sklearn.ensemble import RandomForestClassifier

from augsynth.train.loop import ArrayData


def random_forest_accuracy(train: ArrayData, test: ArrayData, seed: int) -> float:
    """Test accuracy of a 300-tree random forest fitted on flattened pixels of the (unaugmented) train split."""
    forest = RandomForestClassifier(n_estimators=300, random_state=seed, n_jobs=-1)
    forest.fit(train.images.reshape(len(train), -1), train.labels)
    return float(forest.score(test.images.reshape(len(test), -1), test.labels))
