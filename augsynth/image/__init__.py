"""Image augmentation: albumentations ops, label rules keyed by (op, label kind), the pipeline, previews."""
