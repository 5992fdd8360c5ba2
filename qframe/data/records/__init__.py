"""Record-level data: patients, registrations and coded events, read with DuckDB in-process.

- ``model``: the tables of a record dataset, their columns and types, the known code systems and
  value units (documented in docs/records.md);
- ``load``: :func:`~qframe.data.records.load.load_records` reads a record folder (Parquet or CSV)
  into DuckDB views without going through pandas row by row, and checks it;
- ``checks``: the checks of bad records (counts and example rows, nothing dropped), including
  :func:`~qframe.data.records.checks.check_after_date` for events dated after a reference date;
- ``clusters``: code clusters read from their CSV files;
- ``synth``: synthetic record datasets (``qframe synth --patients N``).
"""
