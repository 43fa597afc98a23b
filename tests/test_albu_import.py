"""The albumentations importer: files as 0.4.6, 1.1 and 1.3 wrote them (key layouts copied from those versions'
serialization code), real 2.0.8 files, refusals gathered into one error, and the importer's coverage of 2.0.8."""

from __future__ import annotations

import inspect
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from augsynth.core import offline
from augsynth.core.errors import SpecError
from augsynth.image.albu_import import import_albumentations, read_albumentations

A = offline.albumentations()

# 0.4.6: dotted class paths, always_apply on every leaf, Compose with bbox/keypoint params and additional_targets
V046 = {
    "__version__": "0.4.6",
    "transform": {
        "__class_fullname__": "albumentations.core.composition.Compose",
        "p": 1.0,
        "transforms": [
            {
                "__class_fullname__": "albumentations.augmentations.transforms.ShiftScaleRotate",
                "always_apply": False,
                "p": 0.5,
                "shift_limit": [-0.0625, 0.0625],
                "scale_limit": [-0.09999999999999998, 0.10000000000000009],
                "rotate_limit": [-45, 45],
                "interpolation": 1,
                "border_mode": 4,
                "value": None,
                "mask_value": None,
            },
            {"__class_fullname__": "albumentations.augmentations.transforms.Flip", "always_apply": False, "p": 0.5},
            {
                "__class_fullname__": "albumentations.core.composition.OneOf",
                "p": 0.3,
                "transforms": [
                    {
                        "__class_fullname__": "albumentations.imgaug.transforms.IAAAdditiveGaussianNoise",
                        "always_apply": False,
                        "p": 0.5,
                        "loc": 0,
                        "scale": [2.5500000000000003, 12.75],
                        "per_channel": False,
                    },
                    {
                        "__class_fullname__": "albumentations.augmentations.transforms.GaussNoise",
                        "always_apply": False,
                        "p": 0.5,
                        "var_limit": [10.0, 50.0],
                    },
                    {
                        "__class_fullname__": "albumentations.augmentations.transforms.MotionBlur",
                        "always_apply": False,
                        "p": 0.2,
                        "blur_limit": [3, 7],
                    },
                ],
            },
            {
                "__class_fullname__": "albumentations.augmentations.transforms.Cutout",
                "always_apply": False,
                "p": 0.5,
                "num_holes": 8,
                "max_h_size": 8,
                "max_w_size": 8,
            },
            {
                "__class_fullname__": "albumentations.augmentations.transforms.JpegCompression",
                "always_apply": False,
                "p": 0.5,
                "quality_lower": 80,
                "quality_upper": 100,
            },
            {
                "__class_fullname__": "albumentations.augmentations.transforms.RandomBrightness",
                "always_apply": True,
                "p": 0.5,
                "limit": [-0.2, 0.2],
            },
            {
                "__class_fullname__": "albumentations.imgaug.transforms.IAAAffine",
                "always_apply": False,
                "p": 0.5,
                "scale": [0.9, 1.1],
                "translate_percent": None,
                "translate_px": None,
                "rotate": [-10, 10],
                "shear": 0.0,
                "order": 1,
                "cval": 0,
                "mode": "reflect",
            },
            {
                "__class_fullname__": "albumentations.augmentations.transforms.ElasticTransform",
                "always_apply": False,
                "p": 0.5,
                "alpha": 1,
                "sigma": 50,
                "alpha_affine": 0,
                "interpolation": 1,
                "border_mode": 4,
                "value": None,
                "mask_value": None,
                "approximate": False,
            },
            {
                "__class_fullname__": "albumentations.augmentations.transforms.Downscale",
                "always_apply": False,
                "p": 0.5,
                "scale_min": 0.25,
                "scale_max": 0.5,
                "interpolation": 0,
            },
            {
                "__class_fullname__": "albumentations.augmentations.transforms.Solarize",
                "always_apply": False,
                "p": 0.5,
                "threshold": [128, 128],
            },
            {
                "__class_fullname__": "albumentations.augmentations.transforms.RandomSunFlare",
                "always_apply": False,
                "p": 0.5,
                "flare_roi": [0, 0, 1, 0.5],
                "angle_lower": 0,
                "angle_upper": 1,
                "num_flare_circles_lower": 6,
                "num_flare_circles_upper": 10,
                "src_radius": 400,
                "src_color": [255, 255, 255],
            },
            {
                "__class_fullname__": "albumentations.augmentations.transforms.RandomSizedCrop",
                "always_apply": False,
                "p": 1.0,
                "min_max_height": [24, 32],
                "height": 32,
                "width": 32,
                "w2h_ratio": 1.0,
                "interpolation": 1,
            },
            {
                "__class_fullname__": "albumentations.augmentations.transforms.Normalize",
                "always_apply": False,
                "p": 1.0,
                "mean": [0.485, 0.456, 0.406],
                "std": [0.229, 0.224, 0.225],
                "max_pixel_value": 255.0,
            },
            {"__class_fullname__": "albumentations.pytorch.transforms.ToTensorV2", "always_apply": True, "p": 1.0},
        ],
        "bbox_params": None,
        "keypoint_params": None,
        "additional_targets": {},
    },
}

# 1.1: short names, SomeOf; A.save(..., data_format="yaml") is yaml.safe_dump, keys sorted
V110_YAML = """\
__version__: 1.1.0
transform:
  __class_fullname__: Compose
  additional_targets: {}
  bbox_params: null
  keypoint_params: null
  p: 1.0
  transforms:
  - __class_fullname__: SomeOf
    n: 2
    p: 1.0
    replace: false
    transforms:
    - __class_fullname__: GaussNoise
      always_apply: false
      mean: 0
      p: 0.5
      per_channel: true
      var_limit:
      - 10.0
      - 50.0
    - __class_fullname__: CoarseDropout
      always_apply: false
      fill_value: 0
      mask_fill_value: null
      max_height: 8
      max_holes: 8
      max_width: 8
      min_height: null
      min_holes: null
      min_width: null
      p: 0.5
    - __class_fullname__: Perspective
      always_apply: false
      fit_output: false
      interpolation: 1
      keep_size: true
      mask_pad_val: 0
      p: 0.5
      pad_mode: 0
      pad_val: 0
      scale:
      - 0.05
      - 0.1
  - __class_fullname__: PiecewiseAffine
    absolute_scale: false
    always_apply: false
    cval: 0
    cval_mask: 0
    interpolation: 1
    keypoints_threshold: 0.01
    mask_interpolation: 0
    mode: constant
    nb_cols:
    - 4
    - 4
    nb_rows:
    - 4
    - 4
    p: 0.5
    scale:
    - 0.03
    - 0.05
  - __class_fullname__: ImageCompression
    always_apply: false
    compression_type: 0
    p: 0.5
    quality_lower: 99
    quality_upper: 100
  - __class_fullname__: RandomRain
    always_apply: false
    blur_value: 7
    brightness_coefficient: 0.7
    drop_color:
    - 200
    - 200
    - 200
    drop_length: 20
    drop_width: 1
    p: 0.5
    rain_type: null
    slant_lower: -10
    slant_upper: 10
  - __class_fullname__: GridDropout
    always_apply: false
    holes_number_x: null
    holes_number_y: null
    mask_fill_value: null
    p: 0.5
    random_offset: false
    ratio: 0.5
    shift_x: 0
    shift_y: 0
    unit_size_max: null
    unit_size_min: null
  - __class_fullname__: RandomResizedCrop
    always_apply: false
    height: 32
    interpolation: 1
    p: 1.0
    ratio:
    - 0.75
    - 1.3333333333333333
    scale:
    - 0.08
    - 1.0
    width: 32
"""

# 1.3: is_check_shapes on Compose, Sequential and OneOrOther, ShiftScaleRotate writes shift_limit_x/y and
# rotate_method, Downscale writes its interpolation as a dict
V131 = {
    "__version__": "1.3.1",
    "transform": {
        "__class_fullname__": "Compose",
        "p": 1.0,
        "transforms": [
            {
                "__class_fullname__": "Sequential",
                "p": 0.8,
                "transforms": [
                    {
                        "__class_fullname__": "ShiftScaleRotate",
                        "always_apply": False,
                        "p": 0.5,
                        "shift_limit_x": [-0.1, 0.1],
                        "shift_limit_y": [-0.05, 0.05],
                        "scale_limit": [-0.19999999999999996, 0.19999999999999996],
                        "rotate_limit": [-30, 30],
                        "interpolation": 1,
                        "border_mode": 0,
                        "value": 0,
                        "mask_value": 0,
                        "rotate_method": "largest_box",
                    },
                    {
                        "__class_fullname__": "OneOrOther",
                        "p": 0.5,
                        "transforms": [
                            {
                                "__class_fullname__": "AdvancedBlur",
                                "always_apply": False,
                                "p": 0.5,
                                "blur_limit": [3, 7],
                                "sigmaX_limit": [0.2, 1.0],
                                "sigmaY_limit": [0.2, 1.0],
                                "rotate_limit": [-90, 90],
                                "beta_limit": [0.5, 8.0],
                                "noise_limit": [0.9, 1.1],
                            },
                            {
                                "__class_fullname__": "Downscale",
                                "always_apply": False,
                                "p": 0.5,
                                "scale_min": 0.25,
                                "scale_max": 0.25,
                                "interpolation": {"upscale": 0, "downscale": 0},
                            },
                        ],
                    },
                ],
            },
            {
                "__class_fullname__": "RandomShadow",
                "always_apply": False,
                "p": 0.5,
                "shadow_roi": [0, 0.5, 1, 1],
                "num_shadows_lower": 1,
                "num_shadows_upper": 2,
                "shadow_dimension": 5,
            },
            {
                "__class_fullname__": "RandomGamma",
                "always_apply": False,
                "p": 0.5,
                "gamma_limit": [80, 120],
                "eps": None,
            },
            {"__class_fullname__": "ToFloat", "always_apply": False, "p": 1.0, "max_value": None},
        ],
        "bbox_params": None,
        "keypoint_params": None,
        "additional_targets": {},
        "is_check_shapes": True,
    },
}


def build(entry: dict) -> Any:
    """A translated entry as a 2.0.8 object: leaves with ``strict=True``, compositions with their classes."""
    params = {k: v for k, v in entry.items() if k not in {"op", "transforms"}}
    if "transforms" in entry:
        return getattr(A, entry["op"])(transforms=[build(child) for child in entry["transforms"]], **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cls = getattr(A, entry["op"])
        strict = {"strict": True} if "strict" in inspect.signature(cls.__init__).parameters else {}
        return cls(**params, **strict)


def leaves(entries: list[dict]) -> list[dict]:
    return [leaf for e in entries for leaf in (leaves(e["transforms"]) if "transforms" in e else [e])]


def test_046_file_translates():
    result = import_albumentations(V046, "x.json")
    assert result.version == "0.4.6"
    ops = [e["op"] for e in result.image]
    assert ops == [
        "Affine",
        "OneOf",
        "OneOf",
        "CoarseDropout",
        "ImageCompression",
        "RandomBrightnessContrast",
        "Affine",
        "ElasticTransform",
        "Downscale",
        "Solarize",
        "RandomSunFlare",
        "RandomSizedCrop",
    ]
    affine = result.image[0]
    assert affine["scale"] == [0.9, 1.1] and affine["rotate"] == [-45, 45] and affine["keep_ratio"] is True
    assert affine["translate_percent"] == {"x": [-0.0625, 0.0625], "y": [-0.0625, 0.0625]}
    assert "fill" not in affine and affine["border_mode"] == 4
    assert [c["op"] for c in result.image[1]["transforms"]] == ["HorizontalFlip", "VerticalFlip", "Sequential"]
    noise, gauss, _ = result.image[2]["transforms"]
    assert noise == {"op": "GaussNoise", "p": 0.5, "per_channel": False, "mean_range": [0.0, 0.0],
                     "std_range": [0.01, 0.05]}  # fmt: skip
    assert gauss["std_range"] == [round(np.sqrt(10) / 255, 6), round(np.sqrt(50) / 255, 6)]
    cutout = result.image[3]
    assert cutout["num_holes_range"] == [8, 8] and cutout["hole_height_range"] == [8, 8]
    assert result.image[4] == {
        "op": "ImageCompression",
        "p": 0.5,
        "quality_range": [80, 100],
        "compression_type": "jpeg",
    }
    assert result.image[5] == {"op": "RandomBrightnessContrast", "p": 1.0, "brightness_limit": [-0.2, 0.2],
                               "contrast_limit": 0.0}  # fmt: skip
    iaa = result.image[6]
    assert iaa["border_mode"] == 4 and iaa["interpolation"] == 1 and iaa["fill"] == 0
    assert "alpha_affine" not in result.image[7]
    assert result.image[8]["interpolation_pair"] == {"upscale": 0, "downscale": 0}
    assert result.image[8]["scale_range"] == [0.25, 0.5]
    assert result.image[9]["threshold_range"] == [round(128 / 255, 6)] * 2
    assert result.image[10]["angle_range"] == [0, 1] and result.image[10]["num_flare_circles_range"] == [6, 10]
    assert result.image[11]["size"] == [32, 32]
    assert [e["op"] for e in result.input] == ["Normalize", "ToTensorV2"]
    assert result.input[1]["p"] == 1.0
    notes = "\n".join(result.notes)
    for expected in (
        "ShiftScaleRotate -> Affine (albumentations 0.4.6 name)",
        "dropped always_apply",
        "always_apply: true -> p: 1.0",
        "IAAAffine -> Affine",
        "mode -> border_mode ('reflect' -> 4)",
        "dropped alpha_affine",
        "Flip (removed in 2.0)",
    ):
        assert expected in notes
    for entry in result.image + result.input:
        build(entry)
    json.dumps(result.image)  # plain JSON types only


def test_110_yaml_file_translates(tmp_path: Path):
    path = tmp_path / "pipeline.yaml"
    path.write_text(V110_YAML)
    result = read_albumentations(path)
    assert result.version == "1.1.0" and result.input == []
    some_of = result.image[0]
    assert some_of["op"] == "SomeOf" and some_of["n"] == 2 and some_of["replace"] is False
    gauss, dropout, perspective = some_of["transforms"]
    assert gauss["mean_range"] == [0.0, 0.0] and gauss["per_channel"] is True
    assert dropout["num_holes_range"] == [8, 8] and dropout["hole_width_range"] == [8, 8] and dropout["fill"] == 0
    assert "fill_mask" not in dropout
    assert perspective["border_mode"] == 0 and perspective["fill"] == 0 and perspective["fill_mask"] == 0
    piecewise = result.image[1]
    assert piecewise["border_mode"] == 0 and "keypoints_threshold" not in piecewise
    assert result.image[2]["compression_type"] == "jpeg" and result.image[2]["quality_range"] == [99, 100]
    assert result.image[3]["slant_range"] == [-10, 10]
    assert result.image[4]["shift_xy"] == [0, 0] and result.image[4]["unit_size_range"] is None
    assert result.image[5]["size"] == [32, 32]
    for entry in result.image:
        build(entry)


def test_131_file_translates(tmp_path: Path):
    path = tmp_path / "pipeline.json"
    path.write_text(json.dumps(V131))
    result = read_albumentations(path)
    sequential = result.image[0]
    assert sequential["op"] == "Sequential" and sequential["p"] == 0.8
    affine, one_or_other = sequential["transforms"]
    assert affine["translate_percent"] == {"x": [-0.1, 0.1], "y": [-0.05, 0.05]}
    assert affine["scale"] == [0.8, 1.2] and affine["rotate_method"] == "largest_box" and affine["fill"] == 0
    blur, downscale = one_or_other["transforms"]
    assert blur["sigma_x_limit"] == [0.2, 1.0] and downscale["interpolation_pair"] == {"upscale": 0, "downscale": 0}
    assert result.image[1]["num_shadows_limit"] == [1, 2]
    assert "eps" not in result.image[2]
    assert result.input == [{"op": "ToFloat", "p": 1.0, "max_value": None}]
    assert any("dropped is_check_shapes" in note for note in result.notes)
    for entry in result.image + result.input:
        build(entry)


def test_20_nested_file_round_trips(tmp_path: Path):
    inner = A.SomeOf([A.OneOf([A.Blur(blur_limit=(3, 5)), A.MedianBlur()], p=0.7), A.HueSaturationValue()], n=1)
    compose = A.Compose([A.Sequential([inner, A.Affine(rotate=(-5, 5))], p=0.9), A.HorizontalFlip()])
    path = tmp_path / "pipeline.json"
    A.save(compose, str(path), data_format="json")
    result = read_albumentations(path)
    assert result.version == A.__version__
    rebuilt = A.Compose([build(entry) for entry in result.image])
    assert json.loads(json.dumps(A.to_dict(rebuilt))) == json.loads(path.read_text())
    assert [e["op"] for e in result.image] == ["Sequential", "HorizontalFlip"]


def test_20_yaml_file(tmp_path: Path):
    path = tmp_path / "pipeline.yml"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 2.0 deprecates ShiftScaleRotate, which is why it becomes Affine
        compose = A.Compose([A.RandomCrop(16, 16), A.ShiftScaleRotate(p=1.0)], p=0.5)
    A.save(compose, str(path), data_format="yaml")
    result = read_albumentations(path)
    assert result.image[0]["op"] == "Sequential" and result.image[0]["p"] == 0.5
    assert [e["op"] for e in result.image[0]["transforms"]] == ["RandomCrop", "Affine"]
    assert any("one Sequential with p 0.5" in note for note in result.notes)
    build(result.image[0])


def test_every_untranslatable_part_is_named_in_one_error():
    bad = {
        "__version__": "1.3.1",
        "transform": {
            "__class_fullname__": "Compose",
            "p": 1.0,
            "transforms": [
                {"__class_fullname__": "Lambda", "__name__": "my_fn"},
                {"__class_fullname__": "mymodule.MyAug", "always_apply": False, "p": 0.5},
                {"__class_fullname__": "OpticalDistortion", "always_apply": False, "p": 0.5,
                 "distort_limit": [-0.05, 0.05], "shift_limit": [-0.05, 0.05], "interpolation": 1, "border_mode": 4,
                 "value": None, "mask_value": None},
                {"__class_fullname__": "Blur", "always_apply": False, "p": 0.5, "blur_limit": [3, 7], "sharpness": 2},
                {"__class_fullname__": "OneOf", "p": 0.5, "transforms": [
                    {"__class_fullname__": "Normalize", "always_apply": False, "p": 1.0, "mean": [0.5], "std": [0.5],
                     "max_pixel_value": 255.0}]},
                {"__class_fullname__": "Solarize", "always_apply": False, "p": 0.5, "threshold": [300, 300]},
            ],
            "bbox_params": {"format": "coco", "label_fields": ["labels"], "min_area": 0.0, "min_visibility": 0.0},
            "keypoint_params": None,
            "additional_targets": {},
            "is_check_shapes": True,
        },
    }  # fmt: skip
    with pytest.raises(SpecError) as caught:
        import_albumentations(bad, "bad.json")
    text = str(caught.value)
    assert text.startswith("bad.json: 7 parts cannot be translated")
    for expected in (
        "transform: Compose (parameter 'bbox_params', albumentations 1.3.1)",
        "transform.transforms[0]: Lambda (albumentations 1.3.1): a Lambda runs user code",
        "transform.transforms[1]: mymodule.MyAug (albumentations 1.3.1): not an albumentations class",
        "transform.transforms[2]: OpticalDistortion (parameter 'shift_limit', albumentations 1.3.1): removed in 2.0",
        "transform.transforms[3]: Blur (parameter 'sharpness'",
        "transform.transforms[4].transforms[0]: Normalize (albumentations 1.3.1): Normalize inside a composition",
        "transform.transforms[5]: Solarize (parameter 'threshold_range', albumentations 1.3.1): albumentations 2.0.8 "
        "rejects the translated value",
    ):
        assert expected in text


def test_normalize_in_the_middle_is_refused():
    data = A.to_dict(A.Compose([A.Normalize(), A.HorizontalFlip(), A.ToTensorV2()]))
    with pytest.raises(SpecError, match="Normalize in the middle of the pipeline changes the pixel type") as caught:
        import_albumentations(data, "x.json")
    assert caught.value.path == "x.json: transform.transforms[0]"


def test_input_steps_last_in_any_order_and_bare_transform():
    data = A.to_dict(A.Compose([A.HorizontalFlip(), A.ToFloat(), A.Normalize(), A.ToTensorV2()]))["transform"]
    result = import_albumentations(data, "x.json")
    assert result.version == "unknown" and [e["op"] for e in result.image] == ["HorizontalFlip"]
    assert [e["op"] for e in result.input] == ["ToFloat", "Normalize", "ToTensorV2"]


def test_bad_files_name_the_file(tmp_path: Path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(SpecError, match="broken.json"):
        read_albumentations(path)
    with pytest.raises(SpecError, match=r"\.json, \.yaml or \.yml"):
        read_albumentations(tmp_path / "pipeline.txt")


# The fewest arguments a transform needs where it has no defaults for them
MINIMAL_ARGS: dict[str, Any] = {
    "height": 32,
    "width": 32,
    "size": (32, 32),
    "min_max_height": (16, 32),
    "num_grid_xy": (4, 4),
    "name": "user_function",  # Lambda, which the importer refuses
    "x_max": 16,
    "y_max": 16,
    "max_size": 32,
    "px": 2,
}


def every_transform() -> tuple[dict[str, Any], dict[str, str]]:
    """One default-built instance of every public 2.0.8 transform class, and the classes that could not be built."""
    built, unbuilt = {}, {}
    for name in sorted(dir(A)):
        cls = getattr(A, name)
        if not (isinstance(cls, type) and issubclass(cls, A.BasicTransform)) or inspect.isabstract(cls):
            continue
        if name in {"BasicTransform", "DualTransform", "ImageOnlyTransform", "NoOp", "Transform3D"}:
            continue
        params = inspect.signature(cls.__init__).parameters
        required = {k: MINIMAL_ARGS[k] for k, v in params.items() if v.default is inspect._empty and k in MINIMAL_ARGS}
        for args in (required, {k: v for k, v in MINIMAL_ARGS.items() if k in params}):
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    built[name] = A.to_dict(cls(**args))
                break
            except Exception as error:  # noqa: BLE001 - a class that cannot be built or serialized is listed
                unbuilt[name] = f"{type(error).__name__}: {error}"[:120]
        if name in built:
            unbuilt.pop(name, None)
    return built, unbuilt


def test_every_20_transform_imports(capsys: pytest.CaptureFixture[str]):
    built, unbuilt = every_transform()
    translated, failed = [], {}
    for name, data in built.items():
        try:
            result = import_albumentations(data, name)
            translated.append(name)
            assert result.image or result.input
        except SpecError as error:
            failed[name] = str(error)
    with capsys.disabled():
        print(f"\nalbumentations {A.__version__}: {len(translated)} of {len(built)} built transforms translate "
              f"({len(translated) / len(built):.0%}); not built: {sorted(unbuilt)}")  # fmt: skip
        for name, why in failed.items():
            print(f"  refused {name}: {why.splitlines()[0][:200]}")
    assert len(translated) >= 0.9 * len(built)
    assert all(name in why for name, why in failed.items())  # each refusal names its transform
