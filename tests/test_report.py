"""The report survives the edge cases that used to crash it after all the training: no train size, one seed,
two seeds, and a generator whose gates kept no sample of some class."""

from __future__ import annotations

import json

import numpy as np

from augsynth.cli import _headline
from augsynth.generators.gates import diversity
from augsynth.run import compare
from augsynth.spec.load import parse_spec
from tests.conftest import make_image_folder, tiny_spec_dict


def test_a_folder_spec_without_train_per_class_gets_its_report_and_marks_two_seed_intervals(tmp_path, dask_client):
    folder = make_image_folder(tmp_path / "images", classes=("a", "b"), per_class=8, size=12)
    others = [f"a/notes_{i}.txt" for i in range(6)] + ["b/table.csv"]
    for name in others:
        (folder / name).write_text("not an image")
    raw = tiny_spec_dict(
        tmp_path / "out",
        dataset={
            "source": f"folder:{folder}",
            "image_size": 12,
            "train_per_class": None,
            "val_per_class": 2,
            "test_fraction": 0.25,
        },
        augment={"copies": 1},
        train={"steps": 10, "eval_every": 5, "learning_curve": [2]},
    )
    report = compare(parse_spec(raw), tmp_path / "out", client=dask_client, progress=False)
    markdown = (tmp_path / "out" / "report.md").read_text()
    assert "all train samples per class" in markdown
    assert "(n=2: interval unreliable)" in markdown
    assert "(n=2: interval unreliable)" in _headline(report, tmp_path / "out")
    sizes = {
        (p["train_size"], p["arm"])
        for p in json.loads((tmp_path / "out" / "report.json").read_text())["learning_curve"]
    }
    assert sizes == {(None, "baseline"), (None, "augmented"), (2, "baseline"), (2, "augmented")}
    assert (tmp_path / "out" / "learning_curve.png").is_file()  # the sized points are plotted
    # files of another type are skipped: counted and named apart from the quarantined ones, at most five by name
    assert report.skipped_files == sorted(others) and report.accounting["source"]["skipped"] == 7
    assert report.accounting["source"]["quarantined"] == 0 and not report.quarantined.source
    assert "Skipped 7 files in no image format Pillow opens" in markdown
    assert "a/notes_0.txt, a/notes_1.txt, a/notes_2.txt, a/notes_3.txt, a/notes_4.txt and 2 more." in markdown
    assert "skipped: 7 files in no image format Pillow opens: a/notes_0.txt" in _headline(report, tmp_path / "out")
    assert json.loads((tmp_path / "out" / "report.json").read_text())["skipped_files"] == sorted(others)


def test_one_seed_is_reported_without_an_interval(tmp_path, dask_client):
    spec = parse_spec(
        tiny_spec_dict(
            tmp_path / "out",
            augment={"copies": 1},
            train={"replicates": 1, "steps": 10, "eval_every": 5, "classical_baseline": False},
        )
    )
    report = compare(spec, tmp_path / "out", client=dask_client, progress=False)
    saved = json.loads((tmp_path / "out" / "report.json").read_text())
    assert saved["arms"]["baseline"]["ci95"] is None and len(saved["arms"]["baseline"]["runs"]) == 1
    assert saved["gain"]["augmented"]["ci95"] is None
    assert "1 replicate: no interval" in (tmp_path / "out" / "report.md").read_text()
    assert "nan" not in _headline(report, tmp_path / "out").lower()


def test_diversity_of_a_generator_that_kept_no_sample_of_a_class():
    rng = np.random.default_rng(0)
    real = rng.integers(0, 256, size=(6, 8, 8), dtype=np.uint8)
    real_labels = np.array([0, 0, 0, 1, 1, 1])
    kept = rng.integers(0, 256, size=(4, 8, 8), dtype=np.uint8)  # the gates kept class 0 only
    result = diversity(kept, np.zeros(4, np.int64), real, real_labels)
    assert set(result["per_class"]) == {0} and result["ratio"] == result["per_class"][0] > 0
