"""The schemas' references to their own definitions are written out before validating (faster:
jsonschema looks each reference up every time it is used); the problems found and their words must
be the same as with the schema as shipped."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from qframe.source import schema as schemas
from qframe.source.yamldoc import load_yaml

ROOT = Path(__file__).resolve().parent.parent
DOCUMENTS = {
    "framework.schema.json": ROOT / "tests" / "fixtures" / "mini" / "framework.yaml",
    "records.schema.json": ROOT / "frameworks" / "qof_2014" / "records.yaml",
    "scenarios.schema.json": ROOT / "examples" / "scenarios" / "qof_variants.yaml",
}
WRONG = (None, -1, "a b", [1, "x"], {"unknown_field": 1}, "")


def broken(data: Any, depth: int = 0) -> Iterator[Any]:
    """``data`` with one value deleted or replaced by a wrong one, at places down to a depth of
    three (a few entries of each mapping and list, those holding more first)."""
    if depth > 2 or not isinstance(data, (dict, list)):
        return
    keys = list(data) if isinstance(data, dict) else list(range(len(data)))
    keys = sorted(keys, key=lambda k: not isinstance(data[k], (dict, list)))[: 3 - depth]
    if len(str(data)) > 5000:  # a large file: its deepest places are enough
        keys = keys[:2]
    for key in keys:
        for wrong in WRONG[depth::2]:
            changed = copy.deepcopy(data)
            changed[key] = wrong
            yield changed
        if isinstance(data, dict):
            changed = copy.deepcopy(data)
            del changed[key]
            yield changed
        for inner in broken(data[key], depth + 1):
            changed = copy.deepcopy(data)
            changed[key] = inner
            yield changed


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_written_out_references_find_the_same_problems(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    schema = schemas.load_schema(name)
    written_out = schemas.inline_references(schema)
    assert "$ref" not in json.dumps({k: v for k, v in written_out.items() if k != "$defs"})
    data = yaml.safe_load(DOCUMENTS[name].read_text(encoding="utf-8"))
    as_shipped = [schemas.inline_references, lambda schema: schema]
    documents = list(broken(data))
    with_problems = 0
    for changed in documents:
        doc = load_yaml("x.yaml", yaml.dump(changed, Dumper=yaml.CSafeDumper, sort_keys=False))
        found = []
        for inline in as_shipped:
            monkeypatch.setattr(schemas, "VALIDATORS", {})
            monkeypatch.setattr(schemas, "inline_references", inline)
            found.append(
                [
                    (p.path, p.diagnostic.code, p.diagnostic.message, p.diagnostic.hint)
                    for p in schemas.schema_problems(doc, schema)
                ]
            )
        assert found[0] == found[1]
        with_problems += bool(found[0])
    assert with_problems >= len(documents) // 2  # most are found broken
