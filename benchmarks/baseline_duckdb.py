"""The baseline of the whole-process benchmarks: a DuckDB script doing the least an evaluation
must do. It reads the measures (Parquet or CSV), pivots numerator and denominator per practice,
period and indicator, computes achievement and writes the table (Parquet or CSV).

    python benchmarks/baseline_duckdb.py DATA_FOLDER OUT_FOLDER [parquet|csv]
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb


def main() -> None:
    data, out, fmt = (
        Path(sys.argv[1]),
        Path(sys.argv[2]),
        sys.argv[3] if len(sys.argv) > 3 else "parquet",
    )
    out.mkdir(parents=True, exist_ok=True)
    parquet = data / "measures.parquet"
    source = (
        f"read_parquet('{parquet}')"
        if parquet.exists()
        else f"read_csv('{data / 'measures.csv'}', all_varchar=true)"
    )
    target = out / f"indicators.{fmt}"
    options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER true"
    duckdb.sql(
        f"""
        COPY (
            SELECT unit_id, period, key AS indicator,
                   max(CAST(value AS DOUBLE)) FILTER (WHERE measure = 'numerator') AS numerator,
                   max(CAST(value AS DOUBLE)) FILTER (WHERE measure = 'denominator') AS denominator,
                   numerator / nullif(denominator, 0) AS achievement
            FROM {source}
            WHERE measure IN ('numerator', 'denominator')
            GROUP BY ALL
            ORDER BY ALL
        ) TO '{target}' ({options})
        """
    )


if __name__ == "__main__":
    main()
