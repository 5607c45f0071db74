from __future__ import annotations

import csv
import io
import json
import os
import sys
import tempfile
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

from cur_analyzer.errors import UserInputError
from cur_analyzer.render._tabular import Tabular

FORMATS = ("table", "csv", "json", "parquet", "xlsx", "md")
_BINARY = {"parquet", "xlsx"}


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


def json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _csv(t: Tabular) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(t.columns)
    for row in t.rows:
        w.writerow([_text(row.get(c)) for c in t.columns])
    return buf.getvalue()


def _json(t: Tabular) -> str:
    return json.dumps(t.document, indent=2, default=json_default) + "\n"


def _md(t: Tabular, precision: int) -> str:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    out = [f"## {t.title}", "", line(t.columns)]
    out.append(
        "|" + "|".join("---:" if c in t.money_columns or c == "lines" else "---" for c in t.columns) + "|"
    )
    for row in [*t.rows, *t.summary_rows]:
        out.append(line([_text(row.get(c), precision if c in t.money_columns else None) for c in t.columns]))
    out += [""] + [f"- {n}" for n in t.footer]
    return "\n".join(out) + "\n"


def _parquet(t: Tabular) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = {}
    for c in t.columns:
        values = [r.get(c) for r in t.rows]
        if c in t.money_columns:
            arrays[c] = pa.array(values, type=pa.decimal128(38, 10))
        else:
            arrays[c] = pa.array(values)
    table = pa.table(arrays) if t.columns else pa.table({})
    table = table.replace_schema_metadata(
        {
            "cur_analyzer.report": json.dumps(
                {k: v for k, v in t.document.items() if k != "rows"}, default=json_default
            )
        }
    )
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def _xlsx(t: Tabular) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = (t.title or "report")[:31].replace("/", "-").replace(":", "-")
    ws.append(t.columns)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in t.rows:
        ws.append([row.get(c) for c in t.columns])
    for i, c in enumerate(t.columns, start=1):
        if c in t.money_columns:
            for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = "#,##0.00########"
    if t.footer:
        notes = wb.create_sheet("notes")
        for n in t.footer:
            notes.append([n])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _table(t: Tabular, precision: int, file: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=t.title, show_footer=False, title_justify="left")
    for c in t.columns:
        table.add_column(c, justify="right" if c in t.money_columns or c == "lines" else "left")
    for row in t.rows:
        table.add_row(*[_text(row.get(c), precision if c in t.money_columns else None) for c in t.columns])
    if t.summary_rows:
        table.add_section()
        for row in t.summary_rows:
            table.add_row(
                *[_text(row.get(c), precision if c in t.money_columns else None) for c in t.columns],
                style="bold",
            )
    # A terminal wraps at its width; a file or pipe gets the table at its natural width, unwrapped.
    width = Console(file=file).width if getattr(file, "isatty", lambda: False)() else 250
    console = Console(file=file, width=width)
    console.print(table)
    for n in t.footer:
        console.print(f"[dim]{n}[/dim]", highlight=False)


def render(t: Tabular, fmt: str = "table", output: str | Path | None = None, precision: int = 2) -> None:
    """Write a report in ``fmt`` to ``output`` (atomically) or to stdout."""
    if fmt not in FORMATS:
        raise UserInputError(f"--format must be one of {', '.join(FORMATS)} (got {fmt!r})")
    if fmt in _BINARY and output is None and sys.stdout.isatty():
        raise UserInputError(f"--format {fmt} is binary: pass --output FILE")
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
        payload = _xlsx(t)
    if output is None:
        if isinstance(payload, bytes):
            sys.stdout.buffer.write(payload)
        else:
            sys.stdout.write(payload)
        return
    write_atomically(Path(output), payload)


def write_atomically(path: Path, payload: str | bytes) -> None:
    if path.parent and not path.parent.exists():
        raise UserInputError(f"--output {path}: folder {path.parent} does not exist")
    data = payload.encode() if isinstance(payload, str) else payload
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
