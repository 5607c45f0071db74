"""How the alerts report is shown: its JSON document and the ``Tabular`` view renderers and notebooks
take (one row per fired alert, the rule checks and notes as footer)."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cur_analyzer.reports._view import Tabular
    from cur_analyzer.reports.alerts._model import Alerts


#: How finely a figure of each unit is shown: a number, so a spreadsheet sorts and filters it; its unit is
#: a column of its own.
_PLACES = {"%": Decimal("0.1"), "x": Decimal("0.01"), ":1": Decimal("0.1"), "tokens": Decimal(1)}


def _shown(value: Decimal, unit: str) -> Decimal:
    return value.quantize(_PLACES.get(unit, Decimal("0.01")), rounding=ROUND_HALF_EVEN)


def document(report: Alerts) -> dict:
    return {
        "report": "alerts",
        "month": report.month,
        "days": report.days,
        "from": report.first_day.isoformat(),
        "to": report.last_day.isoformat(),
        "fired": report.fired,
        "rows": [
            {
                "rule": a.rule,
                "subject": a.subject,
                "day": a.day,
                "figure": a.figure,
                "threshold": a.threshold,
                "unit": a.unit,
                "message": a.message,
                "details": a.details,
            }
            for a in report.alerts
        ],
        "checks": [{"rule": c.rule, "status": c.status, "detail": c.detail} for c in report.checks],
        "thresholds": report.thresholds.model_dump(mode="json"),
        "notes": report.notes,
    }


def tabular(report: Alerts) -> Tabular:
    from cur_analyzer.reports._view import Tabular

    rows = [
        {
            "alert": a.rule,
            "subject": a.subject,
            "day": a.day or f"{report.first_day}..{report.last_day}",
            "figure": _shown(a.figure, a.unit),
            "threshold": a.threshold,
            "unit": a.unit,
            "message": a.message,
        }
        for a in report.alerts
    ]
    window = f"{report.month}" if report.month else f"last {report.days} day(s)"
    footer = [
        f"{window}: {report.first_day} to {report.last_day} · "
        + (f"{len(report.alerts)} alert(s) fired" if report.alerts else "no alert fired"),
        "checks: "
        + ", ".join(f"{c.rule} {c.status}" + (f" ({c.detail})" if c.detail else "") for c in report.checks),
        *report.notes,
    ]
    return Tabular(
        title=f"Alerts {report.first_day} to {report.last_day}",
        columns=["alert", "subject", "day", "figure", "threshold", "unit", "message"],
        rows=rows,
        footer=footer,
        document=document(report),
    )
