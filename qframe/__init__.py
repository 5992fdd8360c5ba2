"""qframe: declarative quality frameworks for primary care.

>>> import qframe
>>> fw = qframe.load("frameworks/qof_2014")      # doctest: +SKIP
>>> fw.evaluate("data/sample").to_frame()       # doctest: +SKIP
"""

__version__ = "0.1.0"

from qframe.api import Framework, check, load, validate
from qframe.data.dataset import Dataset
from qframe.data.load import load_dataset
from qframe.errors.diagnostics import DataError, DefinitionError, Diagnostic, QframeError
from qframe.results.tidy import Result

__all__ = [
    "DataError",
    "Dataset",
    "DefinitionError",
    "Diagnostic",
    "Framework",
    "QframeError",
    "Result",
    "__version__",
    "check",
    "load",
    "load_dataset",
    "validate",
]
