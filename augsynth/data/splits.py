"""The fixed, stratified, seeded test split; the validation and small-data train subsets carved from the rest."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from sklearn.model_selection import train_test_split

from augsynth.core.errors import DataError
from augsynth.core.seeding import SPLIT_STREAM, stream_rng
from augsynth.data import BadInput, ImageFormat, Quarantined, Record, TextFormat, load_source, payload_format
from augsynth.data.accounting import tally
from augsynth.data.base import content_key


@dataclass
class Splits:
    """Train, validation and test records of one spec, with the format every image must decode to."""

    train: list[Record]
    val: list[Record]
    test: list[Record]
    classes: list[str]
    payload_format: ImageFormat
    pool: list[Record] = field(default_factory=list)
    duplicates: int = 0  # repeats of a sample with the same label, dropped
    quarantined: list[Quarantined] = field(default_factory=list)  # at the source stage, before the split
    listed: int = 0  # inputs the source saw
    skipped: list[str] = field(default_factory=list)  # files in no format Pillow opens, by id

    def accounting(self) -> dict[str, int]:
        """The source stage: every input listed is used, quarantined, a dropped duplicate or a skipped file of another
        type; ``unused`` of the used ones are in no split (beyond ``train_per_class``)."""
        used = len(self.pool) + len(self.test)
        counts = tally(
            "source", self.listed, used, len(self.quarantined), duplicates=self.duplicates, skipped=len(self.skipped)
        )
        return {**counts, "unused": used - len(self.train) - len(self.val) - len(self.test)}

    def resized(self, spec) -> Splits:
        """The same test split, with validation and train re-carved for ``spec`` from the same non-test pool: another
        ``train_per_class`` (learning curves) or another ``seed`` (a replicate's own draw)."""
        val, train = _carve(spec, self.pool, self.classes)
        return replace(self, train=train, val=val)

    def train_digest(self) -> str:
        """A short hash of the train subset (which source samples, by content): tells replicates' draws apart."""
        return subset_digest(self.train)


def subset_digest(records: list[Record]) -> str:
    """8 hex digits of the sorted content hashes of ``records``."""
    keys = sorted(f"{r.content_hash}|{r.label}" for r in records)
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()[:8]


def content_keys(records: list[Record], fmt: ImageFormat | TextFormat) -> list[str | BadInput]:
    """The content key of each record's decoded sample, or the BadInput its reading or decoding raised."""
    keys: list[str | BadInput] = []
    for record in records:
        try:
            keys.append(content_key(fmt.decode(record.payload)))
        except BadInput as err:
            keys.append(err)
    return keys


ContentKeys = Callable[[list[Record], ImageFormat | TextFormat], list[str | BadInput]]


def make_splits(spec, keys: ContentKeys = content_keys) -> Splits:
    """Split the spec's usable samples (see ``_usable``). The test split depends only on (seed, test_fraction).

    ``keys`` decodes every record once to find what is usable: ``content_keys`` here, or the same function run in
    parallel (on Dask workers, as the expansion does); either gives the same splits.
    """
    dataset = spec.dataset
    source = load_source(dataset)
    fmt = payload_format(dataset)
    if isinstance(fmt, ImageFormat):
        fmt = replace(fmt, shape=_expected_shape(fmt, source.records))
    records, duplicates, rejected = _usable(source.records, keys(source.records, fmt), source.classes)
    strata = _strata(dataset, records)
    pool_idx, test_idx = train_test_split(
        np.arange(len(records)), test_size=dataset.test_fraction, stratify=strata, random_state=spec.seed % 2**32
    )
    pool = [records[i] for i in sorted(pool_idx)]
    val, train = _carve(spec, pool, source.classes)
    test = [records[i] for i in sorted(test_idx)]
    splits = Splits(
        train,
        val,
        test,
        source.classes,
        fmt,
        pool,
        duplicates,
        [*source.quarantined, *rejected],
        source.inputs,
        source.skipped,
    )
    splits.accounting()  # a DataError now, should an input the source listed have gone missing
    return splits


def _strata(dataset, records: list[Record], bins: int = 5) -> np.ndarray:
    """What the test split is stratified on: the class, or the quantile bin of a regression target."""
    labels = np.array([r.label for r in records])
    if dataset.task == "regression":
        if len(records) < 4 * bins:
            raise DataError(f"{dataset.source}: {len(records)} frames are too few to split; need at least {4 * bins}")
        edges = np.quantile(labels, np.linspace(0, 1, bins + 1)[1:-1])
        return np.searchsorted(edges, labels, side="right")
    if len(set(labels.tolist())) < 2:
        raise DataError(f"{dataset.source}: needs at least two classes, found {len(set(labels.tolist()))}")
    _, counts = np.unique(labels, return_counts=True)
    if counts.min() < 2:
        raise DataError(f"{dataset.source}: every class needs at least 2 samples for a stratified test split")
    return labels


def _usable(
    records: list[Record], keys: list[str | BadInput], classes: list[str]
) -> tuple[list[Record], int, list[Quarantined]]:
    """The records that decode (to the required shape), each content once (same pixels whatever the encoding, or the
    same words): ``(usable, duplicates dropped, quarantined)``.

    A repeat with the same label is dropped and counted; a repeat with another label is quarantined, naming both,
    since which label is right is unknown (the first occurrence stays).
    """
    first: dict[str, Record] = {}
    usable, duplicates, rejected = [], 0, []
    for record, key in zip(records, keys, strict=True):
        if isinstance(key, BadInput):
            rejected.append(Quarantined(record.source_id, str(key)))
            continue
        if key not in first:
            first[key] = record
            usable.append(record)
        elif first[key].label == record.label:
            duplicates += 1
        else:
            kept = first[key]
            rejected.append(
                Quarantined(
                    record.source_id,
                    f"label conflict: the same content as {kept.source_id}, "
                    f"which is labelled {_label_name(kept.label, classes)!r} where this one is "
                    f"{_label_name(record.label, classes)!r}; {kept.source_id} is kept",
                )
            )
    return usable, duplicates, rejected


def _label_name(label: int | float, classes: list[str]) -> str:
    return classes[label] if classes else f"{label:g}"


def _carve(spec, pool: list[Record], classes: list[str]) -> tuple[list[Record], list[Record]]:
    """Per class (or over all frames, for regression), a seeded order of the non-test pool: first the validation
    samples, then the train subset.

    Train subsets are nested: the first 5 per class are also in the first 10, so learning curves add data.
    """
    dataset = spec.dataset
    if dataset.task == "regression":
        return _carve_frames(spec, pool)
    by_class: dict[int, list[Record]] = defaultdict(list)
    for record in pool:
        by_class[record.label].append(record)
    val, train = [], []
    for label in sorted(by_class):
        members = by_class[label]
        order = stream_rng(spec.seed, SPLIT_STREAM, label).permutation(len(members))
        ranked = [members[i] for i in order]
        want = dataset.train_per_class or len(ranked) - dataset.val_per_class
        if len(ranked) < dataset.val_per_class + want:
            raise DataError(
                f"class '{classes[label]}' has {len(ranked)} samples outside the test split; "
                f"val_per_class={dataset.val_per_class} + train_per_class={want} needs more. "
                "Lower dataset.train_per_class or dataset.val_per_class."
            )
        val += ranked[: dataset.val_per_class]
        train += ranked[dataset.val_per_class : dataset.val_per_class + want]
    return sorted(val, key=lambda r: r.index), sorted(train, key=lambda r: r.index)


def _carve_frames(spec, pool: list[Record]) -> tuple[list[Record], list[Record]]:
    """Regression: one seeded order of all non-test frames; validation first, then the (nested) train subset."""
    dataset = spec.dataset
    ranked = [pool[i] for i in stream_rng(spec.seed, SPLIT_STREAM).permutation(len(pool))]
    want = dataset.train_size or len(ranked) - dataset.val_size
    if len(ranked) < dataset.val_size + want:
        raise DataError(
            f"{dataset.source} has {len(ranked)} frames outside the test split; val_size="
            f"{dataset.val_size} + train_size={want} needs more. Lower dataset.train_size or "
            "dataset.val_size (or render more dataset.frames)."
        )
    val, train = ranked[: dataset.val_size], ranked[dataset.val_size : dataset.val_size + want]
    return sorted(val, key=lambda r: r.index), sorted(train, key=lambda r: r.index)


def _expected_shape(fmt: ImageFormat, records: list[Record]) -> tuple[int, ...]:
    """The shape every image must have: the resize target, or else the first readable image's shape."""
    if fmt.size_hw is not None:
        return fmt.size_hw if fmt.channels == 1 else (*fmt.size_hw, 3)
    for record in records:
        try:
            return fmt.decode(record.payload).shape
        except BadInput:
            continue
    raise DataError("no readable image in the data source")
