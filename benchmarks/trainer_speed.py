"""Trainer speed: training samples per second of the bundled loop (``fit_model``: AdamW, one-cycle, channels-last
images resident on the device), side by side in one run, for the digits CNN (16x16 gray) and PilotNet (48x128 RGB).

- CPU: fp32 against bf16 autocast (``train.precision``), and ``train.compile`` when a compiler is present.
- CUDA (when present): fp32 against bf16 autocast (what ``precision: auto`` picks on a GPU), with and without
  ``torch.compile``; the ratios to the CPU fp32 path.

Each variant runs the same steps from the same seed, after one warm-up run; ``ratios`` divide samples/s by the
fp32 path of the same device. Run: python benchmarks/trainer_speed.py [--steps 200] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
import torch

from augsynth.data.arrays import ArrayData
from augsynth.spec.schema import TrainSpec
from augsynth.train.loop import fit_model, model_inputs
from augsynth.train.losses import LOSSES
from augsynth.train.objectives import Objective

CASES = {  # model -> (image shape, n outputs)
    "small-cnn-gap": ((16, 16), 10),
    "pilotnet": ((48, 128, 3), 1),
}


def _data(shape: tuple[int, ...], n: int, classes: int, seed: int) -> ArrayData:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, classes, n) if classes > 1 else rng.normal(size=n)
    return ArrayData(rng.integers(0, 256, (n, *shape), dtype=np.uint8), labels)


def samples_per_second(model: str, device: torch.device, steps: int, **settings) -> float:
    """Training samples/s of ``steps`` steps of batch 64 (validation only at the end)."""
    shape, outputs = CASES[model]
    train, val = _data(shape, 512, outputs, 0), _data(shape, 64, outputs, 1)
    (x, y), (xv, yv) = model_inputs(train, [val], device)
    objective = (
        Objective("classification", outputs, LOSSES.get("cross_entropy"), "accuracy", True)
        if outputs > 1
        else Objective("regression", 1, LOSSES.get("huber"), "mae", False)
    )
    config = TrainSpec(model=model, steps=steps, eval_every=steps, batch_size=64, device=device.type, **settings)
    start = time.perf_counter()
    fit_model(x, y, xv, yv, objective, config, 0, device)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return steps * 64 / (time.perf_counter() - start)


def variants(device: torch.device) -> dict[str, dict]:
    return {
        "fp32": {"precision": "fp32"},
        "bf16": {"precision": "bf16"},
        "bf16+compile" if device.type == "cuda" else "fp32+compile": {
            "precision": "bf16" if device.type == "cuda" else "fp32",
            "compile": True,
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "trainer_speed.json")
    args = parser.parse_args()
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    result = {
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "threads": torch.get_num_threads(),
            "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
            "torch": torch.__version__,
        },
        "steps": args.steps,
        "samples_per_second": {},
        "ratios": {},
    }
    for device in devices:
        for model in CASES:
            samples_per_second(model, device, 20)  # warm-up: allocator, kernels, lazy layers
            measured = {}
            for name, settings in variants(device).items():
                try:
                    measured[name] = samples_per_second(model, device, args.steps, **settings)
                except Exception as err:  # torch.compile needs a C++ compiler (CPU) or Triton (GPU)
                    measured[name] = None
                    print(f"{device.type} {model} {name}: not measured ({type(err).__name__}: {str(err)[:120]})")
            key = f"{device.type}/{model}"
            result["samples_per_second"][key] = measured
            result["ratios"][key] = {n: v / measured["fp32"] for n, v in measured.items() if v and n != "fp32"}
            shown = ", ".join(f"{n} {v:.0f}" for n, v in measured.items() if v)
            print(f"{key}: samples/s {shown}; ratios to fp32 {result['ratios'][key]}")
    if "cuda/small-cnn-gap" in result["samples_per_second"]:
        for model in CASES:
            gpu, cpu = result["samples_per_second"][f"cuda/{model}"], result["samples_per_second"][f"cpu/{model}"]
            result["ratios"][f"cuda_over_cpu/{model}"] = {n: v / cpu["fp32"] for n, v in gpu.items() if v}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
