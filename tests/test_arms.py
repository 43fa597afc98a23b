"""Arms are a registry: each checks the spec it needs at load, and a new arm is one registered class."""

from __future__ import annotations

import pytest

from augsynth.run import compare
from augsynth.spec.load import parse_spec
from augsynth.spec.schema import Spec
from augsynth.train.arms import ARMS, Arm, arm, arm_data
from augsynth.train.arms.base import require_augmentation
from tests.conftest import expect_spec_error, tiny_spec_dict


@ARMS.register("copies-only")
class CopiesOnly(Arm):
    """The augmented copies without their originals: a new arm is this class and nothing else."""

    origins = ("augmented",)

    def check(self, spec: Spec) -> None:
        require_augmentation(spec, self.name)


def test_a_registered_arm_is_accepted_by_the_spec_and_trains(tmp_path, dask_client):
    spec = parse_spec(
        tiny_spec_dict(
            tmp_path / "out",
            augment={"copies": 1},
            train={"arms": ["baseline", "copies-only"], "steps": 10, "eval_every": 5, "classical_baseline": False},
        )
    )
    report = compare(spec, tmp_path / "out", client=dask_client, progress=False)
    assert set(report.arms) == {"baseline", "copies-only"} and set(report.gain) == {"copies-only"}
    assert report.arms["copies-only"].n == 2 and all(0 <= v <= 1 for v in report.arms["copies-only"].runs)
    copies, baseline = arm_data(tmp_path / "out", "copies-only"), arm_data(tmp_path / "out", "baseline")
    assert len(copies) == len(baseline) == 4 * 10  # one copy of each image, and no original
    assert "| copies-only |" in (tmp_path / "out" / "report.md").read_text()


def test_a_registered_arm_checks_its_spec():
    expect_spec_error(
        tiny_spec_dict(augment={"copies": 0}, train={"arms": ["baseline", "copies-only"]}),
        "augment",
        ["'copies-only' arm", "copies >= 1"],
    )


def test_an_unknown_arm_names_its_place_and_the_closest_arm():
    err = expect_spec_error(
        tiny_spec_dict(train={"arms": ["baseline", "augmneted"]}),
        "train.arms[1]",
        ["unknown arm 'augmneted'", "did you mean 'augmented'"],
    )
    assert all(name in err.message for name in ("baseline", "naive", "synthetic", "transfer", "pretrained"))


@pytest.mark.parametrize(
    ("sections", "path", "words"),
    [
        ({"train": {"arms": ["baseline", "naive"]}}, "train.arms", ["'naive' arm", "regression"]),
        ({"augment": {"copies": 0}}, "augment", ["'augmented' arm", "copies >= 1"]),
        ({"augment": {"image": []}}, "augment", ["'augmented' arm", "image op"]),
        ({"train": {"arms": ["baseline", "synthetic"]}}, "train.arms", ["'synthetic' arm", "generate"]),
        ({"train": {"arms": ["baseline", "augmented+synthetic"]}}, "train.arms", ["'augmented+synthetic' arm"]),
        ({"train": {"arms": ["baseline", "pretrained"]}}, "train.arms", ["train.pretrain"]),
        (
            {"train": {"arms": ["baseline", "pretrained"], "pretrain": "autoencoder", "model": "pilotnet"}},
            "train.pretrain",
            ["small-cnn encoder"],
        ),
        ({"train": {"pretrain": "autoencoder"}}, "train.pretrain", ["'pretrained' arm"]),
    ],
)
def test_each_arm_refuses_a_spec_it_cannot_run(sections, path, words):
    expect_spec_error(tiny_spec_dict(**sections), path, words)


def test_the_arms_read_their_rows_and_share_them():
    assert {
        name: (ARMS.get(name).origins, ARMS.get(name).label_column)
        for name in ("baseline", "naive", "synthetic", "augmented+synthetic")
    } == {
        "baseline": (("original",), "label"),
        "naive": (("original", "augmented", "side"), "label_before"),
        "synthetic": (("synthetic",), "label"),
        "augmented+synthetic": (("original", "augmented", "side", "synthetic"), "label"),
    }
    assert [name for name in ARMS if arm(name).in_learning_curve] == ["augmented", "baseline"]
    assert not arm("transfer").classical and not arm("pretrained").classical
