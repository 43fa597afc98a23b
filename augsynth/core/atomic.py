"""Atomic writes: write under a temp name beside the target, then rename, so a crash never leaves half a file; a
write the disk refuses (full, read-only, no permission) ends in a ``DataError`` that names the path and the fix."""

from __future__ import annotations

import errno
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from augsynth.core.errors import DataError

ELSEWHERE = "write elsewhere (--out DIR, or output.dir in the spec)"
FIXES = {
    errno.ENOSPC: f"free space on that disk, or {ELSEWHERE}",
    errno.EDQUOT: f"free space within your disk quota, or {ELSEWHERE}",
    errno.EROFS: f"that file system is mounted read-only: {ELSEWHERE}",
    errno.EACCES: f"make that folder writable for you, or {ELSEWHERE}",
    errno.EPERM: f"make that folder writable for you, or {ELSEWHERE}",
    errno.ENOTDIR: f"a part of that path is a file, not a folder: move the file, or {ELSEWHERE}",
    errno.EEXIST: f"a file stands where that folder should be: move the file, or {ELSEWHERE}",
}


def temp_sibling(final: Path) -> Path:
    """A unique hidden name in ``final``'s folder (same file system, so the rename is atomic), ending in ``final``'s
    suffix for writers that choose the format by it (matplotlib)."""
    return final.with_name(f".{final.name}.{uuid.uuid4().hex}.tmp{final.suffix}")


def remove_leftover_temps(folder: Path, pattern: str) -> None:
    """Delete the temp siblings of files matching ``pattern`` in ``folder``: a process killed while it wrote one
    leaves it behind, never complete (only call this where no other writer can be at work)."""
    for leftover in folder.glob(f".{pattern}.*.tmp*"):
        with writing(leftover):
            leftover.unlink(missing_ok=True)


def write_atomically(final: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(temp)`` and rename ``temp`` onto ``final``; on any error the temp file or folder is removed, and
    an ``OSError`` becomes a ``DataError`` naming ``final``.

    A folder written by ``write`` that loses a race to an already complete ``final`` folder is discarded.
    """
    final = Path(final)
    make_folder(final.parent)
    temp = temp_sibling(final)
    try:
        write(temp)
        os.replace(temp, final)
    except OSError as err:
        if temp.is_dir() and final.is_dir():  # another process published the same folder first
            shutil.rmtree(temp, ignore_errors=True)
            return final
        _remove(temp)
        raise write_error(final, err) from err
    except BaseException:
        _remove(temp)
        raise
    return final


def write_text_atomically(final: Path, text: str) -> Path:
    """``write_atomically`` for a text file (UTF-8)."""
    return write_atomically(final, lambda temp: temp.write_text(text, encoding="utf-8"))


def _remove(temp: Path) -> None:
    if temp.is_dir():
        shutil.rmtree(temp, ignore_errors=True)
    else:
        temp.unlink(missing_ok=True)


def make_folder(path: Path) -> Path:
    """``mkdir -p``, with a ``DataError`` naming the folder when the disk refuses."""
    with writing(path):
        path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """Turn an ``OSError`` raised while writing ``path`` into a ``DataError`` that names it and the fix."""
    try:
        yield
    except OSError as err:
        raise write_error(path, err) from err


def write_error(path: Path, err: OSError) -> DataError:
    """One paragraph: which path could not be written, why, the fix, and that complete files are kept."""
    code = err.errno
    reason = f"{os.strerror(code)} ({errno.errorcode.get(code, code)})" if code else str(err)
    fix = FIXES.get(code, f"check that the folder exists and is writable, or {ELSEWHERE}")
    return DataError(
        f"cannot write {path}: {reason}. Fix: {fix}. Files already complete are kept (written under a "
        "temporary name and renamed), so running the same command again resumes"
    )
