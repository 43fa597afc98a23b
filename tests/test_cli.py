"""The command line: each command is one call underneath and prints a short, honest summary."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PIL import Image

from augsynth.cli import main


def test_expand_command(spec_path, tmp_path, capsys):
    out = tmp_path / "expanded"
    assert main(["expand", str(spec_path), "--workers", "1", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    # tiny spec: 4 train samples x 10 classes, 2 copies each, shards of 16
    assert "inputs 40 / written 40 / quarantined 0" in printed
    assert re.search(r"-> 120 rows in 3 shards", printed)
    assert sorted(p.name for p in (out / "shards").iterdir()) == [f"part-{i:05d}.parquet" for i in range(3)]
    assert (out / "manifest.parquet").is_file()
    assert (out / "expansion.json").is_file()


def test_preview_command(spec_path, tmp_path, capsys):
    target = tmp_path / "x.png"
    assert main(["preview", str(spec_path), "--out", str(target), "--rows", "3"]) == 0
    assert str(target) in capsys.readouterr().out
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with Image.open(target) as image:
        assert image.format == "PNG"
        pixels = np.asarray(image.convert("L"))
    assert pixels.shape[0] > 50 and pixels.shape[1] > 50
    assert pixels.std() > 0  # not a blank canvas


def test_data_errors_exit_1(write_spec, spec_dict, tmp_path, capsys):
    too_many = write_spec(spec_dict(dataset={"train_per_class": 500}), "big.yaml")
    assert main(["preview", str(too_many), "--out", str(tmp_path / "p.png")]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("data error: ")
    assert "train_per_class" in captured.err
    assert "Traceback" not in captured.err


def test_debug_flag_shows_the_exception(write_spec, spec_dict):
    raw = spec_dict()
    raw["augment"]["image"][0]["op"] = "Afine"
    from augsynth import SpecError

    with pytest.raises(SpecError):
        main(["--debug", "validate", str(write_spec(raw, "bad.yaml"))])


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(["explode", "spec.yaml"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
