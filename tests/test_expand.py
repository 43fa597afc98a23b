"""The expansion job: resumable shards, honest accounting, quarantine of bad inputs, full provenance per row."""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from augsynth import SpecError, expand
from augsynth.data.base import InputFile
from augsynth.data.shards import manifest_columns, read_shards, shard_schema
from augsynth.data.splits import make_splits
from augsynth.spec.load import parse_spec
from tests.conftest import expect_spec_error, make_image_folder, png_bytes, tiny_spec_dict

SEED = 3
COPIES = 2
OPS = [
    {"op": "GaussNoise", "std_range": [0.05, 0.15], "p": 1.0},
    {"op": "HorizontalFlip", "p": 0.5},
    {"op": "Affine", "rotate": [-12, 12], "p": 1.0},
]


def _digits_spec(**sections):
    base = {
        "seed": SEED,
        "dataset": {"train_per_class": 3, "val_per_class": 2},
        "augment": {"copies": COPIES, "image": OPS},
        "output": {"partition_size": 7},
    }
    for key, value in sections.items():
        base[key] = {**base.get(key, {}), **value} if isinstance(value, dict) else value
    return parse_spec(tiny_spec_dict(**base))


@pytest.fixture(scope="module")
def expansion(tmp_path_factory, dask_client):
    """One expansion of a small digits spec: 30 train samples in 5 shards of up to 7."""
    spec = _digits_spec()
    out = tmp_path_factory.mktemp("expansion")
    result = expand(spec, out, client=dask_client, progress=False)
    return spec, out, result


def _copy_of(expansion, tmp_path):
    spec, out, result = expansion
    target = tmp_path / "copy"
    shutil.copytree(out, target)
    return spec, target, result


def _shard_state(out):
    return {p.name: (p.read_bytes(), os.stat(p).st_mtime_ns) for p in sorted((out / "shards").glob("*.parquet"))}


def test_layout_and_accounting(expansion):
    spec, out, result = expansion
    assert (result.inputs, result.shards, result.shards_skipped) == (30, 5, 0)
    assert result.inputs == result.written + result.quarantined
    assert result.quarantined == 0 and result.quarantine == []
    assert result.rows == result.written * (COPIES + 1)
    assert sorted(p.name for p in (out / "shards").iterdir()) == [f"part-{i:05d}.parquet" for i in range(5)]
    journal = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert sorted(e["partition"] for e in journal) == list(range(5))
    assert sum(e["rows"] for e in journal) == result.rows
    manifest = pq.read_table(out / "manifest.parquet")
    assert manifest.num_rows == result.rows
    assert manifest.column_names == manifest_columns("classification") + ["shard"]
    stamp = json.loads((out / "expansion.json").read_text())
    assert stamp["fingerprint"] == spec.fingerprint()
    assert json.loads((out / "quarantine.json").read_text()) == []
    assert "inputs 30 / written 30 / quarantined 0" in result.summary()


def test_every_row_carries_provenance(expansion):
    spec, out, result = expansion
    table = read_shards(out)
    assert table.schema.equals(shard_schema("classification"))
    rows = table.to_pylist()
    assert len(rows) == result.rows
    targets = load_digits().target
    train_ids = {r.source_id: r for r in make_splits(spec).train}
    spec_ops = [op["op"] for op in spec.augment.image]
    flips = set()
    for row in rows:
        assert row["id"] == f"{row['source_id']}#{row['copy']}"
        assert row["source_id"] in train_ids
        record = train_ids[row["source_id"]]
        assert row["sample_index"] == record.index
        assert row["label"] == row["label_before"] == record.label == targets[record.index]
        assert row["seed"] == [SEED, row["sample_index"], row["copy"]]
        image = np.asarray(Image.open(io.BytesIO(row["image"])))
        assert image.shape == (row["height"], row["width"]) == (16, 16)
        assert image.dtype == np.uint8
        applied = json.loads(row["ops"])
        names = [op["op"] for op in applied]
        if row["copy"] == 0:
            assert row["origin"] == "original"
            assert row["ops"] == "[]"
        else:
            assert row["origin"] == "augmented"
            assert 1 <= row["copy"] <= COPIES
            assert names == [n for n in spec_ops if n in names]  # spec order, only spec ops
            assert {"GaussNoise", "Affine"} <= set(names)  # the p=1 ops always run
            flips.add("HorizontalFlip" in names)
            affine = next(op for op in applied if op["op"] == "Affine")
            assert -12 <= affine["rotate"] <= 12
    assert flips == {True, False}  # the p=0.5 flip ran for some copies and not for others
    ids = [row["id"] for row in rows]
    assert len(set(ids)) == len(ids)
    assert {(r["source_id"], r["copy"]) for r in rows} == {(s, c) for s in train_ids for c in range(COPIES + 1)}


def test_originals_are_the_decoded_source_images(expansion):
    spec, out, _ = expansion
    splits = make_splits(spec)
    by_id = {r.source_id: r for r in splits.train}
    table = read_shards(out, columns=["source_id", "copy", "image"]).to_pylist()
    for row in (r for r in table if r["copy"] == 0):
        expected = splits.payload_format.decode(by_id[row["source_id"]].payload)
        assert np.array_equal(np.asarray(Image.open(io.BytesIO(row["image"]))), expected)


def test_resume_rewrites_only_the_missing_shard(expansion, tmp_path, dask_client):
    spec, out, first = _copy_of(expansion, tmp_path)
    before = _shard_state(out)
    victim = out / "shards" / "part-00002.parquet"
    victim.unlink()
    stale = out / "shards" / ".part-00002.parquet.0123abcd.tmp.parquet"  # a worker killed while it wrote
    stale.write_bytes(b"PAR1 half a shard")
    again = expand(spec, out, client=dask_client, progress=False)
    assert not stale.exists()
    assert again.shards == first.shards
    assert again.shards_skipped == first.shards - 1
    assert (again.inputs, again.written, again.quarantined, again.rows) == (
        first.inputs,
        first.written,
        first.quarantined,
        first.rows,
    )
    after = _shard_state(out)
    assert set(after) == set(before)
    assert after[victim.name][0] == before[victim.name][0]  # same bytes as before
    for name, (data, mtime) in before.items():
        if name != victim.name:
            assert after[name] == (data, mtime), f"{name} was rewritten"
    assert pq.read_table(out / "manifest.parquet").num_rows == first.rows


def test_resume_redoes_a_damaged_shard_and_survives_a_cut_journal(expansion, tmp_path, dask_client):
    spec, out, first = _copy_of(expansion, tmp_path)
    before = _shard_state(out)
    damaged = out / "shards" / "part-00004.parquet"
    damaged.write_bytes(b"not parquet at all")
    with (out / "manifest.jsonl").open("a") as journal:
        journal.write('{"shard": "part-0000')  # a line cut short by a crash
    again = expand(spec, out, client=dask_client, progress=False)
    assert again.shards_skipped == first.shards - 1
    assert damaged.read_bytes() == before[damaged.name][0]
    nothing_to_do = expand(spec, out, client=dask_client, progress=False)
    assert nothing_to_do.shards_skipped == nothing_to_do.shards == first.shards


def test_refuses_to_mix_two_specs_unless_overwrite(expansion, tmp_path, dask_client):
    _, out, first = _copy_of(expansion, tmp_path)
    other = _digits_spec(seed=SEED + 1)
    with pytest.raises(SpecError) as info:
        expand(other, out, client=dask_client, progress=False)
    assert info.value.path == "output.dir"
    assert str(out) in info.value.message
    assert "--overwrite" in (info.value.fix or "")
    replaced = expand(other, out, client=dask_client, progress=False, overwrite=True)
    assert replaced.shards_skipped == 0
    assert replaced.rows == first.rows
    assert json.loads((out / "expansion.json").read_text())["fingerprint"] == other.fingerprint()
    seeds = {tuple(s)[0] for s in read_shards(out, columns=["seed"])["seed"].to_pylist()}
    assert seeds == {SEED + 1}
    journal = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    assert len(journal) == replaced.shards  # the old spec's journal was cleared


def test_different_partition_size_is_a_different_expansion(expansion, tmp_path, dask_client):
    _, out, _ = _copy_of(expansion, tmp_path)
    with pytest.raises(SpecError) as info:
        expand(_digits_spec(output={"partition_size": 10}), out, client=dask_client, progress=False)
    assert info.value.path == "output.dir"


def _folder_with_bad_images(root):
    make_image_folder(root, classes=("a", "b", "c"), per_class=8, size=12)
    (root / "a" / "corrupt.png").write_bytes(b"\x89PNG\r\n\x1a\n this is not an image at all")
    odd = np.random.default_rng(99).integers(0, 256, size=(20, 20), dtype=np.uint8)
    (root / "b" / "zz_odd_size.png").write_bytes(png_bytes(odd))
    return {"a/corrupt.png": "unreadable", "b/zz_odd_size.png": "wrong shape"}


def test_bad_inputs_are_quarantined_before_the_split(tmp_path, dask_client):
    bad = _folder_with_bad_images(tmp_path / "images")
    spec = parse_spec(
        tiny_spec_dict(
            dataset={
                "source": f"folder:{tmp_path / 'images'}",
                "image_size": None,
                "train_per_class": None,
                "val_per_class": 1,
            },
            augment={"copies": 1},
            output={"partition_size": 5},
        )
    )
    splits = make_splits(spec)
    assert splits.payload_format.shape == (12, 12, 3)
    assert {q.source_id: q.stage for q in splits.quarantined} == dict.fromkeys(bad, "source")
    for entry in splits.quarantined:
        assert bad[entry.source_id] in entry.reason
    used = {r.source_id for r in splits.train + splits.val + splits.test}
    assert len(used) == 24 and not used & set(bad)  # no split holds a sample it cannot use
    result = expand(spec, tmp_path / "out", client=dask_client, progress=False, splits=splits)
    assert result.inputs == len(splits.train) == result.written and result.quarantined == 0
    assert result.rows == result.written * 2
    assert json.loads((tmp_path / "out" / "quarantine.json").read_text()) == [q.__dict__ for q in splits.quarantined]
    assert "before the split: 2 of 26 inputs quarantined" in result.summary()
    written_ids = set(read_shards(tmp_path / "out", columns=["source_id"])["source_id"].to_pylist())
    assert written_ids == {r.source_id for r in splits.train}
    images = read_shards(tmp_path / "out", columns=["height", "width"]).to_pylist()
    assert {(r["height"], r["width"]) for r in images} == {(12, 12)}


def test_folder_inputs_travel_as_paths_and_a_file_changed_after_the_split_is_quarantined(tmp_path, dask_client):
    make_image_folder(tmp_path / "images", classes=("a", "b"), per_class=8, size=12)
    spec = parse_spec(
        tiny_spec_dict(
            dataset={"source": f"folder:{tmp_path / 'images'}", "image_size": None, "train_per_class": 3},
            augment={"copies": 1},
        )
    )
    splits = make_splits(spec)
    assert all(isinstance(r.content, InputFile) for r in splits.train)  # no bytes held: workers read the files
    changed = splits.train[0]
    Path(changed.content.path).write_bytes(png_bytes(np.full((12, 12), 7, dtype=np.uint8)))
    result = expand(spec, tmp_path / "out", client=dask_client, progress=False, splits=splits)
    assert result.inputs == 6 and result.written == 5 and result.quarantined == 1
    [entry] = result.quarantine
    assert entry["source_id"] == changed.source_id and entry["stage"] == "train"
    assert "changed after augsynth listed it" in entry["reason"]


def test_image_size_resizes_instead_of_quarantining(tmp_path):
    _folder_with_bad_images(tmp_path / "images")
    spec = parse_spec(
        tiny_spec_dict(
            dataset={
                "source": f"folder:{tmp_path / 'images'}",
                "image_size": 12,
                "train_per_class": None,
                "val_per_class": 1,
            }
        )
    )
    splits = make_splits(spec)
    records = {r.source_id: r for r in splits.train + splits.val + splits.test}
    assert splits.payload_format.decode(records["b/zz_odd_size.png"].payload).shape == (12, 12, 3)
    assert [(q.source_id, q.reason) for q in splits.quarantined] == [
        ("a/corrupt.png", "unreadable image: not in an image format PIL knows")
    ]


def test_csv_rows_without_label_or_file_are_quarantined(tmp_path):
    images = tmp_path / "imgs"
    images.mkdir()
    rng = np.random.default_rng(1)
    lines = ["path,kind"]
    for label in ("cat", "dog"):
        for i in range(6):
            name = f"{label}{i}.png"
            (images / name).write_bytes(png_bytes(rng.integers(0, 256, size=(10, 10, 3), dtype=np.uint8)))
            lines.append(f"imgs/{name},{label}")
    (images / "unlabelled.png").write_bytes(png_bytes(np.zeros((10, 10, 3), np.uint8)))
    lines += ["imgs/unlabelled.png,", "imgs/missing.png,dog"]
    table = tmp_path / "labels.csv"
    table.write_text("\n".join(lines) + "\n")
    spec = parse_spec(
        tiny_spec_dict(
            dataset={
                "source": f"csv:{table}",
                "image_size": None,
                "train_per_class": None,
                "val_per_class": 1,
                "image_column": "path",
                "label_column": "kind",
            }
        )
    )
    splits = make_splits(spec)
    reasons = {q.source_id: q.reason for q in splits.quarantined}
    assert len(reasons) == 2
    unlabelled = next(k for k in reasons if "unlabelled.png" in k)
    missing = next(k for k in reasons if "missing.png" in k)
    assert reasons[unlabelled] == "missing label"
    assert "image file not found" in reasons[missing]
    assert splits.classes == ["cat", "dog"]
    used = {r.source_id for r in splits.train + splits.val + splits.test}
    assert len(used) == 12
    assert not used & set(reasons)


# ---- ops that would change the image size ----


def test_crop_larger_than_the_image_is_caught_at_load():
    raw = tiny_spec_dict(
        dataset={"train_per_class": 2},
        augment={"copies": 1, "image": [{"op": "RandomCrop", "height": 32, "width": 32}]},
    )
    expect_spec_error(raw, "augment.image[0]", ["RandomCrop cannot run on (16, 16) images", "(32, 32)"])


def test_shape_changing_op_is_refused_at_load():
    raw = tiny_spec_dict(
        dataset={"train_per_class": 2},
        augment={"copies": 1, "image": [{"op": "PadIfNeeded", "min_height": 20, "min_width": 20}]},
    )
    expect_spec_error(raw, "augment.image", ["turn (16, 16) images into (20, 20)", "RandomCrop"])


def test_training_settings_do_not_invalidate_an_expansion(expansion, tmp_path, dask_client):
    spec, out, first = _copy_of(expansion, tmp_path)
    retrained = _digits_spec(train={"steps": 7, "replicates": 3, "lr": 0.01})
    assert retrained.fingerprint() == spec.fingerprint()
    again = expand(retrained, out, client=dask_client, progress=False)
    assert again.shards_skipped == again.shards == first.shards
