"""``augsynth export``: a real expansion copied as an ImageFolder tree and as a Hugging Face dataset, every row with
its provenance; the refusals (no expansion, a non-empty folder, a task imagefolder cannot hold) and the atomic write."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from PIL import Image

from augsynth.cli import _parser, main
from augsynth.core.errors import DataError, SpecError
from augsynth.data.shards import read_shards
from augsynth.expansion.job import expand
from augsynth.exports import FORMATS, export
from augsynth.exports.destination import MARKER
from augsynth.exports.names import MAX_STEM, UniqueNames
from augsynth.spec.load import parse_spec
from tests.conftest import tiny_spec_dict
from tests.test_labels import road_spec
from tests.test_text import text_spec


@pytest.fixture(scope="module")
def digits(tmp_path_factory, dask_client):
    """A small digits expansion: 30 train samples x 2 copies + originals = 90 rows in 4 shards of up to 8 samples."""
    spec = parse_spec(
        tiny_spec_dict(dataset={"train_per_class": 3}, output={"partition_size": 8}, augment={"copies": 2})
    )
    out = tmp_path_factory.mktemp("digits")
    result = expand(spec, out, client=dask_client, progress=False)
    return out, read_shards(out).to_pylist(), json.loads((out / "expansion.json").read_text())["classes"], result


def _load_hf(folder: Path, tmp_path: Path):
    import datasets  # the dev extra installs it

    return datasets.load_dataset(str(folder), cache_dir=str(tmp_path / "hf-cache"), split="train")


def test_imagefolder_holds_each_row_as_its_shard_png_with_provenance(digits, tmp_path):
    out, rows, classes, result = digits
    dest = tmp_path / "folder"
    exported = export(out, "imagefolder", dest, progress=False)
    assert (exported.rows, exported.classes) == (len(rows), classes) == (result.rows, [str(i) for i in range(10)])
    assert sorted(p.name for p in dest.iterdir() if p.is_dir()) == sorted(classes)
    files = sorted(p for p in dest.rglob("*.png"))
    assert len(files) == len(rows) == 90
    with (dest / "provenance.csv").open(newline="") as handle:
        provenance = list(csv.DictReader(handle))
    assert len({line["file"] for line in provenance}) == len(provenance) == len(rows)
    by_id = {row["id"]: row for row in rows}
    for line in provenance:
        row = by_id[line["id"]]
        path = dest / line["file"]
        assert path.parent.name == classes[row["label"]] == line["class"]
        assert path.read_bytes() == row["image"]  # the shard's PNG, not re-encoded
        with Image.open(path) as image:
            assert image.size == (row["width"], row["height"])
        assert json.loads(line["seed"]) == row["seed"]
        for name in ("source_id", "view", "origin", "label_rule", "ops"):
            assert line[name] == row[name]
        for name in ("sample_index", "copy", "label", "label_before"):
            assert int(line[name]) == row[name]
    per_class = Counter(p.parent.name for p in files)
    assert per_class == Counter(classes[row["label"]] for row in rows)
    again = tmp_path / "again"
    export(out, "imagefolder", again, progress=False)
    assert sorted(p.relative_to(again) for p in again.rglob("*.png")) == [p.relative_to(dest) for p in files]


def test_imagefolder_reads_in_torchvision_when_installed(digits, tmp_path):
    folders = pytest.importorskip("torchvision.datasets")
    out, rows, classes, _ = digits
    export(out, "imagefolder", tmp_path / "folder", progress=False)
    dataset = folders.ImageFolder(str(tmp_path / "folder"))
    assert len(dataset) == len(rows) and sorted(dataset.classes) == sorted(classes)


def test_hf_loads_with_datasets_and_decodes_the_images(digits, tmp_path):
    out, rows, classes, _ = digits
    dest = tmp_path / "hf"
    summary = export(out, "hf", dest, progress=False).summary()
    assert summary == f"exported 90 rows (10 classes) as hf to {dest}"
    dataset = _load_hf(dest, tmp_path)
    assert dataset.features["label"].names == classes == dataset.features["label_before"].names
    assert len(dataset) == len(rows)
    first = dataset[0]
    assert isinstance(first["image"], Image.Image)
    assert first["image"].size == (rows[0]["width"], rows[0]["height"])
    assert Image.open(io.BytesIO(rows[0]["image"])).tobytes() == first["image"].tobytes()
    plain = dataset.cast_column("image", type(dataset.features["image"])(decode=False))
    for got, row in zip(plain, rows, strict=True):  # one Parquet file per shard, in partition order
        assert got["image"]["bytes"] == row["image"]
        assert got["image"]["path"].endswith(".png") and "/" not in got["image"]["path"]
        assert {k: v for k, v in got.items() if k != "image"} == {k: v for k, v in row.items() if k != "image"}
    files = sorted(str(p) for p in (dest / "data").glob("*.parquet"))
    import datasets

    same = datasets.load_dataset("parquet", data_files=files, cache_dir=str(tmp_path / "c2"), split="train")
    assert isinstance(same[5]["image"], Image.Image) and same.features["label"].names == classes


def test_regression_exports_to_hf_with_float_labels_and_refuses_imagefolder(tmp_path, dask_client, capsys):
    spec = parse_spec(road_spec(tmp_path, [{"op": "HorizontalFlip", "p": 0.5}], train_size=8))
    out = tmp_path / "out"
    expand(spec, out, client=dask_client, progress=False)
    rows = read_shards(out).to_pylist()
    assert main(["export", str(out), "--format", "imagefolder", str(tmp_path / "folder")]) == 2
    err = capsys.readouterr().err
    assert "regression" in err and "--format hf" in err
    assert not (tmp_path / "folder").exists()
    assert main(["export", str(out), "--format", "hf", str(tmp_path / "hf")]) == 0
    assert f"exported {len(rows)} rows (regression labels) as hf" in capsys.readouterr().out
    dataset = _load_hf(tmp_path / "hf", tmp_path)
    assert dataset.features["label"].dtype == "float64"
    assert dataset["label"] == [row["label"] for row in rows]
    assert any(row["label"] != row["label_before"] for row in rows)  # flips negate the angle
    assert isinstance(dataset[0]["image"], Image.Image) and dataset[0]["image"].size == (
        rows[0]["width"],
        rows[0]["height"],
    )


def test_text_exports_to_hf_as_strings(tmp_path, dask_client):
    raw = text_spec(tmp_path, [{"op": "RandomCharAug", "action": "swap"}], dataset={"train_per_class": 2})
    spec = parse_spec(raw)
    expand(spec, tmp_path / "out", client=dask_client, progress=False)
    rows = read_shards(tmp_path / "out").to_pylist()
    with pytest.raises(SpecError, match="--format hf"):
        export(tmp_path / "out", "imagefolder", tmp_path / "folder")
    result = export(tmp_path / "out", "hf", tmp_path / "hf", progress=False)
    dataset = _load_hf(tmp_path / "hf", tmp_path)
    assert dataset.features["text"].dtype == "string" and "image" not in dataset.features
    assert dataset["text"] == [row["text"] for row in rows]
    assert dataset.features["label"].names == result.classes and len(result.classes) > 1


def test_refusals_name_the_problem_and_write_nothing(digits, tmp_path, capsys):
    out, *_ = digits
    dest = tmp_path / "dest"

    def refused(args: list[str], code: int, *words: str) -> None:
        assert main(["export", *args]) == code
        err = capsys.readouterr().err
        for word in words:
            assert word in err, err
        assert "Traceback" not in err

    refused([str(tmp_path), "--format", "hf", str(dest)], 2, "holds no expansion", "expansion.json", "fix:")
    unfinished = tmp_path / "unfinished"
    shutil.copytree(out, unfinished)
    (unfinished / "manifest.parquet").unlink()
    refused([str(unfinished), "--format", "hf", str(dest)], 1, "unfinished", "augsynth expand")
    refused([str(out), "--format", "hf", str(out)], 2, "is or holds the expansion")
    assert not dest.exists()
    dest.mkdir()
    (dest / "notes.txt").write_text("mine")
    refused([str(out), "--format", "hf", str(dest)], 2, "not empty", "--overwrite")
    refused([str(out), "--format", "hf", str(dest), "--overwrite"], 2, "not an earlier export", MARKER)
    assert [p.name for p in dest.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dest", "unfinished"]  # no temp folder left behind
    with pytest.raises(SystemExit):
        main(["export", str(out), "--format", "zip", str(dest)])


def test_overwrite_replaces_an_earlier_export(digits, tmp_path, capsys):
    out, rows, *_ = digits
    dest = tmp_path / "dest"
    assert main(["export", str(out), "--format", "hf", str(dest)]) == 0
    assert main(["export", str(out), "--format", "imagefolder", str(dest), "--overwrite"]) == 0
    assert f"exported {len(rows)} rows (10 classes) as imagefolder to {dest}" in capsys.readouterr().out
    assert not (dest / "data").exists() and len(list(dest.rglob("*.png"))) == len(rows)
    assert json.loads((dest / MARKER).read_text())["format"] == "imagefolder"
    assert [p.name for p in tmp_path.iterdir()] == ["dest"]


def test_an_export_cut_short_leaves_no_folder_that_looks_complete(digits, tmp_path):
    out, *_ = digits
    changed = tmp_path / "changed"
    shutil.copytree(out, changed)
    last = sorted((changed / "shards").glob("part-*.parquet"))[-1]
    pq.write_table(pq.read_table(last).slice(0, 1), last)  # the manifest now disagrees with this shard
    with pytest.raises(DataError, match="changed while it was exported"):
        export(changed, "imagefolder", tmp_path / "dest", progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["changed"]


def test_file_names_are_safe_unique_and_repeatable():
    ids = ["train/00042.png#3", "cat/x.png@left#0", "cat/x.png_left_0", "CAT/X.PNG@LEFT#0", "../../etc/passwd#0"]
    names = UniqueNames()
    given = [names(i, ".png") for i in ids]
    assert given == [
        "train_00042.png_3.png",
        "cat_x.png_left_0.png",
        "cat_x.png_left_0-2.png",
        "CAT_X.PNG_LEFT_0-3.png",  # unique ignoring case too
        "etc_passwd_0.png",
    ]
    repeat = UniqueNames()
    assert [repeat(i, ".png") for i in ids] == given
    long = [UniqueNames()("é" * 300 + str(i)) for i in range(2)]
    assert len(set(long)) == 2 and all(len(n) <= MAX_STEM and n.isascii() for n in long)
    assert UniqueNames()(".hidden") == "hidden" and UniqueNames()("///") == "_"


def test_cli_formats_are_the_exporters():
    export_parser = _parser()._subparsers._group_actions[0].choices["export"]
    [choices] = [a.choices for a in export_parser._actions if a.dest == "format"]
    assert tuple(choices) == FORMATS
