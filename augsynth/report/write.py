"""Write a comparison's report into its output dir: report.json, the plots, report.md."""

from __future__ import annotations

import json
from pathlib import Path

from augsynth.core.atomic import write_text_atomically
from augsynth.report.markdown import markdown
from augsynth.report.plots import plot_arms, plot_learning_curve


def write_report(report: dict, out_dir: Path) -> None:
    """Write the JSON report, the PNG plots and a Markdown summary that embeds them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomically(out_dir / "report.json", json.dumps(report, indent=2, allow_nan=True))
    plot_arms(report, out_dir / "arms.png")
    if any("mean" in p for p in report["learning_curve"]):
        plot_learning_curve(report, out_dir / "learning_curve.png")
    (out_dir / "report.md").write_text(markdown(report))
