"""The checks' fixed vocabulary (suite names, frames, checked columns) and their outcome: ``CheckResult`` per
expectation, ``CheckReport`` for a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cur_analyzer import schema
from cur_analyzer.checks._table import tabular
from cur_analyzer.choices import CheckSuite, ServiceScope
from cur_analyzer.reports._view import ReportModel

if TYPE_CHECKING:
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
