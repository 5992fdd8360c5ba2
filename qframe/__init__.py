"""qframe: declarative quality frameworks for primary care."""

__version__ = "0.1.0"
