"""The generator stage of an expansion: which synthetic blocks to write, and the checkpoints they need."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from distributed import Client

from augsynth.generators.gates import gate_digest, prepare_gate
from augsynth.generators.sampling import SyntheticBlock, plan_blocks
from augsynth.generators.training import checkpoint_path, digest_of, prepare_generators, training_images
from augsynth.spec import Spec
from augsynth.splits import Splits
from augsynth.train.data import decode_records
from augsynth.train.loop import ArrayData
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
        return {"generators": sorted({b.digest for b in self.blocks}),
                "gate": gate_digest(self.data_digest, self.spec.train, self.spec.seed)}

    def prepare(self, client: Client | None, progress: bool) -> str:
        """Train (or reuse) every generator and the gate classifier; the gate's checkpoint path."""
        device = resolve_device(self.spec.train.device)
        n_classes = len(self.splits.classes)
        prepare_generators(self.spec.generators, self.data, self.data_digest, n_classes, self.spec.seed, self.folder,
                           device, client, progress)
        val, _ = decode_records(self.splits.val, self.splits.payload_format)
        return prepare_gate(self.data, val, self.data_digest, objective_for(self.spec, n_classes), self.spec.train,
                            self.spec.seed, self.folder, device)


def plan_synthetic(spec: Spec, splits: Splits, out_dir: Path) -> SyntheticPlan:
    """Blocks of ``per_class`` samples per class and generator, filed under their checkpoints' content hashes."""
    data, digest = training_images(splits)
    folder = out_dir / "generators"
    n_classes = len(splits.classes)
    blocks = []
    for config in spec.generators:
        path = checkpoint_path(folder, config, digest, n_classes, spec.seed)
        blocks += plan_blocks(config.label, str(path), digest_of(path), n_classes, config.per_class)
    return SyntheticPlan(spec, splits, folder, data, digest, blocks)
