"""The `qframe` command line. Every command has --help with an example.

Exit codes (docs/cli.md): 0 success; 1 the definition has errors; 2 only warnings and --strict;
3 the data is bad; 4 a file cannot be found or read; 64 the command line is wrong; 70 a fault in
qframe itself (please report it). User errors never print a Python traceback.
"""

from __future__ import annotations

import importlib
import sys
import traceback
from collections.abc import Sequence

import click

import qframe
from qframe.cli import compare, diff, evaluate, init, schema, synth, test, validate
from qframe.cli.messages import echo_err
from qframe.errors.diagnostics import ExitCode, QframeError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(qframe.__version__, prog_name="qframe")
def cli() -> None:
    """qframe: run declarative quality frameworks (QOF and its alternatives) on practice data.

    \b
    Start with:
      qframe validate frameworks/qof_2014
      qframe evaluate frameworks/qof_2014 --data data/sample --out out/qof
    """


# ---------------------------------------------------------------- commands: one module each
cli.add_command(validate.command)  # `qframe validate`
cli.add_command(evaluate.command)  # `qframe evaluate`
cli.add_command(synth.command)  # `qframe synth`
cli.add_command(schema.command)  # `qframe schema`
cli.add_command(test.command)  # `qframe test`
cli.add_command(diff.command)  # `qframe diff`
cli.add_command(init.command)  # `qframe init`
cli.add_command(compare.command)  # `qframe compare`
cli.add_command(importlib.import_module("qframe.docs.reference").command)  # `qframe reference`
cli.add_command(importlib.import_module("qframe.cli.explain").command)  # `qframe explain`
for _command in importlib.import_module("qframe.cli.scenarios").commands:
    cli.add_command(_command)  # sweep, calibrate, uncertainty, scenarios
# ---------------------------------------------------------------- end of commands


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
