"""The data stage: practice data every framework evaluates on.

- ``dataset``: the :class:`~qframe.data.dataset.Dataset` (two validated tables, units and measures);
- ``load``: :func:`~qframe.data.load.load_dataset`, the one entry for data on disk;
- ``validate``: the strict checks every dataset passes, whatever file it came from;
- ``periods``: period labels (``2014-15``, ``2014-15Q1``) and their order;
- ``readers/``: NHS Digital files and Excel workbooks, read as they are;
- ``synth``: a synthetic national dataset for demos and benchmarks;
- ``records/``: record-level data (patients, registrations, coded events) read and checked with
  DuckDB, code clusters as data, and synthetic records (docs/records.md).
"""
