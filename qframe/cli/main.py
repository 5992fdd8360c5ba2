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
#: Each command: where it is ("module:attribute"), and the first paragraph of its help, which
#: `qframe --help` lists without importing the command (tests/test_cli_help.py holds the two
#: equal).
REGISTRY = {
    "validate": (
        "qframe.cli.validate:command",
        "Check framework definitions without reading any data.",
    ),
    "evaluate": (
        "qframe.cli.evaluate:command",
        "Evaluate a framework on a dataset and write tidy results.",
    ),
    "synth": (
        "qframe.cli.synth:command",
        "Generate a deterministic synthetic England-like dataset (synthetic ids and names only).",
    ),
    "schema": (
        "qframe.cli.schema:command",
        "Print the JSON Schema of definition files (for editors' completion and validation).",
    ),
    "test": (
        "qframe.cli.test:command",
        "Run the test cases stored with framework definitions (FRAMEWORK/tests/*.yaml).",
    ),
    "diff": (
        "qframe.cli.diff:command",
        "Show how definition B differs from definition A, and what that does to payments.",
    ),
    "init": (
        "qframe.cli.init:command",
        "Start a new framework: create the folder NAME with a commented framework.yaml.",
    ),
    "compare": (
        "qframe.cli.compare:command",
        "Compare frameworks on the same data: cost, who gains and loses, equity, who is flagged.",
    ),
    "sql": (
        "qframe.cli.sql:command",
        "Print the SQL that computes a framework's counts from GP records (records.yaml): the "
        "population, the per-patient fields, the registers and the first-match-wins rules, then "
        "the counts per practice. It is exactly the query `qframe evaluate --data RECORDS` runs.",
    ),
    "reference": (
        "qframe.docs.reference:command",
        "Print the expression language reference (Markdown).",
    ),
    "explain": (
        "qframe.cli.explain:command",
        "Show how a result was derived: each named step with its expression, where it is defined "
        "(file:line) and its value for this practice, down to the input measures, ending in the "
        "points, the payment and any escalation (which rule fired, at what level, since when).",
    ),
    "sweep": (
        "qframe.cli.scenarios:sweep_command",
        "Evaluate a grid of parameter values in one vectorised pass (data read and compiled once).",
    ),
    "calibrate": (
        "qframe.cli.scenarios:calibrate_command",
        "Solve for a parameter so that total spend meets a target, and check it.",
    ),
    "uncertainty": (
        "qframe.cli.scenarios:uncertainty_command",
        "Monte Carlo over the modelled assumptions that state a `range:` (seeded): 95% intervals "
        "on the total cost and on each practice's payment.",
    ),
    "scenarios": (
        "qframe.cli.scenarios:scenarios_command",
        "Evaluate the named variants of a scenario file on the same data and compare them.",
    ),
}
COMMANDS = Commands({name: where for name, (where, _) in REGISTRY.items()})
SUMMARIES = {name: summary for name, (_, summary) in REGISTRY.items()}
# ---------------------------------------------------------------- end of commands


class Group(click.Group):
    """The command group, listing its commands in ``--help`` from :data:`SUMMARIES` (a command
    not listed there, e.g. one added by a test, is imported for its help as click does)."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        listed: list[tuple[str, click.Command | None]] = []
        for name in self.list_commands(ctx):
            if name in SUMMARIES and name not in COMMANDS.loaded:
                listed.append((name, None))  # its summary, without importing it
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                listed.append((name, command))
        if not listed:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in listed)  # as click's own
        rows = [
            (
                name,
                (command or click.Command(name, help=SUMMARIES[name])).get_short_help_str(limit),
            )
            for name, command in listed
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(
    cls=Group,
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
