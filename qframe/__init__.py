"""qframe: declarative quality frameworks for primary care.

>>> import qframe
>>> fw = qframe.load("frameworks/qof_2014")      # doctest: +SKIP
>>> fw.evaluate("data/sample").to_frame()       # doctest: +SKIP
"""

__version__ = "0.1.0"

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from qframe.errors.diagnostics import DataError, DefinitionError, Diagnostic, QframeError

if TYPE_CHECKING:
    from qframe.api import Framework, check, load, validate
    from qframe.data.dataset import Dataset
    from qframe.data.load import load_dataset
    from qframe.results.tidy import Result

#: Names imported the first time they are used: `import qframe` imports no more than the
#: diagnostics; the API (and with it the checker and numpy) when it is first used, pandas, Arrow
#: and the engines not until a dataset is read. `qframe validate` imports only what it checks with.
LAZY = {
    "Framework": "qframe.api",
    "check": "qframe.api",
    "load": "qframe.api",
    "validate": "qframe.api",
    "Dataset": "qframe.data.dataset",
    "load_dataset": "qframe.data.load",
    "Result": "qframe.results.tidy",
}


def __getattr__(name: str) -> Any:
    if name in LAZY:
        return getattr(importlib.import_module(LAZY[name]), name)
    raise AttributeError(f"module 'qframe' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *LAZY})


class Package(types.ModuleType):
    """The module ``qframe``: importing the checker (the subpackage ``qframe.check``) does not
    bind its name over the API's :func:`~qframe.api.check`, which ``qframe.check`` stays."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in LAZY and isinstance(value, types.ModuleType):
            return  # the import system binding a subpackage of the same name
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = Package


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
