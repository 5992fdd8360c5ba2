"""The record engine: a :class:`~qframe.ir.records.RecordProgram` lowered to SQL and run where the
records are, DuckDB in-process by default.

- ``base``: the :class:`~qframe.engines.records.base.RecordEngine` protocol every record engine
  implements (DuckDB here, Spark next) and the types it exchanges;
- ``expressions``: per-patient IR nodes to SQL expressions (sqlglot), three-valued logic kept;
- ``query``: the whole query — codes table, one pass over the events per dependency level,
  per-patient fields, registers and indicator rules as ``CASE WHEN`` (first match wins), the
  tally per practice — built once as a sqlglot tree and rendered per dialect; ``stages`` builds
  its data stages, ``scope`` says what each stage reads; ``measures`` turns the tally into the
  practice measures;
- ``tables``: a record folder (Parquet or CSV) as DuckDB views, read by DuckDB, never row by row;
- ``engine``: the DuckDB engine (:class:`~qframe.engines.records.engine.DuckDBRecordEngine`).
"""
