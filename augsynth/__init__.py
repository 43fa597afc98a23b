"""augsynth: declarative augmentation and synthesis for small data, and a benchmark of whether it helped."""

import os

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")  # albumentations must never call the network

from augsynth.errors import DataError, SpecError  # noqa: E402
from augsynth.expand import ExpandResult, expand  # noqa: E402
from augsynth.pipeline import Pipeline  # noqa: E402
from augsynth.spec import Spec, load_spec  # noqa: E402

__version__ = "0.1.0"


def compare(spec, out=None, **options):
    """Train every arm over several seeds and write the report; see ``augsynth.train.compare.compare``."""
    from augsynth.train.compare import compare as _compare  # torch loads only when training

    return _compare(spec, out, **options)


__all__ = ["DataError", "ExpandResult", "Pipeline", "Spec", "SpecError", "compare", "expand", "load_spec",
           "__version__"]
