"""The pretrained EfficientNet-Lite0 backbone, offline on CPU: it loads with every key, a local state dict is used
when given and refused clearly when wrong, its last blocks fine-tune, and its arms run beside plain augmentation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

from augsynth.core.errors import SpecError
from augsynth.data.arrays import ArrayData
from augsynth.run import compare
from augsynth.spec.load import parse_spec
from augsynth.train.backbones import FROZEN_BLOCKS, Tail, activations, backbone, backbone_input
from tests.conftest import tiny_spec_dict


def _digits(n: int = 40) -> ArrayData:
    digits = load_digits()
    images = (digits.images[:n] * (255 / 16)).astype(np.uint8)
    return ArrayData(images, digits.target[:n].astype(np.int64))


def test_the_packaged_imagenet_weights_load_offline_with_every_key():
    net = backbone()
    assert len(net._blocks) == 16 and not any(p.requires_grad for p in net.parameters())
    x = backbone_input(_digits(4).images, 64)
    assert tuple(x.shape) == (4, 3, 64, 64)  # gray to three channels, resized: the model-input step
    assert abs(float(x.mean())) < 3  # ImageNet-normalised
    pooled = activations(_digits(4), 64, None, pooled=True)
    assert pooled.images.shape == (4, 1280) and pooled.images.dtype == np.float32
    assert float(np.abs(pooled.images).sum()) > 0


def test_a_local_state_dict_is_used_and_a_wrong_one_is_refused(tmp_path):
    path = tmp_path / "lite0.pth"
    state = {name: value.clone() for name, value in backbone().state_dict().items()}
    state["_fc.bias"] += 1.0
    torch.save(state, path)
    assert torch.equal(backbone(str(path))._fc.bias, state["_fc.bias"])
    torch.save({"conv.weight": torch.zeros(1)}, tmp_path / "other.pth")
    raw = tiny_spec_dict(
        tmp_path / "out", train={"arms": ["baseline", "transfer"], "weights": str(tmp_path / "other.pth")}
    )
    with pytest.raises(SpecError) as info:
        parse_spec(raw)
    assert info.value.path == "train.weights" and "every key" in str(info.value)


def test_the_last_blocks_fine_tune_for_a_few_steps_at_a_lower_rate():
    data = _digits(20)
    inputs = torch.from_numpy(activations(data, 32, None, pooled=False).images)
    labels = torch.from_numpy(data.labels)
    assert inputs.shape[1] == backbone()._blocks[FROZEN_BLOCKS]._block_args.input_filters
    torch.manual_seed(0)
    tail = Tail(10)
    before = [p.detach().clone() for p in tail.blocks.parameters()]
    groups = tail.param_groups(1e-2)
    assert [g["lr"] for g in groups] == [1e-3, 1e-2]
    optimizer = torch.optim.AdamW(groups)
    losses = []
    for _ in range(10):
        loss = torch.nn.functional.cross_entropy(tail.train()(inputs), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < 0.5 * losses[0]
    assert any(not torch.equal(a, b) for a, b in zip(before, tail.blocks.parameters(), strict=True))
    assert all(not p.requires_grad for p in backbone().parameters())  # the shared frozen copy is untouched


@pytest.mark.slow
def test_backbone_arms_run_beside_plain_augmentation(tmp_path, dask_client):
    arms = ["baseline", "augmented", "transfer", "finetune", "finetune+augmented"]
    raw = tiny_spec_dict(
        tmp_path / "out", dataset={"test_fraction": 0.1}, train={"arms": arms, "steps": 20, "eval_every": 10}
    )
    report = compare(parse_spec(raw), tmp_path / "out", client=dask_client, progress=False)
    assert set(report.arms) == set(arms)
    assert all(0 <= report.arms[arm].mean <= 1 for arm in arms)
    assert set(report.gain) == set(arms) - {"baseline"}


def test_backbone_arms_are_refused_for_text():
    raw = tiny_spec_dict(
        "out/x",
        dataset={"source": "text:tweets", "task": "text-classification", "train_per_class": 4, "val_per_class": 2},
        augment={"image": [], "text": [{"op": "RandomWordAug", "action": "swap"}]},
        train={"arms": ["baseline", "finetune"]},
    )
    with pytest.raises(SpecError, match="fine-tunes a pretrained image backbone"):
        parse_spec(raw)
