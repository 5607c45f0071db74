"""Rendering a ``CheckReport`` as a table: one row per expectation, with the run's verdict in the footer."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cur_analyzer.checks._model import CheckReport
    from cur_analyzer.reports._view import Tabular


def tabular(report: CheckReport) -> Tabular:
    """One row per expectation: status, failing share and up to five failing values."""
    from cur_analyzer.reports._view import Tabular

    columns = [
        "suite",
        "check",
        "status",
        "severity",
        "failing_pct",
        "failing",
        "checked",
        "examples",
        "rule",
    ]
    rows = [
        {
            "suite": r.suite,
            "check": r.check,
            "status": r.status,
            "severity": r.severity,
            # numbers, so a spreadsheet sorts and sums them; a check without a share leaves them empty
            "failing_pct": None if r.failing_pct is None else Decimal(str(r.failing_pct)),
            "failing": r.failing,
            "checked": r.checked,
            "examples": ", ".join(r.examples) if r.examples else (r.note or ""),
            "rule": r.description,
        }
        for r in report.results
    ]
    scope = "Bedrock lines" if report.service == "bedrock" else "all lines"
    frames = ", ".join(f"{k}: {v:,} rows" for k, v in report.frames.items())
    verdict = "all error checks pass" if report.ok else f"{len(report.errors)} error check(s) failed"
    footer = [
        f"{report.month} · {', '.join(report.suites)} · CUR {scope} · {verdict}, "
        f"{len(report.warnings)} warning(s)",
        *([frames] if frames else []),
        "failing_pct = share of the rows each rule applies to (GX unexpected_percent), failing = how many",
        *report.notes,
    ]
    return Tabular(
        title=f"Data checks {report.month}",
        columns=columns,
        rows=rows,
        percent_columns=("failing_pct",),
        footer=footer,
        document=report.as_dict(),
    )
