"""The bottom layer: errors, registries, seeding, atomic writes and the offline environment; no torch, no Dask."""
