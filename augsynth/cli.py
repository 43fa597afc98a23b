"""``augsynth validate | expand | train | run | calibrate | preview | export-albu | import-albu | replay | export``:
every command is one Python call underneath."""

from __future__ import annotations

import argparse
import errno
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from augsynth.core.errors import DataError, SpecError

if TYPE_CHECKING:
    from augsynth.report.model import Report


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="augsynth", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("validate", help="check a spec completely; exit 2 with the problem if it is wrong")
    for name, text in [
        ("expand", "write augmented shards and the manifest (resumes)"),
        ("train", "expand if needed, train every arm over the replicates, write the report"),
        ("run", "validate + expand + train + report + preview in the output dir"),
    ]:
        command = commands.add_parser(name, help=text)
        command.add_argument("--out", type=Path, help="output dir (default: the spec's output.dir)")
        command.add_argument("--workers", type=int, help="local Dask worker processes (default: CPU count)")
        command.add_argument("--scheduler", help="an existing Dask scheduler, tcp://HOST:PORT")
        command.add_argument("--overwrite", action="store_true", help="replace an expansion of another spec")
        command.add_argument(
            "--task-timeout",
            type=_seconds,
            metavar="SECONDS",
            help="end the job when no Dask task has finished for this long (default 1800)",
        )
    calibrate = commands.add_parser(
        "calibrate",
        help="estimate a steering target's shift_gain (and side-camera "
        "correction) from exact renderer labels or paired side-camera images",
    )
    calibrate.add_argument("--write", action="store_true", help="write the fitted shift_gain into the spec file")
    calibrate.add_argument("--scenes", type=int, default=200, help="scenes (or frames) to fit on")
    preview = commands.add_parser("preview", help="PNG grid of originals beside augmented copies")
    preview.add_argument("--out", type=Path, help="PNG path (default: OUTPUT_DIR/preview.png)")
    preview.add_argument("--rows", type=int, default=8)
    export_albu = commands.add_parser("export-albu", help="write the spec's image ops as an A.save pipeline file")
    export_albu.add_argument("--out", type=Path, help=".json or .yaml path (default: OUTPUT_DIR/albumentations.json)")
    for command in commands.choices.values():
        command.add_argument("spec", type=Path, help="the YAML spec")
    import_albu = commands.add_parser(
        "import-albu", help="translate an albumentations 0.4-2.0 pipeline file (A.save) into augment.image entries"
    )
    import_albu.add_argument("file", type=Path, help="a .json or .yaml file written by A.save (or A.to_dict)")
    import_albu.add_argument("--out", type=Path, help="a new YAML file for the augment section (default: print it)")
    replay = commands.add_parser("replay", help="rebuild one output row and check it byte for byte")
    replay.add_argument("out", type=Path, help="the output dir of an expansion")
    replay.add_argument("row_id", help="the row's id (the manifest's id column), e.g. 'train/00042.png#2'")
    export = commands.add_parser("export", help="copy an expansion's rows as an ImageFolder tree or a HF dataset")
    export.add_argument("out", type=Path, help="the output dir of an expansion")
    export.add_argument("--format", required=True, choices=("imagefolder", "hf"), help="the layout to write")
    export.add_argument("dir", type=Path, help="a new or empty folder to write the export into")
    export.add_argument("--overwrite", action="store_true", help="replace an earlier export in DIR")
    return parser


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of seconds")
    return value


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except SpecError as err:
        if args.debug:
            raise
        print(f"spec error: {err}", file=sys.stderr)
        return 2
    except DataError as err:
        if args.debug:
            raise
        print(f"data error: {err}", file=sys.stderr)
        return 1
    except OSError as err:  # the environment: a read-only, full or unwritable output dir, an unreadable file
        if args.debug:
            raise
        print(f"error: {_os_problem(err)}", file=sys.stderr)
        return 1


_OS_FIXES = {
    errno.ENOSPC: "free space on that disk, or choose an output dir on another one (--out); complete shards are kept "
    "and a rerun resumes",
    errno.EDQUOT: "free space within your quota, or choose another output dir (--out); a rerun resumes",
    errno.EROFS: "the file system is read-only: choose a writable output dir (--out)",
    errno.EACCES: "choose a folder you may write (--out), or change the permissions of that one",
    errno.EPERM: "choose a folder you may write (--out), or change the permissions of that one",
}


def _os_problem(err: OSError) -> str:
    """One paragraph: the path, what the system said, and the fix."""
    if err.errno in _OS_FIXES:
        fix = _OS_FIXES[err.errno]
    elif err.filename:
        fix = "check that the path exists and that you may read (or write) it"
    else:  # no file involved: a connection to the --scheduler, say
        fix = "check the --scheduler address (if any) and that its workers run; --debug shows where it happened"
    where = f"'{err.filename}': " if err.filename else ""
    return f"{where}{err.strerror or err}\n  fix: {fix}"


def _dispatch(args: argparse.Namespace) -> int:
    from augsynth.spec.load import load_spec  # each command loads its own stage only

    if args.command == "calibrate":
        return _calibrate(args)
    if args.command == "import-albu":
        return _import_albu(args)
    if args.command == "replay":
        from augsynth.replay import replay  # this command only

        result = replay(args.out, args.row_id)
        print(result.summary())
        return 0 if result.identical else 1
    if args.command == "export":
        from augsynth.exports import export  # this command only

        print(export(args.out, args.format, args.dir, overwrite=args.overwrite).summary())
        return 0
    spec = load_spec(args.spec)
    if args.command == "validate":
        kind, ops = ("text", spec.augment.text) if spec.dataset.is_text else ("image", spec.augment.image)
        print(
            f"{args.spec}: valid ({len(ops)} {kind} ops, {spec.augment.copies} copies, "
            f"arms {', '.join(spec.train.arms)})"
        )
        return 0
    if args.command == "export-albu":
        from augsynth.image.albu_export import save_albumentations  # this command only

        target = args.out or spec.output.dir / "albumentations.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        print(save_albumentations(spec.augment.image, spec.augment.input, target))
        return 0
    if args.command == "preview":
        from augsynth.run import preview  # each command loads its own stage only

        print(preview(spec, args.out or spec.output.dir / "preview.png", rows=args.rows))
        return 0
    out = args.out or spec.output.dir
    if args.task_timeout is not None:
        import dask

        from augsynth.core.gather import TASK_TIMEOUT  # the commands that run Dask tasks only

        dask.config.set({TASK_TIMEOUT: args.task_timeout})
    if args.command == "expand":
        from augsynth.run import expand_all  # each command loads its own stage only

        print(expand_all(spec, out, workers=args.workers, scheduler=args.scheduler, overwrite=args.overwrite).summary())
        return 0
    return _train(spec, out, args)


def _import_albu(args: argparse.Namespace) -> int:
    """The translated entries as an ``augment:`` YAML section, printed or written to ``--out`` (a new file), the
    notes on stderr."""
    import yaml

    from augsynth.image.albu_import import read_albumentations  # this command only

    imported = read_albumentations(args.file)
    for note in imported.notes:
        print(f"note: {note}", file=sys.stderr)
    section = {"image": imported.image, **({"input": imported.input} if imported.input else {})}
    text = (
        f"# {args.file.name} (albumentations {imported.version}) as augsynth entries; the notes say what was "
        "translated.\n# Put this augment section into a spec, or name the file there: "
        f"augment: {{image: {{albumentations: {args.file.name}}}}}\n"
    ) + yaml.safe_dump({"augment": section}, sort_keys=False)
    if args.out is None:
        print(text, end="")
        return 0
    if args.out.exists():
        raise SpecError("--out", f"'{args.out}' exists", fix="give a new file name; nothing was written")
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {len(imported.image)} ops and {len(imported.input)} model-input steps to {args.out}")
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    from augsynth.calibrate import calibrate, load_for_calibration, write_gain  # this command only

    result = calibrate(load_for_calibration(args.spec), scenes=args.scenes)
    print(result.summary())
    if args.write:
        write_gain(args.spec, result)
        print(f"wrote shift_gain {result.shift_gain:.6f} into {args.spec}")
    return 0


def _train(spec, out: Path, args: argparse.Namespace) -> int:
    from augsynth.run import compare, preview  # each command loads its own stage only

    report = compare(spec, out, workers=args.workers, scheduler=args.scheduler, overwrite=args.overwrite)
    if args.command == "run":
        preview(spec, Path(out) / "preview.png")
    print(_headline(report, Path(out)))
    return 0


def _headline(report: Report, out: Path) -> str:
    from augsynth.data.accounting import files, skipped_names  # each command loads its own stage only
    from augsynth.report.format import fmt, interval  # each command loads its own stage only

    exp = report.expansion
    lines = [f"expansion: inputs {exp.inputs} / written {exp.written} / quarantined {exp.quarantined}"]
    metric = report.metric
    if exp.synthetic:
        lines[0] += f" (+ {exp.synthetic} synthetic, {exp.synthetic_kept} kept by the gates)"
    accounting = report.accounting
    if any(stage["quarantined"] for stage in accounting.values()) or report.duplicates_dropped:
        lines.append(
            "quarantined: "
            + ", ".join(f"{stage['quarantined']} of {stage['inputs']} {name}" for name, stage in accounting.items())
            + f"; {report.duplicates_dropped} duplicates dropped (reasons in report.json)"
        )
    if report.skipped_files:
        lines.append(
            f"skipped: {files(len(report.skipped_files))} in no image format Pillow opens: "
            f"{skipped_names(report.skipped_files)} (all in report.json)"
        )
    width = max(14, *(len(arm) + 7 for arm in report.gain))
    lines += [f"{arm:>{width}}: {metric} {fmt(s.mean, report)} {interval(s, report)}" for arm, s in report.arms.items()]
    lines += [
        f"{arm + ' - base':>{width}}: {fmt(g.mean, report, True)} {interval(g, report, True)} (paired)"
        for arm, g in report.gain.items()
    ]
    lines += [
        f"{'TSTR ' + name:>{width}}: {metric} {fmt(g.tstr.mean, report)} {interval(g.tstr, report)}; kept "
        f"{g.kept}/{g.generated}, near copies {g.memorization.rejected}, low confidence {g.confidence_rejected}"
        for name, g in report.generators.items()
        if g.tstr
    ]
    for name, g in report.generators.items():
        if g.augmented_plus:
            over = g.augmented_plus.over_augmented
            lines.append(
                f"{'+ ' + name + ' - augmented':>{width}}: {fmt(over.mean, report, True)} "
                f"{interval(over, report, True)} (paired)"
            )
    if report.classical_baseline:
        classical = report.classical_baseline
        lines.append(f"{classical.model.replace('_', ' '):>{width}}: {metric} {fmt(classical.mean, report)}")
    lines.append(f"report: {out / 'report.md'} ({report.wall_seconds:.0f} s)")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
