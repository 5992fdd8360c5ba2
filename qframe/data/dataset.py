"""Practice data: the canonical dataset every framework evaluates on, and its strict validation.

A dataset is two tables (documented in docs/data-model.md):

``units``     one row per unit (practice): ``unit_id`` (required), ``name``, and attributes such
              as ``region``, ``ccg``, ``locality``, ``cluster``, ``hscp``, ``deprivation_quintile``.
``measures``  one row per unit × period × measure (× key): ``unit_id``, ``period``
              (``2014-15`` for a year, ``2014-15Q1`` for a quarter), ``measure`` (e.g.
              ``numerator``), ``key`` (e.g. the indicator ``DM007`` or the group ``DM``; empty for
              measures such as ``list_size``) and ``value``.

On disk a dataset is a folder holding ``units.csv`` and ``measures.csv`` (or ``.parquet``), read
by :func:`qframe.data.load.load_dataset`. A :class:`Dataset` is always validated
(:mod:`qframe.data.validate`). In a validated dataset the text columns of ``measures``
(``unit_id``, ``period``, ``measure``, ``key``) are categoricals (their labels stripped, each
once) and ``value`` is float64: millions of rows hold a few thousand strings.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from qframe.data.validate import ValidFrames, validate_frames
from qframe.errors.diagnostics import DataError, Diagnostic, error
from qframe.model.periods import QUARTER, YEAR

#: The key in :attr:`Dataset.cache` of the measures' rows as integers
#: (:class:`qframe.data.plausibility.MeasureRows`), shared by the checks that join rows.
MEASURE_ROWS = "measure rows"


@dataclass(frozen=True)
class Dataset:
    """Validated practice data. Build with :func:`load_dataset` or :meth:`from_frames`."""

    units: pd.DataFrame
    measures: pd.DataFrame
    source: str = "<memory>"
    content_hash: str = ""
    warnings: tuple[Diagnostic, ...] = ()
    #: The level its units are (issue 13): ``practice``, or a unit attribute such as ``pcn`` for
    #: data brought to that level by :func:`qframe.data.levels.at_level` from ``practices``.
    level: str = "practice"
    practices: Dataset | None = field(default=None, compare=False, repr=False)
    #: What engines derive from the data once (their layouts), kept with it: a dataset is frozen.
    cache: dict[Any, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    @classmethod
    def from_frames(
        cls, units: pd.DataFrame, measures: pd.DataFrame, source: str = "<memory>"
    ) -> Dataset:
        """Validate two DataFrames (the layout of units.csv and measures.csv)."""
        return cls.from_valid(validate_frames(units, measures, "units", "measures"), source)

    @classmethod
    def from_valid(cls, valid: ValidFrames, source: str, content_hash: str = "") -> Dataset:
        """The dataset of two validated tables, keeping what validation made of their rows."""
        ds = cls(valid.units, valid.measures, source, content_hash, valid.warnings)
        if valid.rows is not None:
            ds.cache[MEASURE_ROWS] = valid.rows
        return ds

    @property
    def unit_ids(self) -> np.ndarray:
        return self.units["unit_id"].to_numpy()

    def digest(self) -> str:
        """SHA-256 identifying the data: of the files read, or else of the tables' contents."""
        if self.content_hash:
            return self.content_hash
        if "digest" not in self.cache:
            h = hashlib.sha256()
            for frame in (self.units, self.measures):
                h.update(",".join(map(str, frame.columns)).encode())
                h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
            self.cache["digest"] = h.hexdigest()
        digest: str = self.cache["digest"]
        return digest

    def periods(self, frequency: str) -> list[str]:
        """The labels of one frequency (``year`` or ``quarter``) in the measures, sorted."""
        pattern = QUARTER if frequency == "quarter" else YEAR
        if "periods" not in self.cache:  # the distinct labels, found once (one pass over rows)
            self.cache["periods"] = [str(p) for p in self.measures["period"].unique()]
        labels: list[str] = self.cache["periods"]
        return sorted(p for p in labels if pattern.match(p))


def frames_from_mapping(data: Mapping[str, pd.DataFrame]) -> Dataset:
    """Build a dataset from ``{"units": ..., "measures": ...}`` DataFrames."""
    if "units" not in data or "measures" not in data:
        raise DataError(
            [
                error(
                    "D002",
                    "data needs two tables: units and measures",
                    None,
                    "pass {'units': DataFrame, 'measures': DataFrame}",
                )
            ]
        )
    return Dataset.from_frames(data["units"], data["measures"])


__all__ = ["Dataset", "frames_from_mapping"]
