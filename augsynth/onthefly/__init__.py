"""The spec's pipeline inside a torch training loop: ``AugDataset`` and ``transform``, the same pure function as the
offline expansion (on-the-fly sample i at epoch e is offline copy e of sample i)."""
