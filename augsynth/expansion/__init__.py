"""The offline expansion on Dask: partitions of train records -> shards + manifest, resumable."""
