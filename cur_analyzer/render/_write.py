from __future__ import annotations

import csv
import io
import json
import os
import stat
import sys
import tempfile
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from pathlib import Path
from typing import Any

from cur_analyzer.choices import OutputFormat
from cur_analyzer.errors import UserInputError, exit_code_for
from cur_analyzer.render._escape import formula_safe, md_safe, visible, visible_lines
from cur_analyzer.render._places import money_places
from cur_analyzer.render._workbook import SheetTable, notes_sheet, sheet_name, write_table
from cur_analyzer.render.formats import report_format
from cur_analyzer.reports._view import Tabular, json_default

FORMATS = tuple(fmt.value for fmt in OutputFormat)


def _round(value: Any, precision: int) -> Any:
    if isinstance(value, Decimal):
        return value.quantize(Decimal(1).scaleb(-precision), rounding=ROUND_HALF_EVEN)
    return value


def _text(value: Any, precision: int | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        value = _round(value, precision) if precision is not None else value
        return f"{value:,f}" if precision is not None else format(value, "f")
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _csv_cell(value: Any) -> str:
    """Numbers as they are (a negative stays a number); any other text neutralised for spreadsheets."""
    return _text(value) if _is_number(value) else formula_safe(_text(value))


def _csv(t: Tabular) -> str:
    buf = io.StringIO()
    # RFC 4180 line ends: the csv module quotes a field holding any character of the line terminator, so
    # with "\n" alone a bare "\r" in a value went out unquoted and split the row in a spreadsheet
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([_csv_cell(c) for c in t.columns])
    # money at one scale per column; a ratio (a share, a percentage) is left as computed, as json has it
    scales = {c: _scale(row.get(c) for row in t.rows) if c in t.money_columns else None for c in t.columns}
    for row in t.rows:
        w.writerow([_csv_cell(_at_scale(row.get(c), scales[c])) for c in t.columns])
    return buf.getvalue()


def _scale(values: Iterable[Any]) -> int:
    """The most decimal places any Decimal of a column has (0 when it holds none)."""
    return max(
        (-v.as_tuple().exponent for v in values if isinstance(v, Decimal) and v.is_finite()), default=0
    )


def _at_scale(value: Any, scale: int | None) -> Any:
    """A Decimal written with exactly ``scale`` places, only ever adding zeros: the exact value, and every
    row of a column alike (never "0.1" above "0.1000000000"). None leaves the value as it is."""
    if scale is None or not isinstance(value, Decimal) or not value.is_finite():
        return value
    with localcontext() as exact:
        exact.prec = max(value.adjusted(), 0) + scale + 2
        return value.quantize(Decimal(1).scaleb(-scale))


def _json(t: Tabular) -> str:
    return json.dumps(t.document, indent=2, default=json_default) + "\n"


def _shown(t: Tabular, column: str, value: Any, precision: int) -> str:
    """A cell as a person reads it (table, md): money at ``precision`` places, a percentage with one
    decimal and its sign (``16.9%``), anything else as it is."""
    if column in t.percent_columns and _is_number(value):
        shown = Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN)
        return f"{abs(shown) if shown == 0 else shown}%"  # a tiny refund's share is 0.0%, not -0.0%
    return _text(value, precision if column in t.money_columns else None)


def _right_aligned(t: Tabular, column: str) -> bool:
    return column in t.money_columns or column in t.percent_columns or column == "lines"


def _md(t: Tabular, precision: int) -> str:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(md_safe(c) for c in cells) + " |"

    out = [f"## {md_safe(t.title)}", "", line(t.columns)]
    out.append("|" + "|".join("---:" if _right_aligned(t, c) else "---" for c in t.columns) + "|")
    for row in [*t.rows, *t.summary_rows]:
        out.append(line([_shown(t, c, row.get(c), precision) for c in t.columns]))
    out += [""] + [f"- {md_safe(n)}" for n in t.footer]
    return "\n".join(out) + "\n"


def _parquet(t: Tabular) -> bytes:
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(t.to_arrow(), buf)
    return buf.getvalue()


def _xlsx(t: Tabular) -> bytes:
    """One sheet holding the table (and its Total rows), a second holding the notes."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    taken: set[str] = set()
    ws.title = sheet_name(t.title or "report", taken)
    table = SheetTable(
        t.columns,
        t.rows,
        summary_rows=t.summary_rows,
        money_columns=t.money_columns,
        percent_columns=t.percent_columns,
        date_columns=t.date_columns,
    )
    write_table(ws, table)
    notes_sheet(wb, t.footer, taken, "notes")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _terminal_text(value: str, style: str = "") -> Any:
    """A rich ``Text``: never parsed as markup (``[/bold]``, ``[link=...]``) or emoji codes, with every
    control character shown as its escape (an ANSI sequence in a tag value prints as ``\\x1b[31m``)."""
    from rich.text import Text

    return Text(visible(value), style=style)


def _table(t: Tabular, precision: int, file: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    def cells(row: dict[str, Any]) -> list[Any]:
        return [_terminal_text(_shown(t, c, row.get(c), precision)) for c in t.columns]

    # Data reaches rich only as Text objects, never as a markup string: a string is parsed for markup
    table = Table(title=_terminal_text(t.title), show_footer=False, title_justify="left")
    for c in t.columns:
        table.add_column(_terminal_text(c), justify="right" if _right_aligned(t, c) else "left")
    for row in t.rows:
        table.add_row(*cells(row))
    if t.summary_rows:
        table.add_section()
        for row in t.summary_rows:
            table.add_row(*cells(row), style="bold")
    # A terminal wraps at its width; a file or pipe gets the table at its natural width, unwrapped.
    width = Console(file=file).width if getattr(file, "isatty", lambda: False)() else 250
    console = Console(file=file, width=width)
    console.print(table)
    for n in t.footer:
        console.print(_terminal_text(n, style="dim"), highlight=False)


def render(t: Tabular, fmt: str | None = None, output: str | Path | None = None, precision: int = 2) -> None:
    """Write a report in ``fmt`` to ``output`` (atomically) or to stdout. Without ``fmt`` the file's name
    says the format (``october.xlsx`` a workbook), else the plain table (``formats.output_format``)."""
    fmt = report_format(fmt, output)
    if fmt == "table":
        if output is None:
            _table(t, precision, sys.stdout)
            return
        buf = io.StringIO()
        _table(t, precision, buf)
        payload: str | bytes = buf.getvalue()
    elif fmt == "csv":
        payload = _csv(t)
    elif fmt == "json":
        payload = _json(t)
    elif fmt == "md":
        payload = _md(t, precision)
    elif fmt == "parquet":
        payload = _parquet(t)
    else:
        with money_places(precision):
            payload = _xlsx(t)
    if output is None:
        if isinstance(payload, bytes):
            sys.stdout.buffer.write(payload)
        elif sys.stdout.isatty():
            # csv keeps a value's bytes for the programs that read it; a person reading it on a terminal
            # must not have an ANSI escape in a tag value recolour or clear the screen
            sys.stdout.write(visible_lines(payload))
        else:
            sys.stdout.write(payload)
        return
    write_atomically(Path(output), payload)


def write_atomically(path: Path, payload: str | bytes) -> None:
    """Write ``payload`` to ``path`` without ever swapping what is there for something else.

    - a new path, or a regular file: written to a temporary file in the same folder, then renamed over
      the path, so a reader never sees half a report and a failed write leaves the old file intact;
    - a FIFO or a character device (``-o /dev/stdout``, ``/dev/null``, a named pipe), or a symbolic link to
      one of those or to a regular file: written *through*, in place, like the shell's ``>``: the link,
      pipe or device stays what it is (never replaced by a regular file). A link's target file is
      truncated and rewritten, not replaced atomically;
    - a folder, a socket, a block device or a dangling symbolic link: refused (``UserInputError``, exit 2).

    Any OS error while writing (full disk, permission, read-only file system) is a ``UserInputError``
    naming the path; the temporary file is removed.
    """
    path = Path(path)
    mode = check_output_path(path)
    data = payload.encode() if isinstance(payload, str) else payload
    try:
        if mode is None:
            _replace(path, data)
        else:
            _write_through(path, data, binary=isinstance(payload, bytes))
    except OSError as e:
        raise UserInputError(f"cannot write {path}: {_reason(e)}") from e


def check_output_path(path: Path) -> int | None:
    """Refuse an output path that can never be written (see ``write_atomically``); call it before long
    work to fail fast. Returns None when the path is to be replaced atomically, else the ``st_mode`` of
    what will be written through."""
    path = Path(path)
    try:
        st = path.stat()  # follows a symbolic link: what a write would reach
    except FileNotFoundError:
        if path.is_symlink():
            raise UserInputError(
                f"output {path} is a symbolic link to nothing: remove it or name another file"
            ) from None
        if path.parent and not path.parent.exists():
            raise UserInputError(f"output {path}: folder {path.parent} does not exist") from None
        return None
    except OSError as e:
        raise UserInputError(f"cannot write {path}: {_reason(e)}") from e
    if stat.S_ISDIR(st.st_mode):
        raise UserInputError(f"output {path} is a folder: name a file to write")
    if stat.S_ISREG(st.st_mode) and not path.is_symlink():
        return None
    if stat.S_ISREG(st.st_mode) or stat.S_ISFIFO(st.st_mode) or stat.S_ISCHR(st.st_mode):
        return st.st_mode
    if stat.S_ISBLK(st.st_mode):
        raise UserInputError(f"output {path} is a block device: name a regular file")
    raise UserInputError(f"output {path} is a socket or other special file: name a regular file")


def _replace(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private (0600); a report is meant to be shared like any other file
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_through(path: Path, data: bytes, binary: bool) -> None:
    # no O_CREAT: if the pipe or device vanished since the check, fail rather than create a regular file
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC | os.O_NOCTTY)
    with os.fdopen(fd, "wb") as f:
        if binary and f.isatty():
            raise UserInputError(f"output {path} is a terminal and this format is binary: name a file")
        f.write(data)


def _reason(error: OSError) -> str:
    """The one-line reason of an OS error, without the (temporary) file name it carries."""
    return exit_code_for(OSError(error.errno, error.strerror))[1]
