"""The monthly pack as an xlsx workbook: a summary sheet first, then one sheet per view of
``reports.monthly.views()``, in the same order as the HTML report, with the same words (``_pack_words``).

Each view's table is written to the standard of every workbook the tool writes (``_workbook``): money as
numbers shown with 2 places, real percentages, days as dates, Total rows in bold, frozen headings, a filter,
column widths. A view left out for a missing input still gets its sheet, holding the sentence that says
why. Computes nothing.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from cur_analyzer.render._escape import xlsx_safe
from cur_analyzer.render._places import DEFAULT_PLACES, money_places
from cur_analyzer.render._workbook import SheetTable, write_table

if TYPE_CHECKING:
    from cur_analyzer.reports.monthly import MonthlyReport, PackView

#: The columns of a view that hold days (written as dates, so they sort and filter as dates).
DATE_COLUMNS = {"daily": ("day",)}
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


def _kind_of(view: PackView) -> Any:
    """A summary row says in its ``kind`` how its value is shown (money, percent or count)."""
    if view.key != "summary":
        return None
    return lambda row, column: row.get("kind") if column == "value" else None


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


def _sheet(wb: Any, view: PackView, report: MonthlyReport) -> None:
    from openpyxl.styles import Font

    from cur_analyzer.render._pack_words import say, word, words_of

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
    table = SheetTable(
        view.columns,
        view.rows,
        headings=[words.label(c) for c in view.columns],
        summary_rows=view.summary_rows,
        money_columns=view.money_columns,
        percent_columns=view.percent_columns,
        date_columns=DATE_COLUMNS.get(view.key, ()),
        say=say,
        kind_of=_kind_of(view),
    )
    row_no = write_table(ws, table, header_row)
    if words.footer:
        row_no = _lines_under(ws, [(line, None) for line in words.footer], row_no, labelled=False)
    if view.key == "summary":
        generated = report.generated_at.strftime("%Y-%m-%d %H:%M UTC")
        lines = [(word("summary.generated"), generated), *report.inputs.items()]
        _lines_under(ws, lines, row_no, labelled=True)


def render_xlsx(report: MonthlyReport, precision: int = DEFAULT_PLACES) -> bytes:
    """The workbook's bytes (the CLI writes them atomically); money cells shown with ``precision``
    decimal places (the cell holds the exact value)."""
    with money_places(precision):
        return _workbook(report)


def _workbook(report: MonthlyReport) -> bytes:
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
