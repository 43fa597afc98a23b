"""``augsynth replay``: a row rebuilt from the spec, the source record and its seed is the stored row, byte for byte
(pixels, label, label notes, ops with their sampled parameters); a changed row is caught."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from augsynth.cli import main
from augsynth.core.errors import SpecError
from augsynth.replay import replay
from augsynth.run import expand_all
from augsynth.spec.load import parse_spec
from tests.conftest import read_table, tiny_spec_dict
from tests.test_determinism import NESTED_OPS
from tests.test_labels import road_spec

STEERING_OPS = [
    {"op": "HorizontalFlip", "p": 0.5},
    {"op": "OneOf", "p": 0.9, "transforms": [{"op": "ShiftX", "limit_px": 8}, {"op": "GaussNoise", "p": 1.0}]},
    {"op": "RandomBrightnessContrast", "p": 0.5},
]


@pytest.fixture(scope="module")
def expansions(tmp_path_factory, dask_client):
    """A digits expansion with nested blocks and a steering expansion whose labels the rules adjusted."""
    root = tmp_path_factory.mktemp("replay")
    digits = parse_spec(tiny_spec_dict(root / "digits", augment={"copies": 2, "image": NESTED_OPS}))
    steering = parse_spec(road_spec(root / "steer", STEERING_OPS))
    for spec in (digits, steering):
        expand_all(spec, spec.output.dir, client=dask_client, progress=False)
    return digits.output.dir, steering.output.dir


def _rows(out_dir) -> list[dict]:
    return read_table(out_dir / "manifest.parquet").to_pylist()


def test_digits_rows_replay_byte_for_byte(expansions):
    digits, _ = expansions
    rows = _rows(digits)
    nested = next(r for r in rows if '"at":' in r["ops"])
    for row in [rows[0], nested, *(r for r in rows if r["copy"] == 2)][:6]:
        result = replay(digits, row["id"])
        assert result.identical, result.summary()
        assert {"image", "label", "ops", "seed"} <= set(result.compared)


def test_steering_rows_with_adjusted_labels_replay_byte_for_byte(expansions, capsys):
    _, steering = expansions
    rules = [(r, " ".join(json.loads(r["label_rule"]))) for r in _rows(steering)]
    adjusted = [r for r, notes in rules if "shift:" in notes][:2] + [r for r, notes in rules if "flip:" in notes][:2]
    assert len(adjusted) == 4
    for row in adjusted:
        assert main(["replay", str(steering), row["id"]]) == 0
        assert "reproduced byte for byte" in capsys.readouterr().out


def test_a_changed_row_is_reported_and_exits_1(expansions, tmp_path, capsys):
    _, steering = expansions
    row = next(r for r in _rows(steering) if r["copy"] == 1)
    path = steering / "shards" / row["shard"]
    original = path.read_bytes()
    table = pq.read_table(path)
    labels = [
        label + 0.5 if id_ == row["id"] else label
        for id_, label in zip(table["id"].to_pylist(), table["label"].to_pylist(), strict=True)
    ]
    pq.write_table(table.set_column(table.schema.get_field_index("label"), "label", pa.array(labels)), path)
    try:
        assert main(["replay", str(steering), row["id"]]) == 1
        assert "DIFFERS in label" in capsys.readouterr().out
    finally:
        path.write_bytes(original)


def test_an_unknown_row_or_folder_is_a_clear_error(expansions, tmp_path):
    digits, _ = expansions
    with pytest.raises(SpecError, match="no row 'nope#1'"):
        replay(digits, "nope#1")
    with pytest.raises(SpecError, match="holds no expansion"):
        replay(tmp_path, "x#1")
