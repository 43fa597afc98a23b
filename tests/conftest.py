"""Shared helpers: tiny spec dicts, spec files, small image folders and one Dask cluster per test session."""

from __future__ import annotations

import copy
import io
import socket
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from PIL import Image

REPO_ROOT = Path(__file__).resolve().parents[1]

# Two ops, one photometric and one geometric, both certain to change the pixels of every copy.
TINY_OPS = [
    {"op": "GaussNoise", "std_range": [0.05, 0.15], "p": 1.0},
    {"op": "Affine", "rotate": [-12, 12], "translate_percent": [-0.05, 0.05], "p": 1.0},
]


def deep_update(base: dict, updates: dict) -> dict:
    """``base`` with ``updates`` merged in, section by section (a copy; neither argument changes)."""
    merged = copy.deepcopy(base)
    for key, value in updates.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_update(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def tiny_spec_dict(out_dir: str | Path = "out/tests", **sections) -> dict:
    """A small, valid spec mapping on sklearn:digits; keyword sections are merged over the defaults."""
    base = {
        "version": 1,
        "name": "tiny",
        "seed": 0,
        "dataset": {"source": "sklearn:digits", "image_size": 16, "train_per_class": 4, "val_per_class": 2},
        "augment": {"copies": 2, "image": copy.deepcopy(TINY_OPS)},
        "output": {"dir": str(out_dir), "partition_size": 16},
        "train": {
            "replicates": 2,
            "steps": 30,
            "eval_every": 10,
            "batch_size": 32,
            "learning_curve": [],
            "device": "cpu",
        },
    }
    return deep_update(base, sections)


def expect_spec_error(raw: dict, path: str, words: list[str]):
    """Parse ``raw``, which must fail with a SpecError at ``path`` whose text holds every word; returns the error."""
    from augsynth.core.errors import SpecError
    from augsynth.spec.load import parse_spec

    with pytest.raises(SpecError) as info:
        parse_spec(raw)
    text = str(info.value)
    assert info.value.path == path, text
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"
    return info.value


@pytest.fixture
def spec_dict(tmp_path):
    """Factory: ``spec_dict(dataset={...}, ...)`` -> a tiny spec mapping whose output dir is under tmp_path."""

    def make(**sections) -> dict:
        return tiny_spec_dict(tmp_path / "out", **sections)

    return make


@pytest.fixture
def write_spec(tmp_path):
    """Factory: ``write_spec(mapping, name="spec.yaml")`` -> the path of that mapping written as YAML."""

    def write(mapping: dict, name: str = "spec.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(mapping, sort_keys=False))
        return path

    return write


@pytest.fixture
def spec_path(write_spec, spec_dict) -> Path:
    """A tiny valid spec written to tmp_path/spec.yaml."""
    return write_spec(spec_dict())


def png_bytes(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def make_image_folder(
    root: Path, classes: tuple[str, ...] = ("ant", "bee", "cat"), per_class: int = 8, size: int = 12, seed: int = 0
) -> Path:
    """``root/<class>/img_XX.png``: distinct random grayscale PNGs, all of one size."""
    rng = np.random.default_rng(seed)
    for name in classes:
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            image = rng.integers(0, 256, size=(size, size), dtype=np.uint8)
            (root / name / f"img_{i:02d}.png").write_bytes(png_bytes(image))
    return root


def read_table(path: Path) -> pa.Table:
    return pq.read_table(path)


def sorted_rows(table: pa.Table) -> list[dict]:
    """All rows as dicts, sorted by id (so that tables cut into different shards compare equal)."""
    return sorted(table.to_pylist(), key=lambda row: row["id"])


@pytest.fixture(scope="session")
def dask_client():
    """One local cluster of two worker processes shared by the tests that only need *a* cluster."""
    from augsynth.expansion.cluster import dask_client as make_client

    with make_client(2) as client:
        yield client


LOOPBACK = ("127.0.0.1", "::1", "localhost", "0.0.0.0", "::", socket.gethostname())


@pytest.fixture(scope="session", autouse=True)
def no_network():
    """Every test runs offline: connections and name lookups beyond loopback fail (Dask's own sockets are local)."""
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(sock, address):
        if isinstance(address, tuple) and address[0] not in LOOPBACK:
            raise OSError(f"test tried to reach the network: {address}")
        return real_connect(sock, address)

    def getaddrinfo(host, *args, **kwargs):
        if host not in (*LOOPBACK, None, "") and not str(host).startswith("127."):
            raise OSError(f"test tried to resolve a network name: {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    socket.socket.connect, socket.getaddrinfo = connect, getaddrinfo
    yield
    socket.socket.connect, socket.getaddrinfo = real_connect, real_getaddrinfo


def pytest_configure(config):
    # The scheduler's HTTP endpoint falls back to a free port when another process holds 8787; that is harmless.
    config.addinivalue_line("filterwarnings", "ignore:Port 8787 is already in use:UserWarning")
