"""Write a comparison's report into its output dir: report.json, the plots, report.md."""

from __future__ import annotations

from pathlib import Path

from augsynth.core.atomic import make_folder, write_atomically, write_text_atomically
from augsynth.report.markdown import markdown
from augsynth.report.model import Report
from augsynth.report.plots import plot_arms, plot_gains, plot_learning_curve


def write_report(report: Report, out_dir: Path) -> None:
    """Write the JSON report, the PNG plots and a Markdown summary that embeds them, each complete or not at all (a
    full or read-only disk is a ``DataError`` naming the file)."""
    make_folder(out_dir)
    write_text_atomically(out_dir / "report.json", report.to_json())
    write_atomically(out_dir / "arms.png", lambda temp: plot_arms(report, temp))
    if report.gain:
        write_atomically(out_dir / "gains.png", lambda temp: plot_gains(report, temp))
    if report.sized_curve():
        write_atomically(out_dir / "learning_curve.png", lambda temp: plot_learning_curve(report, temp))
    write_text_atomically(out_dir / "report.md", markdown(report))
