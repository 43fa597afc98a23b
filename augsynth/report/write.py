"""Write a comparison's report into its output dir: report.json, the plots, report.md."""

from __future__ import annotations

from pathlib import Path

from augsynth.core.atomic import write_text_atomically
from augsynth.report.markdown import markdown
from augsynth.report.model import Report
from augsynth.report.plots import plot_arms, plot_learning_curve


def write_report(report: Report, out_dir: Path) -> None:
    """Write the JSON report, the PNG plots and a Markdown summary that embeds them."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomically(out_dir / "report.json", report.to_json())
    plot_arms(report, out_dir / "arms.png")
    if report.sized_curve():
        plot_learning_curve(report, out_dir / "learning_curve.png")
    (out_dir / "report.md").write_text(markdown(report))
