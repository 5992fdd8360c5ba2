"""Scenario modelling for commissioners: sweeps, calibration, uncertainty and scenario files.

The modules: grid (sweep specifications), sweep, calibrate, uncertainty, files (scenario
files). Their commands are in :mod:`qframe.cli.scenarios`.

A **sweep** evaluates a grid of parameter values in one vectorised pass per chunk of grid points:
the data is laid out and the definition compiled once, swept parameters become arrays along the
grid's *scenario* axis, and only what depends on them is recomputed per scenario (a change of
point value recomputes payments, not achievement). :func:`sweep` returns one row per grid point
(total cost, payment per patient, dispersion, flagged practices) and the per-practice payments.

**Calibration** solves for one parameter so that total spend meets a target (a £ amount, or the
cost of a baseline framework: budget neutral), with scipy's Brent method on the same engine.
**Uncertainty** samples every modelled assumption that states a `range:` (seeded Monte Carlo) and
reports intervals on the total and on each practice's payment. **Scenario files** name variants
of a framework (parameter changes, thresholds moved, indicators dropped, a budget-neutral point
value) and evaluate them all on the same data.
"""

from qframe.tools.scenarios.calibrate import Calibration, calibrate
from qframe.tools.scenarios.files import (
    ScenarioRun,
    evaluate_scenarios,
    load_scenarios,
    run_scenarios,
    scenarios_schema,
)
from qframe.tools.scenarios.grid import SHIFT, Point, grid_points, parse_sweep, shift_amount
from qframe.tools.scenarios.sweep import SweepResult, sweep, total_cost
from qframe.tools.scenarios.uncertainty import Uncertainty, ranged_parameters, uncertainty

__all__ = [
    "SHIFT",
    "Calibration",
    "Point",
    "ScenarioRun",
    "SweepResult",
    "Uncertainty",
    "calibrate",
    "evaluate_scenarios",
    "grid_points",
    "load_scenarios",
    "parse_sweep",
    "ranged_parameters",
    "run_scenarios",
    "scenarios_schema",
    "shift_amount",
    "sweep",
    "total_cost",
    "uncertainty",
]
