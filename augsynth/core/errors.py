"""Errors a user can act on: each names where the problem is, what was expected and the fix."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The closest known name to ``word``, or None when nothing is close."""
    lowered = {c.lower(): c for c in choices}
    match = difflib.get_close_matches(str(word).lower(), list(lowered), n=1, cutoff=0.6)
    return lowered[match[0]] if match else None


def suggestion(word: str, choices: Iterable[str]) -> str:
    """``"did you mean 'x'? "`` for the closest known name, or ``""``: the start of a fix text."""
    close = did_you_mean(word, choices)
    return f"did you mean '{close}'? " if close else ""


def format_path(parts: Iterable[str | int]) -> str:
    """Render a location like ``augment.image[2].rotate`` from its parts."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "<spec>"


class SpecError(ValueError):
    """A spec problem: the YAML path, what is wrong or expected, and how to fix it."""

    def __init__(self, path: str, message: str, *, fix: str | None = None, source: str | None = None):
        self.path = path
        self.message = message
        self.fix = fix
        self.source = source
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.source}: " if self.source else ""
        text = f"{where}{self.path}: {self.message}"
        return f"{text}\n  fix: {self.fix}" if self.fix else text


class DataError(RuntimeError):
    """The data broke a rule the run depends on (for example train/test overlap)."""
