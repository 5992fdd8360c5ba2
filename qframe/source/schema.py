"""JSON Schema checks of YAML files, reported in plain words at their place in the file.

Used for every YAML format qframe reads (definitions, definition tests, scenario files): a schema
error becomes a located :class:`~qframe.errors.diagnostics.Diagnostic` with a hint, never a raw
jsonschema message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any, NamedTuple

from qframe.errors.diagnostics import Diagnostic, did_you_mean, error
from qframe.source.yamldoc import YamlDocument, YamlPath

if TYPE_CHECKING:  # jsonschema is imported when a schema is first checked
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

#: The code of each kind of schema problem, as definition files report them. Another YAML format
#: maps these to its own codes (see :func:`schema_diagnostics`).
DEFINITION_CODES: Mapping[str, str] = {
    "unknown field": "Q010",
    "missing field": "Q011",
    "invalid name": "Q012",
    "wrong type": "Q013",
    "not an option": "Q014",
    "wrong constant": "Q015",
    "invalid identifier": "Q016",
    "too small": "Q017",
    "empty": "Q018",
    "other": "Q019",
}


@cache
def load_schema(name: str) -> dict[str, Any]:
    """A JSON Schema shipped with qframe, by file name: ``framework.schema.json`` (definitions),
    ``testcase.schema.json`` (definition tests), ..., all in the package ``qframe.source.schemas``."""
    text = files("qframe.source.schemas").joinpath(name).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


#: A validator per schema (by identity; the schema kept alive with it): made once per process.
VALIDATORS: dict[int, tuple[dict[str, Any], Draft202012Validator]] = {}


def validator_of(schema: dict[str, Any]) -> Draft202012Validator:
    """The validator of ``schema``, its references to its own definitions written out in place
    (:func:`inline_references`: the same checks and errors, in half the time)."""
    if id(schema) not in VALIDATORS:
        import jsonschema

        VALIDATORS[id(schema)] = (
            schema,
            jsonschema.Draft202012Validator(inline_references(schema)),
        )
    return VALIDATORS[id(schema)][1]


LOCAL = "#/$defs/"
#: Keywords that only describe: beside a reference, they check nothing.
ANNOTATIONS = frozenset({"description", "default", "title", "examples", "$comment"})
#: Keywords whose value is not a schema, and those whose value names schemas.
NOT_SCHEMAS = frozenset({"$defs", "const", "enum", "required", "type", *ANNOTATIONS})
NAMED_SCHEMAS = frozenset({"properties", "patternProperties", "dependentSchemas"})


def inline_references(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with each reference to one of its definitions (``{"$ref": "#/$defs/name"}``
    alone) replaced by that definition, except inside the definition itself (a recursive one stays
    a reference). jsonschema looks a reference up each time it is used, which is most of the time
    it takes; a written-out definition checks the same and gives the same errors."""
    definitions: dict[str, Any] = schema.get("$defs", {})

    def expand(node: Any, inside: tuple[str, ...]) -> Any:
        """The subschema ``node`` written out (a list of subschemas, each)."""
        if isinstance(node, list):
            return [expand(item, inside) for item in node]
        if not isinstance(node, dict):
            return node
        reference = node.get("$ref")
        if (
            isinstance(reference, str)
            and reference.startswith(LOCAL)
            and set(node) <= {"$ref", *ANNOTATIONS}
        ):
            name = reference.removeprefix(LOCAL)
            if name in definitions and name not in inside:
                # the notes beside a reference check nothing, and jsonschema's errors come from
                # (and carry) the definition alone
                return expand(definitions[name], (*inside, name))
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in NOT_SCHEMAS:
                out[key] = value
            elif key in NAMED_SCHEMAS and isinstance(value, dict):
                out[key] = {name: expand(sub, inside) for name, sub in value.items()}
            else:
                out[key] = expand(value, inside)
        return out

    return dict(expand(schema, ()))


class SchemaProblem(NamedTuple):
    """A schema problem, with the path of the value it concerns (for an unknown field, the
    mapping that holds it)."""

    path: YamlPath
    diagnostic: Diagnostic


def schema_diagnostics(
    doc: YamlDocument,
    schema: dict[str, Any],
    subject: str = "the file",
    codes: Mapping[str, str] = DEFINITION_CODES,
) -> list[Diagnostic]:
    """Every way ``doc`` breaks ``schema``, each in plain words at its place in the YAML file.

    ``subject`` names the whole document in messages ("the definition", "a test file");
    ``codes`` gives the code of each kind of problem (the keys of :data:`DEFINITION_CODES`)."""
    return [p.diagnostic for p in schema_problems(doc, schema, subject, codes)]


def schema_problems(
    doc: YamlDocument,
    schema: dict[str, Any],
    subject: str = "the file",
    codes: Mapping[str, str] = DEFINITION_CODES,
) -> list[SchemaProblem]:
    """:func:`schema_diagnostics` with the path of each problem's value in the document."""
    validator = validator_of(schema)
    out: list[SchemaProblem] = []
    seen: set[tuple[int, str]] = set()
    for err in sorted(
        validator.iter_errors(doc.data), key=lambda e: [str(p) for p in e.absolute_path]
    ):
        for path, d in _translate(doc, err, subject, codes):
            key = (d.location.offset if d.location else -1, d.message)
            if key not in seen:
                seen.add(key)
                out.append(SchemaProblem(path, d))
    return out


def _what(path: YamlPath, subject: str) -> str:
    return ".".join(str(p) for p in path) or subject


def _chosen(err: ValidationError) -> ValidationError:
    """Of the branches of a oneOf/anyOf, the one to report."""
    from jsonschema.exceptions import best_match

    inner = best_match(err.context)
    # prefer the branch whose type matches what was written
    for sub in err.context:
        if sub.validator != "type":
            inner = sub
            break
    return inner


def _translate(
    doc: YamlDocument, err: ValidationError, subject: str, codes: Mapping[str, str]
) -> list[SchemaProblem]:
    """The problems of one schema error, in plain words, each with the path of its value."""
    while err.validator in ("oneOf", "anyOf") and err.context:
        err = _chosen(err)
    path: YamlPath = tuple(str(p) if not isinstance(p, int) else p for p in err.absolute_path)
    return [SchemaProblem(path, d) for d in _explain(doc, err, subject, codes)]


def _explain(
    doc: YamlDocument, err: ValidationError, subject: str, codes: Mapping[str, str]
) -> list[Diagnostic]:
    """One schema error (not a oneOf/anyOf: the branch chosen of those) in plain words."""
    path: YamlPath = tuple(str(p) if not isinstance(p, int) else p for p in err.absolute_path)
    instance: Any = err.instance
    expected_value: Any = err.validator_value
    where = doc.location(path)
    v = err.validator
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
                    codes["unknown field"],
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
                codes["missing field"],
                f"{_what(path, subject)} is missing the required field `{name}`",
                where,
                f"add `{name}:`",
            )
        ]
    if v == "propertyNames":
        key = instance
        return [
            error(
                codes["invalid name"],
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
                    codes["wrong type"],
                    f"{_what(path, subject)} should be an expression (text such as `numerator / denominator`), not {_describe(instance)}",
                    where,
                    "write the expression on one line, or as a block after `|`",
                )
            ]
        types = expected if isinstance(expected, list) else [expected]
        expected = " or ".join(types)
        wanted = " or ".join(_article(str(t)) for t in types)
        return [
            error(
                codes["wrong type"],
                f"{_what(path, subject)} should be {wanted}, not {_describe(instance)}",
                where,
                _type_hint(str(expected)),
            )
        ]
    if v == "enum":
        options = ", ".join(str(o) for o in expected_value)
        return [
            error(
                codes["not an option"],
                f"{_what(path, subject)}: `{instance}` is not one of {options}",
                where,
                did_you_mean(str(instance), [str(o) for o in expected_value])
                or f"use one of: {options}",
            )
        ]
    if v == "const":
        return [
            error(
                codes["wrong constant"],
                f"{_what(path, subject)} must be {expected_value}",
                where,
                f"write `{path[-1] if path else 'qframe'}: {expected_value}`",
            )
        ]
    if v == "pattern":
        return [
            error(
                codes["invalid identifier"],
                f"{_what(path, subject)}: `{instance}` is not a valid identifier",
                where,
                "use lower case letters, digits and _, starting with a letter (e.g. qof_2014)",
            )
        ]
    if v in ("minimum", "exclusiveMinimum"):
        return [
            error(
                codes["too small"],
                f"{_what(path, subject)} must be at least {expected_value}, not {instance}",
                where,
            )
        ]
    if v == "minItems":
        return [error(codes["empty"], f"{_what(path, subject)} must not be empty", where)]
    if v == "not":
        described: Any = err.schema
        return [
            error(
                codes["other"],
                f"{_what(path, subject)} should not be {_describe(instance)}",
                where,
                str(described.get("description", "")),
            )
        ]
    return [error(codes["other"], f"{_what(path, subject)}: {err.message}", where)]


def _article(t: str) -> str:
    return {
        "object": "a mapping",
        "array": "a list",
        "string": "text",
        "number": "a number",
        "boolean": "true or false",
    }.get(t, t)


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
