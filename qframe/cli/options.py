"""Command-line options shared by several commands, declared once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

DATA_HELP = (
    "Dataset: a folder of units + measures (CSV or Parquet), an Excel workbook, or a folder of "
    "NHS Digital files."
)

Decorator = Callable[[Any], Any]


def data_option(help_text: str = DATA_HELP) -> Decorator:
    return click.option(
        "--data", "data_path", required=True, type=click.Path(path_type=Path), help=help_text
    )


def set_option() -> Decorator:
    return click.option(
        "--set",
        "assignments",
        multiple=True,
        metavar="NAME=VALUE",
        help="Override a parameter or an indicator field, e.g. point_value=£180 or DM007.thresholds=40%..80% (repeatable).",
    )


def out_option(help_text: str = "Folder for the results (created if needed).") -> Decorator:
    return click.option(
        "--out", "out", required=True, type=click.Path(path_type=Path), help=help_text
    )
