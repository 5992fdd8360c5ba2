"""Command-line options shared by several commands, declared once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

DATA_HELP = (
    "Dataset: a folder of units + measures (CSV or Parquet), an Excel workbook, or a folder of "
    "NHS Digital files."
)

Decorator = Callable[[Any], Any]


def data_option(help_text: str = DATA_HELP) -> Decorator:
    """``--data`` (into ``data_path``): the dataset, required."""
    return click.option(
        "--data", "data_path", required=True, type=click.Path(path_type=Path), help=help_text
    )


def set_option() -> Decorator:
    """``--set NAME=VALUE`` (into ``assignments``), repeatable."""
    return click.option(
        "--set",
        "assignments",
        multiple=True,
        metavar="NAME=VALUE",
        help="Override a parameter or an indicator field, e.g. point_value=£180 or DM007.thresholds=40%..80% (repeatable).",
    )


def out_option(help_text: str = "Folder for the results (created if needed).") -> Decorator:
    """``--out`` (into ``out``): the folder written, required."""
    return click.option(
        "--out", "out", required=True, type=click.Path(path_type=Path), help=help_text
    )


def format_option(choices: Sequence[str], help_text: str | None = None) -> Decorator:
    """``--format`` (into ``fmt``): one of ``choices``, the first by default."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=choices[0],
        show_default=True,
        help=help_text,
    )


def strict_option(help_text: str) -> Decorator:
    """``--strict``: a flag."""
    return click.option("--strict", is_flag=True, help=help_text)


def quiet_option() -> Decorator:
    """``--quiet``: no progress bar (one is drawn only on a terminal anyway)."""
    return click.option(
        "--quiet",
        is_flag=True,
        help="Show no progress bar (it is shown only when standard error is a terminal).",
    )


# the record engines by name, the default first: the registry's (a test holds them equal), written
# here so that a command imports no engine to list its options
RECORD_ENGINE_CHOICES = ("duckdb", "spark")


def engine_options() -> Decorator:
    """``--engine`` (into ``engine``: the record engine that counts GP records given as --data)
    and ``--spark-master`` (into ``spark_master``)."""

    def decorate(function: Any) -> Any:
        function = click.option(
            "--spark-master",
            "spark_master",
            default=None,
            metavar="URL",
            help="With --engine spark: the cluster (spark://host:7077, yarn, k8s://...) or a "
            "Spark Connect address (sc://host:15002; or set SPARK_REMOTE). Default: local[*], "
            "Spark on this machine (docs/spark.md).",
        )(function)
        return click.option(
            "--engine",
            "engine",
            type=click.Choice(list(RECORD_ENGINE_CHOICES)),
            default=RECORD_ENGINE_CHOICES[0],
            show_default=True,
            help="The engine that computes the counts from GP records given as --data: DuckDB "
            "in this process, or Spark (pip install 'qframe[spark]'; needs Java).",
        )(function)

    return decorate


def chosen_record_engine(
    engine: str, spark_master: str | None, progress: Callable[[str], None] | None = None
) -> Any:
    """The record engine the options name: Spark made with its settings (``progress`` is told
    what Spark is doing), DuckDB by its name (made when GP records are counted, so practice-level
    data never imports it). A usage error for ``--spark-master`` without ``--engine spark``."""
    if engine != "spark":
        if spark_master:
            raise click.UsageError("--spark-master needs --engine spark")
        return engine
    from qframe.engines.registry import record_engine

    return record_engine("spark", master=spark_master, progress=progress)
