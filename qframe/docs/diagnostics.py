"""The diagnostic catalogue (docs/diagnostics.md), generated from :mod:`qframe.errors.catalogue`.

Regenerate the document after adding or changing a code::

    .venv/bin/python -m qframe.docs.diagnostics > docs/diagnostics.md
"""

from __future__ import annotations

from qframe.errors.catalogue import CATALOGUE, GROUPS

REGENERATE = ".venv/bin/python -m qframe.docs.diagnostics > docs/diagnostics.md"

INTRO = """\
# Diagnostic codes

<!-- Generated from qframe/errors/catalogue.py: do not edit by hand. Regenerate with
     `{regenerate}` -->

Every problem qframe reports has a code, printed after its level:

```
frameworks/demo/framework.yaml:12:23: error Q201 unknown name `achievment`
```

A code means one thing. This page lists each code once, with its level and what it means; link
to a code as `docs/diagnostics.md#q201`. The message printed with a code says what went wrong in
the case at hand, and its hint how to fix it. An **error** makes the command fail (exit codes are
in [the command line reference](cli.md)); a **warning** is reported and the command goes on,
unless `qframe validate --strict` is given.

The first letter says what was being read: **Q** a framework definition (**W** for its
warnings), **D** data, **T** test files, **S** scenario files, **C** `qframe compare`,
**E** `qframe explain`, **I** `qframe init`.
"""


def render() -> str:
    """The Markdown text of docs/diagnostics.md."""
    parts = [INTRO.format(regenerate=REGENERATE)]
    for group in GROUPS:
        entries = [e for e in CATALOGUE if e.group == group]
        parts.append(f"## {group.title}\n\n{group.about}\n")
        parts.append("| code | level | meaning |\n|---|---|---|")
        parts.extend(
            f'| <a id="{e.anchor}"></a>{e.code} | {e.level.value} | {e.title} |' for e in entries
        )
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
