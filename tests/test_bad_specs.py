"""The bad-spec corpus (issue 11): every malformed or hostile spec in tests/bad_specs is refused by
``augsynth validate`` with the expected exit status and a short message naming the problem: never a traceback, a
hang, a memory blow-up or an echo of the input.

tests/bad_specs/expected.yaml gives each file's exit status and the fragments its stderr must hold. Every case runs
in this process through ``augsynth.cli.main`` (no subprocess per spec), from inside tests/bad_specs so that relative
paths in the specs resolve there, under the time and memory guard of tests/validate_guard.py.

``python -m tests.test_bad_specs [--out FILE]`` writes a Markdown table of how every case fares; a case that hits
the in-process guard is run once more in a subprocess with a 20 s limit, to tell a hang from a slow refusal and to
show where it hangs.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import faulthandler
import io
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from augsynth.cli import main
from tests.validate_guard import STDERR_LIMIT, validate

REPO_ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).parent / "bad_specs"
GOOD = sorted((CORPUS / "good").glob("*.yaml"))
MANIFEST: dict[str, dict] = yaml.safe_load((CORPUS / "expected.yaml").read_text())
MAX_SPEC_BYTES = 1 << 20  # the size a spec file may have; the generated huge file is half as large again


def _huge_file(path: Path) -> Path:
    """A valid spec padded with comments to 1.5 MiB: refused for its size alone, before it is parsed."""
    line = "# padding: a spec this large is refused before it is parsed\n"
    text = (CORPUS / "good" / "digits.yaml").read_text()
    path.write_text(text + line * (MAX_SPEC_BYTES * 3 // 2 // len(line)))
    return path


GENERATED = {"yaml-huge-file.yaml": _huge_file}


def case_path(name: str, scratch: Path) -> Path:
    """The spec file of a corpus entry (generated ones are written under ``scratch``)."""
    return GENERATED[name](scratch / name) if MANIFEST[name].get("generated") else CORPUS / name


def _warm_up() -> None:
    """Validate the good specs once, unguarded and silenced: augsynth imports its heavy modules lazily, and that
    must not count against the time limit of the first case."""
    with contextlib.chdir(CORPUS), contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for path in GOOD:
            main(["validate", str(path)])


@pytest.fixture(scope="module")
def warm():
    _warm_up()


def test_manifest_lists_every_file():
    on_disk = {path.name for path in CORPUS.glob("*.yaml")} - {"expected.yaml"}
    listed = {name for name, entry in MANIFEST.items() if not entry.get("generated")}
    assert on_disk == listed, f"not in expected.yaml: {on_disk - listed}; missing files: {listed - on_disk}"
    assert set(GENERATED) == set(MANIFEST) - listed
    assert len(MANIFEST) >= 110
    for name, entry in MANIFEST.items():
        assert entry["code"] in (1, 2), name
        assert entry["stderr"] and all(isinstance(f, str) and f for f in entry["stderr"]), name


@pytest.mark.parametrize("path", GOOD, ids=[path.stem for path in GOOD])
def test_good_base_spec_is_valid(path, warm, monkeypatch):
    """Each bad spec is one edit of a good one; the good ones must pass, or the corpus tests nothing."""
    monkeypatch.chdir(CORPUS)
    outcome = validate(path)
    assert outcome.rc == 0, f"{outcome.escaped or ''} {outcome.detail} {outcome.stderr}"


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_bad_spec_is_refused(name, warm, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(CORPUS)
    path = case_path(name, tmp_path)
    capsys.readouterr()
    outcome = validate(path, captured=lambda: tuple(capsys.readouterr()))
    entry = MANIFEST[name]
    problems = outcome.problems(entry["code"], entry["stderr"])
    assert not problems, "; ".join(f"{category}: {detail}" for category, detail in problems) + (
        f"\nstderr ({len(outcome.stderr)} chars): {outcome.stderr[:800]}"
    )


# ---------------------------------------------------------------- status table (python -m tests.test_bad_specs)

SUBPROCESS_SECONDS = 20
SUBPROCESS_MEMORY = 4 << 30


def _one(path: str) -> int:
    """Subprocess side: warm up, then validate ``path`` with a 20 s watchdog that dumps where it hangs."""
    _warm_up()
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    mapped = (
        int(
            next(
                line for line in Path("/proc/self/status").read_text().splitlines() if line.startswith("VmSize:")
            ).split()[1]
        )
        * 1024
    )
    resource.setrlimit(resource.RLIMIT_AS, (mapped + SUBPROCESS_MEMORY, hard))
    faulthandler.dump_traceback_later(SUBPROCESS_SECONDS, exit=True)
    with contextlib.chdir(CORPUS):
        return main(["validate", path])


def _in_subprocess(path: Path) -> tuple[str, str]:
    """(category, detail) of one case run alone: hang, memory, traceback, or how it ended."""
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    try:
        done = subprocess.run(
            [sys.executable, "-m", "tests.test_bad_specs", "--one", str(path)],
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=SUBPROCESS_SECONDS + 300,
        )
    except subprocess.TimeoutExpired:
        return "hang", f"> {SUBPROCESS_SECONDS} s (killed)"
    err = done.stderr
    if len(err) >= STDERR_LIMIT and "Timeout (0:00:" not in err[-20000:]:
        return "unbounded output", f"exit {done.returncode} after {len(err)} characters of stderr: {err[:120]}"
    if "Timeout (0:00:" in err:
        frames = [line.strip() for line in err.splitlines() if line.strip().startswith("File ")]
        where = next((f for f in frames if "/augsynth/" in f), frames[0] if frames else "?")
        return "hang", f"> {SUBPROCESS_SECONDS} s, at {where.replace(str(REPO_ROOT) + '/', '')}"
    if "MemoryError" in err:
        return "memory", f"MemoryError above {SUBPROCESS_MEMORY >> 30} GiB"
    if "Traceback" in err:
        return "traceback", err.strip().splitlines()[-1][:200]
    return "slow", f"exit {done.returncode} when given {SUBPROCESS_SECONDS} s: {err.strip()[:200]}"


def status_table() -> str:
    """Markdown: counts per category and one row per failing case."""
    _warm_up()
    rows, counts = [], collections.Counter()
    with tempfile.TemporaryDirectory() as scratch, contextlib.chdir(CORPUS):
        for name in sorted(MANIFEST):
            entry = MANIFEST[name]
            outcome = validate(case_path(name, Path(scratch)), seconds=10)
            problems = outcome.problems(entry["code"], entry["stderr"])
            if outcome.escaped in ("hang", "memory"):
                problems = [_in_subprocess(case_path(name, Path(scratch)))]
            category = problems[0][0] if problems else "pass"
            counts[category] += 1
            if problems:
                detail = "; ".join(f"{c}: {d}" for c, d in problems[1:]) if len(problems) > 1 else ""
                first = problems[0][1]
                cell = (first + ("; " + detail if detail else "")).replace("|", "\\|").replace("\n", " ")
                rows.append(f"| {name} | {category} | {entry['code']} {entry['stderr']} | {cell[:300]} |")
    lines = [
        f"# Bad-spec corpus against the current code: {counts['pass']} of {len(MANIFEST)} pass",
        "",
        "| outcome | cases |",
        "|---|---|",
    ]
    lines += [f"| {category} | {n} |" for category, n in counts.most_common()]
    lines += ["", "| case | first failure | expected | what happened |", "|---|---|---|---|", *rows]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="how every bad-spec case fares, as Markdown")
    parser.add_argument("--out", type=Path, help="write the table here (default: stdout)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        sys.exit(_one(args.one))
    table = status_table()
    if args.out:
        args.out.write_text(table)
    else:
        print(table)
