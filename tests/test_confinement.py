"""Confinement, spec side: output dirs are never system folders nor someone else's non-empty folder, generator names
are plain file names, op file parameters stay inside the spec's folder, data sources never point into system folders,
and file-system errors end in one paragraph naming the path (exit 1)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from augsynth.cli import main
from augsynth.core.errors import DataError, SpecError
from augsynth.expansion.job import expand
from augsynth.expansion.output_dir import MARKER
from augsynth.spec.load import load_spec, parse_spec
from tests.conftest import expect_spec_error


@pytest.mark.parametrize("folder", ["/", "/etc", "/usr/local/out", "/proc/self", "~"])
def test_system_folders_and_home_are_refused_as_output_dir(spec_dict, folder):
    expect_spec_error(spec_dict(output={"dir": folder}), "output.dir", ["outside"])


def test_home_is_expanded_in_the_output_dir(spec_dict):
    assert parse_spec(spec_dict(output={"dir": "~/augsynth-out"})).output.dir == Path.home() / "augsynth-out"


@pytest.mark.parametrize("source", ["folder:/", "folder:/proc/self", "folder:/sys", "csv:/etc/passwd", "folder:~"])
def test_data_sources_in_system_folders_are_refused(spec_dict, source):
    expect_spec_error(spec_dict(dataset={"source": source}), "dataset.source", ["outside"])


@pytest.mark.parametrize("name", ["/abs/path", "../../x", "a/b", "..", ".hidden", "x" * 65])
def test_generator_names_are_plain_file_names(spec_dict, name):
    raw = spec_dict(generate=[{"kind": "cvae", "name": name}], train={"arms": ["baseline", "synthetic"]})
    expect_spec_error(raw, "generate[0].name", ["plain file name"])


def test_non_empty_folder_augsynth_did_not_make_is_refused_unless_overwrite(spec_dict, tmp_path, dask_client):
    spec = parse_spec(spec_dict())
    users = tmp_path / "users"
    (users / "shards").mkdir(parents=True)
    (users / "shards" / "part-00000.parquet").write_bytes(b"the user's own file")
    with pytest.raises(SpecError) as info:
        expand(spec, users, client=dask_client, progress=False)
    assert info.value.path == "output.dir" and "--overwrite" in info.value.fix
    assert (users / "shards" / "part-00000.parquet").read_bytes() == b"the user's own file"
    assert not (users / MARKER).exists()
    expand(spec, users, client=dask_client, progress=False, overwrite=True)
    assert (users / MARKER).is_file()
    again = expand(spec, users, client=dask_client, progress=False)  # now marked: no --overwrite needed
    assert again.shards_skipped == again.shards


def test_new_and_empty_output_dirs_are_claimed(spec_dict, tmp_path, dask_client):
    spec = parse_spec(spec_dict())
    empty = tmp_path / "empty"
    empty.mkdir()
    for out in (tmp_path / "new" / "nested", empty):
        expand(spec, out, client=dask_client, progress=False)
        assert (out / MARKER).is_file() and (out / "manifest.parquet").is_file()


def test_unwritable_output_dir_is_one_paragraph_and_exit_1(spec_path, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    out = blocker / "out"
    assert main(["expand", str(spec_path), "--workers", "1", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"data error: cannot write {out}") and "Fix:" in err and "Traceback" not in err
    with pytest.raises(DataError):
        main(["--debug", "expand", str(spec_path), "--workers", "1", "--out", str(out)])


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_read_only_output_dir_names_the_path_and_the_fix(spec_path, tmp_path, capsys):
    out = tmp_path / "locked"
    out.mkdir()
    out.chmod(0o500)
    try:
        assert main(["expand", str(spec_path), "--workers", "1", "--out", str(out / "sub")]) == 1
    finally:
        out.chmod(0o700)
    err = capsys.readouterr().err
    assert str(out / "sub") in err and "--out" in err and "Traceback" not in err


def _text_spec(tmp_path: Path, op: dict) -> Path:
    """A text spec in its own folder, with a CSV of texts and a spelling dictionary beside it."""
    folder = tmp_path / "project"
    folder.mkdir(exist_ok=True)
    (folder / "texts.csv").write_text("text,label\n" + "".join(f"text number {i},{'ab'[i % 2]}\n" for i in range(12)))
    (folder / "spelling.txt").write_text("text txet\nnumber numbr\n")
    spec = folder / "spec.yaml"
    spec.write_text(
        f"version: 1\nname: text\ndataset: {{source: 'csv:{folder / 'texts.csv'}', task: "
        f"text-classification, train_per_class: 2, val_per_class: 1}}\naugment:\n  copies: 1\n  text:\n"
        f"    - {op}\noutput: {{dir: '{tmp_path / 'out'}'}}\ntrain: {{replicates: 2, learning_curve: []}}\n"
    )
    return spec


def test_op_file_parameters_resolve_against_the_spec_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # elsewhere than the spec: the relative path still finds the file beside it
    spec = load_spec(_text_spec(tmp_path, {"op": "SpellingAug", "dict_path": "spelling.txt"}))
    assert spec.augment.text[0]["dict_path"] == str(tmp_path / "project" / "spelling.txt")


@pytest.mark.parametrize(
    "op, where, words",
    [
        ({"op": "SpellingAug", "dict_path": "/etc/passwd"}, "dict_path", ["outside"]),
        ({"op": "SpellingAug", "dict_path": "../../../../../../../etc/passwd"}, "dict_path", ["outside"]),
        ({"op": "SpellingAug", "dict_path": "missing.txt"}, "dict_path", ["does not exist"]),
        ({"op": "ContextualWordEmbsAug", "model_path": "/"}, "model_path", ["outside"]),
        ({"op": "RandomWordAug", "action": "explode"}, "action", ["substitute, swap, delete, crop"]),
        ({"op": "RandomCharAug", "aug_char_max": -1}, "aug_char_max", ["greater than or equal to 0"]),
        ({"op": "KeyboardAug", "include_numeric": "yes"}, "include_numeric", ["true or false"]),
    ],
)
def test_text_op_parameters_are_checked(tmp_path, op, where, words):
    with pytest.raises(SpecError) as info:
        load_spec(_text_spec(tmp_path, op))
    assert info.value.path == f"augment.text[0].{where}"
    for word in words:
        assert word in str(info.value)
