"""Messages for people on standard error (results go to standard output)."""

from __future__ import annotations

import click


def echo_err(text: str) -> None:
    """Print ``text`` on standard error."""
    click.echo(text, err=True)
