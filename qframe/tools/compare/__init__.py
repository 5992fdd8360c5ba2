"""Compare frameworks on the same data: who gets paid what, who gets flagged, and for whom.

Each framework is evaluated once on one dataset (loaded and laid out once), and the year compared
is reduced to one row per practice and framework: its ``payment`` total (a quarterly framework's
quarters are summed into their financial year), payment per patient (over the dataset's
``list_size`` for the year), ``points`` where the framework has them and the highest escalation
level reached in the year. From that long table come the others (docs/compare.md):

``practices``       one row per practice × framework, with the baseline's payment, the difference
                    and the ratio
``frameworks``      one row per framework: cost, payment per patient (mean, median, Gini, 10th and
                    90th percentiles), practices flagged
``escalation``      one row per framework × escalation level: practices at that level
``winners_losers``  per framework, practices gaining or losing more than the threshold against
                    the baseline, by cluster, by deprivation quintile and overall
``agreement``       one row per pair of frameworks: Spearman rank correlations, flag overlaps
``mismatches``      practices the baseline underpays (bottom quintile of payment per patient)
                    that another framework escalates, and the reverse
``equity``          payment per patient and flag rate by deprivation quintile, per framework
``funnel``          (when a framework reports funnel-plot totals, as improving_together does) the
                    admission rate of each practice in the year's last quarter, with its limits
``components``      one row per framework × component of its payment (the totals its payment
                    adds up, the indicators' payments by domain): cost, share, per patient
``practice_components``  one row per practice × framework × component: the amount
``rollups``         one row per region, CCG, locality and cluster × framework: payment, per
                    patient, difference from the baseline, practices gaining and losing

Where each part is: ``evaluate`` (compare(): run every framework, build the tables and the
manifest), ``selection`` (labels, baseline, year, threshold), ``practices`` (the long table),
``summary`` (frameworks and escalation), ``winners``, ``agreement`` (and mismatches),
``equity`` (and funnel), ``ranking`` (Spearman, quintiles), ``components`` (why money moves:
components, each practice's driver and gate), ``rollups``, ``provenance`` (synthetic or real, from
the dataset's manifest.json), ``comparison`` (the Comparison and its writing: tables through
:mod:`qframe.results.writer`, the workbook, report.html).

>>> from qframe.tools.compare import compare
>>> c = compare(["frameworks/qof_2014", "frameworks/somerset_pqs"], "data/sample")  # doctest: +SKIP
>>> c.frameworks[["framework", "total_cost", "gini_payment_per_patient"]]           # doctest: +SKIP
>>> c.write("out/compare")                                                          # doctest: +SKIP
"""

from qframe.results.xlsx import write_xlsx
from qframe.tools.compare.agreement import agreement_table, mismatches_table
from qframe.tools.compare.comparison import (
    FORMATS,
    MONEY,
    REPORT,
    WORKBOOK,
    Comparison,
    FrameworkLike,
    FrameworkRun,
)
from qframe.tools.compare.equity import FUNNEL_TOTALS, equity_table, funnel_table
from qframe.tools.compare.evaluate import compare
from qframe.tools.compare.practices import ATTRIBUTES, practices_table
from qframe.tools.compare.ranking import quintiles, spearman
from qframe.tools.compare.selection import YEAR, parse_threshold
from qframe.tools.compare.summary import framework_tables
from qframe.tools.compare.winners import winners_losers_table
from qframe.tools.stats import gini

__all__ = [
    "ATTRIBUTES",
    "FORMATS",
    "FUNNEL_TOTALS",
    "MONEY",
    "REPORT",
    "WORKBOOK",
    "YEAR",
    "Comparison",
    "FrameworkLike",
    "FrameworkRun",
    "agreement_table",
    "compare",
    "equity_table",
    "framework_tables",
    "funnel_table",
    "gini",
    "mismatches_table",
    "parse_threshold",
    "practices_table",
    "quintiles",
    "spearman",
    "winners_losers_table",
    "write_xlsx",
]
