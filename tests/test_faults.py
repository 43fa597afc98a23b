"""Faults in real processes: a killed job, killed workers, a full or read-only disk, and hostile data inputs.

A faulted expansion runs ``augsynth expand`` as its own process (in its own session, so nothing outlives a test; one
worker unless the fault needs two) and is compared byte for byte with an uninterrupted expansion of the same spec.
Most of their time is the imports (torch) of each new process.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import numpy as np
import psutil
import pytest
import yaml
from PIL import Image

from augsynth.cli import main
from augsynth.expansion.job import expand
from augsynth.spec.load import parse_spec
from tests.conftest import REPO_ROOT, make_image_folder, png_bytes, tiny_spec_dict

NO_WORKERS_TIMEOUT = 3  # seconds, for these tests (the default is 30)
SHARDS = 20
# 40 digits in 20 shards of 2, 40 copies each: a few seconds of work, so that a fault lands mid-expand
FAULT_SPEC = {
    "dataset": {"image_size": 32, "train_per_class": 4},
    "augment": {
        "copies": 40,
        "image": [
            {"op": "Affine", "rotate": [-12, 12], "p": 1.0},
            {"op": "ElasticTransform", "alpha": 8, "sigma": 4, "p": 1.0},
            {"op": "GaussNoise", "std_range": [0.05, 0.1], "p": 1.0},
        ],
    },
    "output": {"partition_size": 2},
}


def _spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "fault.yaml"
    path.write_text(yaml.safe_dump(tiny_spec_dict(tmp_path / "unused", **FAULT_SPEC)))
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory, dask_client) -> dict[str, bytes]:
    """The shards of an uninterrupted expansion of the fault spec."""
    out = tmp_path_factory.mktemp("reference")
    expand(parse_spec(tiny_spec_dict(out, **FAULT_SPEC)), out, client=dask_client, progress=False)
    return _shards(out)


def _shards(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "shards").iterdir())}


class Job:
    """``augsynth expand SPEC --workers N --out OUT`` in its own process session, its output in files beside it."""

    def __init__(self, spec: Path, out: Path, logs: Path, workers: int):
        self.out, self.logs = out, logs
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]),
            "DASK_AUGSYNTH__NO_WORKERS_TIMEOUT": f"{NO_WORKERS_TIMEOUT}s",
        }
        with (logs.with_suffix(".out")).open("w") as stdout, (logs.with_suffix(".err")).open("w") as stderr:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "augsynth.cli",
                    "expand",
                    str(spec),
                    "--workers",
                    str(workers),
                    "--out",
                    str(out),
                ],
                env=env,
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )

    def journaled(self) -> int:
        journal = self.out / "manifest.jsonl"
        return len(journal.read_text().splitlines()) if journal.exists() else 0

    def wait_for_shards(self, count: int, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while self.journaled() < count:
            assert self.process.poll() is None, f"the job ended early: {self.finish()}"
            assert time.monotonic() < deadline, "the job wrote no shard in time"
            time.sleep(0.05)

    def workers(self) -> list[psutil.Process]:
        """The Dask worker processes (the nannies live in the job process itself)."""
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        return [p for p in children if "spawn_main" in " ".join(_cmdline(p))]

    def finish(self, timeout: float = 300) -> tuple[int, str, str]:
        """Exit code, stdout and stderr once the job has ended."""
        self.process.wait(timeout=timeout)
        return (
            self.process.returncode,
            self.logs.with_suffix(".out").read_text(),
            self.logs.with_suffix(".err").read_text(),
        )

    def kill_session(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


@pytest.fixture
def jobs(tmp_path):
    """Start jobs with ``jobs(spec, out, workers=1)``; whatever is left of them is killed at the end of the test."""
    started: list[Job] = []

    def start(spec: Path, out: Path, workers: int = 1) -> Job:
        started.append(Job(spec, out, tmp_path / f"job{len(started)}", workers))
        return started[-1]

    yield start
    for job in started:
        job.kill_session()


def _assert_complete_and_identical(out: Path, reference: dict[str, bytes]) -> None:
    assert _shards(out) == reference
    assert not list(out.rglob(".*.tmp*")), "a temp file was left behind"


@pytest.mark.slow  # job processes of their own (about 25 s of imports each); CI runs them with -m slow
def test_kill_9_of_the_job_then_a_rerun_resumes_byte_identical(tmp_path, jobs, reference):
    spec, out = _spec_file(tmp_path), tmp_path / "out"
    job = jobs(spec, out)
    job.wait_for_shards(2)
    job.process.kill()
    job.process.wait()
    done = job.journaled()
    assert done < SHARDS, "the job finished before it was killed: the test proves nothing"
    code, printed, err = jobs(spec, out).finish()
    assert code == 0, err
    assert "already complete" in printed and f"-> {41 * 40} rows in {SHARDS} shards" in printed
    _assert_complete_and_identical(out, reference)


@pytest.mark.slow  # job processes of their own (about 25 s of imports each); CI runs them with -m slow
def test_kill_9_of_one_worker_the_job_completes_identical(tmp_path, jobs, reference):
    spec, out = _spec_file(tmp_path), tmp_path / "out"
    job = jobs(spec, out, workers=2)
    job.wait_for_shards(1)
    victim = job.workers()[0]
    victim.kill()
    killed_at = job.journaled()
    code, printed, err = job.finish()
    assert killed_at < SHARDS, "the job finished before the worker was killed: the test proves nothing"
    assert code == 0, err
    assert "Traceback" not in err
    _assert_complete_and_identical(out, reference)


@pytest.mark.slow  # job processes of their own (about 25 s of imports each); CI runs them with -m slow
def test_losing_every_worker_ends_the_job_with_a_clear_error_and_a_rerun_completes(tmp_path, jobs, reference):
    spec, out = _spec_file(tmp_path), tmp_path / "out"
    job = jobs(spec, out)
    job.wait_for_shards(1)
    last_kill = time.monotonic()
    while job.process.poll() is None:  # every worker, and every worker its nanny starts again, until the job ends
        for worker in job.workers():
            worker.kill()
            last_kill = time.monotonic()
        time.sleep(0.05)
    code, _, err = job.finish()
    ended = time.monotonic()
    assert code == 1, err
    assert "data error:" in err and "Traceback" not in err
    assert "no worker" in err or "worker that died" in err  # gone for good, or died under the same task too often
    assert "running the same command again resumes" in err
    assert ended - last_kill < NO_WORKERS_TIMEOUT + 30
    assert job.journaled() < SHARDS
    code, _, err = jobs(spec, out).finish()
    assert code == 0, err
    _assert_complete_and_identical(out, reference)


@pytest.mark.slow  # job processes of their own (about 25 s of imports each); CI runs them with -m slow
def test_a_job_whose_tasks_stop_finishing_ends_after_the_task_timeout(tmp_path, write_spec, capsys):
    import dask

    from augsynth.core.gather import TASK_TIMEOUT

    spec = write_spec(tiny_spec_dict(tmp_path / "out"))
    with dask.config.set({TASK_TIMEOUT: "30 minutes"}):  # undoes what --task-timeout sets for this process
        # a fresh worker takes seconds to import its first task's modules: longer than 0.2 s
        assert main(["expand", str(spec), "--workers", "1", "--task-timeout", "0.2"]) == 1
    err = capsys.readouterr().err
    # the first tasks are those that read the inputs before the split
    assert "data error: no input-reading task finished in the last" in err and "--task-timeout SECONDS" in err


# ---- the disk ----


@pytest.fixture
def tmpfs(tmp_path):
    """Factory: ``tmpfs(kib)`` mounts a tiny tmpfs (root only) and returns its folder; unmounted afterwards."""
    mounted = []

    def mount(kib: int) -> Path:
        if os.geteuid() != 0 or not shutil.which("mount"):
            pytest.skip("a tiny tmpfs needs root")
        where = tmp_path / f"tmpfs{len(mounted)}"
        where.mkdir()
        if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kib}k", "tmpfs", str(where)]).returncode:
            pytest.skip("cannot mount a tmpfs here")
        mounted.append(where)
        return where

    yield mount
    for where in mounted:
        subprocess.run(["umount", "-l", str(where)], check=True)


def _remount(where: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(where)], check=True)


@pytest.mark.slow  # job processes of their own (about 25 s of imports each); CI runs them with -m slow
def test_a_full_disk_ends_with_the_path_keeps_complete_shards_and_a_rerun_completes(tmp_path, tmpfs, jobs, reference):
    disk = tmpfs(sum(map(len, reference.values())) // 1024 // 3)  # room for about a third of the shards
    spec, out = _spec_file(tmp_path), disk / "out"
    code, _, err = jobs(spec, out).finish()
    assert code == 1, err
    assert "data error: cannot write" in err and str(disk) in err and "No space left on device (ENOSPC)" in err
    assert "Traceback" not in err
    assert not list(out.rglob(".*.tmp*")), "a half-written file was left behind"
    written = _shards(out)
    assert 0 < len(written) < SHARDS
    journal = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    for entry in journal:  # every shard the journal names is complete
        assert written[entry["shard"]] == reference[entry["shard"]]
    _remount(disk, "size=64m")
    code, _, err = jobs(spec, out).finish()
    assert code == 0, err
    _assert_complete_and_identical(out, reference)


def test_a_read_only_output_dir_ends_with_the_path(tmp_path, tmpfs, capsys):
    if os.geteuid() == 0:  # root writes through file permissions: a read-only mount is what stops it
        parent = tmpfs(256)
        _remount(parent, "ro")
        reason = "Read-only file system (EROFS)"
    else:
        parent = tmp_path / "locked"
        parent.mkdir()
        parent.chmod(0o500)
        reason = "Permission denied (EACCES)"
    assert main(["expand", str(_spec_file(tmp_path)), "--out", str(parent / "out")]) == 1  # before any cluster starts
    err = capsys.readouterr().err
    assert f"cannot write {parent / 'out'}" in err and reason in err and "Fix:" in err
    assert "Traceback" not in err
    assert not list(parent.iterdir())


def test_a_journal_line_that_is_json_but_not_an_entry_is_redone(tmp_path, dask_client):
    spec = parse_spec(tiny_spec_dict(tmp_path / "out"))
    first = expand(spec, client=dask_client, progress=False)
    journal = tmp_path / "out" / "manifest.jsonl"
    lines = journal.read_text().splitlines()
    journal.write_text("\n".join(["[]", "3", '{"partition": 0}', *lines[1:], '"text"']) + "\n")
    before = _shards(tmp_path / "out")
    again = expand(spec, client=dask_client, progress=False)
    assert again.shards_skipped == first.shards - 1
    assert _shards(tmp_path / "out") == before
    assert (again.inputs, again.written, again.rows) == (first.inputs, first.written, first.rows)


# ---- bad data inputs ----


def _png_claiming(width: int, height: int) -> bytes:
    """A 67-byte PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb's header)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def test_hostile_image_files_are_quarantined_with_reasons_and_the_job_completes(tmp_path, dask_client):
    root = make_image_folder(tmp_path / "images", classes=("a", "b", "c"), per_class=8, size=12)
    (root / "a" / "bomb.png").write_bytes(_png_claiming(100_000, 100_000))
    (root / "a" / "truncated.png").write_bytes((root / "a" / "img_00.png").read_bytes()[:60])
    (root / "a" / "notes.txt").write_text("not an image")
    secret = tmp_path / "outside.png"
    secret.write_bytes(png_bytes(np.full((12, 12), 7, np.uint8)))
    (root / "b" / "escape.png").symlink_to(secret)
    (root / "b" / "dotdot.png").symlink_to(Path("..") / ".." / "outside.png")
    (root / "c" / "linked").symlink_to(tmp_path, target_is_directory=True)
    bmp = io.BytesIO()
    Image.fromarray(np.random.default_rng(5).integers(0, 256, (12, 12), np.uint8)).save(bmp, format="BMP")
    (root / "c" / "extra.bmp").write_bytes(bmp.getvalue())
    spec = parse_spec(
        tiny_spec_dict(
            tmp_path / "out",
            dataset={"source": f"folder:{root}", "image_size": None, "train_per_class": None, "val_per_class": 1},
        )
    )
    result = expand(spec, client=dask_client, progress=False)
    reasons = {q["source_id"]: q for q in json.loads((tmp_path / "out" / "quarantine.json").read_text())}
    expected = {
        "a/bomb.png": "image too large",
        "a/truncated.png": "unreadable image",
        "b/escape.png": "leads outside the data folder",
        "b/dotdot.png": "leads outside the data folder",
        "c/linked": "linked folder",
    }
    assert reasons.keys() == expected.keys()
    for source_id, words in expected.items():
        assert words in reasons[source_id]["reason"] and reasons[source_id]["stage"] == "source"
    assert result.source == {"inputs": 31, "used": 25, "quarantined": 5, "duplicates": 0, "skipped": 1, "unused": 0}
    assert result.skipped == ["a/notes.txt"]  # another file type: skipped and listed, not quarantined
    assert json.loads((tmp_path / "out" / "skipped.json").read_text()) == ["a/notes.txt"]
    assert result.inputs == result.written  # the .bmp is read like the PNGs
    assert "before the split: 5 of 31 inputs quarantined" in result.summary()
    assert "1 file in no image format skipped: a/notes.txt (all in skipped.json)" in result.summary()


def _csv_spec(table: Path, out: Path, **dataset) -> dict:
    return tiny_spec_dict(
        out,
        dataset={
            "source": f"csv:{table}",
            "image_size": None,
            "train_per_class": None,
            "val_per_class": 1,
            "image_column": "path",
            "label_column": "y",
            **dataset,
        },
    )


def test_csv_labels_that_are_missing_nan_inf_or_in_malformed_rows_are_quarantined(tmp_path, dask_client):
    rng = np.random.default_rng(2)
    base = tmp_path / "data"
    (base / "img").mkdir(parents=True)
    (tmp_path / "outside.png").write_bytes(png_bytes(np.zeros((10, 10, 3), np.uint8)))
    lines = ["path,y"]
    for i in range(30):
        (base / "img" / f"{i}.png").write_bytes(png_bytes(rng.integers(0, 256, (10, 10, 3), np.uint8)))
        lines.append(f"img/{i}.png,{rng.uniform(-1, 1):.4f}")
    bad = {
        "img/0.png,nan": "missing label ('nan')",
        "img/1.png,NaN": "missing label ('NaN')",
        "img/2.png,inf": "non-finite label 'inf'",
        "img/3.png,-inf": "non-finite label '-inf'",
        "img/4.png,": "missing label",
        "img/5.png": "malformed row: 1 cells where the header has 2",
        "img/6.png,0.5,extra": "malformed row: 3 cells where the header has 2",
        "img/7.png,oops": "non-numeric label 'oops'",
        ",0.25": "missing image path",
        "../outside.png,0.1": "leads outside the data folder",
        "img/missing.png,0.2": "image file not found",
    }
    table = base / "data.csv"
    table.write_text("\n".join(lines + list(bad)) + "\n")
    raw = _csv_spec(table, tmp_path / "out", task="regression", target="y", val_size=3)
    spec = parse_spec(
        {
            **raw,
            "labels": {"y": {"kind": "scalar", "flip": "keep"}},
            "augment": {"copies": 1, "image": [{"op": "GaussNoise", "p": 1.0}]},
            "train": {**raw["train"], "model": "pilotnet"},
        }
    )
    result = expand(spec, client=dask_client, progress=False)
    quarantined = json.loads((tmp_path / "out" / "quarantine.json").read_text())
    assert len(quarantined) == len(bad)
    for entry, reason in zip(quarantined, bad.values(), strict=True):
        assert entry["reason"].startswith(reason) and entry["stage"] == "source"
    assert result.source["inputs"] == 41 and result.source["quarantined"] == len(bad)
    labels = _labels(tmp_path / "out")
    assert len(labels) == 2 * result.written and np.isfinite(labels).all()


def _labels(out: Path) -> list[float]:
    from augsynth.data.shards import read_shards

    return read_shards(out, columns=["label"])["label"].to_pylist()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("path,y\nimg/é.png,café\n".encode("latin-1"), ["not UTF-8", "byte 0xe9 on line 2", "Latin-1", "iconv"]),
        ("path,y\nimg/a.png,x\n".encode("utf-16-le"), ["UTF-16", "iconv -f UTF-16LE"]),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", ["not a CSV table", "NUL bytes"]),
    ],
    ids=["latin-1", "utf-16-without-bom", "binary"],
)
def test_a_csv_in_another_encoding_or_a_binary_file_is_named_with_the_fix(tmp_path, write_spec, capsys, content, words):
    table = tmp_path / "data.csv"
    table.write_bytes(content)
    assert main(["validate", str(write_spec(_csv_spec(table, tmp_path / "out")))]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"data error: {table}") and "Traceback" not in err
    for word in words:
        assert word in err


def test_a_utf16_csv_with_a_byte_order_mark_and_a_utf8_bom_are_read(tmp_path):
    from augsynth.data import load_source

    make_image_folder(tmp_path / "img", classes=("x", "y"), per_class=3, size=8)
    text = "path,y\n" + "".join(f"img/{c}/img_{i:02d}.png,{c}\n" for c in "xy" for i in range(3))
    for encoding in ("utf-16", "utf-8-sig"):
        table = tmp_path / f"{encoding}.csv"
        table.write_bytes(text.encode(encoding))
        data = load_source(parse_spec(_csv_spec(table, tmp_path / "out")).dataset)
        assert (len(data.records), data.classes, data.quarantined) == (6, ["x", "y"], [])
