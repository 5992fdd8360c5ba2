"""Where the data come from: synthetic or real, as the dataset's manifest says.

A dataset folder may carry ``manifest.json`` with ``provenance`` (``synthetic`` or ``real``), a
``description`` and ``deprivation_quintile`` (what its quintiles mean, e.g. ``1 = least deprived, 5 =
most deprived``); ``qframe synth`` writes one, and data/sample has one. A dataset made in memory by
the synthetic generator says so in its source (``synthetic(practices=…, seed=…)``). Anything else
is ``not stated``: the report then asks the reader to check before sharing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MANIFEST = "manifest.json"
KINDS = ("synthetic", "real")
SYNTHETIC_DIRECTION = "1 = least deprived, 5 = most deprived"  # as qframe synth makes them
NOT_STATED_DIRECTION = "direction not stated by the data"


def dataset_provenance(data: Any, source: str) -> dict[str, str]:
    """``{"provenance": synthetic | real | not stated, "description": …, "deprivation_quintile":
    …}`` for the data given (a folder path, a file, or a loaded dataset whose ``source`` is
    ``source``)."""
    direction = NOT_STATED_DIRECTION
    where = data if isinstance(data, (str, Path)) else source  # a loaded dataset: where it was read
    if where and Path(where).exists():
        folder = Path(where)
        manifest = (folder if folder.is_dir() else folder.parent) / MANIFEST
        if manifest.is_file():
            try:
                stated = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                stated = {}
            direction = str(stated.get("deprivation_quintile", "")) or direction
            kind = str(stated.get("provenance", "")).strip().lower()
            if not kind and stated.get("synthetic") is True:  # a record folder's manifest
                kind = "synthetic"
            if kind in KINDS:
                return {
                    "provenance": kind,
                    "description": str(stated.get("description", "")),
                    "deprivation_quintile": direction,
                }
    if str(source).startswith("synthetic("):
        return {
            "provenance": "synthetic",
            "description": f"made by qframe's synthetic generator: {source}",
            "deprivation_quintile": SYNTHETIC_DIRECTION,
        }
    return {"provenance": "not stated", "description": "", "deprivation_quintile": direction}
