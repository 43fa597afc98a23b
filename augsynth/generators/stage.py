"""The generator stage of an expansion: which synthetic blocks to write, and the checkpoints they need."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from distributed import Client, Future

from augsynth.data.arrays import ArrayData
from augsynth.data.decode import decode_records
from augsynth.data.splits import Splits
from augsynth.generators import configs_of
from augsynth.generators.gates import gate_digest, prepare_gate
from augsynth.generators.sampling import SyntheticBlock, plan_blocks, run_synthetic_partition
from augsynth.generators.training import checkpoint_path, digest_of, prepare_generators, training_images
from augsynth.spec.schema import Spec
from augsynth.train.models import resolve_device
from augsynth.train.objectives import objective_for


@dataclass
class SyntheticPlan:
    """The synthetic blocks of a spec, and what their rows depend on (recorded with the expansion)."""

    spec: Spec
    splits: Splits
    folder: Path
    data: ArrayData
    data_digest: str
    blocks: list[SyntheticBlock]

    @property
    def stamp(self) -> dict:
        """Digests that decide the synthetic rows: the checkpoints and the gate (the trainer settings it uses)."""
        return {
            "generators": sorted({b.digest for b in self.blocks}),
            "gate": gate_digest(self.data_digest, self.spec.train, self.spec.seed),
        }

    def __len__(self) -> int:
        return len(self.blocks)

    def submit(self, client: Client, todo: list[tuple[int, int]], shards_dir: str, progress: bool) -> list[Future]:
        """Train (or reuse) the generators and the gate, then one sampling task per block still missing."""
        gate = self.prepare(client, progress)
        configs = {c.label: c for c in configs_of(self.spec)}
        futures = []
        for index, partition in todo:
            block = self.blocks[index]
            config = configs[block.generator]
            futures.append(
                client.submit(
                    run_synthetic_partition,
                    self.spec.seed,
                    partition,
                    block,
                    gate,
                    shards_dir,
                    config.min_confidence,
                    config.min_nn_ratio,
                    pure=False,
                )
            )
        return futures

    def prepare(self, client: Client | None, progress: bool) -> str:
        """Train (or reuse) every generator and the gate classifier; the gate's checkpoint path."""
        device = resolve_device(self.spec.train.device)
        n_classes = len(self.splits.classes)
        prepare_generators(
            configs_of(self.spec),
            self.data,
            self.data_digest,
            n_classes,
            self.spec.seed,
            self.folder,
            device,
            client,
            progress,
        )
        val, _ = decode_records(self.splits.val, self.splits.payload_format, "validation")
        return prepare_gate(
            self.data,
            val,
            self.data_digest,
            objective_for(self.spec, n_classes),
            self.spec.train,
            self.spec.seed,
            self.folder,
            device,
        )


def plan_synthetic(spec: Spec, splits: Splits, out_dir: Path) -> SyntheticPlan:
    """Blocks of ``per_class`` samples per class and generator, filed under their checkpoints' content hashes."""
    data, digest = training_images(splits)
    folder = out_dir / "generators"
    n_classes = len(splits.classes)
    blocks = []
    for config in configs_of(spec):
        path = checkpoint_path(folder, config, digest, n_classes, spec.seed)
        blocks += plan_blocks(config.label, str(path), digest_of(path), n_classes, config.per_class)
    return SyntheticPlan(spec, splits, folder, data, digest, blocks)
