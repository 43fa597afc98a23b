"""Errors a user can act on: each names where the problem is, what was expected and the fix."""

from __future__ import annotations

import difflib
import reprlib
from collections.abc import Iterable
from typing import Any

EXCERPT_CHARS = 200  # the most of a user's value an error message echoes


def clip(text: str, limit: int = EXCERPT_CHARS) -> str:
    """``text`` cut to at most ``limit`` characters, marking the cut."""
    text = str(text)
    return text if len(text) <= limit else f"{text[: limit - 15]}... ({len(text)} chars)"


def _bounded_repr() -> reprlib.Repr:
    short = reprlib.Repr()
    short.maxlevel, short.maxstring, short.maxother, short.maxlong = 2, EXCERPT_CHARS, EXCERPT_CHARS, 40
    short.maxlist = short.maxtuple = short.maxdict = short.maxset = short.maxfrozenset = 8
    return short


_REPR = _bounded_repr()


def excerpt(value: Any, limit: int = EXCERPT_CHARS) -> str:
    """A bounded ``repr`` of a value read from a spec, for error messages: a few items and levels of a container,
    the start of a long string, never more than ``limit`` characters whatever the value's size."""
    return clip(_REPR.repr(value), limit)


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
        self.path = clip(path)  # a path holds the user's keys; the message quotes values through ``excerpt``
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


def entry_name(raw: Any, path: str, key: str, named: str, fix: str, name_fix: str | None = None) -> str:
    """The name under ``key`` of one spec entry (``{op: Affine, ...}``, ``{kind: cvae, ...}``): a SpecError when
    ``raw`` is not a mapping holding ``key``, or when the name is not a string (``named`` says what it names)."""
    if not isinstance(raw, dict) or key not in raw:
        article = "an" if key[0] in "aeiou" else "a"
        raise SpecError(path, f"expected a mapping with {article} '{key}' key, got {excerpt(raw)}", fix=fix)
    if not isinstance(raw[key], str):
        raise SpecError(f"{path}.{key}", f"expected {named} (a string), got {excerpt(raw[key])}", fix=name_fix or fix)
    return raw[key]
