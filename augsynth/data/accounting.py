"""The accounting of inputs at each stage, from counts taken independently, so that a lost input shows."""

from __future__ import annotations

from augsynth.core.errors import DataError


def tally(stage: str, inputs: int, used: int, quarantined: int, **left_out: int) -> dict[str, int]:
    """``{"inputs", "used", "quarantined", **left_out}`` for one stage (``source``, ``train``, ``validation``,
    ``test``), after checking ``inputs == used + quarantined + sum(left_out)``."""
    if inputs != used + quarantined + sum(left_out.values()):
        others = "".join(f" + {count} {name}" for name, count in left_out.items())
        raise DataError(
            f"{stage}: {inputs} inputs, but {used} used + {quarantined} quarantined{others} account for "
            f"{used + quarantined + sum(left_out.values())}: an input was lost or counted twice. This is "
            "a bug in augsynth; please report it with the data source"
        )
    return {"inputs": inputs, "used": used, "quarantined": quarantined, **left_out}


SKIPPED_SHOWN = 5  # skipped files a summary names before "and N more"


def files(count: int) -> str:
    """``1 file``, ``2 files``."""
    return f"{count} file{'' if count == 1 else 's'}"


def skipped_names(skipped: list[str], shown: int = SKIPPED_SHOWN) -> str:
    """The first ``shown`` skipped file ids, then ``and N more``: ``a.txt, b.csv and 3 more``."""
    names = ", ".join(skipped[:shown])
    return f"{names} and {len(skipped) - shown} more" if len(skipped) > shown else names
