"""Atomic writes: write under a temp name beside the target, then rename, so a crash never leaves half a file."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path


def temp_sibling(final: Path) -> Path:
    """A unique hidden name in ``final``'s folder (same file system, so the rename is atomic)."""
    return final.with_name(f".{final.name}.{uuid.uuid4().hex}.tmp")


def write_atomically(final: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(temp)`` and rename ``temp`` onto ``final``; on any error the temp file or folder is removed.

    A folder written by ``write`` that loses a race to an already complete ``final`` folder is discarded.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_sibling(final)
    try:
        write(temp)
        os.replace(temp, final)
    except OSError:
        if temp.is_dir() and final.is_dir():  # another process published the same folder first
            shutil.rmtree(temp, ignore_errors=True)
            return final
        _remove(temp)
        raise
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
