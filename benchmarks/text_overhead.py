"""Text pipeline throughput: augsynth's TextPipeline (per-sample reseeding, probabilities, provenance) vs the same
nlpaug augmenters called in a bare loop, measured side by side in one run (rounds alternate, medians compared).

Prints the result and writes benchmarks/results/text_overhead.json. Run: python benchmarks/text_overhead.py
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from augsynth.data.text_corpora import _bbc, _tweets, corpus_path
from augsynth.text.ops import build_augmenter
from augsynth.text.pipeline import TextPipeline

OPS = [
    {"op": "SynonymAug", "aug_p": 0.15},
    {"op": "RandomWordAug", "action": "swap", "aug_p": 0.1},
    {"op": "SpellingAug", "aug_p": 0.1},
    {"op": "KeyboardAug", "aug_word_p": 0.1},
]
ROUNDS = 7


def bare_nlpaug(texts: list[str]) -> float:
    """Seconds for the same augmenters (same settings), each applied to every text, with no bookkeeping."""
    augmenters = [build_augmenter(op, None, None) for op in OPS]
    start = time.perf_counter()
    for text in texts:
        for augmenter in augmenters:
            text = augmenter.augment(text)[0]
    return time.perf_counter() - start


def augsynth_pipeline(texts: list[str]) -> float:
    """Seconds for augsynth's pipeline over the same texts: one copy each, every op applied (p = 1)."""
    pipeline = TextPipeline(OPS, seed=0)
    start = time.perf_counter()
    for index, text in enumerate(texts):
        pipeline.augment(text, index, 1)
    return time.perf_counter() - start


def side_by_side(texts: list[str]) -> dict:
    """Alternating rounds of both loops over the same texts; throughputs from the median round."""
    bare, ours = [], []
    for _ in range(ROUNDS):
        bare.append(bare_nlpaug(texts))
        ours.append(augsynth_pipeline(texts))
    result = {
        "texts": len(texts),
        "bare_nlpaug_s": bare,
        "augsynth_s": ours,
        "bare_texts_per_s": len(texts) / statistics.median(bare),
        "augsynth_texts_per_s": len(texts) / statistics.median(ours),
    }
    result["ratio"] = result["augsynth_texts_per_s"] / result["bare_texts_per_s"]
    return result


def main() -> None:
    tweets = [r.payload.decode() for r in _tweets(corpus_path("tweets-sentiment")).records[:500]]
    articles = [r.payload.decode() for r in _bbc(corpus_path("bbc")).records[::20]]
    bare_nlpaug(tweets[:20]), augsynth_pipeline(tweets[:20])  # load WordNet and dictionaries before timing
    results = {
        "ops": [op["op"] for op in OPS],
        "rounds": ROUNDS,
        "tweets": side_by_side(tweets),
        "articles": side_by_side(articles),
    }
    results["ratio"] = min(results["tweets"]["ratio"], results["articles"]["ratio"])  # the worse of the two
    print(json.dumps({key: results[key]["ratio"] for key in ("tweets", "articles")} | {"ratio": results["ratio"]}))
    target = Path(__file__).parent / "results" / "text_overhead.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
