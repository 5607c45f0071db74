"""Data checks: the great-expectations suites in ``checks/`` run on a month's CUR lines and invocation logs.

Each suite (``checks/cur.json``, ``checks/logs.json``) is plain GX 1.x suite JSON. Every expectation carries
``meta.check`` (a stable name, used in reports and tests) and ``meta.frame`` (which DataFrame it validates),
optionally ``meta.examples: false`` (show no failing values, e.g. for "month not final");
``severity`` ``critical`` makes a failure an *error* (``check --strict`` / ``--check`` fail on it), anything
else a *warning*. GX cannot validate through DuckDB's SQLAlchemy dialect, so the engine runs
``athena/check_cur_lines.sql`` / ``athena/check_log_records.sql`` (the same SQL on DuckDB and Athena) and GX
validates the result frames with its pandas datasource. Frames:

- ``columns`` (suite ``cur``): one row per column the checks need, built here from the engine's column probe
  and the Arrow types of the query result, compared with ``schema.py``;
- ``lines`` (suite ``cur``): the month's CUR lines with derived values (``check_cur_lines.sql``);
- ``records`` (suite ``logs``): the month's invocation-log records (``check_log_records.sql``).

great_expectations takes ~2 s to import: it is imported on first use, and one ephemeral context serves the
whole process.
"""

from __future__ import annotations

from cur_analyzer.checks._frames import columns_frame, model_id_known
from cur_analyzer.checks._model import (
    CHECKED_COLUMNS,
    ERROR,
    FRAME_INDEX,
    FRAME_SQL,
    FRAME_SUITE,
    MAX_EXAMPLES,
    OPTIONAL_COLUMNS,
    SERVICE_SCOPES,
    SUITES,
    WARNING,
    CheckReport,
    CheckResult,
)
from cur_analyzer.checks._run import run_before, run_checks
from cur_analyzer.checks._suites import columns_of, expectations_by_frame, load_suite_dict, suite_path
from cur_analyzer.checks._table import tabular

__all__ = [
    "CHECKED_COLUMNS",
    "ERROR",
    "FRAME_INDEX",
    "FRAME_SQL",
    "FRAME_SUITE",
    "MAX_EXAMPLES",
    "OPTIONAL_COLUMNS",
    "SERVICE_SCOPES",
    "SUITES",
    "WARNING",
    "CheckReport",
    "CheckResult",
    "columns_frame",
    "columns_of",
    "expectations_by_frame",
    "load_suite_dict",
    "model_id_known",
    "run_before",
    "run_checks",
    "suite_path",
    "tabular",
]
