"""qframe: declarative quality frameworks for primary care.

>>> import qframe
>>> fw = qframe.load("frameworks/qof_2014")      # doctest: +SKIP
>>> fw.evaluate("data/sample").to_frame()       # doctest: +SKIP
"""

__version__ = "0.1.0"

import importlib
from typing import TYPE_CHECKING, Any

from qframe.api import Framework, check, load, validate
from qframe.errors.diagnostics import DataError, DefinitionError, Diagnostic, QframeError

if TYPE_CHECKING:
    from qframe.data.dataset import Dataset
    from qframe.data.load import load_dataset
    from qframe.results.tidy import Result

#: Names imported the first time they are used: `import qframe` (and `qframe validate`) does not
#: import pandas, Arrow or the engines until a dataset is read.
LAZY = {
    "Dataset": "qframe.data.dataset",
    "load_dataset": "qframe.data.load",
    "Result": "qframe.results.tidy",
}


def __getattr__(name: str) -> Any:
    if name in LAZY:
        return getattr(importlib.import_module(LAZY[name]), name)
    raise AttributeError(f"module 'qframe' has no attribute {name!r}")


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
