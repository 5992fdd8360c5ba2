"""A workbook written by a worker process while this one writes the other files.

XlsxWriter spends a few seconds on a national workbook, cell by cell, in Python; the report
takes about as long and does not need the workbook. So a large workbook's cells are made here
(:func:`qframe.results.xlsx.sheet_cells`) and handed to a new Python process,
``qframe.results.workbook`` run as a program, that writes the file on the machine's other core.

The worker is a new interpreter (a subprocess), never a fork of this one: by then this process
may hold threads (Arrow's and DuckDB's pools, jemalloc's), and a fork copies their locks in
whatever state they are. Nor is it a ``multiprocessing`` child, which re-runs the caller's main
script (a script without ``if __name__ == "__main__":`` would run again). It shares nothing but
the cells it is given, through a pipe, so it writes the bytes this process would. It runs in its
own session (Ctrl-C here stops it through the ``with`` block, not half-way by itself).

Its failures come back as errors for people: an error it raises is raised here as it was; a
worker that stops without finishing (killed, out of memory) is C009, and the partial file is
removed. Leaving the ``with`` block early (an error or Ctrl-C here) stops the worker. Where no
process can be started, the workbook is written here instead.
"""

from __future__ import annotations

import contextlib
import pickle
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from qframe.errors.diagnostics import ExitCode, FileProblem, error
from qframe.results.workbook import SheetCells, write_sheets

# Below about this many cells a workbook is written here: starting a worker (a new interpreter
# that imports qframe, about half a second of processor time) would cost more than it saves.
WORKER_CELLS = 100_000
WORKER_MODULE = "qframe.results.workbook"


def worth_a_worker(cells: int) -> bool:
    """Whether a workbook of about ``cells`` cells is worth a worker process."""
    return cells >= WORKER_CELLS


class BackgroundWorkbook:
    """Writes a workbook, in a worker process or here: ``start()`` (the worker starts importing
    what it needs), ``write(sheets)`` once the cells are made, then ``wait()`` for its path.
    Used as a context manager, the worker is stopped if the block is left early.

    >>> with BackgroundWorkbook("out/comparison.xlsx", worker=True) as book:  # doctest: +SKIP
    ...     book.write(sheets)
    ...     write_the_report()
    ...     path = book.wait()
    """

    def __init__(self, path: str | Path, worker: bool) -> None:
        """``worker``: write in a worker process (True) or here, on ``wait`` (False)."""
        self.path = Path(path)
        self.use_worker = worker
        self.sheets: list[SheetCells] = []
        self.process: subprocess.Popen[bytes] | None = None
        self.sender: threading.Thread | None = None

    def start(self) -> BackgroundWorkbook:
        """Start the worker (when one is used, once); where none can start, write here on
        ``wait``."""
        if not self.use_worker or self.process is not None:
            return self
        try:
            self.process = subprocess.Popen(
                worker_command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                start_new_session=True,
            )
        except (OSError, ValueError):  # no interpreter or no process to be had here
            self.use_worker = False
        return self

    def write(self, sheets: Sequence[SheetCells]) -> None:
        """Hand the sheets to the worker (or keep them to write here on ``wait``)."""
        if self.process is None:
            self.sheets = list(sheets)
            return
        # the cells go down the pipe from a thread: the worker reads them once it has imported
        # what it needs, and this process has the report to write meanwhile
        assert self.process.stdin is not None
        self.sender = threading.Thread(
            target=send_and_close,
            args=(self.process.stdin, (str(self.path), list(sheets))),
            daemon=True,
        )
        self.sender.start()

    def wait(self) -> Path:
        """The workbook's path once it is written; the worker's error, or C009 when it stopped
        without finishing."""
        if self.process is None:
            return write_sheets(self.path, self.sheets)
        assert self.process.stdout is not None
        if self.sender is None and self.process.stdin is not None:  # nothing given to write
            send_and_close(self.process.stdin, None)
        reply = self.process.stdout.read()
        self.finish()
        code = self.process.returncode
        self.process = None
        answer: tuple[Any, ...] | None = None
        try:
            answer = pickle.loads(reply) if reply else None
        except Exception:  # a reply cut short
            answer = None
        if answer is not None and answer[0] == "done":
            return Path(answer[1])
        if answer is not None and answer[0] == "error":
            kind, diagnostics, exit_code = answer[1:]
            raise kind(diagnostics, exit_code)
        self.path.unlink(missing_ok=True)  # never leave a half-written workbook
        why = answer[1] if answer is not None else f"it stopped with exit code {code}"
        raise FileProblem(
            [
                error(
                    "C009",
                    f"{self.path} could not be written: the process writing it failed ({why})",
                    None,
                    "run the command again; if it fails again, check the free disk space and "
                    "memory (the other files were written)",
                )
            ],
            ExitCode.FILE_ERROR,
        )

    def finish(self) -> None:
        """Wait for the worker to end and close this side's pipes."""
        assert self.process is not None
        self.process.wait()
        if self.sender is not None:
            self.sender.join()
            self.sender = None
        if self.process.stdout is not None:
            self.process.stdout.close()

    def stop(self) -> None:
        """Stop the worker if it is still writing (a workbook it did not finish is removed)."""
        if self.process is None:
            return
        unfinished = self.process.poll() is None
        if unfinished:
            self.process.kill()
        self.finish()
        self.process = None
        if unfinished:
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> BackgroundWorkbook:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def worker_command() -> list[str]:
    """The worker's command line: this interpreter running :data:`WORKER_MODULE` from the folder
    this qframe was imported from, first on its module path in place of the working folder (so
    the worker runs the same code, wherever it was found, and never a qframe that happens to be
    in the working folder)."""
    home = str(Path(__file__).resolve().parents[2])  # the folder holding qframe/
    # a worker that cannot even start says why, as its answer (not as a traceback)
    boot = "\n".join(
        [
            "import pickle, runpy, sys",
            "sys.path[0] = sys.argv.pop(1)",
            "try:",
            f"    runpy.run_module({WORKER_MODULE!r}, run_name='__main__', alter_sys=True)",
            "except Exception as exc:",
            "    pickle.dump(('failed', f'{type(exc).__name__}: {exc}'), sys.stdout.buffer)",
        ]
    )
    return [sys.executable, "-c", boot, home]


def send_and_close(pipe: IO[bytes], payload: Any) -> None:
    """Send the path and sheets to the worker (nothing to do if it has stopped: ``wait`` says
    so)."""
    try:
        pickle.dump(payload, pipe, protocol=pickle.HIGHEST_PROTOCOL)
    except OSError:  # the worker is gone
        pass
    finally:
        with contextlib.suppress(OSError):
            pipe.close()
