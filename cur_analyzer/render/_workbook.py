"""One sheet finance can use as it is, for every workbook the tool writes (a report's table and the monthly
pack's sheets): money as numbers shown with 2 places (the cell keeps the exact value, so sums are exact),
percentages as real percentages (0.169 shown 16.9 %), days as dates, the summary rows under the rows
(the Total in bold), column widths that show the values, the headings frozen and a filter over the rows.

Every heading, value and note goes through ``xlsx_safe``: text that would start a formula is prefixed
with ``'``, and characters a workbook cannot hold are shown as escapes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cur_analyzer.render._escape import visible, xlsx_safe
from cur_analyzer.render._places import money_number_format

#: money at the default 2 places (``_places.money_number_format`` gives the format of the places in force)
MONEY_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
INT_FORMAT = "#,##0"
DATE_FORMAT = "yyyy-mm-dd"
HEADING_FILL = "F0F3F7"
#: Excel refuses a sheet name longer than this, or holding any of []:*?/\
MAX_SHEET_NAME = 31
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]+")
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WIDEST, _NARROWEST = 70, 10


@dataclass
class SheetTable:
    """What one sheet's table shows. ``percent_columns`` hold percentage points (16.9 means 16.9 %)."""

    columns: Sequence[str]
    rows: Sequence[dict[str, Any]]
    headings: Sequence[str] = ()
    summary_rows: Sequence[dict[str, Any]] = ()
    money_columns: Iterable[str] = ()
    percent_columns: Iterable[str] = ()
    date_columns: Iterable[str] = ()
    #: a value as the sheet shows it (e.g. the pack's words for None); the identity by default
    say: Callable[[Any], Any] = field(default=lambda value: value)
    #: how one cell is shown where its column does not say (money, percent, date or count); e.g. a summary
    #: whose rows each hold a different kind of figure
    kind_of: Callable[[dict[str, Any], str], str | None] | None = None

    def __post_init__(self) -> None:
        self.headings = list(self.headings) or list(self.columns)
        self.money_columns = frozenset(self.money_columns)
        self.percent_columns = frozenset(self.percent_columns)
        self.date_columns = frozenset(self.date_columns)


def sheet_name(text: str, taken: set[str]) -> str:
    """A readable sheet name: the characters Excel refuses become spaces, a long name is cut at a word
    boundary (not mid-word), and a name already ``taken`` gets a number; the name is added to ``taken``."""
    words = " ".join(_NOT_IN_SHEET_NAMES.sub(" ", visible(text or "")).split()).strip("'") or "Sheet"
    name = _cut(words, MAX_SHEET_NAME)
    n = 1
    while name.lower() in {t.lower() for t in taken}:
        n += 1
        suffix = f" ({n})"
        name = _cut(words, MAX_SHEET_NAME - len(suffix)) + suffix
    taken.add(name)
    return name


def _cut(words: str, limit: int) -> str:
    if len(words) <= limit:
        return words
    head = words[:limit]
    space = head.rfind(" ")
    # a name of one long word is cut where it must be; otherwise at the last whole word
    return (head[:space] if space >= limit // 3 else head).rstrip(" -,.'")


def _kind(row: dict[str, Any], column: str, table: SheetTable) -> str | None:
    if table.kind_of is not None and (kind := table.kind_of(row, column)):
        return kind
    for kind, columns in (
        ("money", table.money_columns),
        ("percent", table.percent_columns),
        ("date", table.date_columns),
    ):
        if column in columns:
            return kind
    return None


def _cell(value: Any, kind: str | None) -> tuple[Any, str | None]:
    """The value a cell holds and its number format."""
    if value is None:
        return None, None
    number = isinstance(value, int | float | Decimal) and not isinstance(value, bool)
    if kind == "money" and number:
        return value, money_number_format()
    if kind == "percent" and number:
        return Decimal(str(value)) / 100, PERCENT_FORMAT
    if kind == "date" and (day := _as_date(value)) is not None:
        return day, DATE_FORMAT
    if number and (kind == "count" or isinstance(value, int)):
        return value, INT_FORMAT
    return xlsx_safe(value), None


def _as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and _ISO_DAY.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def write_table(ws: Any, table: SheetTable, header_row: int = 1) -> int:
    """The headings at ``header_row``, the rows, then the summary rows (a Total in bold); freezes the headings, puts
    a filter over the rows and sizes the columns. Returns the last row written."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    numeric = table.money_columns | table.percent_columns
    for i, (column, heading) in enumerate(zip(table.columns, table.headings, strict=True), start=1):
        cell = ws.cell(row=header_row, column=i, value=xlsx_safe(heading))
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADING_FILL)
        cell.alignment = Alignment(horizontal="right" if column in numeric else "left")
    row_no = header_row
    for summary, rows in ((False, table.rows), (True, table.summary_rows)):
        for row in rows:
            row_no += 1
            bold = summary and row.get(table.columns[0]) == "Total"
            for i, column in enumerate(table.columns, start=1):
                value, number_format = _cell(table.say(row.get(column)), _kind(row, column, table))
                cell = ws.cell(row=row_no, column=i, value=value)
                if number_format:
                    cell.number_format = number_format
                if bold:
                    cell.font = Font(bold=True)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    if table.rows:
        last = get_column_letter(len(table.columns))
        ws.auto_filter.ref = f"A{header_row}:{last}{header_row + len(table.rows)}"
    _size_columns(ws, table)
    return row_no


def _size_columns(ws: Any, table: SheetTable) -> None:
    from openpyxl.utils import get_column_letter

    numeric = table.money_columns | table.percent_columns
    for i, (column, heading) in enumerate(zip(table.columns, table.headings, strict=True), start=1):
        if column in numeric:
            longest = max(len(heading), 14)
        elif column in table.date_columns:
            longest = max(len(heading), 10)
        else:
            shown = [table.say(r.get(column)) for r in [*table.rows[:500], *table.summary_rows]]
            longest = max([len(heading)] + [len(str(v)) for v in shown if v is not None])
        ws.column_dimensions[get_column_letter(i)].width = min(max(_NARROWEST, longest + 2), _WIDEST)


def notes_sheet(wb: Any, notes: Sequence[str], taken: set[str], title: str = "Notes") -> None:
    """The notes of a report, one per row, in a sheet of their own."""
    if not notes:
        return
    ws = wb.create_sheet(sheet_name(title, taken))
    for note in notes:
        ws.append([xlsx_safe(note)])
    ws.column_dimensions["A"].width = 120
