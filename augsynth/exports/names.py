"""File and folder names for exported rows: file-system safe, unique, and the same for the same expansion."""

from __future__ import annotations

import hashlib
import re

UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")  # anything else (/, #, @, spaces, non-ASCII ...) becomes "_"
MAX_STEM = 120  # characters; well under the 255 bytes most file systems allow, with room for a suffix


def safe_name(text: str) -> str:
    """``text`` as one name part: runs of unsafe characters become ``_``, no leading or trailing dot, dash or
    underscore (no hidden file, nothing read as an option), and at most ``MAX_STEM`` characters (a cut name ends in a
    digest of the whole text, so it stays distinct)."""
    name = UNSAFE.sub("_", text).strip("._-") or "_"
    if len(name) > MAX_STEM:
        name = f"{name[: MAX_STEM - 17]}-{hashlib.sha256(text.encode()).hexdigest()[:16]}"
    return name


class UniqueNames:
    """Gives each text its safe name, made unique among the names given so far (ignoring case, for file systems
    that do): a repeat gets ``-2``, ``-3`` ... before the suffix. Asked in the same order, it gives the same names."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def __call__(self, text: str, suffix: str = "") -> str:
        stem = safe_name(text)
        name, repeat = f"{stem}{suffix}", 1
        while name.casefold() in self._taken:
            repeat += 1
            name = f"{stem}-{repeat}{suffix}"
        self._taken.add(name.casefold())
        return name
