"""What every data source yields: encoded records with integer labels, plus what it had to quarantine."""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, Protocol, TypeVar

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from augsynth.core.registry import Registry
from augsynth.spec.schema import DatasetSpec


def _openable_suffixes() -> tuple[str, ...]:
    """The file extensions Pillow registers for the formats it can open (not those it only writes), sorted."""
    return tuple(sorted({ext.lower() for ext, fmt in Image.registered_extensions().items() if fmt in Image.OPEN}))


IMAGE_SUFFIXES = _openable_suffixes()  # .png, .jpg, .bmp, .gif, .tif, .webp, .ppm, .tga, .ico ... (this Pillow's)
MAX_PIXELS = 40_000_000  # an input image larger than this is quarantined before its pixels are decoded


class BadInput(ValueError):
    """An input that cannot be used (unreadable, wrong shape, missing label); it is quarantined, not fatal."""


@dataclass(frozen=True)
class InputFile:
    """An input file on disk, read when its bytes are needed (by the worker that augments it) rather than held in
    memory, and checked against the SHA-256 taken when the source listed it."""

    path: str
    root: str  # the resolved data folder the file must stay inside
    sha256: str

    @classmethod
    def listed(cls, path: Path, root: Path) -> InputFile:
        """Read the file once to check it (see ``read_input``) and take its digest; the bytes are not kept."""
        return cls(str(path), str(root), hashlib.sha256(read_input(path, root)).hexdigest())

    def read(self) -> bytes:
        """The file's bytes, which must be those listed (so they came from inside ``root``, wherever a link now
        points); BadInput when it can no longer be read or has changed."""
        try:
            data = Path(self.path).read_bytes()
        except OSError as err:
            raise BadInput(f"unreadable file: {err.strerror or err}") from None
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise BadInput(f"{self.path} changed after augsynth listed it; run the command again")
        return data


@dataclass(frozen=True)
class Record:
    """One source sample: its position in the source, a stable id, its label (class index or regression target),
    its content (bytes, or an ``InputFile`` read when needed), and optional side-camera views of the same moment as
    (name, content) pairs."""

    index: int
    source_id: str
    label: int | float
    content: bytes | InputFile
    views: tuple[tuple[str, bytes | InputFile], ...] = ()

    @property
    def payload(self) -> bytes:
        """The encoded sample (image file bytes or UTF-8 text); BadInput when its file can no longer be read."""
        return _bytes_of(self.content)

    @property
    def view_payloads(self) -> list[tuple[str, bytes]]:
        return [(name, _bytes_of(view)) for name, view in self.views]

    @property
    def content_hash(self) -> str:
        if isinstance(self.content, InputFile):
            return self.content.sha256
        return hashlib.sha256(self.content).hexdigest()


def _bytes_of(content: bytes | InputFile) -> bytes:
    return content.read() if isinstance(content, InputFile) else content


class SourceSize(NamedTuple):
    """What a source knows of its size at load without reading its samples (None: only reading them would tell)."""

    records: int | None = None
    classes: int | None = None


@dataclass(frozen=True)
class Quarantined:
    """An input left out, why, and at which stage: ``source`` (listing and checking the data, before the split),
    ``train``, ``validation`` or ``test`` (when that split was used)."""

    source_id: str
    reason: str
    stage: str = "source"


@dataclass
class SourceData:
    """All records of a source in a stable order, the class names (none for regression), inputs quarantined, and
    files skipped (the ids of files in no format Pillow opens: not images to decode, so neither used nor quarantined).

    ``listed`` is how many inputs the source saw (files, table rows), counted on its own so that
    ``listed == len(records) + len(quarantined) + len(skipped)`` checks that none was lost; None for sources that
    build their records from nothing else (embedded and rendered data).
    """

    records: list[Record]
    classes: list[str]
    quarantined: list[Quarantined] = field(default_factory=list)
    listed: int | None = None
    skipped: list[str] = field(default_factory=list)

    @property
    def inputs(self) -> int:
        counted = len(self.records) + len(self.quarantined) + len(self.skipped)
        return counted if self.listed is None else self.listed


class DataSource(Protocol):
    """A kind of data source: the part of ``dataset.source`` before the colon (``folder`` in ``folder:PATH``)."""

    default_channels: int  # 1 or 3 for images, 0 for text

    def check(self, arg: str, dataset: DatasetSpec) -> SourceSize:
        """Raise SpecError at load when ``arg`` (after the colon) or the dataset settings cannot work; else what the
        source knows of its size without reading its samples (for the limits)."""

    def load(self, arg: str, dataset: DatasetSpec) -> SourceData:
        """Every record in a stable order, the class names, and what had to be quarantined."""


SOURCES: Registry[DataSource] = Registry("data source")
S = TypeVar("S")


def data_source(kind: str) -> Callable[[type[S]], type[S]]:
    """Class decorator: register an instance of the source class under ``kind``."""

    def register(cls: type[S]) -> type[S]:
        SOURCES.add(kind, cls())
        return cls

    return register


@dataclass(frozen=True)
class ImageFormat:
    """How payloads become arrays: pixel mode, optional resize to (height, width), and the required shape."""

    channels: int
    size_hw: tuple[int, int] | None
    shape: tuple[int, ...] | None = None

    def decode(self, payload: bytes) -> np.ndarray:
        """Decode to uint8 HxW (one channel) or HxWx3 (the first frame of an animated or multi-page file: the frame
        ``Image.open`` stands on); raises BadInput for unreadable, too large (by the size its
        header claims, checked before decoding) or wrongly shaped images."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", Image.DecompressionBombWarning)
                with Image.open(io.BytesIO(payload)) as img:
                    _check_pixels(img.width, img.height)
                    img = img.convert("L" if self.channels == 1 else "RGB")
                    if self.size_hw is not None and img.size != (self.size_hw[1], self.size_hw[0]):
                        img = img.resize((self.size_hw[1], self.size_hw[0]), Image.Resampling.BILINEAR)
                    image = np.asarray(img, dtype=np.uint8).copy()
        except BadInput:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
            raise BadInput(f"image too large: {err}") from None
        except UnidentifiedImageError:
            raise BadInput("unreadable image: not in an image format PIL knows") from None
        except OSError as err:
            raise BadInput(f"unreadable image: {err}") from None
        except Exception as err:  # PIL's decoders raise many kinds of error on malformed bytes
            raise BadInput(f"unreadable image: {type(err).__name__}: {err}") from None
        if self.shape is not None and image.shape != self.shape:
            raise BadInput(
                f"wrong shape {image.shape}, expected {self.shape}; set dataset.image_size to resize every image"
            )
        return image


def read_input(path: Path, root: Path) -> bytes:
    """The bytes of an input file; BadInput when it leads outside ``root`` (a resolved folder) through a symlink or
    ``..``, is missing, is not a regular file, or cannot be read."""
    real = path.resolve()
    if not real.is_relative_to(root):
        raise BadInput(
            f"leads outside the data folder {root} (to {real}); augsynth reads only inside it: copy the "
            "file into the folder"
        )
    if not real.is_file():
        raise BadInput("not a regular file" if real.exists() else f"image file not found: {path}")
    try:
        return real.read_bytes()
    except OSError as err:
        raise BadInput(f"unreadable file: {err.strerror or err}") from None


def _check_pixels(width: int, height: int) -> None:
    if width * height > MAX_PIXELS:
        raise BadInput(
            f"image too large: its header says {width}x{height} = {width * height:,} pixels, more than "
            f"the {MAX_PIXELS:,} augsynth decodes; downscale the file"
        )


@dataclass(frozen=True)
class TextFormat:
    """Payloads are UTF-8 text; undecodable or blank ones are quarantined."""

    shape: None = None

    def decode(self, payload: bytes) -> str:
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError as err:
            raise BadInput(f"not UTF-8 text: {err}") from None
        if not text.strip():
            raise BadInput("empty text")
        return text


def content_key(value: np.ndarray | str) -> str:
    """Content hash of a decoded sample: pixels (whatever their encoding) or whitespace-normalised text."""
    if isinstance(value, str):
        return hashlib.sha256(" ".join(value.split()).encode()).hexdigest()
    return pixel_hash(value)


def encode_png(image: np.ndarray) -> bytes:
    """Lossless, deterministic PNG bytes of a uint8 image (grayscale or RGB). OpenCV at zlib level 1: on 64x64 RGB
    images it took 260 us where PIL at level 6 took 548, for files 7% larger."""
    pixels = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    ok, encoded = cv2.imencode(".png", pixels, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise ValueError(f"OpenCV could not encode an image of shape {image.shape} as PNG")
    return encoded.tobytes()


def pixel_hash(image: np.ndarray) -> str:
    """Content hash of decoded pixels (same image, same hash, whatever its encoding)."""
    digest = hashlib.sha256(str(image.shape).encode())
    digest.update(np.ascontiguousarray(image).tobytes())
    return digest.hexdigest()
