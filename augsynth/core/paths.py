"""Where a spec may point: never into system folders, and file parameters only inside the folders the spec allows."""

from __future__ import annotations

from pathlib import Path

from augsynth.core.errors import SpecError, clip

# Folders a spec never reads from or writes to, nor anything inside them.
SYSTEM_FOLDERS = tuple(
    Path(p)
    for p in (
        "/proc",
        "/sys",
        "/dev",
        "/etc",
        "/boot",
        "/bin",
        "/sbin",
        "/lib",
        "/lib32",
        "/lib64",
        "/usr",
        "/run",
        "/System",
        "/private/etc",
    )
)


def system_folder(path: Path) -> Path | None:
    """The system folder ``path`` resolves into (symlinks followed), or None. The file-system root and the home
    folder count as well, themselves only (not what lies below them)."""
    resolved = path.expanduser().resolve()
    if resolved == Path(resolved.anchor) or resolved == Path.home().resolve():
        return resolved
    return next((folder for folder in SYSTEM_FOLDERS if folder == resolved or folder in resolved.parents), None)


def refuse_system_folder(path: Path, where: str, what: str, fix: str) -> None:
    """SpecError at ``where`` when ``path`` (``what``: "output dir", "data folder" ...) is or lies in a system
    folder."""
    folder = system_folder(path)
    if folder is not None:
        raise SpecError(
            where,
            f"the {what} '{clip(str(path))}' resolves to {_described(folder)}: outside what a spec may touch",
            fix=fix,
        )


def _described(folder: Path) -> str:
    if folder == Path(folder.anchor):
        return "the file-system root"
    if folder == Path.home().resolve():
        return f"the home folder itself ({folder})"
    return f"the system folder {folder}"


def confined(value: str, where: str, roots: list[Path]) -> Path:
    """A file parameter of a spec (``dict_path``, ``model_path`` ...) resolved against ``roots[0]``: it must lie inside
    one of ``roots`` once resolved (symlinks followed), so a spec cannot make augsynth read any file on the machine."""
    path = (roots[0] / Path(value).expanduser()).resolve()
    if not any(path == root.resolve() or root.resolve() in path.parents for root in roots):
        places = " or ".join(f"'{root}'" for root in roots)
        raise SpecError(
            where,
            f"'{clip(value)}' resolves to '{clip(str(path))}', outside {places}",
            fix="put the file beside the spec (or inside the data source's folder) and give its relative path",
        )
    return path
