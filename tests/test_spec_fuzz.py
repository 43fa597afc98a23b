"""Fuzzing the spec loader: the shipped pipelines, mutated (keys dropped and added, values replaced by odd scalars,
lists and mappings, list entries duplicated), must each be either accepted or refused with one clean paragraph:
``augsynth validate`` returns 0, or 2 (spec error) / 1 (data error) with a short message and no traceback. Any
exception that escapes ``augsynth.cli.main``, a hang or a memory blow-up is a failure.

Every example runs in this process under the time and memory guard of tests/validate_guard.py. The run is
deterministic (150 examples; AUGSYNTH_FUZZ_EXAMPLES=2000 digs deeper). A pipeline that does not validate here
unmutated (a text pipeline without WordNet, say) is left out as a seed: its mutations would only test the
environment error.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import io
import math
import os
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from augsynth.cli import main
from tests.validate_guard import STDERR_LIMIT, validate

PIPELINES = sorted((Path(__file__).resolve().parents[1] / "pipelines").glob("*.yaml"))
SEEDS = {path.stem: yaml.safe_load(path.read_text()) for path in PIPELINES}

ODD_SCALARS = [
    math.nan,
    math.inf,
    -math.inf,
    0,
    1,
    -1,
    2,
    0.5,
    -0.5,
    1e-300,
    1e300,
    10**9,
    -(10**9),
    2**31,
    2**63,
    10**40,
    True,
    False,
    None,
    "",
    " ",
    "0",
    "1e40",
    ".nan",
    "yes",
    "none",
    "auto",
    "baseline",
    "cvae",
    "Affine",
    "sklearn:digits",
    "road:procedural",
    "csv:/etc/passwd",
    "folder:/",
    "folder:../..",
    "/",
    "/etc",
    "../../x",
    "a/b",
    "__import__",
    "os.system",
    "albumentations.Blur",
    "x" * 300,
    "\u00e9\u00e8\u4e2d",
    "{not: yaml}",
]
# Keys the spec knows (at one level or another), so that added keys sometimes land where they mean something.
KNOWN_KEYS = [
    "version",
    "name",
    "seed",
    "dataset",
    "labels",
    "augment",
    "generate",
    "output",
    "train",
    "source",
    "task",
    "target",
    "image_size",
    "channels",
    "train_per_class",
    "val_per_class",
    "train_size",
    "val_size",
    "frames",
    "test_fraction",
    "image_column",
    "text_column",
    "label_column",
    "side_cameras",
    "copies",
    "image",
    "text",
    "dir",
    "partition_size",
    "model",
    "arms",
    "seeds",
    "steps",
    "batch_size",
    "lr",
    "loss",
    "device",
    "learning_curve",
    "pretrain",
    "pretrain_synthetic",
    "op",
    "p",
    "kind",
    "per_class",
    "epochs",
    "flip",
    "shift_gain",
    "range",
    "protect",
    "label_invariant",
    "limit_px",
    "rotate",
    "aug_p",
    "action",
    "model_path",
    "dict_path",
]

scalars = st.one_of(
    st.sampled_from(ODD_SCALARS),
    st.integers(min_value=-20, max_value=100),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)
keys = st.one_of(st.sampled_from(KNOWN_KEYS), st.text(min_size=1, max_size=10))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
    max_leaves=10,
)
odd_ints = st.one_of(
    st.sampled_from([-1, 0, 1, 10**6, 10**9, 2**31, 2**63, 10**40, -(2**63)]), st.integers(min_value=-20, max_value=100)
)
odd_floats = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, -0.0, -1.0, 1.0, 1e-300, 1e300]),
    st.floats(min_value=-10, max_value=10),
)
odd_strings = st.one_of(st.sampled_from([s for s in ODD_SCALARS if isinstance(s, str)]), st.text(max_size=12))
MUTATIONS = ["tweak", "tweak", "tweak", "replace", "replace", "drop", "add", "duplicate", "wrap", "empty"]


def _tweaked(value, data):
    """An odd value of the same type (a number stays a number, a list keeps its length): gets past the type checks
    to the checks behind them."""
    if isinstance(value, bool):
        return data.draw(st.sampled_from([not value, 1, None]), label="for a bool")
    if isinstance(value, int):
        return data.draw(odd_ints, label="for an int")
    if isinstance(value, float):
        return data.draw(odd_floats, label="for a float")
    if isinstance(value, str):
        return data.draw(odd_strings, label="for a string")
    if isinstance(value, list) and value and all(isinstance(v, (int, float)) for v in value):
        if data.draw(st.booleans(), label="reverse"):
            return value[::-1]
        return [data.draw(st.one_of(odd_ints, odd_floats), label="element") for _ in value]
    return data.draw(values, label="value")


def _containers(node, path=()) -> list[tuple]:
    """The path of every mapping and list in the spec (the spec itself first)."""
    found = [path]
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in items:
        if isinstance(child, (dict, list)):
            found += _containers(child, (*path, key))
    return found


def _slots(node, path=()) -> list[tuple]:
    """(path of the container, key or index) of every value in the spec, at any depth."""
    found = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, child in items:
        found.append((path, key))
        found += _slots(child, (*path, key))
    return found


def _at(spec, path):
    for key in path:
        spec = spec[key]
    return spec


def mutate(spec: dict, data) -> str:
    """Apply one drawn mutation to ``spec`` in place; returns what it did."""
    what = data.draw(st.sampled_from(MUTATIONS), label="mutation")
    slots = _slots(spec)
    if what == "add" or not slots:
        path = data.draw(st.sampled_from(_containers(spec)), label="where")
        node = _at(spec, path)
        if isinstance(node, dict):
            key = data.draw(keys, label="key")
            node[key] = data.draw(values, label="value")
            return f"add {path} {key!r}"
        node.append(data.draw(values, label="value"))
        return f"append to {path}"
    if what == "tweak":  # scalars and lists of numbers only: the values the deeper checks read
        slots = [(p, k) for p, k in slots if not isinstance(_at(spec, p)[k], dict)] or slots
    # Hypothesis favours the first and last of a list; in the spec's own order that would be 'version' every time.
    slots.sort(key=lambda place: hashlib.sha256(repr(place).encode()).digest())
    path, slot = data.draw(st.sampled_from(slots), label="where")
    node = _at(spec, path)
    if what == "drop":
        del node[slot]
    elif what == "replace":
        node[slot] = data.draw(values, label="value")
    elif what == "tweak":
        node[slot] = _tweaked(node[slot], data)
    elif what == "duplicate" and isinstance(node, list):
        node.insert(slot, copy.deepcopy(node[slot]))
    elif what == "duplicate":  # a mapping: the same value under a second, drawn key
        node[data.draw(keys, label="key")] = copy.deepcopy(node[slot])
    elif what == "wrap":
        node[slot] = [node[slot]] if data.draw(st.booleans(), label="in a list") else {"value": node[slot]}
    else:
        node[slot] = type(node[slot])() if isinstance(node[slot], (dict, list, str)) else None
    return f"{what} {path} {slot!r}"


@pytest.fixture(scope="module")
def seeds() -> list[str]:
    """The pipelines that validate here unmutated (this also loads augsynth's lazily imported modules once)."""
    good = []
    for path in PIPELINES:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            if main(["validate", str(path)]) == 0:
                good.append(path.stem)
    assert good, "no shipped pipeline validates here"
    return good


def test_text_pipelines_are_seeds(seeds):
    """Says so when the text pipelines are left out as seeds (WordNet or a corpus package missing here)."""
    missing = sorted(set(SEEDS) - set(seeds))
    if missing:
        pytest.skip(f"pipelines that do not validate in this environment, not used as fuzz seeds: {missing}")


@settings(
    max_examples=int(os.environ.get("AUGSYNTH_FUZZ_EXAMPLES", 150)),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_mutated_pipeline_is_accepted_or_refused_cleanly(seeds, data):
    name = data.draw(st.sampled_from(seeds), label="pipeline")
    spec = copy.deepcopy(SEEDS[name])
    done = [mutate(spec, data) for _ in range(data.draw(st.integers(1, 3), label="mutations"))]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{name}.yaml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False, allow_unicode=True))
        outcome = validate(path)
    where = f"{name} after {done}"
    assert not outcome.escaped, f"{where}: {outcome.escaped}: {outcome.detail}"
    assert outcome.rc in (0, 1, 2), f"{where}: exit {outcome.rc}"
    if outcome.rc == 0:
        assert "valid" in outcome.stdout, where
        return
    err = outcome.stderr
    assert err.startswith(("spec error: ", "data error: ")), f"{where}: {err[:300]}"
    assert "Traceback" not in err, f"{where}: {err[:2000]}"
    assert len(err) < STDERR_LIMIT, f"{where}: {len(err)} characters of stderr: {err[:300]}"
    assert "\n\n" not in err.strip(), f"{where}: more than one paragraph: {err[:1000]}"
