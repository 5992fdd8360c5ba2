"""The Spark record engine (``--engine spark``): the record query qframe generates for DuckDB,
rendered as Spark SQL and run where the records are (docs/spark.md).

- ``session``: starting or reaching Spark (local, a cluster master, Spark Connect), quietly,
  with one-line errors for what stops it (no PySpark, no Java, no cluster, another version);
- ``tables``: a record folder as Spark views, read by Spark from Parquet or CSV;
- ``engine``: :class:`~qframe.engines.spark.engine.SparkRecordEngine`, the
  :class:`~qframe.engines.records.base.RecordEngine` protocol on Spark.

PySpark is imported only when Spark is asked for.
"""
