"""Starting (or reaching) Spark for the record engine, and saying plainly why it cannot be.

Where Spark comes from, in order: a Spark Connect address (``--spark-master sc://host:15002`` or
the standard ``SPARK_REMOTE`` variable); a cluster master (``--spark-master spark://host:7077``,
``yarn``, ``k8s://…``); otherwise a local session, ``local[*]``, in this process's own JVM.
PySpark is imported only here and only when Spark is asked for: qframe imports and runs without
it. Each way Spark can fail to start is one line with its fix and exit code 6
(``ENGINE_UNAVAILABLE``, docs/spark.md), never a JVM or Py4J traceback:

- Q435 PySpark (or, for Spark Connect, its client libraries) is not installed;
- Q436 no Java: ``JAVA_HOME`` names no ``bin/java``, or there is no ``java`` on ``PATH`` (checked
  before any JVM is started);
- Q437 the cluster or Spark Connect address cannot be reached (a TCP connection is tried first,
  for 5 s, so an unreachable master fails at once rather than after Spark's retries);
- Q438 the cluster runs another Spark major version than the PySpark installed here.

Spark is quietened: its log4j level is ERROR from the JVM's first line (a log4j2 configuration
passed to the driver), ``setLogLevel("ERROR")`` once running, no console progress bar and no UI.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from qframe.errors.diagnostics import ExitCode, QframeError, error

LOCAL = "local[*]"
LOG_LEVEL = "ERROR"
REACH_TIMEOUT = 5.0  # seconds to wait for a cluster's or Spark Connect's port
LOG4J = f"""\
rootLogger.level = {LOG_LEVEL.lower()}
logger.repl.name = org.apache.spark.repl.Main
logger.repl.level = {LOG_LEVEL.lower()}
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = spark %p %c{{1}}: %m%n
"""
# (the repl logger set too: PySpark's driver counts as a shell, and Spark would otherwise announce
# "Setting default log level to WARN" and lower the level to it)
# SQL settings that make Spark compute what DuckDB computes (set on every session, also a remote
# one): dates in UTC, a failed cast or a division by zero is NULL (not an error: Spark 4 turns
# ANSI mode on), and practice ids read from partition folders stay text ("00123").
SQL_SETTINGS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.ansi.enabled": "false",
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
}


def unavailable(code: str, message: str, hint: str) -> QframeError:
    """The error for Spark that cannot start: one line, its fix, exit code 6."""
    return QframeError([error(code, message, None, hint)], ExitCode.ENGINE_UNAVAILABLE)


def import_pyspark() -> Any:
    """The ``pyspark`` module, or Q435 when it is not installed."""
    try:
        with warnings.catch_warnings():
            # PySpark warns on import that it "does not yet fully support pandas >= 3.0.0": qframe
            # hands it no pandas objects (records are read by Spark, counts come back as rows).
            warnings.filterwarnings("ignore", message=".*PySpark does not yet fully support")
            import pyspark
            import pyspark.sql
    except ImportError:
        raise unavailable(
            "Q435",
            "--engine spark needs PySpark, which is not installed",
            "install it with: pip install 'qframe[spark]' (or pip install 'pyspark>=3.5')",
        ) from None
    return pyspark


def java_problem(environ: dict[str, str] | None = None) -> str | None:
    """Why Java cannot be started (None when it can): a ``JAVA_HOME`` without ``bin/java``, or
    no ``java`` on ``PATH``.

    >>> java_problem({"JAVA_HOME": "/nonexistent", "PATH": ""})
    'JAVA_HOME is /nonexistent, which has no bin/java'
    """
    env = os.environ if environ is None else environ
    home = env.get("JAVA_HOME")
    if home:
        if not (Path(home) / "bin" / "java").is_file():
            return f"JAVA_HOME is {home}, which has no bin/java"
        return None
    if shutil.which("java", path=env.get("PATH", "")) is None:
        return "there is no Java: no `java` on PATH and no JAVA_HOME"
    return None


def address_of(url: str) -> tuple[str, int] | None:
    """The host and port to try for a master or Spark Connect URL (None: nothing to try).

    >>> address_of("spark://head:7077"), address_of("sc://localhost"), address_of("yarn")
    (('head', 7077), ('localhost', 15002), None)
    """
    parsed = urlparse(url)
    defaults = {"spark": 7077, "sc": 15002}
    if parsed.scheme not in defaults or not parsed.hostname:
        return None
    try:
        port = parsed.port or defaults[parsed.scheme]
    except ValueError:
        return None
    return parsed.hostname, port


def check_reachable(url: str, what: str) -> None:
    """Q437 unless the address's port answers within :data:`REACH_TIMEOUT` seconds."""
    address = address_of(url)
    if address is None:
        return
    try:
        with socket.create_connection(address, timeout=REACH_TIMEOUT):
            pass
    except OSError as exc:
        raise unavailable(
            "Q437",
            f"cannot reach the {what} at {url} ({exc.strerror or exc})",
            "check the address and that the cluster is running, or leave out --spark-master "
            "(and SPARK_REMOTE) to run Spark locally",
        ) from None


def check_version(server: str, client: str) -> None:
    """Q438 when the cluster's Spark major version is not the installed PySpark's.

    >>> check_version("3.5.1", "3.5.3")
    >>> check_version("3.5.1", "4.0.0")
    Traceback (most recent call last):
    ...
    qframe.errors.diagnostics.QframeError: error Q438 the cluster runs Spark 3.5.1 but PySpark 4.0.0 is installed here
      hint: install the PySpark of the cluster's major version: pip install 'pyspark==3.5.*'
    1 error, 0 warnings
    """
    if server.split(".")[0] != client.split(".")[0]:
        release = ".".join(server.split(".")[:2])
        raise unavailable(
            "Q438",
            f"the cluster runs Spark {server} but PySpark {client} is installed here",
            f"install the PySpark of the cluster's major version: pip install 'pyspark=={release}.*'",
        )


def log_configuration() -> Path:
    """A log4j2 configuration at ERROR level on standard error (written once, in the temp dir)."""
    path = Path(tempfile.gettempdir()) / "qframe-spark-log4j2.properties"
    if not path.is_file() or path.read_text(encoding="utf-8") != LOG4J:
        path.write_text(LOG4J, encoding="utf-8")
    return path


def spark_session(master: str | None = None, remote: str | None = None) -> Any:
    """A SparkSession: Spark Connect at ``remote`` (default ``SPARK_REMOTE``, or a ``sc://``
    master), else classic Spark on ``master`` (default ``local[*]``). An already running session
    of this process is reused. Raises the errors of the module's list."""
    pyspark = import_pyspark()
    remote = remote or (master if master and master.startswith("sc://") else None)
    remote = remote or os.environ.get("SPARK_REMOTE")
    from pyspark.sql import SparkSession

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*PySpark does not yet fully support")
        if remote:
            session = connect_session(SparkSession, remote)
        else:
            session = classic_session(SparkSession, master or LOCAL)
    check_version(str(session.version), str(pyspark.__version__))
    for key, value in SQL_SETTINGS.items():
        session.conf.set(key, value)
    return session


def connect_session(builder_class: Any, remote: str) -> Any:
    """A Spark Connect session (no local JVM: Java is not needed here)."""
    try:
        import grpc  # noqa: F401  (Spark Connect's client needs it)
    except ImportError:
        raise unavailable(
            "Q435",
            "Spark Connect (SPARK_REMOTE or an sc:// address) needs PySpark's connect client",
            "install it with: pip install 'pyspark[connect]>=3.5'",
        ) from None
    check_reachable(remote, "Spark Connect server")
    try:
        return builder_class.builder.remote(remote).getOrCreate()
    except Exception as exc:
        raise unavailable(
            "Q437",
            f"cannot start a Spark Connect session at {remote}: {first_line(exc)}",
            "check the address (sc://host:15002) and that the server is running",
        ) from None


def classic_session(builder_class: Any, master: str) -> Any:
    """A classic session on ``master``, its JVM started here (Java checked first). Under
    spark-submit (its JVM already running, ``PYSPARK_GATEWAY_PORT`` set) and without
    ``--spark-master``, the session spark-submit configured is used as it is."""
    if "PYSPARK_GATEWAY_PORT" in os.environ and master == LOCAL:
        session = builder_class.builder.appName("qframe").getOrCreate()
        session.sparkContext.setLogLevel(LOG_LEVEL)
        return session
    problem = java_problem()
    if problem is not None:
        raise unavailable(
            "Q436",
            f"--engine spark needs Java 17 or later, and {problem}",
            "install a JRE (Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME "
            "to one; or use --engine duckdb",
        )
    check_reachable(master, "Spark master")
    local = master.startswith("local")
    java_options = f"-Dlog4j2.configurationFile=file:{log_configuration()}"
    builder = (
        builder_class.builder.master(master)
        .appName("qframe")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.extraJavaOptions", java_options)
    )
    if local:  # a session on this machine: its own address, a partition per core
        builder = (
            builder.config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", str(os.cpu_count() or 2))
        )
        if not os.environ.get("SPARK_DRIVER_MEMORY"):  # Spark's own variable wins
            builder = builder.config("spark.driver.memory", local_memory())
    for key, value in SQL_SETTINGS.items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:
        raise unavailable(
            "Q437" if not local else "Q436",
            f"Spark could not start on {master}: {first_line(exc)}",
            "check --spark-master and the cluster"
            if not local
            else "check that Java 17 or later works (java -version), or use --engine duckdb",
        ) from None
    session.sparkContext.setLogLevel(LOG_LEVEL)
    return session


def local_memory() -> str:
    """The JVM heap of a local session: 60% of this machine's memory, as DuckDB's limit (Spark's
    default, 1 GB, holds a few hundred thousand patients), at least 1 GB."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return "1g"
    return f"{max(1024, int(total * 0.6) // 2**20)}m"


def first_line(exc: BaseException) -> str:
    """The first non-empty line of an exception's message (a JVM's is pages long)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0][:300] if lines else type(exc).__name__
