"""Load YAML safely while keeping the file position of every key and value.

The document is composed into PyYAML nodes (safe loader: no Python objects can be built from the
file), then turned into plain Python data for the JSON Schema, beside an index from each
path (tuple of keys and list indices) to its key and value nodes. Expression strings are mapped
back character by character to the file, so an error inside an expression points at the exact
character, whatever the YAML quoting or folding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import yaml

from qframe.errors.diagnostics import Diagnostic, Location, SourceFile, error

#: Where a value is in a YAML document: its keys and list indices from the top, e.g.
#: ``("indicators", "DM007", "value")`` or ``("cases", 0, "expect")``.
YamlPath = tuple[str | int, ...]


@dataclass
class YamlDocument:
    """A parsed YAML file: its data, the node of every key and value, and its syntax problems."""

    source: SourceFile
    data: Any
    values: dict[YamlPath, yaml.Node] = field(default_factory=dict)
    keys: dict[YamlPath, yaml.Node] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    def location(self, path: YamlPath, *, key: bool = False) -> Location:
        """Where the value (or, with ``key``, the key) at ``path`` is; falls back to the parent."""
        table = self.keys if key else self.values
        probe = path
        while probe:
            node = table.get(probe) or self.values.get(probe)
            if node is not None:
                return self._node_location(node)
            probe = probe[:-1]
        return Location(self.source, 0)

    def _node_location(self, node: yaml.Node) -> Location:
        start, end = node.start_mark.index, node.end_mark.index
        length = end - start if isinstance(node, yaml.ScalarNode) else 1
        if "\n" in self.source.text[start : start + max(length, 1)]:
            length = self.source.text.find("\n", start) - start
        return Location(self.source, start, max(1, length))

    def raw(self, path: YamlPath) -> str | None:
        """The scalar at ``path`` exactly as written (before YAML type resolution)."""
        node = self.values.get(path)
        return node.value if isinstance(node, yaml.ScalarNode) else None

    def expression_offsets(self, path: YamlPath) -> tuple[str, tuple[int, ...]]:
        """The expression text at ``path`` and, for each character, its offset in the file."""
        node = self.values[path]
        assert isinstance(node, yaml.ScalarNode)
        text: str = node.value
        raw = self.source.text
        start, end = node.start_mark.index, node.end_mark.index
        offsets: list[int] = []
        j = start
        if node.style in ("'", '"'):
            j += 1
        elif node.style in ("|", ">"):
            j = raw.find("\n", start) + 1  # the block begins on the next line
        for ch in text:
            if ch.isspace():
                # folding and indentation change white space only: keep the last place
                offsets.append(min(j, end))
                if j < end and raw[j] == ch:
                    j += 1
                continue
            k = raw.find(ch, j, max(end, j + 1))
            if k < 0:
                k = j
            offsets.append(k)
            j = k + 1
        offsets.append(min(j, max(end, j)))
        return text, tuple(offsets)


#: The most values a YAML file may hold once its aliases (`*name`) are expanded: a "billion
#: laughs" file of a few lines expands to billions; it is refused after this many, in milliseconds.
MAX_YAML_VALUES = 200_000

#: The deepest that mappings and lists may nest inside one another.
MAX_YAML_DEPTH = 50

#: The largest whole number accepted: every larger one loses digits as a float (2^53).
MAX_EXACT_INTEGER = 2**53


class _TooLarge(Exception):
    """The document is larger (or deeper) than the limits above; ``node`` is where it shows."""

    def __init__(self, message: str, node: yaml.Node, hint: str, code: str = "Q008") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.node = node
        self.hint = hint


# libyaml's loader when present (10× faster); both are safe loaders and give the same marks.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: str, text: str) -> YamlDocument:
    """Parse ``text``; problems (syntax, duplicate keys) are collected, not raised."""
    source = SourceFile(path, text)
    doc = YamlDocument(source, None)
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if node is None:
                doc.data = None
                return doc
            _refuse_expansion(node)
            doc.data = _Converter(loader, doc).convert(node, ())
        finally:
            loader.dispose()
    except _TooLarge as exc:
        doc.diagnostics.append(error(exc.code, exc.message, doc._node_location(exc.node), exc.hint))
        doc.data = None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        offset = mark.index if mark is not None else 0
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        doc.diagnostics.append(
            error(
                "Q001",
                f"YAML syntax: {problem}",
                Location(source, offset),
                _yaml_hint(problem, text, offset),
            )
        )
        doc.data = None
    except yaml.YAMLError as exc:  # pragma: no cover - other scanner faults
        doc.diagnostics.append(error("Q001", f"YAML syntax: {exc}", Location(source, 0)))
        doc.data = None
    return doc


def _yaml_hint(problem: str, text: str, offset: int) -> str:
    if "mapping values are not allowed" in problem:
        return "a value that contains ': ' must be quoted, e.g. title: 'Diabetes: HbA1c'"
    if "tab" in problem or "'\\t'" in problem or (0 <= offset < len(text) and text[offset] == "\t"):
        return "YAML does not allow tabs: indent with spaces"
    if "found character '`'" in problem or "cannot start any token" in problem:
        return "a value that starts with a special character (` @ * & ! | > %) must be quoted"
    if "expected <block end>" in problem:
        return "check the indentation of this line against the lines above it"
    return "check the YAML around this place (indentation, quotes, a missing ':')"


def _refuse_expansion(root: yaml.Node) -> None:
    """Count the values ``root`` holds once aliases are expanded, in one pass over the distinct
    nodes (an alias is the same node object reached twice), and refuse more than the limit."""
    sizes: dict[int, int] = {}
    visiting: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        children = _children(node)
        if not children_done:
            if id(node) in visiting:
                raise _TooLarge(
                    "an alias (`*name`) refers to a value that contains it",
                    node,
                    "a value cannot contain itself: write it out instead",
                )
            visiting.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            continue
        size = 1 + sum(sizes.get(id(child), 0) for child in children)
        sizes[id(node)] = size
        if size > MAX_YAML_VALUES:
            raise _TooLarge(
                f"the file holds more than {MAX_YAML_VALUES:,} values (an alias `*name` counts "
                "as the values it stands for)",
                node,
                "write the values out, or use fewer anchors (`&name`) and aliases (`*name`)",
            )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


class _Converter:
    """Nodes → plain data, recording every path's node, within the limits above."""

    def __init__(self, loader: Any, doc: YamlDocument) -> None:
        self.loader = loader
        self.doc = doc
        self.count = 0

    def convert(self, node: yaml.Node, path: YamlPath) -> Any:
        doc = self.doc
        self.count += 1
        if self.count > MAX_YAML_VALUES:
            raise _TooLarge(
                f"the file holds more than {MAX_YAML_VALUES:,} values (an alias `*name` counts "
                "as the values it stands for)",
                node,
                "write the values out, or use fewer anchors (`&name`) and aliases (`*name`)",
            )
        if len(path) > MAX_YAML_DEPTH:
            raise _TooLarge(
                f"mappings and lists nest more than {MAX_YAML_DEPTH} deep",
                node,
                "a definition needs a few levels only: check the indentation and brackets",
            )
        doc.values[path] = node
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.convert(item, (*path, i)) for i, item in enumerate(node.value)]
        return self.scalar(node)

    def mapping(self, node: yaml.MappingNode, path: YamlPath) -> dict[Any, Any]:
        doc = self.doc
        out: dict[Any, Any] = {}
        seen: dict[Any, yaml.Node] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                doc.diagnostics.append(
                    error("Q002", "a key must be a plain value", doc._node_location(key_node))
                )
                continue
            key = self.scalar(key_node)
            if not isinstance(key, str):
                key = key_node.value  # keep keys as written: "1" not 1, "yes" not True
            if key in seen:
                first = doc._node_location(seen[key])
                doc.diagnostics.append(
                    error(
                        "Q003",
                        f"duplicate key `{key}` (first defined at line {first.line})",
                        doc._node_location(key_node),
                        "each key may appear once in a mapping: remove or rename one of them",
                    )
                )
                continue
            seen[key] = key_node
            doc.keys[(*path, key)] = key_node
            out[key] = self.convert(value_node, (*path, key))
        return out

    def scalar(self, node: yaml.Node) -> Any:
        """A plain value; a number must be finite, and a whole number exact as a float."""
        if node.tag in _NUMBER_TAGS and len(node.value) > 40:
            # Python refuses to convert more than 4,300 digits and a float cannot hold 400
            raise _TooLarge(
                "a number with more than 40 characters", node, "write a smaller number", "Q009"
            )
        try:
            value = self.loader.construct_object(node, deep=True)
        except (ValueError, OverflowError) as exc:  # e.g. `!!int` on text that is not a number
            raise _TooLarge(
                f"cannot read this value: {exc}", node, "check the value", "Q009"
            ) from None
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and abs(value) > MAX_EXACT_INTEGER:
            raise _TooLarge(
                f"the whole number {value} is too large to hold exactly",
                node,
                f"whole numbers up to {MAX_EXACT_INTEGER:,} are exact; write a smaller number",
                "Q009",
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise _TooLarge(
                f"`{node.value}` is not a finite number",
                node,
                "infinity and not-a-number cannot be used in a definition: write a number",
                "Q009",
            )
        return value


_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})
