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

import datetime as dt
import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from cur_analyzer import schema
from cur_analyzer.choices import CheckSuite, ServiceScope
from cur_analyzer.errors import ThresholdFailed, UserInputError
from cur_analyzer.period import BillingPeriod
from cur_analyzer.reports._view import ReportModel
from cur_analyzer.resources import resource_dir

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from cur_analyzer.engines import Engine
    from cur_analyzer.reports._view import Tabular

SUITES = tuple(suite.value for suite in CheckSuite)
SERVICE_SCOPES = tuple(scope.value for scope in ServiceScope)
ERROR, WARNING = "error", "warning"
#: How many distinct failing values a result shows.
MAX_EXAMPLES = 5
#: The column that names a row in examples when the failing value itself says nothing (e.g. a null).
FRAME_INDEX = {"columns": "column", "lines": "identity_line_item_id", "records": "request_id"}
FRAME_SUITE = {"columns": "cur", "lines": "cur", "records": "logs"}
FRAME_SQL = {"lines": "check_cur_lines", "records": "check_log_records"}

#: Columns the ``cur`` suite reads beyond ``schema.REQUIRED_COLUMNS`` (all in the CUR 2.0 fixed schema).
CHECKED_COLUMNS = (
    "identity_line_item_id",
    "identity_time_interval",
    "bill_payer_account_id",
    "line_item_unblended_rate",
    "line_item_usage_end_date",
)
#: Optional columns whose absence is a warning: without them there is no per-caller attribution.
OPTIONAL_COLUMNS = (*schema.OPTIONAL_GROUPS["iam_principal"], *schema.OPTIONAL_GROUPS["tags"])

_AIP_ARN_RE = re.compile(
    r"^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:[0-9]{12}:application-inference-profile/[a-z0-9]+$"
)


# --- report model -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckResult:
    """One expectation's outcome. ``success`` is None when it could not run (``note`` says why)."""

    suite: str
    check: str
    expectation: str
    columns: tuple[str, ...]
    description: str
    severity: str  # "error" | "warning"
    success: bool | None
    failing_pct: float | None = None  # GX unexpected_percent: share of the rows the rule applies to
    failing: int | None = None
    checked: int | None = None  # rows the rule looked at (element_count), or the observed row count
    examples: tuple[str, ...] = ()
    note: str | None = None

    @property
    def status(self) -> str:
        if self.success is None:
            return "not run"
        if self.success:
            return "pass"
        return "FAIL" if self.severity == ERROR else "warn"

    def summary(self) -> str:
        """One line naming the failure: what, how much, for example what."""
        share = f" ({self.failing_pct:.2f}% of {self.checked:,} rows)" if self.failing_pct is not None else ""
        examples = f", e.g. {', '.join(self.examples)}" if self.examples else ""
        note = f" [{self.note}]" if self.note else ""
        return f"{self.suite}.{self.check}: {self.description}{share}{examples}{note}"


@dataclass
class CheckReport(ReportModel):
    month: str
    suites: tuple[str, ...]
    results: list[CheckResult]
    #: Rows validated per frame (``cur.lines`` -> 3,059)
    frames: dict[str, int] = field(default_factory=dict)
    service: str = "bedrock"
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[CheckResult]:
        """Error-severity expectations that failed (or could not run)."""
        return [r for r in self.results if r.severity == ERROR and r.success is not True]

    @property
    def warnings(self) -> list[CheckResult]:
        return [r for r in self.results if r.severity == WARNING and r.success is not True]

    @property
    def ok(self) -> bool:
        return not self.errors

    def result(self, suite: str, check: str) -> CheckResult:
        for r in self.results:
            if (r.suite, r.check) == (suite, check):
                return r
        raise KeyError(f"{suite}.{check}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "suites": list(self.suites),
            "service": self.service,
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "frames": self.frames,
            "results": [
                {
                    "suite": r.suite,
                    "check": r.check,
                    "expectation": r.expectation,
                    "columns": list(r.columns),
                    "description": r.description,
                    "severity": r.severity,
                    "success": r.success,
                    "status": r.status,
                    "unexpected_percent": r.failing_pct,
                    "unexpected_count": r.failing,
                    "checked": r.checked,
                    "examples": list(r.examples),
                    "note": r.note,
                }
                for r in self.results
            ],
            "notes": self.notes,
        }

    def as_table(self) -> Tabular:
        return tabular(self)


# --- suites -------------------------------------------------------------------------------------------------
def suite_path(name: str) -> Any:
    """``checks/<name>.json`` in the installed package (or the checkout)."""
    if name not in SUITES:
        raise UserInputError(f"unknown check suite {name!r}: choose from {', '.join(SUITES)}")
    return resource_dir("checks") / f"{name}.json"


@cache
def load_suite_dict(name: str) -> dict[str, Any]:
    """The suite JSON as stored, without GX ids (``gx.ExpectationSuite(**d)`` refuses stale ids)."""
    d = json.loads(suite_path(name).read_text())
    d.pop("id", None)
    for e in d.get("expectations", []):
        e.pop("id", None)
    return d


def expectations_by_frame(name: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for e in load_suite_dict(name)["expectations"]:
        out.setdefault(e["meta"]["frame"], []).append(e)
    return out


def _severity(e: dict[str, Any]) -> str:
    return ERROR if str(e.get("severity", "critical")).lower() == "critical" else WARNING


def columns_of(kwargs: dict[str, Any]) -> tuple[str, ...]:
    if "column" in kwargs:
        return (kwargs["column"],)
    if "column_list" in kwargs:
        return tuple(kwargs["column_list"])
    return tuple(kwargs[k] for k in ("column_A", "column_B") if k in kwargs)


# --- great-expectations ---------------------------------------------------------------------------------
@cache
def _batch_definition() -> Any:
    """One ephemeral GX context per process, with a pandas whole-dataframe batch definition."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = ctx.data_sources.add_pandas("cur_analyzer").add_dataframe_asset(name="frame")
    return asset.add_batch_definition_whole_dataframe("whole")


def _validate(
    suite: str, frame: str, expectations: list[dict[str, Any]], df: pd.DataFrame, params: dict[str, Any]
) -> dict[str, Any]:
    """Validate ``df`` against the expectations of one frame; GX results keyed by ``meta.check``."""
    import great_expectations as gx

    gx_suite = gx.ExpectationSuite(name=f"{suite}.{frame}", expectations=expectations)
    index = FRAME_INDEX[frame]
    result_format: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": 20}
    if index in df.columns:
        result_format["unexpected_index_column_names"] = [index]
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": df})
    res = batch.validate(gx_suite, result_format=result_format, expectation_parameters=params)
    # GX does not keep the suite's order in its results: match them by the check name.
    return {r.expectation_config.meta["check"]: r for r in res.results}


def _exception_message(info: Any) -> str | None:
    """GX reports a failed metric either flat ({raised_exception, exception_message}) or per metric id."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "expectation raised")
    for v in info.values():
        if isinstance(v, dict) and (v.get("raised_exception") or v.get("exception_message")):
            return str(v.get("exception_message") or "expectation raised").splitlines()[0]
    return None


def _example_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return " / ".join(t for v in value.values() if (t := _example_text(v)) is not None) or None
    if isinstance(value, tuple | list):
        return " / ".join(t for v in value if (t := _example_text(v)) is not None) or None
    if hasattr(value, "isoformat"):
        try:
            import pandas as pd

            if pd.isna(value):
                return None
        except (TypeError, ValueError):
            pass
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def _examples(result: dict[str, Any], index: str) -> tuple[str, ...]:
    """Up to MAX_EXAMPLES distinct failing values; rows named by their index column when the value is null."""
    seen: dict[str, None] = {}
    for v in result.get("partial_unexpected_list") or []:
        if (t := _example_text(v)) is not None:
            seen.setdefault(t, None)
    if not seen:
        for row in result.get("partial_unexpected_index_list") or []:
            if isinstance(row, dict) and (t := _example_text(row.get(index))) is not None:
                seen.setdefault(f"{index}={t}", None)
    return tuple(seen)[:MAX_EXAMPLES]


def _identity(suite: str, e: dict[str, Any]) -> dict[str, Any]:
    """What names an expectation in a report, whether it ran or not."""
    return dict(
        suite=suite,
        check=e["meta"]["check"],
        expectation=e["type"],
        columns=columns_of(e["kwargs"]),
        description=e.get("description") or e["type"],
        severity=_severity(e),
    )


def _result(suite: str, frame: str, e: dict[str, Any], gx_result: Any) -> CheckResult:
    base = _identity(suite, e)
    raised = _exception_message(gx_result.exception_info)
    r = gx_result.result or {}
    if raised:
        return CheckResult(**base, success=False, note=f"could not evaluate: {raised}")
    if "observed_value" in r:  # table-level expectation (row count)
        return CheckResult(**base, success=bool(gx_result.success), checked=r["observed_value"])
    pct = r.get("unexpected_percent")
    checked = r.get("element_count")
    if checked is not None and r.get("missing_count"):  # nulls are outside the rule (GX skips them)
        checked -= r["missing_count"]
    return CheckResult(
        **base,
        success=bool(gx_result.success),
        failing_pct=None if pct is None else float(pct),
        failing=r.get("unexpected_count"),
        checked=checked,
        examples=()
        if gx_result.success or e["meta"].get("examples") is False
        else _examples(r, FRAME_INDEX[frame]),
    )


def _not_run(suite: str, e: dict[str, Any], why: str) -> CheckResult:
    return CheckResult(**_identity(suite, e), success=None, note=why)


# --- frames ---------------------------------------------------------------------------------------------
def _type_family(t: pa.DataType | str) -> str | None:
    """The Athena type family of an Arrow result column (None: all NULL, cannot tell); a str is one already."""
    import pyarrow as pa

    if isinstance(t, str):
        return t
    if pa.types.is_null(t):
        return None
    if pa.types.is_string(t) or pa.types.is_large_string(t) or getattr(pa.types, "is_string_view", bool)(t):
        return "string"
    if pa.types.is_floating(t):
        return "double"
    if pa.types.is_integer(t):
        return "bigint"
    if pa.types.is_decimal(t):
        return "decimal"
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        return "timestamp"
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_map(t):
        return "map"
    return str(t)


def _schema_family(athena_type: str) -> str:
    return athena_type.split("<", 1)[0].strip().lower()


def columns_frame(present: Iterable[str], result_types: dict[str, pa.DataType | str]) -> pd.DataFrame:
    """One row per column the checks need: missing (required / optional) and type mismatches vs schema.py."""
    import pandas as pd

    present = {c.lower() for c in present}
    rows = []
    for name, optional in [
        *((c, False) for c in dict.fromkeys((*schema.REQUIRED_COLUMNS, *CHECKED_COLUMNS))),
        *((c, True) for c in OPTIONAL_COLUMNS),
    ]:
        expected = _schema_family(schema.CUR_COLUMN_TYPES[name])
        actual = _type_family(result_types[name]) if name in result_types and name in present else None
        rows.append(
            {
                "column": name,
                "expected_type": expected,
                "actual_type": actual,
                "missing_required": None if optional or name in present else name,
                "missing_optional": name if optional and name not in present else None,
                "type_mismatch": (
                    f"{name} is {actual}, schema.py says {expected}"
                    if actual is not None and actual != expected
                    else None
                ),
            }
        )
    return pd.DataFrame(rows, dtype=object)


def _lines_frame(table: pa.Table) -> pd.DataFrame:
    df = table.to_pandas()
    for c in ("line_item_usage_start_date", "line_item_usage_end_date"):
        col = df[c]
        if getattr(col.dtype, "tz", None) is not None:  # compare in naive UTC, like the period bounds
            df[c] = col.dt.tz_convert("UTC").dt.tz_localize(None)
    return df


def model_id_known(model_id: str) -> bool:
    """A log ``modelId`` the model map resolves (foundation id, ``us.``/``global.`` id, model or system-profile
    ARN), or any application-inference-profile ARN (its model is resolved elsewhere, with --profiles)."""
    from cur_analyzer.bedrock.models import resolve

    return resolve(model_id).model is not None or bool(_AIP_ARN_RE.match(model_id))


# --- running ----------------------------------------------------------------------------------------------
def _run_cur(engine: Engine, month: str, service: str, report: CheckReport) -> None:
    from cur_analyzer.reports.chargeback import check_month

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
    """For a report's ``--check``: run the suites first and raise ``ThresholdFailed`` (exit 1) listing the
    failed error-severity expectations; warnings (e.g. month not final) pass and stay in the report."""
    report = run_checks(engine, month, suites, service=service)
    if report.errors:
        listed = "; ".join(r.summary() for r in report.errors)
        raise ThresholdFailed(
            f"data checks failed for {month} ({len(report.errors)} error(s)): {listed}. "
            f"Run `cur-analyzer check --month {month}` for the details"
        )
    return report


# --- rendering -------------------------------------------------------------------------------------------
def tabular(report: CheckReport) -> Tabular:
    """One row per expectation: status, failing share and up to five failing values."""
    from cur_analyzer.reports._view import Tabular

    columns = ["suite", "check", "status", "severity", "failing", "checked", "examples", "rule"]
    rows = []
    for r in report.results:
        if r.failing_pct is not None:
            failing = f"{r.failing_pct:.2f}% ({r.failing:,})" if r.failing else "0%"
        else:
            failing = ""
        rows.append(
            {
                "suite": r.suite,
                "check": r.check,
                "status": r.status,
                "severity": r.severity,
                "failing": failing,
                "checked": "" if r.checked is None else f"{r.checked:,}",
                "examples": ", ".join(r.examples) if r.examples else (r.note or ""),
                "rule": r.description,
            }
        )
    scope = "Bedrock lines" if report.service == "bedrock" else "all lines"
    frames = ", ".join(f"{k}: {v:,} rows" for k, v in report.frames.items())
    verdict = (
        "all error checks pass"
        if report.ok
        else f"{len(report.errors)} error check(s) failed (--strict exits 1)"
    )
    footer = [
        f"{report.month} · {', '.join(report.suites)} · CUR {scope} · {verdict}, "
        f"{len(report.warnings)} warning(s)",
        *([frames] if frames else []),
        "failing = share of the rows each rule applies to (GX unexpected_percent)",
        *report.notes,
    ]
    return Tabular(
        title=f"Data checks {report.month}",
        columns=columns,
        rows=rows,
        footer=footer,
        document=report.as_dict(),
    )
