"""The spec: its schema (``schema``) and loading with every check at load (``load``)."""
