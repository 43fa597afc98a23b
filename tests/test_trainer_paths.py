"""The trainer's precision and compile paths: bf16 autocast trains (scoring stays fp32), ``auto`` keeps fp32 on a
CPU so results do not depend on the CPU's bf16 support, and ``torch.compile`` runs the same loop."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch

from augsynth.data.arrays import ArrayData
from augsynth.spec.schema import TrainSpec
from augsynth.train.loop import fit_model, model_inputs, uses_bf16
from augsynth.train.losses import LOSSES
from augsynth.train.objectives import Objective

CPU = torch.device("cpu")


def _fit(**settings):
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 96)
    images = np.where(labels[:, None, None] == 1, 200, 40).astype(np.uint8) + rng.integers(0, 30, (96, 8, 8)).astype(
        np.uint8
    )
    (x, y), (xv, yv) = model_inputs(ArrayData(images[:64], labels[:64]), [ArrayData(images[64:], labels[64:])], CPU)
    objective = Objective("classification", 2, LOSSES.get("cross_entropy"), "accuracy", True)
    config = TrainSpec(model="small-cnn-gap", steps=40, eval_every=10, batch_size=32, device="cpu", **settings)
    return fit_model(x, y, xv, yv, objective, config, 0, CPU)


def test_precision_auto_is_fp32_on_a_cpu_and_bf16_when_asked():
    assert not uses_bf16("auto", CPU) and uses_bf16("bf16", CPU) and not uses_bf16("fp32", CPU)


def test_bf16_autocast_trains_with_fp32_weights_and_fp32_scores():
    model, fit = _fit(precision="bf16")
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert isinstance(fit.val_score, float) and fit.val_score > 0.9  # an easy two-class problem, learnt


@pytest.mark.slow
@pytest.mark.skipif(
    not (shutil.which("c++") or shutil.which("g++")), reason="torch.compile on a CPU needs a C++ compiler"
)
def test_torch_compile_runs_the_same_loop():
    _, compiled = _fit(compile=True)
    _, eager = _fit()
    assert compiled.val_score == pytest.approx(eager.val_score, abs=0.05)
