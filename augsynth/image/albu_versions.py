"""What changed in albumentations' serialized transforms between 0.4.6 and 2.0.8, as tables the importer reads:
the per-class rules (renamed classes, converted or removed parameters) and the parameter renames many classes share.

Sources: the ``__init__`` signatures and ``get_transform_init_args(_names)`` of albumentations 0.4.6, 1.1.0 and 1.3.1
against 2.0.8's signatures and InitSchemas."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

PIXEL_MAX = 255.0  # old noise and threshold parameters were in uint8 pixel units; 2.0 takes fractions of the max

# A parameter one old class wrote under another name, renamed wherever the 2.0 class lacks the old name and has the new
SHARED_RENAMES: Mapping[str, str] = {
    "value": "fill",
    "cval": "fill",
    "fill_value": "fill",
    "image_fill_value": "fill",
    "pad_val": "fill",
    "pad_cval": "fill",
    "mask_value": "fill_mask",
    "cval_mask": "fill_mask",
    "mask_fill_value": "fill_mask",
    "mask_pad_val": "fill_mask",
    "pad_cval_mask": "fill_mask",
    "mode": "border_mode",
    "pad_mode": "border_mode",
    "order": "interpolation",
}
# Old pairs of scalars (``fog_coef_lower``/``fog_coef_upper``) that 2.0 takes as one range (``fog_coef_range``)
PAIR_SUFFIXES: tuple[tuple[str, str], ...] = (("_lower", "_upper"), ("_min", "_max"), ("_x", "_y"))
RANGE_SUFFIXES: tuple[str, ...] = ("_range", "_limit", "_xy")

# imgaug / scikit-image spellings (IAA* transforms, 1.x PiecewiseAffine) -> OpenCV flags that 2.0 takes
SKIMAGE_BORDER_MODES: Mapping[str, int] = {"constant": 0, "edge": 1, "symmetric": 2, "wrap": 3, "reflect": 4}
SKIMAGE_ORDERS: Mapping[int, int] = {0: 0, 1: 1, 3: 2}  # spline order -> INTER_NEAREST, INTER_LINEAR, INTER_CUBIC
COMPRESSION_TYPES: Mapping[int, str] = {0: "jpeg", 1: "webp"}  # the ImageCompressionType enum values 1.x wrote

ANY_VALUE = "any"  # a removed parameter that has no effect on images whatever its value


class Log(Protocol):
    """Where a converter records what it did (``note``) and what it could not translate (``refuse``)."""

    def note(self, text: str) -> None: ...

    def refuse(self, param: str, why: str) -> None: ...


Converter = Callable[[dict[str, Any], Log], dict[str, Any]]


@dataclass(frozen=True)
class Rule:
    """How one old class becomes a 2.0 one: its 2.0 name, parameter renames, a converter for the rest, and the
    parameters 2.0 removed with the values at which dropping them changes nothing."""

    target: str | None = None  # None: the same name
    renames: Mapping[str, str] = field(default_factory=dict)
    convert: Converter | None = None
    removed: Mapping[str, tuple[Any, ...] | str] = field(default_factory=dict)
    before: tuple[int, ...] | None = None  # convert only files written before this version (same keys, new meaning)
    nulls: tuple[str, ...] = ()  # parameters whose old default None is 2.0's default under another value


def span(value: Any, symmetric: bool = True) -> list[Any]:
    """A range as 2.0 writes it: ``[a, b]`` kept, a scalar ``v`` as ``[-v, v]`` (or ``[v, v]``)."""
    if isinstance(value, list | tuple):
        return list(value)
    return [-value, value] if symmetric else [value, value]


def _pixels_to_fraction(values: list[float]) -> list[float]:
    return [round(v / PIXEL_MAX, 6) for v in values]


def _take_range(params: dict[str, Any], low: str, high: str) -> list[Any]:
    """``[low, high]`` of an old min/max pair, where a missing or None ``low`` meant ``low = high``."""
    top = params.pop(high)
    bottom = params.pop(low, None)
    return [top if bottom is None else bottom, top]


def _shift_scale_rotate(params: dict[str, Any], log: Log) -> dict[str, Any]:
    shift = params.pop("shift_limit", 0.0)
    x, y = params.pop("shift_limit_x", None), params.pop("shift_limit_y", None)
    params["translate_percent"] = {"x": span(shift if x is None else x), "y": span(shift if y is None else y)}
    if "scale_limit" in params:
        params["scale"] = [round(1 + v, 10) for v in span(params.pop("scale_limit"))]
    params["keep_ratio"] = True
    if "rotate_limit" in params:
        params["rotate"] = span(params.pop("rotate_limit"))
    log.note(
        "shift_limit(_x/_y) -> translate_percent, scale_limit -> scale (1 + limit, keep_ratio: true), "
        "rotate_limit -> rotate (2.0 still has ShiftScaleRotate, deprecated in favour of Affine)"
    )
    return params


def _holes(params: dict[str, Any], log: Log) -> dict[str, Any]:
    """Cutout (num_holes, max_h_size, max_w_size) and 1.x CoarseDropout (min/max holes, heights, widths)."""
    if "num_holes" in params:
        params["num_holes_range"] = span(params.pop("num_holes"), symmetric=False)
    if "max_h_size" in params:
        params["hole_height_range"] = span(params.pop("max_h_size"), symmetric=False)
    if "max_w_size" in params:
        params["hole_width_range"] = span(params.pop("max_w_size"), symmetric=False)
    for old, new in (("holes", "num_holes_range"), ("height", "hole_height_range"), ("width", "hole_width_range")):
        if f"max_{old}" in params:
            params[new] = _take_range(params, f"min_{old}", f"max_{old}")
    log.note("hole counts and sizes -> num_holes_range, hole_height_range, hole_width_range (ints are pixels)")
    return params


def _gauss_noise(params: dict[str, Any], log: Log) -> dict[str, Any]:
    """``var_limit`` (variance, pixel units squared) and ``mean`` (pixels) -> fractions of the max value."""
    if "var_limit" in params:
        variances = span(params.pop("var_limit"), symmetric=False)
        if any(v < 0 for v in variances):
            log.refuse("var_limit", f"a variance is negative: {variances}")
        else:
            params["std_range"] = _pixels_to_fraction([math.sqrt(v) for v in variances])
            log.note("var_limit -> std_range = sqrt(variance) / 255 (assumes uint8 images)")
    if "mean" in params:
        params["mean_range"] = _pixels_to_fraction(span(params.pop("mean"), symmetric=False))
        log.note("mean -> mean_range = mean / 255 (assumes uint8 images)")
    return params


def _iaa_noise(params: dict[str, Any], log: Log) -> dict[str, Any]:
    """imgaug's AdditiveGaussianNoise: ``loc`` and ``scale`` (standard deviation), in pixel units."""
    if "loc" in params:
        params["mean_range"] = _pixels_to_fraction(span(params.pop("loc"), symmetric=False))
    if "scale" in params:
        params["std_range"] = _pixels_to_fraction(span(params.pop("scale"), symmetric=False))
    log.note("loc, scale (pixels) -> mean_range, std_range (/ 255, assumes uint8 images)")
    return params


def _compression(params: dict[str, Any], log: Log) -> dict[str, Any]:
    kind = params.get("compression_type")
    if isinstance(kind, int):
        if kind in COMPRESSION_TYPES:
            params["compression_type"] = COMPRESSION_TYPES[kind]
            log.note(f"compression_type {kind} -> '{COMPRESSION_TYPES[kind]}'")
        else:
            log.refuse("compression_type", f"{kind} is none of the 1.x ImageCompressionType values {COMPRESSION_TYPES}")
    return params


def _jpeg(params: dict[str, Any], log: Log) -> dict[str, Any]:
    params["compression_type"] = "jpeg"
    return params


def _size(params: dict[str, Any], log: Log) -> dict[str, Any]:
    if "height" in params and "width" in params:
        params["size"] = [params.pop("height"), params.pop("width")]
        log.note("height, width -> size")
    return params


def _brightness(params: dict[str, Any], log: Log) -> dict[str, Any]:
    params["brightness_limit"], params["contrast_limit"] = params.pop("limit", 0.2), 0.0
    log.note("limit -> brightness_limit, contrast_limit: 0")
    return params


def _contrast(params: dict[str, Any], log: Log) -> dict[str, Any]:
    params["contrast_limit"], params["brightness_limit"] = params.pop("limit", 0.2), 0.0
    log.note("limit -> contrast_limit, brightness_limit: 0")
    return params


def _solarize(params: dict[str, Any], log: Log) -> dict[str, Any]:
    if "threshold" in params:
        params["threshold_range"] = _pixels_to_fraction(span(params.pop("threshold"), symmetric=False))
        log.note("threshold (pixels) -> threshold_range = threshold / 255 (assumes uint8 images)")
    return params


def _downscale(params: dict[str, Any], log: Log) -> dict[str, Any]:
    flag = params.pop("interpolation", None)
    if isinstance(flag, int):
        params["interpolation_pair"] = {"upscale": flag, "downscale": flag}
    elif isinstance(flag, dict):
        params["interpolation_pair"] = flag
    if flag is not None:
        log.note("interpolation -> interpolation_pair")
    return params


def _skimage_orders(params: dict[str, Any], log: Log) -> dict[str, Any]:
    """1.x PiecewiseAffine took scikit-image spline orders as ``interpolation``; 2.0 takes OpenCV flags."""
    for name in ("interpolation", "mask_interpolation"):
        if name in params:
            if params[name] in SKIMAGE_ORDERS:
                params[name] = SKIMAGE_ORDERS[params[name]]
            else:
                log.refuse(name, f"spline order {params[name]} has no OpenCV flag (known: {sorted(SKIMAGE_ORDERS)})")
    return params


def flip_entry(p: float | None) -> dict[str, Any]:
    """1.x ``Flip``: one of horizontal, vertical or both flips, each a third of the time."""
    both = {
        "op": "Sequential",
        "p": 1.0,
        "transforms": [{"op": "HorizontalFlip", "p": 1.0}, {"op": "VerticalFlip", "p": 1.0}],
    }
    choices = [{"op": "HorizontalFlip", "p": 1.0}, {"op": "VerticalFlip", "p": 1.0}, both]
    return {"op": "OneOf", "transforms": choices, **({} if p is None else {"p": p})}


RULES: Mapping[str, Rule] = {
    "ShiftScaleRotate": Rule("Affine", convert=_shift_scale_rotate),
    "Cutout": Rule("CoarseDropout", convert=_holes),
    "CoarseDropout": Rule(convert=_holes),
    "GaussNoise": Rule(convert=_gauss_noise),
    "JpegCompression": Rule("ImageCompression", convert=_jpeg),
    "ImageCompression": Rule(convert=_compression),
    "RandomSizedCrop": Rule(convert=_size),
    "RandomResizedCrop": Rule(convert=_size),
    "RandomBrightness": Rule("RandomBrightnessContrast", convert=_brightness),
    "RandomContrast": Rule("RandomBrightnessContrast", convert=_contrast),
    "Solarize": Rule(convert=_solarize),
    "Downscale": Rule(convert=_downscale),
    "AdvancedBlur": Rule(renames={"sigmaX_limit": "sigma_x_limit", "sigmaY_limit": "sigma_y_limit"}),
    "ElasticTransform": Rule(removed={"alpha_affine": (0, 0.0, [0, 0], [0.0, 0.0])}),
    "OpticalDistortion": Rule(removed={"shift_limit": (0, 0.0, [0, 0], [0.0, 0.0])}),
    "RandomGamma": Rule(removed={"eps": (None,)}),
    "RandomRain": Rule(nulls=("rain_type",)),
    "PiecewiseAffine": Rule(convert=_skimage_orders, removed={"keypoints_threshold": ANY_VALUE}, before=(2,)),
    "IAAAdditiveGaussianNoise": Rule("GaussNoise", convert=_iaa_noise),
    "IAAAffine": Rule("Affine"),
    "IAAPerspective": Rule("Perspective"),
    "IAASharpen": Rule("Sharpen"),
    "IAAEmboss": Rule("Emboss"),
    "IAAPiecewiseAffine": Rule("PiecewiseAffine"),
    "IAASuperpixels": Rule("Superpixels"),
    "IAAFliplr": Rule("HorizontalFlip"),
    "IAAFlipud": Rule("VerticalFlip"),
    "IAACropAndPad": Rule("CropAndPad"),
}

# Classes with no 2.0 translation, and why
REFUSED: Mapping[str, str] = {
    "Lambda": "a Lambda runs user code, which a file does not carry",
    "TemplateTransform": "its templates are images, which a file does not carry",
    "ToTensor": "removed in albumentations 1.0 (it scaled and could apply a sigmoid): use Normalize + ToTensorV2",
}
