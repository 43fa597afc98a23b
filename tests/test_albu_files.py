"""Albumentations files in and out: a spec names an A.save file, model-input steps reach the trainer and the
Dataset, ``export-albu`` writes what ``A.load`` reads back, ``import-albu`` prints or writes the augment section."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import yaml

from augsynth import AugDataset
from augsynth.cli import main
from augsynth.core import offline
from augsynth.core.errors import SpecError
from augsynth.data.arrays import ArrayData
from augsynth.image.albu_export import to_albumentations
from augsynth.image.albu_import import import_albumentations, read_albumentations
from augsynth.image.catalogue import VOLUME_REASON, refusal
from augsynth.image.ops import validate_input_step, validate_op
from augsynth.run import compare
from augsynth.spec.load import load_spec
from augsynth.train.tensors import tensors
from tests.conftest import tiny_spec_dict
from tests.test_albu_import import V046, every_transform

A = offline.albumentations()
NORMALIZE = {"op": "Normalize", "mean": 0.5, "std": 0.5, "max_pixel_value": 255.0}


def _user_pipeline() -> A.Compose:
    """What a user brings: a block, a crop with the resize that restores the size, then the model-input steps."""
    return A.Compose(
        [
            A.OneOf([A.Affine(rotate=(-10, 10), p=1.0), A.GaussianBlur(p=1.0)], p=0.8),
            A.RandomCrop(12, 12, p=1.0),
            A.Resize(16, 16),
            A.Normalize(mean=0.5, std=0.5, max_pixel_value=255.0),
            A.ToTensorV2(),
        ]
    )


def _spec_naming(tmp_path, file_name: str) -> object:
    raw = tiny_spec_dict(tmp_path / "out", augment={"copies": 2, "image": {"albumentations": file_name}})
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(raw))
    return tmp_path / "spec.yaml"


def test_a_spec_names_an_albumentations_file_and_its_input_steps_reach_trainer_and_dataset(tmp_path, dask_client):
    A.save(_user_pipeline(), str(tmp_path / "pipeline.json"))
    spec = load_spec(_spec_naming(tmp_path, "pipeline.json"))
    assert [op["op"] for op in spec.augment.image] == ["OneOf", "RandomCrop", "Resize"]
    assert [step["op"] for step in spec.augment.input] == ["Normalize", "ToTensorV2"]

    item, label = AugDataset.from_spec(spec)[0]
    assert item.dtype == torch.float32 and tuple(item.shape) == (1, 16, 16)
    assert item.min() >= -1 and item.max() <= 1 and item.min() < 0  # normalised, not [0, 1]

    images = np.random.default_rng(0).integers(0, 256, (5, 16, 16), dtype=np.uint8)
    data = ArrayData(images, np.arange(5))
    through_steps, _ = tensors(data, torch.device("cpu"), spec.augment.input)
    default, _ = tensors(data, torch.device("cpu"))  # the trainer's own scaling is the same Normalize
    assert torch.allclose(through_steps, default, atol=1e-6)

    report = compare(spec, tmp_path / "out", client=dask_client, progress=False)
    assert set(report.arms) == {"baseline", "augmented"}
    assert all(np.isfinite(arm.mean) for arm in report.arms.values())


def test_a_file_outside_the_spec_folder_or_with_untranslatable_parts_is_refused(tmp_path):
    (tmp_path / "inner").mkdir()
    with pytest.raises(SpecError) as outside:
        load_spec(_spec_naming(tmp_path / "inner", "../pipeline.json"))
    assert outside.value.path == "augment.image.albumentations"
    bad = {
        "__version__": "1.3.1",
        "transform": {
            "__class_fullname__": "Compose",
            "p": 1.0,
            "transforms": [
                {"__class_fullname__": "mylib.MyAug", "p": 0.5},
                {"__class_fullname__": "ElasticTransform", "p": 0.5, "alpha_affine": 40},
            ],
            "bbox_params": None,
            "keypoint_params": None,
            "additional_targets": {},
        },
    }
    (tmp_path / "bad.json").write_text(json.dumps(bad))
    assert main(["validate", str(_spec_naming(tmp_path, "bad.json"))]) == 2


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_export_albu_writes_what_a_load_reads_back(tmp_path, capsys, suffix):
    ops = [
        {"op": "SomeOf", "n": 2, "transforms": [{"op": "Blur"}, {"op": "ShiftX", "limit_px": 2}, {"op": "Equalize"}]},
        {"op": "Affine", "rotate": [-5, 5], "p": 0.7},
    ]
    raw = tiny_spec_dict(tmp_path / "out", augment={"image": ops, "input": [NORMALIZE]})
    (tmp_path / "spec.yaml").write_text(yaml.safe_dump(raw))
    target = tmp_path / f"exported{suffix}"
    assert main(["export-albu", str(tmp_path / "spec.yaml"), "--out", str(target)]) == 0
    spec = load_spec(tmp_path / "spec.yaml")
    expected = A.to_dict(to_albumentations(spec.augment.image, spec.augment.input))
    assert A.to_dict(A.load(str(target), data_format=suffix[1:])) == expected
    back = read_albumentations(target)  # and augsynth imports its own export to the same pipeline
    assert A.to_dict(to_albumentations(back.image, back.input)) == expected


def test_import_albu_prints_the_augment_section_with_notes_and_writes_a_new_file_only(tmp_path, capsys):
    (tmp_path / "old.json").write_text(json.dumps(V046))  # as albumentations 0.4.6 wrote it
    assert main(["import-albu", str(tmp_path / "old.json")]) == 0
    captured = capsys.readouterr()
    section = yaml.safe_load(captured.out)["augment"]
    assert section["image"][0]["op"] == "Affine"
    assert len(section["image"]) + len(section.get("input", [])) == len(V046["transform"]["transforms"])
    assert "ShiftScaleRotate -> Affine" in captured.err
    for i, op in enumerate(section["image"]):  # every printed entry is a valid augsynth op
        assert validate_op(op, f"augment.image[{i}]", 1024)["op"] == op["op"]
    target = tmp_path / "augment.yaml"
    assert main(["import-albu", str(tmp_path / "old.json"), "--out", str(target)]) == 0
    assert yaml.safe_load(target.read_text()) == {"augment": section}
    assert main(["import-albu", str(tmp_path / "old.json"), "--out", str(target)]) == 2  # never overwrites


def test_one_of_every_albumentations_transform_imports_with_nine_in_ten_image_transforms_kept(capsys):
    """The 2.0 test-suite style: each transform built and serialized by albumentations itself, then imported and
    checked as a spec entry; what is not kept is refused by name (volumes are not image transforms)."""
    built, _ = every_transform()
    kept, refused = [], {}
    for name, data in built.items():
        try:
            imported = import_albumentations(data, name)
            for entry in imported.image:
                validate_op(entry, "augment.image[0]", 1e9)
            for entry in imported.input:
                validate_input_step(entry, "augment.input[0]", 1e9)
            kept.append(name)
        except SpecError as err:
            assert name in str(err)
            refused[name] = str(err)
    images = [name for name in built if refusal(name) != VOLUME_REASON]
    with capsys.disabled():
        print(f"\nkept {len(kept)} of {len(built)} transforms, {len(kept)} of {len(images)} image transforms")
    assert len(kept) >= 0.9 * len(images)
    assert set(kept) | set(refused) == set(built)
