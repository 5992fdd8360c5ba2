"""JSON Schema checks of YAML files, reported in plain words at their place in the file.

Used for every YAML format qframe reads (definitions, definition tests, scenario files): a schema
error becomes a located :class:`~qframe.errors.diagnostics.Diagnostic` with a hint, never a raw
jsonschema message.
"""

from __future__ import annotations

import re
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from qframe.errors.diagnostics import Diagnostic, did_you_mean, error
from qframe.source.yamldoc import YamlDocument, YamlPath


def schema_diagnostics(
    doc: YamlDocument, schema: dict[str, Any], subject: str = "the file"
) -> list[Diagnostic]:
    """Every way ``doc`` breaks ``schema``, each in plain words at its place in the YAML file.

    ``subject`` names the whole document in messages ("the definition", "the test file")."""
    validator = jsonschema.Draft202012Validator(schema)
    out: list[Diagnostic] = []
    seen: set[tuple[int, str]] = set()
    for err in sorted(
        validator.iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path]
    ):
        for d in _translate(doc, err, subject):
            key = (d.location.offset if d.location else -1, d.message)
            if key not in seen:
                seen.add(key)
                out.append(d)
    return out


def _what(path: YamlPath, subject: str) -> str:
    return ".".join(str(p) for p in path) or subject


def _translate(doc: YamlDocument, err: ValidationError, subject: str) -> list[Diagnostic]:
    path: YamlPath = tuple(str(p) if not isinstance(p, int) else p for p in err.absolute_path)
    instance: Any = err.instance
    expected_value: Any = err.validator_value
    where = doc.location(path)
    v = err.validator
    if v in ("oneOf", "anyOf") and err.context:
        inner = best_match(err.context)
        # prefer the branch whose type matches what was written
        for sub in err.context:
            if sub.validator != "type":
                inner = sub
                break
        return _translate(doc, inner, subject)
    if v == "additionalProperties":
        schema_: Any = err.schema
        allowed = set(schema_.get("properties", {}))
        extras = [k for k in instance if k not in allowed]
        out = []
        for key in extras:
            hint = did_you_mean(key, allowed) or f"allowed here: {', '.join(sorted(allowed))}"
            if " " in key.strip():
                hint = 'inside { }, a text containing a comma must be quoted: key: "a, b"'
            out.append(
                error(
                    "Q010",
                    f"unknown field `{key}` in {_what(path, subject)}",
                    doc.location((*path, key), key=True),
                    hint,
                )
            )
        return out
    if v == "required":
        missing = re.findall(r"'([^']+)' is a required property", err.message)
        name = missing[0] if missing else str(err.message)
        return [
            error(
                "Q011",
                f"{_what(path, subject)} is missing the required field `{name}`",
                where,
                f"add `{name}:`",
            )
        ]
    if v == "propertyNames":
        key = instance
        return [
            error(
                "Q012",
                f"`{key}` is not a valid name here",
                doc.location((*path, key), key=True),
                "names start with a letter or _ and contain only letters, digits and _",
            )
        ]
    if v == "type":
        expected = expected_value
        if isinstance(expected, list) and "string" in expected:
            return [
                error(
                    "Q013",
                    f"{_what(path, subject)} should be an expression (text such as `numerator / denominator`), not {_describe(instance)}",
                    where,
                    "write the expression on one line, or as a block after `|`",
                )
            ]
        expected = " or ".join(expected) if isinstance(expected, list) else expected
        return [
            error(
                "Q013",
                f"{_what(path, subject)} should be {_article(str(expected))}, not {_describe(instance)}",
                where,
                _type_hint(str(expected)),
            )
        ]
    if v == "enum":
        options = ", ".join(str(o) for o in expected_value)
        return [
            error(
                "Q014",
                f"{_what(path, subject)}: `{instance}` is not one of {options}",
                where,
                did_you_mean(str(instance), [str(o) for o in expected_value])
                or f"use one of: {options}",
            )
        ]
    if v == "const":
        return [
            error(
                "Q015",
                f"{_what(path, subject)} must be {expected_value}",
                where,
                f"write `{path[-1] if path else 'qframe'}: {expected_value}`",
            )
        ]
    if v == "pattern":
        return [
            error(
                "Q016",
                f"{_what(path, subject)}: `{instance}` is not a valid identifier",
                where,
                "use lower case letters, digits and _, starting with a letter (e.g. qof_2014)",
            )
        ]
    if v in ("minimum", "exclusiveMinimum"):
        return [
            error(
                "Q017",
                f"{_what(path, subject)} must be at least {expected_value}, not {instance}",
                where,
            )
        ]
    if v == "minItems":
        return [error("Q018", f"{_what(path, subject)} must not be empty", where)]
    return [error("Q019", f"{_what(path, subject)}: {err.message}", where)]


def _article(t: str) -> str:
    return {
        "object": "a mapping",
        "array": "a list",
        "string": "text",
        "number": "a number",
        "boolean": "true or false",
    }.get(t, t.replace("object", "a mapping"))


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if value is None:
        return "empty"
    return f"the text `{value}`"


def _type_hint(expected: str) -> str:
    if "object" in expected:
        return "write a mapping of `key: value` lines, indented under this key"
    if "array" in expected:
        return "write a list, one `- item` per line"
    return ""
