"""``folder:`` reads every image format Pillow opens (the first frame of a multi-frame file); a file of another type
is skipped, counted and listed, never quarantined as if it had failed to decode."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from augsynth.data.base import IMAGE_SUFFIXES, ImageFormat
from augsynth.data.splits import make_splits
from augsynth.spec.load import parse_spec
from tests.conftest import make_image_folder, tiny_spec_dict

SIZE = 12


def _saved(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def _pixels(seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (SIZE, SIZE, 3), dtype=np.uint8)


def _gif_frames(first: np.ndarray, second: np.ndarray) -> list[Image.Image]:
    return [Image.fromarray(frame).quantize(colors=256, dither=Image.Dither.NONE) for frame in (first, second)]


def _two_frame_gif(frames: list[Image.Image]) -> bytes:
    return _saved(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)


def test_the_suffixes_are_those_pillow_opens():
    assert {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm", ".tga", ".ico"} <= set(
        IMAGE_SUFFIXES
    )
    assert not {".txt", ".csv", ".pdf", ""} & set(IMAGE_SUFFIXES)  # PDF: Pillow writes it, never reads it
    assert list(IMAGE_SUFFIXES) == sorted(IMAGE_SUFFIXES) and all(s == s.lower() for s in IMAGE_SUFFIXES)


def test_a_gif_decodes_to_its_first_frame():
    frames = _gif_frames(_pixels(1), _pixels(2))
    payload = _two_frame_gif(frames)
    with Image.open(io.BytesIO(payload)) as gif:
        assert gif.n_frames == 2
    first, second = (np.asarray(frame.convert("RGB")) for frame in frames)
    decoded = ImageFormat(channels=3, size_hw=None).decode(payload)
    assert np.array_equal(decoded, first) and not np.array_equal(decoded, second)


def test_tiff_webp_gif_bmp_ppm_are_inputs_and_other_files_are_skipped(tmp_path):
    root = make_image_folder(tmp_path / "images", classes=("a", "b"), per_class=4, size=SIZE)
    made = {
        "a/page.tif": _saved(Image.fromarray(_pixels(3)), "TIFF"),
        "a/lossless.webp": _saved(Image.fromarray(_pixels(4)), "WEBP", lossless=True),
        "b/moving.gif": _two_frame_gif(_gif_frames(_pixels(5), _pixels(6))),
        "b/plain.bmp": _saved(Image.fromarray(_pixels(7)), "BMP"),
        "b/raw.ppm": _saved(Image.fromarray(_pixels(8)), "PPM"),
    }
    for name, payload in made.items():
        (root / name).write_bytes(payload)
    for name in ("a/notes.txt", "b/labels.csv", "b/README"):
        (root / name).write_text("not an image")
    spec = parse_spec(
        tiny_spec_dict(
            tmp_path / "out",
            dataset={"source": f"folder:{root}", "image_size": None, "train_per_class": None, "val_per_class": 1},
        )
    )
    splits = make_splits(spec)
    used = {r.source_id: r for r in splits.train + splits.val + splits.test}
    assert set(made) <= set(used) and len(used) == 8 + len(made)
    assert splits.skipped == ["a/notes.txt", "b/README", "b/labels.csv"]
    assert splits.quarantined == []  # skipped files are not decode failures
    assert splits.accounting() == {
        "inputs": 16,
        "used": 13,
        "quarantined": 0,
        "duplicates": 0,
        "skipped": 3,
        "unused": 0,
    }
    lossless = {"a/page.tif": 3, "a/lossless.webp": 4, "b/plain.bmp": 7, "b/raw.ppm": 8}
    for name, seed in lossless.items():  # decoded to the very pixels saved
        assert np.array_equal(splits.payload_format.decode(used[name].payload), _pixels(seed))
