"""Renderers: a report's ``Tabular`` view to a rich table, csv, json, parquet, xlsx or markdown.

A renderer never computes; it formats what the report model holds. Money arrives as ``Decimal`` and is
rounded only here, only for human formats (``table``, ``md``), to ``precision`` places; machine formats
carry full precision (JSON as decimal strings, parquet as decimal128(38,10)). ``--output`` writes
atomically: a temporary file in the same folder, then a rename.
"""

from __future__ import annotations

from cur_analyzer.render._tabular import Tabular
from cur_analyzer.render._write import FORMATS, render

__all__ = ["FORMATS", "Tabular", "render"]
