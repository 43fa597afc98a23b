"""Offline expansion scaling: 2 workers / 1, 1 worker / a bare loop, and peak memory for many inputs / few.

Side by side in one run, on a folder of RGB 64x64 PNG images (smooth shapes with some noise, made here), with
HorizontalFlip, Affine, RandomBrightnessContrast and GaussNoise and 2 augmented copies (3 rows per input):

- ``speedup_2w_over_1w``: ``augsynth.expand`` wall time with 1 worker / with 2 (goal >= 1.7 on 2 cores). The whole
  call is timed, as a user waits for it: cluster start, split, shards, manifest.
- ``warm_*``: the same on a cluster that is already up and has run one expansion (the per-row work alone, without
  starting processes and importing albumentations in them).
- ``ratio_1w_over_bare``: a bare Python loop that decodes the same files, applies the same ops, encodes PNG at the
  same setting and writes the same Parquet, / ``expand`` with 1 worker (goal >= 0.85).
- ``rss_ratio``: peak resident memory of the whole process tree (driver, scheduler, workers), sampled every 50 ms,
  for ``--large`` inputs / ``--small`` inputs, 1 copy each (goal < 1.5).

Run: python benchmarks/expand_scaling.py [--images 1970] [--small 10000] [--large 100000] [--json OUT]
"""

from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import platform
import shutil
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import pyarrow as pa
import pyarrow.parquet as pq
from distributed import Client
from overhead import OPS, raw_compose  # the same ops as the on-the-fly benchmark (run from benchmarks/)
from PIL import Image

import augsynth
from augsynth.data.base import encode_png
from augsynth.expansion.cluster import dask_client

CLASSES = 10


def make_folder(root: Path, count: int) -> Path:
    """``count`` PNG files in ``CLASSES`` class subfolders: blurred blobs plus noise, so they compress like photos."""
    rng = np.random.default_rng(0)
    for c in range(CLASSES):
        (root / f"class{c}").mkdir(parents=True, exist_ok=True)
    for i in range(count):
        small = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
        image = np.asarray(Image.fromarray(small).resize((64, 64), Image.BILINEAR))
        image = np.clip(image + rng.integers(-6, 7, image.shape), 0, 255).astype(np.uint8)
        Image.fromarray(image).save(root / f"class{i % CLASSES}" / f"{i:06d}.png")
    return root


def spec(folder: Path, copies: int, out: Path) -> augsynth.Spec:
    return augsynth.load_spec(
        {
            "name": "bench-scaling",
            "dataset": {"source": f"folder:{folder}", "image_size": 64, "val_per_class": 2, "test_fraction": 0.05},
            "augment": {"copies": copies, "image": OPS},
            "output": {"dir": str(out)},
            "limits": {"max_output_rows": 10_000_000},
        }
    )


def expand_seconds(folder: Path, copies: int, workers: int, client: Client | None = None) -> tuple[float, int]:
    """Wall time of one expansion into a fresh dir (on its own new cluster, or on ``client``'s), and its rows."""
    out = Path(tempfile.mkdtemp()) / "out"
    start = time.perf_counter()
    result = augsynth.expand(spec(folder, copies, out), workers=workers, client=client, progress=False)
    seconds = time.perf_counter() - start
    shutil.rmtree(out.parent)
    return seconds, result.rows


def warm_expand_seconds(folder: Path, copies: int, workers: int) -> float:
    """The steady state: an expansion on a cluster that is already up and has run one (imports done, pipeline
    built), so what remains is the per-row work, the split and the manifest."""
    with dask_client(workers) as client:
        expand_seconds(folder, copies, workers, client)
        return expand_seconds(folder, copies, workers, client)[0]


def bare_loop_seconds(folder: Path, copies: int) -> float:
    """What the expansion does, written plainly in one process: decode, augment, encode PNG, one Parquet file."""
    compose = raw_compose()
    out = Path(tempfile.mkdtemp())
    start = time.perf_counter()
    ids, pngs, labels = [], [], []
    for label, class_dir in enumerate(sorted(folder.iterdir())):
        for path in sorted(class_dir.iterdir()):
            image = np.asarray(Image.open(io.BytesIO(path.read_bytes())).convert("RGB"))
            for copy in range(copies + 1):
                augmented = image if copy == 0 else compose(image=image)["image"]
                ids.append(f"{path.name}#{copy}")
                pngs.append(encode_png(augmented))
                labels.append(label)
    table = pa.table({"id": ids, "image": pa.array(pngs, pa.binary()), "label": labels})
    pq.write_table(table, out / "part-00000.parquet", compression="zstd")
    seconds = time.perf_counter() - start
    shutil.rmtree(out)
    return seconds


def _expand_in_child(folder: str, copies: int, workers: int) -> None:
    expand_seconds(Path(folder), copies, workers)


def peak_tree_rss(folder: Path, copies: int, workers: int) -> int:
    """Peak summed RSS of a process running one expansion and all its descendants (Dask scheduler, nannies,
    workers), sampled every 50 ms."""
    child = multiprocessing.get_context("spawn").Process(target=_expand_in_child, args=(str(folder), copies, workers))
    child.start()
    peak, process = 0, psutil.Process(child.pid)
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            try:
                tree = [process, *process.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    child.join()
    stop.set()
    sampler.join()
    return peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=1970)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "expand_scaling.json")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp())
    folder = make_folder(scratch / "images", args.images)
    times: dict[str, list[float]] = {"bare": [], "1w": [], "2w": [], "warm 1w": [], "warm 2w": []}
    for _ in range(args.rounds):  # interleaved
        times["bare"].append(bare_loop_seconds(folder, 2))
        times["1w"].append(expand_seconds(folder, 2, 1)[0])
        times["2w"].append(expand_seconds(folder, 2, 2)[0])
        times["warm 1w"].append(warm_expand_seconds(folder, 2, 1))
        times["warm 2w"].append(warm_expand_seconds(folder, 2, 2))
    best = {name: min(values) for name, values in times.items()}
    result = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "images": args.images,
        "rows_per_input": 3,
        "seconds": times,
        "speedup_2w_over_1w": best["1w"] / best["2w"],
        "ratio_1w_over_bare": best["bare"] / best["1w"],
        "warm_speedup_2w_over_1w": best["warm 1w"] / best["warm 2w"],
        "warm_ratio_1w_over_bare": best["bare"] / best["warm 1w"],
        "goals": {"speedup_2w_over_1w": 1.7, "ratio_1w_over_bare": 0.85, "rss_ratio": 1.5},
    }
    print(
        f"{args.images} images x 3 rows: bare {best['bare']:.1f} s, 1 worker {best['1w']:.1f} s, "
        f"2 workers {best['2w']:.1f} s -> 2w/1w {result['speedup_2w_over_1w']:.2f} (goal 1.7), "
        f"1w/bare {result['ratio_1w_over_bare']:.2f} (goal 0.85)\n"
        f"on a warm cluster: 1 worker {best['warm 1w']:.1f} s, 2 workers {best['warm 2w']:.1f} s -> 2w/1w "
        f"{result['warm_speedup_2w_over_1w']:.2f}, 1w/bare {result['warm_ratio_1w_over_bare']:.2f}"
    )
    if args.large:
        rss = {}
        for count in (args.small, args.large):
            big = make_folder(scratch / f"images-{count}", count)
            rss[count] = peak_tree_rss(big, 1, 2)
            shutil.rmtree(big)
        result["rss_bytes"] = {str(k): v for k, v in rss.items()}
        result["rss_ratio"] = rss[args.large] / rss[args.small]
        print(
            f"peak RSS of the process tree: {rss[args.small] / 2**20:.0f} MiB for {args.small} inputs, "
            f"{rss[args.large] / 2**20:.0f} MiB for {args.large} -> {result['rss_ratio']:.2f} (goal < 1.5)"
        )
    shutil.rmtree(scratch)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
