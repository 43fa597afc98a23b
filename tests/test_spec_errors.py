"""Every spec mistake is caught at load, as a SpecError naming the YAML path, the problem and the fix."""

from __future__ import annotations

import pytest
import yaml

from augsynth import SpecError, load_spec
from augsynth.cli import main
from augsynth.spec.load import parse_spec
from augsynth.spec.schema import Spec
from tests.conftest import REPO_ROOT, deep_update, expect_spec_error, tiny_spec_dict


def _set_op(index: int, entry):
    def edit(spec: dict) -> None:
        spec["augment"]["image"][index] = entry

    return edit


def _merge(**sections):
    def edit(spec: dict) -> None:
        spec.update(deep_update(spec, sections))

    return edit


def _add_top(key: str, value):
    def edit(spec: dict) -> None:
        spec[key] = value

    return edit


# (id, edit of a valid spec, expected SpecError.path, words the error text must contain)
BAD_SPECS = [
    (
        "misspelled-op",
        _set_op(1, {"op": "Afine", "rotate": [-5, 5]}),
        "augment.image[1].op",
        ["unknown image op 'Afine'", "did you mean 'Affine'"],
    ),
    ("op-wrong-case", _set_op(0, {"op": "gaussnoise"}), "augment.image[0].op", ["did you mean 'GaussNoise'"]),
    (
        "misspelled-param",
        _set_op(0, {"op": "Affine", "rotat": [-10, 10]}),
        "augment.image[0].rotat",
        ["no parameter 'rotat'", "did you mean 'rotate'"],
    ),
    ("param-type", _set_op(1, {"op": "Affine", "rotate": "lots"}), "augment.image[1].rotate", ["Affine", "'lots'"]),
    ("p-type", _set_op(0, {"op": "GaussNoise", "p": "often"}), "augment.image[0].p", ["GaussNoise", "'often'"]),
    (
        "reversed-range",
        _set_op(0, {"op": "GaussNoise", "std_range": [0.5, 0.1]}),
        "augment.image[0].std_range",
        ["GaussNoise", "[0.5, 0.1]"],
    ),
    (
        "p-out-of-range",
        _set_op(0, {"op": "GaussNoise", "p": 3}),
        "augment.image[0].p",
        ["less than or equal to 1", "(got 3)"],
    ),
    ("op-not-a-mapping", _set_op(0, "GaussNoise"), "augment.image[0]", ["GaussNoise"]),
    ("op-without-op-key", _set_op(0, {"name": "GaussNoise"}), "augment.image[0]", ["'op' key"]),
    (
        "unknown-top-key",
        _add_top("augmnt", {"copies": 2}),
        "augmnt",
        ["unknown key 'augmnt'", "did you mean 'augment'"],
    ),
    (
        "unknown-section-key",
        _merge(dataset={"train_per_clas": 3}),
        "dataset.train_per_clas",
        ["unknown key 'train_per_clas'", "did you mean 'train_per_class'"],
    ),
    ("unknown-train-key", _merge(train={"step": 3}), "train.step", ["did you mean 'steps'"]),
    (
        "unknown-source-kind",
        _merge(dataset={"source": "sklern:digits"}),
        "dataset.source",
        ["unknown data source 'sklern:digits'", "did you mean 'sklearn:...'"],
    ),
    ("unknown-sklearn-set", _merge(dataset={"source": "sklearn:iris"}), "dataset.source", ["'iris'"]),
    (
        "missing-folder",
        _merge(dataset={"source": "folder:/no/such/folder/anywhere"}),
        "dataset.source",
        ["/no/such/folder/anywhere", "does not exist"],
    ),
    (
        "missing-csv",
        _merge(dataset={"source": "csv:/no/such/labels.csv"}),
        "dataset.source",
        ["/no/such/labels.csv", "does not exist"],
    ),
    ("bad-int", _merge(dataset={"train_per_class": 0}), "dataset.train_per_class", ["greater than or equal to 1"]),
    ("bad-int-type", _merge(train={"seeds": "many"}), "train.seeds", ["'many'"]),
    ("unknown-loss", _merge(train={"loss": "cosin"}), "train.loss", ["unknown loss 'cosin'", "did you mean 'cosine'"]),
    (
        "loss-of-the-other-task",
        _merge(train={"loss": "huber"}),
        "train.loss",
        ["'huber' is a regression loss", "cross_entropy"],
    ),
    (
        "model-for-feature-vectors",
        _merge(train={"model": "embedding-head"}),
        "train.model",
        ["reads features, not the images", "small-cnn"],
    ),
    ("misspelled-model", _merge(train={"model": "small-cn"}), "train.model", ["did you mean 'small-cnn'"]),
    ("arms-without-baseline", _merge(train={"arms": ["augmented"]}), "train.arms", ["baseline"]),
    ("augmented-arm-without-ops", _merge(augment={"image": []}), "augment", ["at least one image op"]),
    ("missing-name", lambda spec: spec.pop("name"), "name", ["required"]),
]


@pytest.mark.parametrize(
    ("edit", "path", "words"), [case[1:] for case in BAD_SPECS], ids=[case[0] for case in BAD_SPECS]
)
def test_bad_spec_raises_spec_error(edit, path, words):
    raw = tiny_spec_dict()
    edit(raw)
    err = expect_spec_error(raw, path, words)
    text = str(err)
    assert text.startswith(f"{path}: ")
    assert err.message and err.message in text
    assert err.fix is None or err.fix in text


def test_every_error_carries_a_fix():
    raw = tiny_spec_dict()
    raw["augment"]["image"][1] = {"op": "Afine"}
    with pytest.raises(SpecError) as info:
        parse_spec(raw)
    assert info.value.fix and "did you mean 'Affine'" in info.value.fix
    assert "\n  fix: " in str(info.value)


def test_not_a_mapping():
    with pytest.raises(SpecError) as info:
        parse_spec(["version", 1])
    assert info.value.path == "<spec>"


def test_valid_tiny_spec_loads():
    spec = parse_spec(tiny_spec_dict())
    assert isinstance(spec, Spec)
    assert [op["op"] for op in spec.augment.image] == ["GaussNoise", "Affine"]
    assert spec.dataset.size_hw == (16, 16)


def test_missing_spec_file(tmp_path):
    missing = tmp_path / "nope.yaml"
    with pytest.raises(SpecError) as info:
        load_spec(missing)
    assert str(missing) in str(info.value)
    assert "does not exist" in info.value.message


def test_invalid_yaml_file(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: x\naugment: [unclosed\n")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert "YAML" in info.value.message


def test_load_spec_from_file_names_the_file(write_spec):
    raw = tiny_spec_dict()
    raw["augment"]["image"][0] = {"op": "Affine", "rotat": [-10, 10]}
    path = write_spec(raw, "bad.yaml")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert info.value.source == str(path)
    assert str(info.value).startswith(f"{path}: augment.image[0].rotat: ")


def test_missing_csv_column(tmp_path):
    table = tmp_path / "labels.csv"
    table.write_text("images,label\na.png,x\n")
    raw = tiny_spec_dict(dataset={"source": f"csv:{table}", "image_size": None})
    with pytest.raises(SpecError) as info:
        parse_spec(raw)
    assert info.value.path == "dataset.image_column"
    assert "did you mean 'images'" in str(info.value)


def test_folder_needs_two_classes(tmp_path):
    (tmp_path / "only").mkdir()
    raw = tiny_spec_dict(dataset={"source": f"folder:{tmp_path}"})
    with pytest.raises(SpecError) as info:
        parse_spec(raw)
    assert info.value.path == "dataset.source"
    assert "two class subfolders" in info.value.message


@pytest.mark.parametrize(
    ("edit", "path"),
    [
        (_set_op(1, {"op": "Afine"}), "augment.image[1].op"),
        (_set_op(0, {"op": "GaussNoise", "std_range": [0.5, 0.1]}), "augment.image[0].std_range"),
        (_merge(dataset={"source": "folder:/no/such/folder"}), "dataset.source"),
    ],
    ids=["op", "range", "source"],
)
def test_cli_validate_bad_spec_exits_2_without_traceback(edit, path, write_spec, capsys):
    raw = tiny_spec_dict()
    edit(raw)
    spec_file = write_spec(raw, "bad.yaml")
    assert main(["validate", str(spec_file)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("spec error: ")
    assert path in captured.err
    assert str(spec_file) in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_cli_validate_missing_file_exits_2(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "missing.yaml")]) == 2
    captured = capsys.readouterr()
    assert "missing.yaml" in captured.err
    assert "Traceback" not in captured.err


def test_cli_validate_good_spec(spec_path, capsys):
    assert main(["validate", str(spec_path)]) == 0
    assert "valid" in capsys.readouterr().out


def test_bundled_digits_pipeline_is_valid(capsys):
    path = REPO_ROOT / "pipelines" / "digits.yaml"
    assert main(["validate", str(path)]) == 0
    out = capsys.readouterr().out
    assert "valid" in out
    spec = load_spec(path)
    assert spec.dataset.source == "sklearn:digits"
    assert yaml.safe_load(path.read_text())["name"] == spec.name
