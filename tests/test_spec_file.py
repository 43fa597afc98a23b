"""Reading a spec file: size, encoding, duplicate keys, nesting, alias bombs and tags are refused with one short error
naming the file (and the line or YAML path), before anything is built from the file."""

from __future__ import annotations

import codecs
import time

import pytest
import yaml

from augsynth.core.errors import SpecError
from augsynth.spec.load import load_spec
from augsynth.spec.yaml_io import MAX_DEPTH, MAX_NODES, MAX_SPEC_BYTES, read_yaml


def refused(path, *words: str) -> SpecError:
    with pytest.raises(SpecError) as info:
        read_yaml(path)
    text = str(info.value)
    assert str(path) in text and len(text) < 1000, text
    for word in words:
        assert word in text, f"{word!r} not in {text!r}"
    return info.value


def test_duplicate_keys_are_refused_naming_key_and_lines(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("name: a\naugment:\n  copies: 2\n  image: []\n  copies: 4\n")
    refused(path, "duplicate key 'copies'", "line 5", "first at line 3")


def test_merge_keys_may_be_overridden(tmp_path):
    path = tmp_path / "merge.yaml"
    path.write_text("base: &base {steps: 30, seeds: 2}\ntrain:\n  <<: *base\n  steps: 60\n")
    assert read_yaml(path)["train"] == {"steps": 60, "seeds": 2}


def test_deep_nesting_is_refused_without_recursion_error(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("name: " + "[" * 5000 + "]" * 5000 + "\n")
    refused(path, f"nested deeper than {MAX_DEPTH} levels", "line 1")


def test_alias_bomb_is_refused_in_milliseconds_without_expanding(tmp_path):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [
        f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
        f"*a{i - 1}, *a{i - 1}]"
        for i in range(1, 10)
    ]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines + ["name: *a9"]) + "\n")
    start = time.perf_counter()
    error = refused(path, f"more than {MAX_NODES} values", "alias")
    assert time.perf_counter() - start < 2.0
    assert error.path.startswith("a")  # the YAML path of the mapping entry that blew past the limit


def test_recursive_alias_is_refused(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("name: &x [1, *x]\n")
    refused(path, "alias", "recursive")


def test_size_limit_is_checked_before_parsing(tmp_path):
    path = tmp_path / "huge.yaml"
    path.write_text("name: x\n" + "#" * MAX_SPEC_BYTES + "\n")
    refused(path, "too large", str(MAX_SPEC_BYTES))


@pytest.mark.parametrize(
    "bom, encoding",
    [(codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"), (codecs.BOM_UTF32_LE, "utf-32-le")],
)
def test_utf16_and_utf32_are_named_with_the_fix(tmp_path, bom, encoding):
    path = tmp_path / "wide.yaml"
    path.write_bytes(bom + "name: x\n".encode(encoding))
    refused(path, encoding.split("-")[0].upper()[:3] + "-", "save the file as UTF-8")


def test_utf8_bom_is_accepted_and_latin1_is_refused_with_its_line(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(codecs.BOM_UTF8 + "name: caf\u00e9\n".encode())
    assert read_yaml(path) == {"name": "caf\u00e9"}
    path.write_bytes("version: 1\nname: caf\u00e9\n".encode("latin-1"))
    refused(path, "not UTF-8", "line 2", "save the file as UTF-8")


def test_control_characters_name_their_line(tmp_path):
    path = tmp_path / "nul.yaml"
    path.write_text("version: 1\nname: a\x00b\n")
    refused(path, "#x0000", "line 2")


@pytest.mark.parametrize(
    "text, where, word",
    [
        ("name: !!binary aGVsbG8=\n", "name", "tag:yaml.org,2002:binary"),
        ("train: {arms: !!set {baseline: null}}\n", "train.arms", "tag:yaml.org,2002:set"),
        ("name: !!python/object/apply:os.system [echo hi]\n", "name", "python/object/apply"),
        ("augment:\n  image:\n    - !include other.yaml\n", "augment.image[0]", "!include"),
    ],
)
def test_tags_a_spec_cannot_hold_are_refused_at_their_path(tmp_path, text, where, word):
    path = tmp_path / "tagged.yaml"
    path.write_text(text)
    assert refused(path, word, "not allowed").path == where


def test_dates_stay_strings(tmp_path):
    path = tmp_path / "date.yaml"
    path.write_text("name: 2024-01-31\n")
    assert read_yaml(path) == {"name": "2024-01-31"}


def test_errors_echo_a_bounded_excerpt_of_a_huge_value(tmp_path, spec_dict):
    raw = spec_dict(train={"seeds": ["x" * 10_000] * 50})  # half a megabyte
    path = tmp_path / "long.yaml"
    path.write_text(yaml.safe_dump(raw))
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert info.value.path == "train.seeds" and len(str(info.value)) < 1000
