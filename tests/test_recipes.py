"""Trainer-side recipes as arms: the cosine losses, MixUp and CutMix (soft labels), measured beside the baseline."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from augsynth.core.errors import SpecError
from augsynth.run import compare
from augsynth.spec.load import parse_spec
from augsynth.train.losses import LOSSES
from augsynth.train.mixing import _cut_and_paste, mixed_loss
from tests.conftest import tiny_spec_dict
from tests.test_labels import road_spec


class Identity(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.flatten(1)


def test_mixup_mixes_images_and_labels_with_one_weight():
    x = torch.stack([torch.zeros(1, 2, 2), torch.ones(1, 2, 2)])
    y = torch.tensor([0, 1])
    seen = {}

    def loss(outputs, targets):
        seen.setdefault("outputs", outputs)
        return (targets == 1).double().mean().to(outputs.dtype)

    value = mixed_loss(loss, Identity(), x, y, "mixup", 0.4, np.random.default_rng(3))
    lam = float(np.random.default_rng(3).beta(0.4, 0.4))
    partner = np.random.default_rng(3)
    partner.beta(0.4, 0.4)
    order = partner.permutation(2)
    expected = lam * x + (1 - lam) * x[torch.from_numpy(order)]
    assert torch.allclose(seen["outputs"], expected.flatten(1))
    assert float(value) == pytest.approx(lam * 0.5 + (1 - lam) * 0.5)


def test_cutmix_pastes_a_box_and_weights_the_labels_by_its_area():
    x = torch.stack([torch.zeros(1, 10, 10), torch.ones(1, 10, 10)])
    for seed in range(6):
        mixed, lam = _cut_and_paste(x, torch.tensor([1, 0]), 0.6, np.random.default_rng(seed))
        box = (mixed[0, 0] == 1).nonzero()
        area = len(box)
        assert lam == pytest.approx(1 - area / 100)
        if area:  # one filled rectangle, and the partner got the same box of zeros
            rows, cols = box[:, 0], box[:, 1]
            assert area == (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)
            assert torch.equal(mixed[1, 0] == 0, mixed[0, 0] == 1)
        assert area <= round(100 * 0.4) + 10  # about (1 - lam) of the image, less where the box is clipped


def test_recipe_arms_run_and_the_report_says_how_each_trains(tmp_path, dask_client):
    arms = ["baseline", "cosine", "cosine+ce", "mixup", "cutmix"]
    raw = tiny_spec_dict(tmp_path / "out", train={"arms": arms, "steps": 30, "eval_every": 10})
    report = compare(parse_spec(raw), tmp_path / "out", client=dask_client, progress=False)
    assert set(report.gain) == set(arms) - {"baseline"}
    assert report.arm_settings["cosine"] == "cosine loss"
    assert "Beta(0.4, 0.4)" in report.arm_settings["mixup"] and "Beta(1, 1)" in report.arm_settings["cutmix"]
    text = (tmp_path / "out" / "report.md").read_text()
    assert "- mixup: MixUp" in text and "- cosine+ce: cosine loss + 0.1 x cross-entropy" in text
    scores = {arm: report.arms[arm].mean for arm in arms}
    assert len(set(scores.values())) > 1  # the recipes really trained differently


def test_cosine_ce_is_the_cosine_loss_plus_a_tenth_of_cross_entropy():
    outputs, targets = torch.randn(6, 4), torch.tensor([0, 1, 2, 3, 0, 1])
    combined = LOSSES.get("cosine_ce")(outputs, targets)
    expected = LOSSES.get("cosine")(outputs, targets) + 0.1 * torch.nn.functional.cross_entropy(outputs, targets)
    assert torch.allclose(combined, expected)


def test_mixing_a_regression_label_needs_it_declared_linear(tmp_path):
    raw = road_spec(tmp_path, [{"op": "RandomBrightnessContrast"}])
    raw["train"]["arms"] = ["baseline", "mixup"]
    with pytest.raises(SpecError, match="mixes_linearly"):
        parse_spec(raw)
    raw["labels"]["steering"]["mixes_linearly"] = True
    assert parse_spec(raw).train.arms == ["baseline", "mixup"]
    raw["train"]["arms"] = ["baseline", "cosine"]
    with pytest.raises(SpecError, match="classification losses"):
        parse_spec(raw)
