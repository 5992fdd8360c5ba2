"""Checking a framework: the typed model → typed IR, with every problem found before any data is
read. :mod:`.compiler` walks each expression, helped by :mod:`.names`, :mod:`.operators`,
:mod:`.calls` (definitions, inputs) and :mod:`.builtins` (one module a family of built-in
functions, each call checked against its typed signature); :mod:`.indicators` builds the indicator
table and each rule's per-indicator variants. A framework-level check is one module under
:mod:`.rules` (a new check goes there). :mod:`.overrides` reads `--set` values."""
