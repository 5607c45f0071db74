"""Running the suites for a month: the engine's queries, the frames, GX validation, and the gate a report
runs first when asked to check its data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cur_analyzer import schema
from cur_analyzer.checks._frames import _lines_frame, columns_frame, model_id_known
from cur_analyzer.checks._gx import _not_run, _result, _validate
from cur_analyzer.checks._model import CHECKED_COLUMNS, FRAME_SQL, SERVICE_SCOPES, SUITES, CheckReport
from cur_analyzer.checks._suites import expectations_by_frame, suite_path
from cur_analyzer.errors import UserInputError, about
from cur_analyzer.period import BillingPeriod

if TYPE_CHECKING:
    import pyarrow as pa

    from cur_analyzer.engines import Engine


def _run_cur(engine: Engine, month: str, service: str, report: CheckReport) -> None:
    from cur_analyzer.reports.chargeback import check_month

    with about("month"):
        check_month(engine, month)
    frames = expectations_by_frame("cur")
    present = engine.capabilities().columns
    missing = [c for c in (*schema.REQUIRED_COLUMNS, *CHECKED_COLUMNS) if c not in present]
    table = None
    if not missing:
        table = engine.query(FRAME_SQL["lines"], {"month": month, "service": service})
    types: dict[str, pa.DataType | str] = {f.name: f.type for f in table.schema} if table is not None else {}
    if stored_types := getattr(engine, "stored_types", None):
        types |= stored_types()  # the files' own types: a column the engine converts on reading still fails
    cols = columns_frame(present, types)
    results = _validate("cur", "columns", frames["columns"], cols, {})
    report.results += [_result("cur", "columns", e, results[e["meta"]["check"]]) for e in frames["columns"]]
    if table is None:
        why = f"not run: the export lacks {', '.join(missing)}"
        report.results += [_not_run("cur", e, why) for e in frames["lines"]]
        return
    df = _lines_frame(table)
    report.frames["cur.lines"] = len(df)
    period = BillingPeriod.parse(month)
    start, end = (dt.datetime.combine(d, dt.time()) for d in (period.start, period.end))
    results = _validate("cur", "lines", frames["lines"], df, {"period_start": start, "period_end": end})
    report.results += [_result("cur", "lines", e, results[e["meta"]["check"]]) for e in frames["lines"]]


def _run_logs(engine: Engine, month: str, report: CheckReport) -> None:
    frames = expectations_by_frame("logs")
    # the same records estimate and reconcile read: the period's log partitions, the period's records
    period = BillingPeriod.parse(month)
    window = period.log_partitions() | {"month": str(period)}
    df = engine.query(FRAME_SQL["records"], window).to_pandas()
    report.frames["logs.records"] = len(df)
    ids = {m for m in df["model_id"].dropna().unique().tolist() if isinstance(m, str)}
    known = sorted(m for m in ids if model_id_known(m))
    results = _validate("logs", "records", frames["records"], df, {"known_model_ids": known})
    report.results += [_result("logs", "records", e, results[e["meta"]["check"]]) for e in frames["records"]]


def run_checks(
    engine: Engine, month: str, suites: Sequence[str] = ("cur",), service: str = "bedrock"
) -> CheckReport:
    """Run the named suites for ``month`` and return every expectation's outcome (never raises on a
    failed expectation; bad input such as an unknown month or missing logs raises ``UserInputError``)."""
    from cur_analyzer.attribution import validate_month

    validate_month(month)
    if service not in SERVICE_SCOPES:
        raise UserInputError(f"the service scope must be bedrock or all (got {service!r})")
    wanted = tuple(dict.fromkeys(suites))
    for s in wanted:
        suite_path(s)  # unknown names fail before any query runs
    if not wanted:
        raise UserInputError("no check suite to run: choose from " + ", ".join(SUITES))
    report = CheckReport(month=month, suites=wanted, results=[], service=service)
    if "cur" in wanted:
        _run_cur(engine, month, service, report)
    if "logs" in wanted:
        _run_logs(engine, month, report)
    report.notes += list(getattr(engine, "notes", []) or [])
    return report


def run_before(
    engine: Engine, month: str, suites: Sequence[str] = ("cur",), service: str = "bedrock"
) -> CheckReport:
    """For a report that checks its data first: run the suites and raise ``UserInputError`` (bad data, exit 2,
    as ``check --strict``) listing the failed error-severity expectations; warnings (e.g. month not final)
    pass and stay in the report."""
    report = run_checks(engine, month, suites, service=service)
    if report.errors:
        listed = "; ".join(r.summary() for r in report.errors)
        raise UserInputError(
            f"data checks failed for {month} ({len(report.errors)} error(s)): {listed}; the month's full "
            "data-check report shows each failure with examples",
            option="check",
        )
    return report
