"""What makes a data value inert in each output: the one home of every escape the renderers apply.

A CUR export and invocation logs are written by other people: a tag value, a session name or a model id
can be anything. Each human-facing format reads some text as instructions, so each gets its own escape:

- spreadsheets (csv, xlsx): a cell that starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return is a
  formula to Excel and LibreOffice. OWASP's CSV-injection advice: prefix such a text cell with ``'``.
  Numbers are never text cells, so ``Decimal("-1.5")`` stays a number, and neither is text that is only a
  signed number (``"-12.3%"``), which no spreadsheet can read as a formula.
- xlsx only: the file format cannot store most C0 control characters (openpyxl refuses them), so they are
  replaced by their visible escape rather than dropped.
- markdown: HTML in a cell is live in every renderer (``<script>``, ``<img onerror>``), ``[x](url)`` is a
  link or a tracking image, and ``|`` or a newline breaks the table.
- terminal (rich): ``[bold]`` is rich markup and ``\\x1b[...`` an ANSI escape; control characters are
  shown as ``\\x1b`` so a value can neither restyle, hide nor rewrite what the terminal shows.

Machine formats (json, parquet) keep every value exactly: their readers do not execute anything.
"""

from __future__ import annotations

import re
from typing import Any

from cur_analyzer.text import visible, visible_lines

__all__ = ["formula_safe", "md_safe", "visible", "visible_lines", "xlsx_safe"]

#: Characters that start a formula in Excel / LibreOffice (OWASP), plus their full-width forms, which some
#: East-Asian locales turn into the ASCII ones on import.
_FORMULA_START = "=+-@\t\r\uff1d\uff0b\uff0d\uff20"
#: Leading spaces and control characters are skipped by some importers before they look for a formula, so
#: ``" =1+1"`` is neutralised too.
_FORMULA_RE = re.compile(r"^[\s\x00-\x1f\x7f-\x9f]*[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r]")
#: A signed number as a report writes it ("-12.3%", "+1", "-1,234.50"): a spreadsheet reads it as a
#: number, and no formula can be spelt with digits, one sign, separators and a percent sign, so it is
#: left as it is (a reconciliation's "-12.3%" must not become the text "'-12.3%").
_PLAIN_NUMBER_RE = re.compile(r"[+-]?(\d[\d,]*(\.\d*)?|\.\d+)%?")

#: What the xlsx format cannot store (the same class as openpyxl's ILLEGAL_CHARACTERS_RE).
_XLSX_ILLEGAL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")

_MD_ESCAPES = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    "\\": "\\\\",  # else a value ending in "\" would escape the "|" that closes its cell
    "|": "\\|",
    "`": "\\`",
    "[": "\\[",  # no link, no image (a tracking pixel is an image)
    "]": "\\]",
}
_MD_RE = re.compile("[" + re.escape("".join(_MD_ESCAPES)) + "]")


def _escape_char(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def formula_safe(value: Any) -> Any:
    """A spreadsheet cell value that no spreadsheet evaluates: text starting with a formula trigger gets
    a leading ``'`` (unless it is a plain signed number); numbers, dates and None are returned as they
    are."""
    if isinstance(value, str) and _FORMULA_RE.match(value) and not _PLAIN_NUMBER_RE.fullmatch(value):
        return "'" + value
    return value


def xlsx_safe(value: Any) -> Any:
    """A value openpyxl stores as a plain cell: no formula, no character the xlsx format cannot hold."""
    if isinstance(value, str):
        # replace first: "\x00=1" must not become "=1" after the check
        return formula_safe(_XLSX_ILLEGAL_RE.sub(_escape_char, value))
    return value


def md_safe(text: str) -> str:
    """Markdown text (a table cell, the heading, a note) that renders as exactly these characters: no HTML,
    no link or image, no cell break; a line break becomes ``<br>`` (the only HTML it holds)."""
    text = _MD_RE.sub(lambda m: _MD_ESCAPES[m.group()], text)
    return visible(text.replace("\r\n", "\n").replace("\n", "<br>").replace("\r", "<br>"))
