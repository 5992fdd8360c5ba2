"""`python -m qframe ...` runs the command line, as the `qframe` script does."""

from qframe.cli.main import main

if __name__ == "__main__":
    main()
