"""Every albumentations transform is an op, a model-input step or refused with a reason; compositions nest, carry
the label rules of the ops inside them and record which branch ran; the size check follows every path."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from PIL import Image

from augsynth.core import offline
from augsynth.core.errors import DataError, SpecError
from augsynth.image import references
from augsynth.image.catalogue import (
    IMAGE_OPS,
    INPUT_STEPS,
    REFERENCE_OPS,
    VOLUME_REASON,
    _exported_transforms,
    refusal,
)
from augsynth.image.ops import validate_op
from augsynth.image.pipeline import Pipeline
from augsynth.spec.load import parse_spec
from tests.conftest import expect_spec_error, tiny_spec_dict
from tests.test_labels import STEERING, road_spec

A = offline.albumentations()
# The least each transform needs to be built: sizes for crops and resizes, a grid for GridElasticDeform.
REQUIRED = {
    "height": 48,
    "width": 48,
    "size": (48, 48),
    "max_size": 48,
    "min_height": 64,
    "min_width": 64,
    "x_max": 40,
    "y_max": 40,
    "crop_height": 48,
    "crop_width": 48,
    "min_max_height": (30, 50),
    "num_grid_xy": (4, 4),
    "magnitude": 5,
    "px": 4,
}
NESTED = {
    "op": "OneOf",
    "p": 1.0,
    "transforms": [
        {"op": "HorizontalFlip", "p": 1.0},
        {
            "op": "SomeOf",
            "n": 2,
            "transforms": [
                {"op": "GaussianBlur", "p": 1.0},
                {"op": "Sequential", "p": 1.0, "transforms": [{"op": "RandomGamma", "p": 1.0}]},
                {"op": "Sharpen", "p": 1.0},
            ],
        },
    ],
}


def _minimal(name: str) -> dict:
    parameters = inspect.signature(_exported_transforms()[name].__init__).parameters
    return {"op": name, "p": 1.0, **{k: v for k, v in REQUIRED.items() if k in parameters}}


def test_every_albumentations_transform_is_an_op_an_input_step_or_refused_with_a_reason():
    names = _exported_transforms()
    for name in names:
        assert (name in IMAGE_OPS) + (name in INPUT_STEPS) + (name not in IMAGE_OPS and name not in INPUT_STEPS) == 1
        if name not in IMAGE_OPS:
            assert refusal(name), name
    two_d = [name for name in names if refusal(name) != VOLUME_REASON]
    kept = [name for name in two_d if name in IMAGE_OPS or name in INPUT_STEPS]
    # 2.0.8: 100 of the 111 image (not volume) transforms; the rest need masks, boxes, other images' labels or code
    assert len(kept) / len(two_d) >= 0.9, sorted(set(two_d) - set(kept))


@pytest.fixture(scope="module")
def reference_folder(tmp_path_factory):
    """Two reference images for the domain-adaptation ops."""
    folder = tmp_path_factory.mktemp("references")
    rng = np.random.default_rng(5)
    for name, size in (("a.png", (40, 56)), ("b.png", (64, 64))):
        Image.fromarray(rng.integers(0, 256, (*size, 3), dtype=np.uint8)).save(folder / name)
    return folder


@pytest.mark.parametrize("name", [name for name in IMAGE_OPS.names() if name != "ShiftX"])
def test_every_accepted_op_runs_on_an_rgb_image_and_keeps_8_bit_pixels(name, reference_folder):
    image = np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    entry = _minimal(name) | ({"reference_images": ["a.png", "b.png"]} if name in REFERENCE_OPS else {})
    pipeline = Pipeline([validate_op(entry, "augment.image[0]", 1024, [reference_folder])], seed=0)
    out = pipeline.apply(image, 0, 0, 1)
    assert out.image.dtype == np.uint8 and out.image.ndim == 3, (name, out.image.dtype, out.image.shape)
    assert [op["op"] for op in out.ops] == [name]  # it ran (p = 1)


def test_reference_images_are_checked_at_load_and_a_changed_file_is_refused(reference_folder, tmp_path):
    fda = {"op": "FDA", "p": 1.0}
    for entry, path, words in [
        (fda, "augment.image[0].reference_images", ["FDA needs reference_images"]),
        ({**fda, "reference_images": ["../x.png"]}, "augment.image[0].reference_images[0]", ["outside"]),
        ({**fda, "reference_images": ["spec.yaml"]}, "augment.image[0].reference_images[0]", ["not a readable"]),
    ]:
        (reference_folder / "spec.yaml").write_text("not an image")
        with pytest.raises(SpecError) as info:
            parse_spec(tiny_spec_dict(augment={"image": [entry]}), reference_folder)
        assert info.value.path == path and all(word in str(info.value) for word in words), str(info.value)
    changing = tmp_path / "c.png"
    Image.fromarray(np.zeros((8, 8, 3), dtype=np.uint8)).save(changing)
    spec = parse_spec(tiny_spec_dict(augment={"image": [{**fda, "reference_images": ["c.png"]}]}), tmp_path)
    assert spec.augment.image[0]["reference_images"] == [str(changing.resolve())]
    Image.fromarray(np.full((8, 8, 3), 255, dtype=np.uint8)).save(changing)
    references._loaded.cache_clear()  # as in a worker process, which reads the files itself
    with pytest.raises(DataError, match="changed since the spec was loaded"):
        Pipeline.from_spec(spec).apply(np.zeros((16, 16), dtype=np.uint8), 0, 0, 1)


@pytest.mark.parametrize(
    ("op", "words"),
    [
        ({"op": "Normalize"}, ["Normalize is not applied", "model-input step", "augment.input"]),
        ({"op": "MaskDropout"}, ["MaskDropout is not applied", "a mask"]),
        ({"op": "CenterCrop3D", "size": [4, 4, 4]}, ["3-D volumes"]),
        ({"op": "Lambda"}, ["arbitrary Python"]),
    ],
)
def test_refused_transforms_say_why(op, words):
    expect_spec_error(tiny_spec_dict(augment={"image": [op]}), "augment.image[0].op", words)


def test_nested_blocks_load_and_record_which_branch_ran():
    spec = parse_spec(tiny_spec_dict(augment={"image": [NESTED]}))
    pipeline = Pipeline.from_spec(spec)
    image = np.random.default_rng(1).integers(0, 256, (16, 16), dtype=np.uint8)
    seen = set()
    for copy in range(12):
        first, again = (pipeline.apply(image, 3, 0, copy) for _ in range(2))
        assert np.array_equal(first.image, again.image) and first.ops_json == again.ops_json
        ops = first.ops
        if ops[0]["op"] == "HorizontalFlip":
            assert ops == [{"op": "HorizontalFlip", "at": [0, 0], **{k: v for k, v in ops[0].items() if k != "at"}}]
        else:
            assert len(ops) == 2 and all(op["at"][:2] == [0, 1] for op in ops)
        seen |= {tuple(op["at"]) for op in ops}
    assert {(0, 0), (0, 1, 0), (0, 1, 1, 0), (0, 1, 2)} <= seen  # every branch ran in 12 copies


def test_a_rule_refusal_inside_a_block_names_the_nested_path(tmp_path):
    block = {"op": "OneOf", "transforms": [{"op": "HorizontalFlip"}, {"op": "Rotate", "limit": 10}]}
    expect_spec_error(road_spec(tmp_path, [block]), "augment.image[0].transforms[1].op", ["Rotate", "steering_angle"])
    parse_spec(road_spec(tmp_path, [{**block, "label_invariant": True}]))  # a block can be declared invariant


def test_label_rules_follow_the_branch_that_ran_even_for_two_ops_of_one_class():
    shift = {"op": "Affine", "translate_px": {"x": [-6, 6], "y": 0}, "p": 1.0}
    zoom = {"op": "Affine", "scale": [0.9, 1.1], "label_invariant": True, "p": 1.0}
    pipeline = Pipeline([{"op": "OneOf", "p": 1.0, "transforms": [shift, zoom]}], seed=0, target=STEERING)
    image = np.random.default_rng(2).integers(0, 256, (48, 128, 3), dtype=np.uint8)
    branches = set()
    for copy in range(16):
        out = pipeline.apply(image, 0.1, 0, copy)
        (op,) = out.ops
        branches.add(tuple(op["at"]))
        dx = op["matrix"][0][2]
        expected = 0.1 + 0.015 * dx if op["at"] == [0, 0] else 0.1
        assert out.label == pytest.approx(expected), (op["at"], dx)
    assert branches == {(0, 0), (0, 1)}


@pytest.mark.parametrize(
    "ops",
    [
        [{"op": "RandomCrop", "height": 12, "width": 12, "p": 1.0}, {"op": "Resize", "height": 16, "width": 16}],
        [{"op": "RandomScale", "scale_limit": 0.3, "p": 0.5}, {"op": "Resize", "height": 16, "width": 16}],
        [
            {"op": "CenterCrop", "height": 10, "width": 10, "p": 0.5},
            {"op": "LongestMaxSize", "max_size": 16},
            {"op": "PadIfNeeded", "min_height": 16, "min_width": 16},
        ],
        [
            {
                "op": "Sequential",
                "p": 0.3,
                "transforms": [
                    {"op": "RandomCrop", "height": 8, "width": 8},
                    {"op": "Resize", "height": 16, "width": 16},
                ],
            }
        ],
    ],
)
def test_a_crop_followed_by_a_resize_back_to_the_dataset_size_is_accepted(ops):
    parse_spec(tiny_spec_dict(augment={"image": ops}))


@pytest.mark.parametrize(
    ("ops", "words"),
    [
        (
            [{"op": "RandomCrop", "height": 12, "width": 12}, {"op": "Resize", "height": 16, "width": 16, "p": 0.5}],
            ["can turn (16, 16) images into (12, 12)"],
        ),
        (
            [{"op": "OneOf", "transforms": [{"op": "RandomCrop", "height": 12, "width": 12}, {"op": "Blur"}]}],
            ["(12, 12)"],
        ),
        ([{"op": "RandomScale", "scale_limit": 0.3, "p": 1.0}], ["can turn (16, 16) images into"]),
    ],
)
def test_a_path_through_the_ops_that_changes_the_size_is_refused(ops, words):
    expect_spec_error(tiny_spec_dict(augment={"image": ops}), "augment.image", words)


@pytest.mark.parametrize(
    ("block", "path", "words"),
    [
        ({"op": "OneOf"}, "augment.image[0].transforms", ["non-empty list"]),
        ({"op": "OneOf", "transforms": [{"op": "Blurr"}]}, "augment.image[0].transforms[0].op", ["did you mean"]),
        ({"op": "SomeOf", "n": 3, "transforms": [{"op": "Blur"}]}, "augment.image[0].n", ["n=3 of 1"]),
        ({"op": "OneOf", "chance": 1, "transforms": [{"op": "Blur"}]}, "augment.image[0].chance", ["no parameter"]),
        ({"op": "OneOrOther", "transforms": [{"op": "Blur"}]}, "augment.image[0].transforms", ["exactly 2"]),
    ],
)
def test_composition_mistakes_are_named(block, path, words):
    expect_spec_error(tiny_spec_dict(augment={"image": [block]}), path, words)
