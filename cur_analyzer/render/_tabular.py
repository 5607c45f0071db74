from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Tabular:
    """What every report hands a renderer: one table of rows plus the JSON document of the report."""

    title: str
    columns: list[str]
    rows: list[dict[str, Any]]  # money as Decimal
    money_columns: tuple[str, ...] = ()
    #: Rows shown after a rule in human formats only (e.g. a Total line); data formats leave them out.
    summary_rows: list[dict[str, Any]] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)
    document: dict[str, Any] = field(default_factory=dict)
