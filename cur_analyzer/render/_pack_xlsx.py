"""The monthly pack as an xlsx workbook: a summary sheet first, then one sheet per view of
``reports.monthly.views()``, in the same order as the HTML report, with the same words (``_pack_words``).

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
    from cur_analyzer.render._pack_words import ViewWords
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
#: How a headline figure of the summary sheet is shown, by its kind.
SUMMARY_FORMATS = {"money": MONEY_FORMAT, "percent": PERCENT_FORMAT, "count": INT_FORMAT}


def _format(view: PackView, column: str, row: dict[str, Any]) -> str | None:
    if view.key == "summary" and column == "value":
        return SUMMARY_FORMATS.get(row["kind"])
    if column in view.money_columns:
        return MONEY_FORMAT
    if column in view.percent_columns:
        return PERCENT_FORMAT
    value = row.get(column)
    if isinstance(value, int) and not isinstance(value, bool):
        return INT_FORMAT
    return None


def _header(ws: Any, view: PackView, words: ViewWords, header_row: int) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    for i, c in enumerate(view.columns, start=1):
        cell = ws.cell(row=header_row, column=i, value=xlsx_safe(words.label(c)))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F0F3F7")
        cell.alignment = Alignment(horizontal="right" if c in view.money_columns else "left")


def _rows(ws: Any, view: PackView, row_no: int) -> int:
    """The rows, then the summary rows (the Total in bold); returns the last row written."""
    from openpyxl.styles import Font

    from cur_analyzer.render._pack_words import say

    columns = view.columns
    for kind, rows in (("row", view.rows), ("summary", view.summary_rows)):
        for row in rows:
            row_no += 1
            for i, c in enumerate(columns, start=1):
                value = say(row.get(c))
                cell = ws.cell(row=row_no, column=i, value=xlsx_safe(value))
                fmt = _format(view, c, row)
                if fmt and isinstance(value, int | Decimal):
                    cell.number_format = fmt
                if kind == "summary" and row.get(columns[0]) == "Total":
                    cell.font = Font(bold=True)
    return row_no


def _lines_under(ws: Any, lines: list[tuple[str, Any]], row_no: int, labelled: bool) -> int:
    """Lines under the table after a blank row: notes (grey), or label/value pairs (label in bold)."""
    from openpyxl.styles import Font

    row_no += 1
    for label, value in lines:
        row_no += 1
        first = ws.cell(row=row_no, column=1, value=xlsx_safe(label))
        first.font = Font(bold=True) if labelled else Font(color="5F6B7A")
        if labelled:
            ws.cell(row=row_no, column=2, value=xlsx_safe(value))
    return row_no


def _widths(ws: Any, view: PackView, words: ViewWords) -> None:
    from openpyxl.utils import get_column_letter

    from cur_analyzer.render._pack_words import say

    for i, c in enumerate(view.columns, start=1):
        shown = [say(r.get(c)) for r in view.rows[:200]]
        longest = max([len(words.label(c))] + [len(str(v if v is not None else "")) for v in shown])
        if c in view.money_columns or c in view.percent_columns:
            longest = max(len(words.label(c)), 12)
        ws.column_dimensions[get_column_letter(i)].width = min(max(10, longest + 2), 70)


def _sheet(wb: Any, view: PackView, report: MonthlyReport) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    from cur_analyzer.render._pack_words import word, words_of

    words = words_of(view)
    ws = wb.create_sheet(SHEET_NAMES.get(view.key, view.key[:31]))
    ws.append([xlsx_safe(words.title)])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([xlsx_safe(words.intro)] if words.intro else [])
    ws["A2"].font = Font(italic=True, color="5F6B7A")
    if words.omitted is not None:
        ws.append([xlsx_safe(words.omitted)])
        ws.column_dimensions["A"].width = 110
        return
    header_row = ws.max_row + 2
    _header(ws, view, words, header_row)
    row_no = _rows(ws, view, header_row)
    if words.footer:
        row_no = _lines_under(ws, [(line, None) for line in words.footer], row_no, labelled=False)
    if view.key == "summary":
        generated = report.generated_at.strftime("%Y-%m-%d %H:%M UTC")
        lines = [(word("summary.generated"), generated), *report.inputs.items()]
        _lines_under(ws, lines, row_no, labelled=True)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    if view.rows:
        last = get_column_letter(len(view.columns))
        ws.auto_filter.ref = f"A{header_row}:{last}{header_row + len(view.rows)}"
    _widths(ws, view, words)


def render_xlsx(report: MonthlyReport) -> bytes:
    """The workbook's bytes (the CLI writes them atomically)."""
    from openpyxl import Workbook

    from cur_analyzer.render._pack_words import word
    from cur_analyzer.reports.monthly import views

    wb = Workbook()
    wb.remove(wb.active)
    for view in views(report):
        _sheet(wb, view, report)
    wb.properties.title = word("pack.title", {"month": report.month})
    wb.properties.creator = "cur-analyzer"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
