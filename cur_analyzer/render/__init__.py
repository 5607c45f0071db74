"""Renderers: a report's ``Tabular`` view to a rich table, csv, json, parquet, xlsx or markdown, and the
monthly pack to HTML or xlsx.

A renderer never computes; it formats what the report model holds. Money arrives as ``Decimal`` and is
rounded only here, only for human formats (``table``, ``md``, ``html``), to ``precision`` places; machine
formats carry full precision (JSON as decimal strings, parquet as decimal128(38,10)). ``--output`` writes
atomically (a temporary file in the same folder, then a rename) onto a new path or a regular file, and
writes through a pipe, a character device or a symbolic link without replacing it (``write_atomically``).

Data is made inert for each human format in one place, ``_escape``: spreadsheet formulas neutralised in
csv and xlsx, HTML and links escaped in md, markup and control characters in the terminal table;
``visible`` (one line) and ``visible_lines`` (many) do the last for any text printed to a terminal.
"""

from __future__ import annotations

from cur_analyzer.render._escape import visible, visible_lines
from cur_analyzer.render._pack_xlsx import render_xlsx as render_pack_xlsx
from cur_analyzer.render._write import FORMATS, check_output_path, render, write_atomically
from cur_analyzer.reports._view import Tabular, json_default

__all__ = [
    "FORMATS",
    "Tabular",
    "check_output_path",
    "json_default",
    "render",
    "render_pack_xlsx",
    "visible",
    "visible_lines",
    "write_atomically",
]
