"""Building blocks of the synthetic records: date windows, uniform dates, and the event sink
that collects coded events as integer arrays and turns them into one Arrow table."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from qframe.data.records.model import CODE_SYSTEMS

EPOCH = dt.date(1970, 1, 1)


def uniform_days(rng: np.random.Generator, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """A day drawn uniformly from low..high (both inclusive; high below low gives low).

    >>> rng = np.random.default_rng(0)
    >>> d = uniform_days(rng, np.array([10, 10]), np.array([12, 5]))
    >>> bool(10 <= d[0] <= 12), int(d[1])
    (True, 10)
    """
    low = np.asarray(low, dtype=np.int64)
    span = np.maximum(np.asarray(high, dtype=np.int64) - low, 0) + 1
    return low + np.floor(rng.random(len(low)) * span).astype(np.int64)


def months_before_day(date: dt.date, months: int) -> int:
    """The first day (days since 1970) of the window of ``months`` months ending on ``date``."""
    start = pd.Timestamp(date) - pd.DateOffset(months=months) + pd.Timedelta(days=1)
    return (start.date() - EPOCH).days


@dataclass(frozen=True)
class Windows:
    """The days (since 1970-01-01) the rules' windows start on, for one PPED."""

    pped: int
    months12: int
    months9: int
    months6: int
    months3: int
    months1: int
    flu_start: int
    mi_since: int

    @classmethod
    def for_pped(cls, pped: dt.date) -> Windows:
        return cls(
            (pped - EPOCH).days,
            months_before_day(pped, 12),
            months_before_day(pped, 9),
            months_before_day(pped, 6),
            months_before_day(pped, 3),
            months_before_day(pped, 1),
            (dt.date(pped.year - 1, 8, 1) - EPOCH).days,
            (dt.date(2011, 4, 1) - EPOCH).days,
        )


class EventSink:
    """Coded events collected chunk by chunk: patient index, code index, day, value, unit index.

    Codes and units are kept as small integer indices (a national dataset has about ten million
    events but a hundred distinct codes), so the table is built without any per-row Python."""

    def __init__(self, system: str = "readv2") -> None:
        assert system in CODE_SYSTEMS
        self.system = system
        self.codes: dict[str, int] = {}
        self.units: dict[str, int] = {"": -1}
        self.chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []

    def code(self, code: str) -> int:
        return self.codes.setdefault(code, len(self.codes))

    def unit(self, unit: str) -> int:
        if unit not in self.units:
            self.units[unit] = len(self.units) - 1
        return self.units[unit]

    def push(self, patients: np.ndarray, code_idx: np.ndarray, day: np.ndarray,
             values: np.ndarray | None = None, unit_idx: np.ndarray | None = None) -> None:  # fmt: skip
        """Events given as code (and unit) indices from :meth:`code` and :meth:`unit`."""
        n = len(patients)
        if n == 0:
            return
        vals = np.full(n, np.nan) if values is None else np.asarray(values, dtype=np.float64)
        units = np.full(n, -1, dtype=np.int32) if unit_idx is None else unit_idx.astype(np.int32)
        self.chunks.append((np.asarray(patients, dtype=np.int64), code_idx.astype(np.int32),
                            np.asarray(day, dtype=np.int64), vals, units))  # fmt: skip

    def add_coded(self, patients: np.ndarray, labels: list[str], which: np.ndarray,
                  day: np.ndarray, values: np.ndarray | None = None,
                  unit_labels: list[str] | None = None, unit_which: np.ndarray | None = None,
                  ) -> None:  # fmt: skip
        """Events whose code is ``labels[which]`` (and unit ``unit_labels[unit_which]``; an empty
        unit label: no unit)."""
        codes = np.array([self.code(c) for c in labels], dtype=np.int32)[which]
        units = None
        if unit_labels is not None and unit_which is not None:
            units = np.array([self.unit(u) for u in unit_labels], dtype=np.int32)[unit_which]
        self.push(patients, codes, day, values, units)

    def add(self, patients: np.ndarray, code: str, day: np.ndarray,
            values: np.ndarray | None = None, unit: str = "") -> None:  # fmt: skip
        n = len(patients)
        self.push(patients, np.full(n, self.code(code), dtype=np.int32), day, values,
                  np.full(n, self.unit(unit), dtype=np.int32))  # fmt: skip

    def add_choice(self, patients: np.ndarray, codes: list[str], weights: list[float],
                   day: np.ndarray, rng: np.random.Generator,
                   values: np.ndarray | None = None, unit: str = "") -> None:  # fmt: skip
        """Events whose code is drawn from ``codes`` with ``weights``."""
        n = len(patients)
        if n == 0:
            return
        p = np.asarray(weights, dtype=float)
        which = rng.choice(len(codes), size=n, p=p / p.sum())
        self.add_coded(patients, codes, which, day, values, [unit], np.zeros(n, dtype=np.int64))

    def table(self, dob: np.ndarray, death: np.ndarray, last_day: int) -> pa.Table:
        """All events as an Arrow table sorted by patient and date; dates are kept between the
        patient's birth and death (and the extract date), so no generated event breaks a check."""
        pid = np.concatenate([c[0] for c in self.chunks])
        code = np.concatenate([c[1] for c in self.chunks])
        day = np.concatenate([c[2] for c in self.chunks])
        value = np.concatenate([c[3] for c in self.chunks])
        unit = np.concatenate([c[4] for c in self.chunks])
        ceiling = np.where(death[pid] >= 0, death[pid], last_day)
        day = np.maximum(np.minimum(day, ceiling), dob[pid])
        order = np.argsort(pid * 100_000 + (day - day.min()))
        pid, code, day, value, unit = pid[order], code[order], day[order], value[order], unit[order]
        code_labels = pa.array(list(self.codes), pa.string())
        unit_labels = pa.array(
            [u for u, i in sorted(self.units.items(), key=lambda x: x[1]) if i >= 0]
        )
        return pa.table(
            {
                "patient_id": pa.array(pid + 1),
                "system": pa.DictionaryArray.from_arrays(
                    pa.array(np.zeros(len(pid), dtype=np.int32)), pa.array([self.system])
                ),
                "code": pa.DictionaryArray.from_arrays(pa.array(code), code_labels),
                "date": pa.array(day.astype(np.int32), pa.date32()),
                "value": pa.array(value, mask=np.isnan(value)),
                "unit": pa.DictionaryArray.from_arrays(pa.array(unit, mask=unit < 0), unit_labels),
            }
        )
