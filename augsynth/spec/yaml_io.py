"""Reading a spec file: bounded in size, nesting and alias expansion, UTF-8 only, duplicate keys refused.

A spec is small. These limits hold before the spec's own ``limits:`` section can be read, so they are fixed: a file
of more than ``MAX_SPEC_BYTES``, nested deeper than ``MAX_DEPTH`` or expanding (through aliases) to more than
``MAX_NODES`` values is refused, in milliseconds, before anything is built from it.
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from augsynth.core.errors import SpecError, clip, excerpt, format_path

MAX_SPEC_BYTES = 1 << 20
MAX_DEPTH = 32
MAX_NODES = 20_000
_FOREIGN_BOMS = [
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
]  # UTF-32 first: its little-endian mark starts like UTF-16's
_MERGE_TAG = "tag:yaml.org,2002:merge"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
# What a spec holds: strings, numbers, true/false, null, lists and mappings (and '<<' merge keys). Other tags (Python
# objects, !!binary, !!set, !!timestamp, custom ones) are refused, not constructed.
_SPEC_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "seq", "map", "merge")}


class _Refused(yaml.YAMLError):
    """A limit or rule of spec files broken at ``mark`` (and at ``where``, the YAML path, when known)."""

    def __init__(self, message: str, fix: str, mark: yaml.Mark | None = None, where: str = "<file>"):
        super().__init__(message)
        self.message, self.fix, self.mark, self.where = message, fix, mark, where


class SpecLoader(yaml.SafeLoader):
    """PyYAML's safe loader (no Python tags) that refuses duplicate keys and nesting deeper than ``MAX_DEPTH``, and
    reads dates as the strings they are written as."""

    yaml_implicit_resolvers = {
        first: [(tag, regex) for tag, regex in resolvers if tag != _TIMESTAMP_TAG]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: str, name: str):
        super().__init__(stream)
        self.name = name  # marks in error messages name the file
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(
                    f"nested deeper than {MAX_DEPTH} levels",
                    "a spec needs a few levels; flatten the structure",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Mark] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue  # keys merged in with '<<' may be overridden: that is what merging is for
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node.start_mark)
            except TypeError:
                continue  # an unhashable key: construct_mapping below says so
            if first is not key_node.start_mark:
                raise _Refused(
                    f"duplicate key {excerpt(key)} (line {key_node.start_mark.line + 1}; first at line "
                    f"{first.line + 1}): YAML would silently keep only the last one",
                    "keep one of the two entries",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep)


def read_yaml(path: Path) -> Any:
    """The parsed YAML of a spec file; SpecError naming the file when it is missing, too large, not UTF-8, not valid
    YAML, or breaks a limit of spec files."""
    text = _read_text(path)
    loader = None
    try:
        loader = SpecLoader(text, path.name)
        node = loader.get_single_node()
        if node is None:
            raise _Refused("the file is empty", "write a spec: version: 1, name: ..., dataset: ...")
        _check_nodes(node)
        return loader.construct_document(node)
    except _Refused as err:
        line = f" (line {err.mark.line + 1})" if err.mark else ""
        raise SpecError(err.where, f"{err.message}{line}", fix=err.fix, source=str(path)) from None
    except yaml.reader.ReaderError as err:
        line = text[: err.position].count("\n") + 1
        raise SpecError(
            "<file>",
            f"not valid YAML: unacceptable character #x{err.character:04x} at line {line}",
            fix="remove control characters (NUL and the like) from the file",
            source=str(path),
        ) from None
    except yaml.YAMLError as err:
        raise SpecError(
            "<file>", f"not valid YAML: {clip(str(err), 600)}", fix="fix the YAML syntax", source=str(path)
        ) from None
    finally:
        if loader is not None:
            loader.dispose()


def _read_text(path: Path) -> str:
    """The file's text: at most ``MAX_SPEC_BYTES``, UTF-8 (with or without a byte-order mark)."""
    if not path.exists():
        raise SpecError(
            "<file>", f"spec file '{clip(str(path))}' does not exist", fix="check the path", source=str(path)
        )
    if not path.is_file():
        raise SpecError(
            "<file>", f"'{clip(str(path))}' is not a regular file", fix="give the path of a YAML spec", source=str(path)
        )
    with path.open("rb") as handle:
        data = handle.read(MAX_SPEC_BYTES + 1)
    if len(data) > MAX_SPEC_BYTES:
        raise SpecError(
            "<file>",
            f"the file is too large for a spec ({path.stat().st_size} bytes; the limit is {MAX_SPEC_BYTES} bytes)",
            fix="a spec is a short YAML file: keep data in the data source, not in the spec",
            source=str(path),
        )
    for bom, encoding in _FOREIGN_BOMS:
        if data.startswith(bom):
            raise SpecError(
                "<file>",
                f"the file is encoded as {encoding}; a spec must be UTF-8",
                fix="save the file as UTF-8",
                source=str(path),
            )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise SpecError(
            "<file>",
            f"the file is not UTF-8 text (byte 0x{data[err.start]:02x} at line {line})",
            fix="save the file as UTF-8",
            source=str(path),
        ) from None


def _check_nodes(root: Node) -> None:
    """Refuse a tag a spec cannot hold, naming its YAML path, and a document whose aliases expand it beyond
    ``MAX_NODES`` values or ``MAX_DEPTH`` levels or refer to themselves; counted on the node graph (each shared node
    once), never by expanding it."""
    sizes: dict[int, tuple[int, int]] = {}  # id(node) -> (values, depth) once expanded
    open_nodes: set[int] = set()

    def measure(node: Node, path: list[str | int]) -> tuple[int, int]:
        if id(node) in sizes:
            return sizes[id(node)]
        if id(node) in open_nodes:
            raise _Refused(
                "an alias refers to the node that contains it (a recursive structure)",
                "replace the alias by the values it should repeat",
                node.start_mark,
                format_path(path),
            )
        if node.tag not in _SPEC_TAGS:
            raise _Refused(
                f"the tag {excerpt(node.tag)} is not allowed: a spec holds strings, numbers, true/false, "
                "lists and mappings",
                "remove the tag",
                node.start_mark,
                format_path(path),
            )
        open_nodes.add(id(node))
        children: list[tuple[Node, list[str | int]]] = []
        if isinstance(node, SequenceNode):
            children = [(child, [*path, i]) for i, child in enumerate(node.value)]
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                children += [
                    (key, path),
                    (value, [*path, clip(str(key.value), 60) if isinstance(key, ScalarNode) else "?"]),
                ]
        count, depth = 1, 1
        for child, child_path in children:
            child_count, child_depth = measure(child, child_path)
            count, depth = count + child_count, max(depth, child_depth + 1)
            if count > MAX_NODES:
                raise _Refused(
                    f"the spec expands to more than {MAX_NODES} values (each alias counted as the values it repeats)",
                    "a spec is small: repeat values fewer times",
                    node.start_mark,
                    format_path(path),
                )
            if depth > MAX_DEPTH:
                raise _Refused(
                    f"the aliases nest the spec deeper than {MAX_DEPTH} levels",
                    "a spec needs a few levels; flatten the structure",
                    node.start_mark,
                    format_path(path),
                )
        open_nodes.discard(id(node))
        sizes[id(node)] = (count, depth)
        return count, depth

    measure(root, [])
