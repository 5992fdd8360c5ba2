"""An expression written in a YAML file, parsed, with its syntax error placed in the file."""

from __future__ import annotations

from qframe.errors.diagnostics import Diagnostic, Location, error
from qframe.language.parser import ExpressionSyntaxError, parse
from qframe.model import definition as m
from qframe.source.yamldoc import YamlDocument, YamlPath


def expression_at(doc: YamlDocument, path: YamlPath) -> tuple[m.Expression, Diagnostic | None]:
    """The expression written at ``path``, parsed, with its syntax error (Q100) placed in the file."""
    text, offsets = doc.expression_offsets(path)
    try:
        tree = parse(text)
    except ExpressionSyntaxError as exc:
        start = min(exc.offset, max(len(text) - 1, 0))
        fake_end = min(len(text), start + exc.length)
        first = offsets[start] if offsets else 0
        last = offsets[max(start, fake_end - 1)] if offsets else 0
        where = Location(doc.source, first, max(1, last - first + 1))
        if exc.offset >= len(text):  # at the end: point just after the last character
            where = Location(doc.source, offsets[-1] if offsets else 0, 1)
        message = f"syntax: {exc.message}" if exc.code == "Q100" else exc.message
        problem = error(exc.code, message, where, exc.hint)
        return m.Expression(text, None, doc.source, offsets), problem
    return m.Expression(text, tree, doc.source, offsets), None
