"""The `qframe` command line. Every command has --help with an example.

Exit codes (docs/cli.md): 0 success; 1 the definition has errors; 2 only warnings and --strict;
3 the data is bad; 4 a file cannot be found or read; 64 the command line is wrong; 70 a fault in
qframe itself (please report it). User errors never print a Python traceback.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Iterator, MutableMapping, Sequence

import click

import qframe
from qframe.cli.messages import echo_err
from qframe.errors.diagnostics import ExitCode, QframeError


class Commands(MutableMapping[str, click.Command]):
    """The commands by name, each imported the first time it is used: `qframe validate` does not
    import what evaluate, compare, the report or the scenarios need (pandas, Arrow, plotly,
    scipy, XlsxWriter)."""

    def __init__(self, where: dict[str, str]) -> None:
        self.where = where  # name -> "module:attribute"
        self.loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self.loaded:
            module, attribute = self.where[name].split(":")
            self.loaded[name] = getattr(importlib.import_module(module), attribute)
        return self.loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self.loaded[name] = command
        self.where.setdefault(name, "")

    def __delitem__(self, name: str) -> None:
        del self.where[name]
        self.loaded.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self.where)

    def __len__(self) -> int:
        return len(self.where)


# ---------------------------------------------------------------- commands: one module each
COMMANDS = Commands(
    {
        "validate": "qframe.cli.validate:command",
        "evaluate": "qframe.cli.evaluate:command",
        "synth": "qframe.cli.synth:command",
        "schema": "qframe.cli.schema:command",
        "test": "qframe.cli.test:command",
        "diff": "qframe.cli.diff:command",
        "init": "qframe.cli.init:command",
        "compare": "qframe.cli.compare:command",
        "sql": "qframe.cli.sql:command",
        "reference": "qframe.docs.reference:command",
        "explain": "qframe.cli.explain:command",
        "sweep": "qframe.cli.scenarios:sweep_command",
        "calibrate": "qframe.cli.scenarios:calibrate_command",
        "uncertainty": "qframe.cli.scenarios:uncertainty_command",
        "scenarios": "qframe.cli.scenarios:scenarios_command",
    }
)
# ---------------------------------------------------------------- end of commands


@click.group(
    commands=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(qframe.__version__, prog_name="qframe")
def cli() -> None:
    """qframe: run declarative quality frameworks (QOF and its alternatives) on practice data.

    \b
    Start with:
      qframe validate frameworks/qof_2014
      qframe evaluate frameworks/qof_2014 --data data/sample --out out/qof
    """


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: maps every outcome to a documented exit code."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    args = [a for a in (argv if argv is not None else sys.argv[1:]) if a != "--debug"]
    try:
        cli.main(args=args, prog_name="qframe", standalone_mode=False)
    except QframeError as exc:
        echo_err(exc.render())
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        echo_err("aborted")
        sys.exit(ExitCode.USAGE)
    except click.ClickException as exc:
        exc.show()
        sys.exit(ExitCode.USAGE)
    except SystemExit:
        raise
    except Exception:
        if debug:
            traceback.print_exc()
        else:
            exc_type, exc_value = sys.exc_info()[:2]
            echo_err(
                f"internal error: {exc_type.__name__ if exc_type else 'Exception'}: {exc_value}"
            )
            echo_err(
                "This is a fault in qframe, not in your definition or data. Please report it, with the output of the same command run with --debug."
            )
        sys.exit(ExitCode.INTERNAL)
    sys.exit(ExitCode.OK)


if __name__ == "__main__":  # pragma: no cover
    main()
