"""``road:procedural``: rendered front-camera road frames whose steering label is exact (see ``road.py``)."""

from __future__ import annotations

from augsynth.core.errors import SpecError
from augsynth.data.base import Record, SourceData, SourceSize, data_source, encode_png
from augsynth.data.road import SIDE_CAMERA_OFFSET_M, render, sample_scene, steering

DEFAULT_FRAMES = 1000
DEFAULT_SIZE_HW = (48, 128)
WORLD_SEED = 0  # the data set is one fixed world: the spec's seed chooses splits and augmentations, not scenes


@data_source("road")
class RoadSource:
    default_channels = 3

    def check(self, arg: str, dataset) -> SourceSize:
        if arg != "procedural":
            raise SpecError(
                "dataset.source",
                f"unknown road data set '{arg}'; expected 'procedural'",
                fix="use source: road:procedural",
            )
        if dataset.task != "regression":
            raise SpecError(
                "dataset.task",
                "road:procedural is a steering-angle regression data set",
                fix="set task: regression and target: steering (declared under labels)",
            )
        if dataset.channels == 1:
            raise SpecError(
                "dataset.channels", "road:procedural renders colour images", fix="use channels: 3 or leave it out"
            )
        return SourceSize(records=dataset.frames or DEFAULT_FRAMES)

    def load(self, arg: str, dataset) -> SourceData:
        size = dataset.size_hw or DEFAULT_SIZE_HW
        records = []
        for i in range(dataset.frames or DEFAULT_FRAMES):
            scene = sample_scene(WORLD_SEED, i)
            views = ()
            if dataset.side_cameras is not None:
                views = tuple(
                    (side, encode_png(render(scene, size, lateral=sign * SIDE_CAMERA_OFFSET_M)))
                    for side, sign in (("left", -1.0), ("right", 1.0))
                )
            records.append(Record(i, f"road:{i:05d}", steering(scene), encode_png(render(scene, size)), views))
        return SourceData(records, [])
