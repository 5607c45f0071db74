"""The monthly pack as an xlsx workbook: a summary sheet first, then one sheet per view of
``reports.monthly.views()``, in the same order as the HTML report.

Money cells are numbers (the exact ``Decimal``) with a 2-place number format, so finance can sum them;
percent columns are numbers shown with a ``%`` suffix (16.9 = 16.9 %). A view left out for a missing
input still gets its sheet, holding the sentence that says why. Computes nothing. Every cell, heading and
note goes through ``xlsx_safe``: text that would start a formula is prefixed with ``'``.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cur_analyzer.render._escape import xlsx_safe

if TYPE_CHECKING:
    from cur_analyzer.reports.monthly import MonthlyReport, PackView

MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = '0.0"%"'
INT_FORMAT = "#,##0"
#: Sheet names (Excel: at most 31 characters, no []:*?/\).
SHEET_NAMES = {
    "summary": "Summary",
    "team": "Team",
    "budgets": "Budgets",
    "principal": "Principals",
    "model": "Models",
    "daily": "Daily",
    "token-type": "Token types",
    "coverage": "Coverage",
    "untagged": "Untagged",
    "reconciliation": "Reconciliation",
    "checks": "Data checks",
    "notes": "Notes",
}


def _format(view: PackView, column: str, value: Any) -> str | None:
    if column in view.money_columns:
        return MONEY_FORMAT
    if column in view.percent_columns:
        return PERCENT_FORMAT
    if isinstance(value, int) and not isinstance(value, bool):
        return INT_FORMAT
    return None


def _summary_format(row: dict[str, Any]) -> str | None:
    return {"money": MONEY_FORMAT, "percent": PERCENT_FORMAT, "count": INT_FORMAT}.get(row["kind"])


def _sheet(wb: Any, view: PackView, report: MonthlyReport) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet(SHEET_NAMES.get(view.key, view.key[:31]))
    bold = Font(bold=True)
    ws.append([xlsx_safe(view.title)])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([xlsx_safe(view.intro)] if view.intro else [])
    ws["A2"].font = Font(italic=True, color="5F6B7A")
    if view.omitted:
        ws.append([xlsx_safe(view.omitted)])
        ws.column_dimensions["A"].width = 110
        return
    columns = view.columns
    header_row = ws.max_row + 2
    for i, c in enumerate(columns, start=1):
        cell = ws.cell(row=header_row, column=i, value=xlsx_safe(view.label(c)))
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="F0F3F7")
        cell.alignment = Alignment(horizontal="right" if c in view.money_columns else "left")
    row_no = header_row
    for kind, rows in (("row", view.rows), ("summary", view.summary_rows)):
        for row in rows:
            row_no += 1
            for i, c in enumerate(columns, start=1):
                value = row.get(c)
                if view.key == "summary" and c == "value":
                    fmt = _summary_format(row)
                else:
                    fmt = _format(view, c, value)
                cell = ws.cell(row=row_no, column=i, value=xlsx_safe(value))
                if fmt and isinstance(value, int | Decimal):
                    cell.number_format = fmt
                if kind == "summary" and row.get(columns[0]) == "Total":
                    cell.font = bold
    if view.footer:
        row_no += 1
        for n in view.footer:
            row_no += 1
            ws.cell(row=row_no, column=1, value=xlsx_safe(n)).font = Font(color="5F6B7A")
    if view.key == "summary":
        row_no += 1
        for label, value in [
            ("generated", report.generated_at.strftime("%Y-%m-%d %H:%M UTC")),
            *report.inputs.items(),
        ]:
            row_no += 1
            ws.cell(row=row_no, column=1, value=xlsx_safe(label)).font = bold
            ws.cell(row=row_no, column=2, value=xlsx_safe(value))
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    if view.rows:
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(columns))}{header_row + len(view.rows)}"
    for i, c in enumerate(columns, start=1):
        longest = max(
            [len(view.label(c))]
            + [len(str(r.get(c) if r.get(c) is not None else "")) for r in view.rows[:200]]
        )
        if c in view.money_columns or c in view.percent_columns:
            longest = max(len(view.label(c)), 12)
        ws.column_dimensions[get_column_letter(i)].width = min(max(10, longest + 2), 70)


def render_xlsx(report: MonthlyReport) -> bytes:
    """The workbook's bytes (the CLI writes them atomically)."""
    from openpyxl import Workbook

    from cur_analyzer.reports.monthly import views

    wb = Workbook()
    wb.remove(wb.active)
    for view in views(report):
        _sheet(wb, view, report)
    wb.properties.title = f"Amazon Bedrock chargeback {report.month}"
    wb.properties.creator = "cur-analyzer"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
