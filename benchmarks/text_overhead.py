"""Text pipeline throughput: augsynth's TextPipeline (per-sample reseeding, probabilities, provenance) vs the same
nlpaug augmenters called in a bare loop, measured side by side in one run (rounds alternate, medians compared).

Prints the result and writes benchmarks/results/text_overhead.json. Run: python benchmarks/text_overhead.py
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from augsynth.datasets.text_corpora import _tweets, corpus_path
from augsynth.text.ops import build_augmenter
from augsynth.text.pipeline import TextPipeline

OPS = [{"op": "SynonymAug", "aug_p": 0.15}, {"op": "RandomWordAug", "action": "swap", "aug_p": 0.1},
       {"op": "SpellingAug", "aug_p": 0.1}, {"op": "KeyboardAug", "aug_word_p": 0.1}]
TEXTS = 500
ROUNDS = 5


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


def main() -> None:
    texts = [r.payload.decode() for r in _tweets(corpus_path("tweets-sentiment")).records[:TEXTS]]
    bare_nlpaug(texts[:20]), augsynth_pipeline(texts[:20])  # load WordNet and dictionaries before timing
    bare, ours = [], []
    for _ in range(ROUNDS):
        bare.append(bare_nlpaug(texts))
        ours.append(augsynth_pipeline(texts))
    results = {"texts": len(texts), "ops": [op["op"] for op in OPS], "rounds": ROUNDS,
               "bare_nlpaug_s": bare, "augsynth_s": ours,
               "bare_texts_per_s": len(texts) / statistics.median(bare),
               "augsynth_texts_per_s": len(texts) / statistics.median(ours)}
    results["ratio"] = results["augsynth_texts_per_s"] / results["bare_texts_per_s"]
    print(json.dumps(results, indent=1))
    target = Path(__file__).parent / "results" / "text_overhead.json"
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
