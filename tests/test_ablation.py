"""Per-entry ablation arms and the automatic-policy reference arms: their pipelines, expansions and report lines."""

from __future__ import annotations

import json

import numpy as np
import pytest

from augsynth import compare, expand
from augsynth.core.errors import SpecError
from augsynth.data.shards import read_shards
from augsynth.image.catalogue import IMAGE_OPS
from augsynth.image.labels import rule_for
from augsynth.image.ops import build_transform, leaves
from augsynth.image.policies import CANDIDATES, POLICIES, policy_ops, policy_table
from augsynth.spec.load import parse_spec
from augsynth.spec.schema import Target
from augsynth.train.arms import arm
from augsynth.train.arms.derived import arm_dir
from tests.conftest import REPO_ROOT, TINY_OPS, expect_spec_error, tiny_spec_dict
from tests.test_labels import road_spec
from tests.test_text import text_spec

THREE_OPS = [*TINY_OPS, {"op": "Affine", "scale": [0.9, 1.1], "p": 1.0}]  # names GaussNoise, Affine, Affine#2
ARMS = ["baseline", "augmented", *POLICIES]


def _ops_column(folder) -> list[list[str]]:
    """The op names each copy row of an expansion's shards records, in order."""
    table = read_shards(folder, columns=["origin", "ops"])
    rows = table.to_pylist()
    return [[op["op"] for op in json.loads(row["ops"])] for row in rows if row["origin"] != "original"]


@pytest.fixture(scope="module")
def ablation_run(tmp_path_factory):
    """A tiny real run: 2 replicates, the ablation of three entries and the three policy arms."""
    out = tmp_path_factory.mktemp("ablation") / "out"
    raw = tiny_spec_dict(
        out, augment={"image": THREE_OPS}, train={"arms": ARMS, "ablation": True, "steps": 20, "eval_every": 10}
    )
    spec = parse_spec(raw)
    return spec, out, compare(spec, out, workers=2, progress=False)


def test_an_ablation_arm_per_entry_whose_copies_leave_out_exactly_that_entry(ablation_run):
    spec, out, report = ablation_run
    names = ["GaussNoise", "Affine", "Affine#2"]
    assert [c.entry for c in sorted(report.ablation, key=lambda c: names.index(c.entry))] == names
    for index, name in enumerate(names):
        without = f"augmented-without:{name}"
        kept = [op for i, op in enumerate(spec.augment.image) if i != index]
        for replicate in (out, out / "replicates" / "r1"):
            folder = arm_dir(replicate, without)
            stamp = json.loads((folder / "expansion.json").read_text())
            assert (
                stamp["spec"]["augment"]["image"] == kept
                and stamp["spec"]["seed"] == (json.loads((replicate / "expansion.json").read_text())["spec"]["seed"])
            )
            rows = _ops_column(folder)
            assert rows and all(ops == [op["op"] for op in kept] for ops in rows)  # every op has p=1
        assert without in report.arms and without in report.gain


def test_the_report_ranks_the_entries_and_compares_the_policies(ablation_run):
    _, out, report = ablation_run
    assert [c.mean for c in report.ablation] == sorted((c.mean for c in report.ablation), reverse=True)
    assert all(c.ci95 is not None and c.n == 2 for c in report.ablation)
    assert set(report.policies) == set(POLICIES) and all(g.ci95 is not None for g in report.policies.values())
    for policy in POLICIES:
        assert report.policies[policy].mean == pytest.approx(
            np.mean(np.subtract(report.arms["augmented"].runs, report.arms[policy].runs))
        )
        assert (out / "arms" / policy / "manifest.parquet").exists()
    text = (out / "report.md").read_text()
    assert "## Ablation" in text and "## Policies" in text
    for c in report.ablation:
        assert f"- {c.entry}: {100 * c.mean:+.1f} [{100 * c.ci95[0]:+.1f}, {100 * c.ci95[1]:+.1f}]" in text
    assert "- augmented − randaugment: " in text and "your pipeline" in text
    assert "| trivialaugment |" in text and "| augmented-without:Affine#2 |" in text
    saved = json.loads((out / "report.json").read_text())
    assert len(saved["ablation"]) == 3 and set(saved["policies"]) == set(POLICIES)


def test_a_rerun_resumes_every_derived_expansion(ablation_run, dask_client):
    spec, out, _ = ablation_run
    folder = arm_dir(out, "augmented-without:Affine")
    again = expand(
        arm(spec.train.arms[-1]).expansion(spec), out / "arms" / "augmix", client=dask_client, progress=False
    )
    assert again.shards_skipped == again.shards
    assert (folder / "manifest.parquet").exists()


def test_policies_on_gray_digits_run_on_one_channel_only(tmp_path):
    spec = parse_spec(tiny_spec_dict(tmp_path / "out", train={"arms": ARMS}))
    blank = np.zeros((16, 16), dtype=np.uint8)
    for policy in POLICIES:
        ops = arm(policy).pipeline(spec)
        names = {leaf.entry["op"] for leaf in leaves(ops)}
        assert "HueSaturationValue" not in names and "Affine" in names
        for leaf in leaves(ops):
            assert build_transform({**leaf.entry, "p": 1.0})(image=blank)["image"].shape == blank.shape


def test_policies_on_rgb_images_keep_the_colour_op():
    for policy in ("trivialaugment", "randaugment"):
        names = {leaf.entry["op"] for leaf in leaves(policy_ops(policy, Target(None, None), (16, 16, 3)))}
        assert "HueSaturationValue" in names
    augmix = {leaf.entry["op"] for leaf in leaves(policy_ops("augmix", Target(None, None), (16, 16, 3)))}
    assert augmix.isdisjoint({"HueSaturationValue", "RandomBrightnessContrast", "Sharpen"})


def test_policies_on_a_steering_target_leave_out_the_ops_its_label_rules_refuse(tmp_path):
    ops = [{"op": "RandomBrightnessContrast", "p": 0.5}]
    spec = parse_spec(road_spec(tmp_path, ops) | {"train": {**road_spec(tmp_path, ops)["train"], "arms": ARMS}})
    for policy in POLICIES:
        found = [leaf.entry for leaf in leaves(arm(policy).pipeline(spec))]
        geometric = [e for e in found if IMAGE_OPS.get(e["op"]).effect == "geometric"]
        assert len(found) > len(geometric)  # the pixel-level ops stay
        # only the shift along x, which the steering label follows (shift_gain); no rotation, no shear
        assert geometric and all(set(e) == {"op", "p", "translate_percent"} for e in geometric)
    for refused in ({"op": "Affine", "rotate": [-30, 30]}, {"op": "Affine", "shear": {"x": [-17, 17], "y": [0, 0]}}):
        with pytest.raises(SpecError, match="no rule"):
            rule_for(refused, spec.target, "x")


def test_randaugment_takes_n_and_m_from_the_spec(tmp_path):
    spec = parse_spec(tiny_spec_dict(tmp_path / "out", train={"arms": ARMS, "randaugment": {"n": 3, "m": 15}}))
    (block,) = arm("randaugment").pipeline(spec)
    assert block["op"] == "SomeOf" and block["n"] == 3
    rotate = next(t for t in block["transforms"] if t["op"] == "OneOf" and "rotate" in t["transforms"][0])
    assert [t["rotate"] for t in rotate["transforms"]] == [[15.0, 15.0], [-15.0, -15.0]]  # 15 of 30 of ±30°


def test_the_ablation_needs_two_entries_and_the_augmented_arm(tmp_path):
    out = tmp_path / "out"
    one = tiny_spec_dict(out, augment={"image": TINY_OPS[:1]}, train={"ablation": True})
    expect_spec_error(one, "train.ablation", ["at least two entries"])
    lacking = tiny_spec_dict(out, train={"ablation": True, "arms": ["baseline"]})
    expect_spec_error(lacking, "train.ablation", ["'augmented'"])
    expect_spec_error(
        tiny_spec_dict(out, train={"arms": ["baseline", "augmented-without"]}), "train.arms", ["ablation"]
    )


def test_leaving_out_an_entry_must_still_keep_the_image_size(tmp_path):
    crop = [{"op": "RandomCrop", "height": 12, "width": 12}, {"op": "Resize", "height": 16, "width": 16, "p": 1.0}]
    raw = tiny_spec_dict(tmp_path / "out", augment={"image": crop}, train={"ablation": True})
    expect_spec_error(raw, "augment.image", ["keep the dataset's image size"])


def test_the_ablation_of_text_ops(tmp_path, dask_client):
    ops = [{"op": "RandomWordAug", "action": "swap", "aug_p": 0.3}, {"op": "SpellingAug", "aug_p": 0.3}]
    spec = parse_spec(text_spec(tmp_path, ops, train={"ablation": True}))
    report = compare(spec, tmp_path / "out", client=dask_client, progress=False)
    assert {c.entry for c in report.ablation} == {"RandomWordAug", "SpellingAug"}
    stamp = json.loads((arm_dir(tmp_path / "out", "augmented-without:RandomWordAug") / "expansion.json").read_text())
    assert [op["op"] for op in stamp["spec"]["augment"]["text"]] == ["SpellingAug"]
    assert "## Ablation" in (tmp_path / "out" / "report.md").read_text()


def test_the_readme_lists_the_ops_each_policy_draws_from():
    readme = (REPO_ROOT / "README.md").read_text()
    for row in policy_table():
        assert row in readme, row
    assert len(CANDIDATES) == len(policy_table()) - 2
