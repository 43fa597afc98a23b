"""The package's layers point down only: read every module's imports (function-level ones too) with ``ast`` and
fail on an import from a lower layer to a higher one, between two packages of one layer, or on any cycle."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "augsynth"

# Lowest first. A module may import from a lower layer and from its own package; packages of one layer (image and
# text) do not import each other.
LAYERS: list[tuple[str, ...]] = [
    ("augsynth.core",),
    ("augsynth.spec.schema", "augsynth.spec.yaml_io"),
    ("augsynth.spec.limits",),
    ("augsynth.data",),
    ("augsynth.image", "augsynth.text"),
    ("augsynth.train",),
    ("augsynth.generators",),
    ("augsynth.expansion",),
    ("augsynth.spec.load",),
    ("augsynth.onthefly",),
    ("augsynth.exports",),
    ("augsynth.report",),
    ("augsynth.run", "augsynth.calibrate", "augsynth.replay"),
    ("augsynth.cli", "augsynth"),
]


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def placement(module: str) -> tuple[int, str]:
    """(layer index, the package prefix that placed it): the longest matching prefix wins."""
    best = None
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > len(best[1])):
                best = (index, prefix)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best


def imports_of(path: Path) -> list[tuple[str, int, bool]]:
    """(imported augsynth module, line, inside a function) for every import statement of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    in_function = {
        id(sub)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for sub in ast.walk(node)
        if sub is not node
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # ``from augsynth.core import offline`` imports the submodule when there is one
            names = [
                f"{node.module}.{alias.name}"
                if (PACKAGE.parent / f"{node.module}.{alias.name}".replace(".", "/")).with_suffix(".py").exists()
                else node.module
                for alias in node.names
            ]
        else:
            continue
        found += [(name, node.lineno, id(node) in in_function) for name in names if name.split(".")[0] == "augsynth"]
    return found


def graph() -> dict[str, list[tuple[str, int, bool]]]:
    return {module_name(path): imports_of(path) for path in sorted(PACKAGE.rglob("*.py"))}


def test_every_module_has_a_layer():
    for module in graph():
        placement(module)


def test_imports_point_down():
    wrong = []
    for module, imported in graph().items():
        layer, package = placement(module)
        for target, line, _ in imported:
            target_layer, target_package = placement(target)
            if target_layer > layer or (target_layer == layer and target_package != package):
                wrong.append(f"{module}:{line} imports {target} ({LAYERS[target_layer]} is not below {LAYERS[layer]})")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles():
    edges = {module: {target for target, _, _ in imported if target != module} for module, imported in graph().items()}
    state: dict[str, int] = {}
    cycle: list[str] = []

    def visit(module: str, trail: list[str]) -> bool:
        state[module] = 1
        for target in sorted(edges.get(module, ())):
            if state.get(target) == 1:
                cycle.extend(trail[trail.index(target) :] + [module, target] if target in trail else [module, target])
                return True
            if state.get(target) is None and target in edges and visit(target, trail + [module]):
                return True
        state[module] = 2
        return False

    for module in sorted(edges):
        if state.get(module) is None and visit(module, []):
            break
    assert not cycle, " -> ".join(cycle)


def test_function_level_imports_give_their_reason():
    """A lazy import of an augsynth module exists only to keep a heavy library out of a light command, and says so
    in a comment on its line."""
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for target, line, lazy in imports_of(path):
            if lazy and "#" not in lines[line - 1]:
                missing.append(f"{module_name(path)}:{line} imports {target} inside a function without a reason")
    assert not missing, "\n".join(missing)


def test_no_subpackage_shadows_a_public_name():
    """``import augsynth.X`` sets the attribute ``augsynth.X`` to the module: a public function of that name would
    be replaced by it as soon as anything imports the subpackage."""
    import augsynth

    clashes = [name for name in augsynth.__all__ if (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").exists()]
    assert not clashes, clashes
