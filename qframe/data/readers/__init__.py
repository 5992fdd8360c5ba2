"""Read the files analysts really have, as they are, into a canonical :class:`~qframe.data.dataset.Dataset`.

Supported (documented in docs/data-model.md, "Reading NHS Digital files"):

- NHS Digital QOF raw-data CSVs: ``PREVALENCE_<yyyy>.csv``, ``ORGANISATION_REFERENCE_<yyyy>.csv``,
  ``MAPPING_NHS_GEOGRAPHIES_<yyyy>.csv``, the long achievement layout ``ACHIEVEMENT_<yyyy>.csv``
  (``PRACTICE_CODE, INDICATOR_CODE, MEASURE, VALUE``) and the 2014-15 ``qof-1415-csvfiles`` trio
  ``INDICATORS_BY_PRAC.csv``, ``EXCEPTION_OUTPUT.csv`` and ``PREVALENCE_BY_PRAC_v2.csv``;
- NHS Payments to General Practice (``payments_14-15.csv``);
- an Excel workbook with sheets ``units`` and ``measures``.

A folder of NHS Digital files is read as one dataset: units from the reference, mapping and
payments files (merged on the practice code), measures from the others.

Column names are matched without regard to case or surrounding spaces. Every column mapping is a
table at the top of the module of its family of files:

- ``prevalence``, ``achievement``, ``qof_1415`` (the 2014-15 trio), ``geographies`` (organisation
  reference and NHS geographies), ``payments``: one reader per layout;
- ``layouts``: the registry :data:`LAYOUTS`, and how a file's layout and year are told;
- ``part`` and ``columns``: what every reader shares (the part a file contributes, its cells);
- ``merge``: parts of several files put together; ``folder``: the entry points for files and
  folders; ``excel``: workbooks.

Nothing is guessed or dropped silently: every problem names the file, its rows (as a spreadsheet
shows them: the header is row 1) and a fix; every value qframe leaves out or relabels is reported
as a warning.
"""

from qframe.data.readers.columns import parse_numbers
from qframe.data.readers.excel import read_excel
from qframe.data.readers.folder import nhsd_files, read_nhsd_files, read_path
from qframe.data.readers.layouts import (
    LAYOUTS,
    LOOKED_FOR,
    Layout,
    detect_layout,
    period_from_name,
)

__all__ = [
    "LAYOUTS",
    "LOOKED_FOR",
    "Layout",
    "detect_layout",
    "nhsd_files",
    "parse_numbers",
    "period_from_name",
    "read_excel",
    "read_nhsd_files",
    "read_path",
]
