"""Run ``augsynth validate`` in this process under a time and memory limit, and say how it went.

A hostile spec must not be able to hang or exhaust the test process: each call gets a wall-clock limit (SIGALRM) and
an address-space limit a little above what the process already uses (RLIMIT_AS), both lifted afterwards. Validate a
good spec once, unguarded, before the first guarded call: augsynth imports torch and friends lazily, and an alarm in
the middle of an import leaves a half-initialised module behind for every later call. Native code (pydantic-core,
numpy) cannot be interrupted by the alarm; the memory limit is what stops it from taking the machine down.
"""

from __future__ import annotations

import contextlib
import io
import resource
import signal
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from augsynth.cli import main

SECONDS = 5.0  # a refusal takes milliseconds; anything near this is a hang
MEMORY = 2 << 30  # bytes above what the process has mapped when the call starts
STDERR_LIMIT = 4000  # characters: an error is one short paragraph, never an echo of the input


class Runaway(BaseException):
    """The call ran past its time limit (a BaseException, so that ``except Exception`` in the code cannot hide it)."""


def _mapped_bytes() -> int | None:
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return None
    for line in status.splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return None


@contextlib.contextmanager
def guarded(seconds: float = SECONDS, memory: int = MEMORY) -> Iterator[None]:
    """Raise ``Runaway`` after ``seconds``; make allocations beyond ``memory`` more bytes fail with MemoryError."""

    def alarm(signum, frame):
        raise Runaway(f"still running after {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    mapped = _mapped_bytes()
    if mapped is not None:
        limit = mapped + memory if hard == resource.RLIM_INFINITY else min(mapped + memory, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


@dataclass
class Outcome:
    """What one ``augsynth validate`` call did: its exit status, or the exception that escaped ``main``."""

    rc: int | None
    stdout: str
    stderr: str
    seconds: float
    escaped: str | None = None  # "hang", "memory" or "traceback"
    detail: str = ""  # the escaped exception, last lines of its traceback
    spec: str = ""  # the path given to validate: fragments are not looked for in it (a file name is no message)

    def problems(self, code: int, fragments: list[str]) -> list[tuple[str, str]]:
        """(category, detail) of every way this outcome misses ``code`` and ``fragments``; empty when it meets them."""
        if self.escaped:
            return [(self.escaped, self.detail)]
        found = []
        if self.rc == 0:
            found.append(("accepted", "exit 0: the spec was accepted"))
        elif self.rc != code:
            found.append(("wrong code", f"exit {self.rc}, expected {code}"))
        if len(self.stderr) >= STDERR_LIMIT:
            found.append(("unbounded output", f"{len(self.stderr)} characters of stderr"))
        if "Traceback" in self.stderr:
            found.append(("traceback", "a traceback in stderr"))
        if self.rc != 0:
            text = self.stderr.replace(self.spec, "SPEC").lower() if self.spec else self.stderr.lower()
            missing = [f for f in fragments if f.lower() not in text]
            if missing:
                found.append(("missing fragment", f"{missing} not in stderr"))
        return found


def validate(
    path: str | Path,
    seconds: float = SECONDS,
    memory: int = MEMORY,
    captured: Callable[[], tuple[str, str]] | None = None,
) -> Outcome:
    """``augsynth validate PATH`` through ``augsynth.cli.main``. Its stdout and stderr are captured here, or, given
    ``captured`` (e.g. ``lambda: tuple(capsys.readouterr())``), read from the caller's capture afterwards."""
    out, err = io.StringIO(), io.StringIO()
    start = time.monotonic()
    rc, escaped, detail = None, None, ""
    redirect = contextlib.nullcontext() if captured else contextlib.redirect_stdout(out)
    redirect_err = contextlib.nullcontext() if captured else contextlib.redirect_stderr(err)
    try:
        with redirect, redirect_err, guarded(seconds, memory):
            rc = main(["validate", str(path)])
    except Runaway as exc:
        escaped, detail = "hang", str(exc)
    except MemoryError:
        escaped, detail = "memory", f"MemoryError: more than {memory >> 20} MiB"
    except Exception as exc:  # anything main lets through is a traceback for the user
        escaped = "traceback"
        detail = "".join(traceback.format_exception_only(exc)).strip()[:300]
        frames = traceback.extract_tb(exc.__traceback__)
        if frames:
            detail += f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})"
    seconds_taken = time.monotonic() - start
    stdout, stderr = captured() if captured else (out.getvalue(), err.getvalue())
    return Outcome(rc, stdout, stderr, seconds_taken, escaped, detail, str(path))
