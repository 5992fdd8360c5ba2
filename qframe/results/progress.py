"""Progress of a long command, on a terminal: a bar on standard error, drawn by click (already
qframe's command-line library), that stays quiet when standard error is not a terminal (a pipe,
a file, CI) or when asked (``--quiet``).

>>> with Progress("comparing", total=3, quiet=True) as progress:   # quiet: draws nothing
...     progress.advance("evaluated qof_2014")
>>> progress.done
1
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import IO, Any, TextIO, cast


def on_terminal(stream: IO[str] | None = None) -> bool:
    """Whether ``stream`` (standard error by default) is a terminal a person is watching."""
    target = stream if stream is not None else sys.stderr
    isatty = getattr(target, "isatty", None)
    return bool(isatty and isatty())


class Progress:
    """A progress bar of ``total`` steps labelled ``label``; ``advance(message)`` moves it one step
    (or ``steps``) and shows what was just done. Drawn only on a terminal and unless ``quiet``.
    Use it as a context manager; ``advance`` is also a plain callback (``Callable[[str], None]``)
    for functions that report their steps."""

    def __init__(
        self, label: str, total: int, *, quiet: bool = False, stream: IO[str] | None = None
    ) -> None:
        self.label = label
        self.total = max(int(total), 1)
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.shown = not quiet and on_terminal(self.stream)
        self.bar: Any = None

    def __enter__(self) -> Progress:
        if self.shown:
            import click

            self.bar = click.progressbar(
                length=self.total,
                label=self.label,
                file=cast(TextIO, self.stream),
                show_eta=True,
                show_percent=True,
                item_show_func=lambda message: message,
            )
            self.bar.__enter__()
        return self

    def advance(self, message: str = "", steps: int = 1) -> None:
        """One step (or ``steps``) done: ``message`` says which."""
        self.done += steps
        if self.bar is not None:
            self.bar.update(steps, message or None)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self.bar is not None:
            self.bar.__exit__(kind, error, trace)
            self.bar = None
