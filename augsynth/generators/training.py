"""Train each generator on the train split only, or reuse its checkpoint when config and data are unchanged."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from distributed import Client
from tqdm.auto import tqdm

from augsynth.core.atomic import write_atomically
from augsynth.core.gather import finished
from augsynth.data.arrays import ArrayData
from augsynth.data.decode import check_no_overlap, decode_records
from augsynth.data.splits import Splits
from augsynth.generators.base import GENERATORS, GeneratorConfig, GeneratorKind, ImageShape, training_rng
from augsynth.train.tensors import tensors

SAMPLING_SETTINGS = {"per_class", "min_confidence", "min_nn_ratio"}


@dataclass(frozen=True)
class TrainedGenerator:
    """A generator's checkpoint on disk: which config and training data made it, and how long training took."""

    name: str
    path: str
    digest: str
    train_seconds: float
    device: str


def training_images(splits: Splits) -> tuple[ArrayData, str]:
    """The train split's images and labels, after checking that none is in validation or test (by content hash),
    and a digest of exactly that data."""
    train, _ = decode_records(splits.train, splits.payload_format, "train")
    val, _ = decode_records(splits.val, splits.payload_format, "validation")
    test, _ = decode_records(splits.test, splits.payload_format, "test")
    check_no_overlap({"generator training data": train, "validation": val, "test": test})
    digest = hashlib.sha256(train.images.tobytes() + train.labels.astype(np.int64).tobytes())
    return train, digest.hexdigest()[:16]


def image_shape(data: ArrayData) -> ImageShape:
    images = data.images
    return ImageShape(1 if images.ndim == 3 else images.shape[3], images.shape[1], images.shape[2])


def checkpoint_digest(config: GeneratorConfig, data_digest: str, n_classes: int, seed: int) -> str:
    """The content hash a checkpoint is filed under: the settings that shape training, the training data, classes
    and seed (sample counts and gate thresholds can change without retraining)."""
    settings = config.model_dump(mode="json", exclude=SAMPLING_SETTINGS)
    key = json.dumps({"config": settings, "data": data_digest, "classes": n_classes, "seed": seed}, sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def checkpoint_path(folder: Path, config: GeneratorConfig, data_digest: str, n_classes: int, seed: int) -> Path:
    return folder / f"{config.label}-{checkpoint_digest(config, data_digest, n_classes, seed)}.pt"


def digest_of(checkpoint: Path) -> str:
    """The content hash a checkpoint path is filed under (``NAME-HASH.pt``)."""
    return checkpoint.stem.rsplit("-", 1)[1]


def prepare_generators(
    configs: list[GeneratorConfig],
    data: ArrayData,
    data_digest: str,
    n_classes: int,
    seed: int,
    folder: Path,
    device: torch.device,
    client: Client | None,
    progress: bool = True,
) -> dict[str, TrainedGenerator]:
    """Each generator's checkpoint: reused when its digest matches, else trained (on the Dask workers in parallel
    on CPU, one after another on a GPU)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {c.label: checkpoint_path(folder, c, data_digest, n_classes, seed) for c in configs}
    todo = [c for c in configs if not (paths[c.label].exists() and paths[c.label].with_suffix(".json").exists())]
    if todo and device.type == "cpu" and client is not None:
        [ref] = client.scatter([data], hash=False)
        futures = [
            client.submit(
                fit_generator, c.model_dump(), ref, n_classes, seed, str(paths[c.label]), "cpu", False, pure=False
            )
            for c in todo
        ]
        with tqdm(total=len(futures), desc="train generators", unit="generator", disable=not progress) as bar:
            for _ in finished(client, futures, "generator training"):
                bar.update()
    else:
        for config in todo:
            fit_generator(config.model_dump(), data, n_classes, seed, str(paths[config.label]), device.type, progress)
    trained = {}
    for config in configs:
        meta = json.loads(paths[config.label].with_suffix(".json").read_text())
        trained[config.label] = TrainedGenerator(
            config.label, str(paths[config.label]), meta["digest"], meta["train_seconds"], meta["device"]
        )
    return trained


def fit_generator(
    config_dict: dict, data: ArrayData, n_classes: int, seed: int, path: str, device_type: str, progress: bool
) -> float:
    """Train one generator and write its checkpoint (weights) and a JSON sidecar, each atomically; the seconds."""
    start = time.perf_counter()
    kind = GENERATORS.get(config_dict["kind"])
    config = kind.config.model_validate(config_dict)
    device = torch.device(device_type)
    shape = image_shape(data)
    rng = training_rng(seed, config.label)
    torch.manual_seed(int(torch.randint(2**31, (1,), generator=rng)))
    model = kind.build(config, shape, n_classes).to(device)
    x, y = tensors(data, device)
    kind.fit(
        model,
        x,
        y,
        config,
        rng,
        device,
        lambda it: tqdm(it, desc=f"train {config.label}", unit="batch", disable=not progress, leave=False),
    )
    seconds = time.perf_counter() - start
    final = Path(path)
    state = {key: value.detach().cpu() for key, value in model.state_dict().items()}
    saved = {
        "state": state,
        "shape": [shape.channels, shape.height, shape.width],
        "classes": n_classes,
        "config": config.model_dump(mode="json"),
    }
    write_atomically(final, lambda temp: torch.save(saved, temp))
    meta = {"digest": digest_of(final), "train_seconds": seconds, "device": device_type}
    write_atomically(final.with_suffix(".json"), lambda temp: temp.write_text(json.dumps(meta)))
    return seconds


@lru_cache(maxsize=8)
def load_generator(path: str) -> tuple[GeneratorKind, GeneratorConfig, ImageShape, torch.nn.Module]:
    """(kind, config, image shape, model in eval mode on the CPU) from a checkpoint; once per worker process."""
    saved = torch.load(path, map_location="cpu", weights_only=True)
    kind = GENERATORS.get(saved["config"]["kind"])
    config = kind.config.model_validate(saved["config"])
    shape = ImageShape(*saved["shape"])
    model = kind.build(config, shape, saved["classes"])
    model.load_state_dict(saved["state"])
    return kind, config, shape, model.eval()
