"""The test split is fixed by (seed, test_fraction); train subsets nest; no image is in two splits."""

from __future__ import annotations

from collections import Counter

import pytest

from augsynth import DataError
from augsynth.data.splits import make_splits
from augsynth.spec.load import parse_spec
from tests.conftest import make_image_folder, tiny_spec_dict


def _splits(**dataset):
    return make_splits(parse_spec(tiny_spec_dict(dataset={"val_per_class": 2, **dataset})))


def _ids(records):
    return [r.source_id for r in records]


@pytest.fixture(scope="module")
def by_size():
    return {n: _splits(train_per_class=n) for n in (1, 3, 6, None)}


def test_test_split_does_not_depend_on_train_per_class(by_size):
    reference = _ids(by_size[3].test)
    assert len(reference) == pytest.approx(0.3 * 1797, abs=1)
    for splits in by_size.values():
        assert _ids(splits.test) == reference


def test_validation_split_does_not_depend_on_train_per_class(by_size):
    reference = _ids(by_size[3].val)
    assert len(reference) == 2 * 10
    for splits in by_size.values():
        assert _ids(splits.val) == reference


def test_train_subsets_are_nested(by_size):
    three, six, everything = set(_ids(by_size[3].train)), set(_ids(by_size[6].train)), set(_ids(by_size[None].train))
    assert set(_ids(by_size[1].train)) < three < six < everything
    for n in (1, 3, 6):
        counts = Counter(r.label for r in by_size[n].train)
        assert counts == dict.fromkeys(range(10), n)


def test_no_image_in_two_splits(by_size):
    for splits in by_size.values():
        test = {r.content_hash for r in splits.test}
        train = {r.content_hash for r in splits.train}
        val = {r.content_hash for r in splits.val}
        assert not test & train
        assert not test & val
        assert not train & val


def test_test_split_is_stratified(by_size):
    counts = Counter(r.label for r in by_size[3].test)
    assert set(counts) == set(range(10))
    assert max(counts.values()) - min(counts.values()) <= 3


def test_split_seed_and_fraction_change_the_test_split():
    base = _ids(_splits(train_per_class=3).test)
    other_seed = make_splits(parse_spec(tiny_spec_dict(seed=1, dataset={"train_per_class": 3})))
    assert _ids(other_seed.test) != base
    assert len(_ids(_splits(train_per_class=3, test_fraction=0.2).test)) < len(base)


def test_same_spec_same_splits():
    first, second = _splits(train_per_class=4), _splits(train_per_class=4)
    assert (_ids(first.train), _ids(first.val), _ids(first.test)) == (
        _ids(second.train),
        _ids(second.val),
        _ids(second.test),
    )


def test_too_many_train_samples_is_a_data_error():
    with pytest.raises(DataError, match="train_per_class"):
        _splits(train_per_class=500)


def test_resized_splits_equal_splits_made_from_scratch(by_size):
    spec = parse_spec(tiny_spec_dict(dataset={"val_per_class": 2, "train_per_class": 6}))
    resized = by_size[3].resized(spec)
    for part in ("train", "val", "test"):
        assert _ids(getattr(resized, part)) == _ids(getattr(by_size[6], part))
    with pytest.raises(DataError, match="train_per_class"):
        by_size[3].resized(spec.with_train_size(500))


def test_duplicate_images_are_dropped_and_label_conflicts_quarantined(tmp_path):
    root = make_image_folder(tmp_path / "images", classes=("x", "y"), per_class=7, size=10)
    (root / "x" / "zz_dup_a.png").write_bytes((root / "x" / "img_00.png").read_bytes())
    (root / "x" / "zz_dup_b.png").write_bytes((root / "x" / "img_00.png").read_bytes())
    (root / "y" / "zz_dup_c.png").write_bytes((root / "x" / "img_03.png").read_bytes())  # same image, other class
    spec = parse_spec(
        tiny_spec_dict(
            dataset={"source": f"folder:{root}", "image_size": None, "train_per_class": None, "val_per_class": 1}
        )
    )
    splits = make_splits(spec)
    assert splits.duplicates == 2
    [conflict] = splits.quarantined
    assert (conflict.source_id, conflict.stage) == ("y/zz_dup_c.png", "source")
    assert "label conflict" in conflict.reason and "x/img_03.png" in conflict.reason and "'y'" in conflict.reason
    assert splits.accounting() == {
        "inputs": 17,
        "used": 14,
        "quarantined": 1,
        "duplicates": 2,
        "skipped": 0,
        "unused": 0,
    }
    records = splits.train + splits.val + splits.test
    assert len(records) == 14
    hashes = [r.content_hash for r in records]
    assert len(set(hashes)) == len(hashes)
    assert not {"x/zz_dup_a.png", "x/zz_dup_b.png", "y/zz_dup_c.png"} & set(_ids(records))
    assert splits.classes == ["x", "y"]


def test_same_pixels_encoded_differently_are_duplicates(tmp_path):
    from PIL import Image

    root = make_image_folder(tmp_path / "images", classes=("x", "y"), per_class=7, size=10)
    pixels = Image.open(root / "x" / "img_00.png")
    pixels.save(root / "x" / "zz_same_pixels.png", compress_level=0)  # other bytes, identical pixels
    assert (root / "x" / "zz_same_pixels.png").read_bytes() != (root / "x" / "img_00.png").read_bytes()
    spec = parse_spec(
        tiny_spec_dict(
            dataset={"source": f"folder:{root}", "image_size": None, "train_per_class": None, "val_per_class": 1}
        )
    )
    assert make_splits(spec).duplicates == 1


def test_non_square_image_size_is_height_then_width(tmp_path):
    root = make_image_folder(tmp_path / "images", classes=("x", "y"), per_class=6, size=10)
    spec = parse_spec(
        tiny_spec_dict(
            dataset={
                "source": f"folder:{root}",
                "image_size": [12, 16],
                "train_per_class": None,
                "val_per_class": 1,
                "channels": 1,
            }
        )
    )
    splits = make_splits(spec)
    assert splits.payload_format.shape == (12, 16)
    assert splits.payload_format.decode(splits.train[0].payload).shape == (12, 16)
