"""The monthly pack as an xlsx workbook: a summary sheet first, then one sheet per view of
``reports.monthly.views()``, in the same order as the HTML report, with the same words (``_pack_words``).

Each view's table is written to the standard of every workbook the tool writes (``_workbook``): money as
numbers shown with 2 places, real percentages, days as dates, Total rows in bold, frozen headings, a filter,
column widths. A view with further tables (the allocation by application and by end user) shows them
under its own, each under its title. A view left out for a missing input still gets its sheet, holding the
sentence that says why. Computes nothing.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from cur_analyzer.render._escape import xlsx_safe
from cur_analyzer.render._places import DEFAULT_PLACES, money_places
from cur_analyzer.render._workbook import SheetTable, write_table

if TYPE_CHECKING:
    from cur_analyzer.render._pack_words import ViewWords
    from cur_analyzer.reports.monthly import MonthlyReport, PackView

#: The columns of a view that hold days (written as dates, so they sort and filter as dates).
DATE_COLUMNS = {"daily": ("day",)}
#: Sheet names (Excel: at most 31 characters, no []:*?/\).
SHEET_NAMES = {
    "summary": "Summary",
    "team": "Team",
    "change": "Change",
    "budgets": "Budgets",
    "principal": "Principals",
    "model": "Models",
    "daily": "Daily",
    "token-type": "Token types",
    "coverage": "Coverage",
    "untagged": "Untagged",
    "reconciliation": "Reconciliation",
    "allocation": "Allocation",
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


def _sheet_table(view: PackView, words: ViewWords) -> SheetTable:
    from cur_analyzer.render._pack_words import say

    return SheetTable(
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


def _table_under(ws: Any, view: PackView, row_no: int) -> int:
    """A further table of the section under its own title, after a blank row. The sheet keeps the first
    table's frozen headings and filter (a sheet has one of each), and each column the width of its widest
    table."""
    from openpyxl.styles import Font

    from cur_analyzer.render._pack_words import words_of

    words = words_of(view)
    frozen, filtered = ws.freeze_panes, ws.auto_filter.ref
    widths = {letter: dim.width for letter, dim in ws.column_dimensions.items()}
    ws.cell(row=row_no + 2, column=1, value=xlsx_safe(words.title)).font = Font(bold=True, size=12)
    row_no = write_table(ws, _sheet_table(view, words), row_no + 3)
    ws.freeze_panes, ws.auto_filter.ref = frozen, filtered
    for letter, width in widths.items():
        ws.column_dimensions[letter].width = max(width or 0, ws.column_dimensions[letter].width or 0)
    return row_no


def _sheet(wb: Any, view: PackView, report: MonthlyReport) -> None:
    from openpyxl.styles import Font

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
    row_no = write_table(ws, _sheet_table(view, words), ws.max_row + 2)
    if words.footer:
        row_no = _lines_under(ws, [(line, None) for line in words.footer], row_no, labelled=False)
    for more in view.more:
        row_no = _table_under(ws, more, row_no)
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
