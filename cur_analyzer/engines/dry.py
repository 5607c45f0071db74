"""A dry-run engine: it runs nothing and remembers every query a report asks for, with its parameters.

``Analyzer.queries`` builds a report over it to learn which SQL the report runs and with which values: the
same code that binds them on a real engine, so the paste-ready queries ``cur-analyzer sql`` prints are the
ones the report would run, never a second copy of how a report plans its SQL. Every query answers with no
rows (one row of NULLs for a query without GROUP BY, which always returns one row), so a report built here
is empty; only the recorded queries matter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from cur_analyzer import schema, sql

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["DryRunEngine", "RecordedQuery"]


@dataclass(frozen=True)
class RecordedQuery:
    name: str
    params: dict[str, Any]

    def paste_ready(self) -> str:
        """The query with every parameter written in as an Athena literal."""
        return sql.literal_sql(self.name, self.params)


@cache
def _shape(name: str) -> tuple[tuple[str, ...], bool]:
    """(output column names, whether the query always returns exactly one row) of ``athena/<name>.sql``."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql.load(name).text.replace("?", "NULL"), read="athena")
    select = tree if isinstance(tree, exp.Select) else tree.find(exp.Select)
    names = tuple(select.named_selects) if select is not None else ()
    one_row = select is not None and not select.args.get("group") and select.find(exp.AggFunc) is not None
    return names, one_row


@dataclass
class DryRunEngine:
    """Answers every question about the data as if the export had every optional column and the month."""

    month: str
    name: str = "dry-run"
    notes: list[str] = field(default_factory=list)
    recorded: list[RecordedQuery] = field(default_factory=list)

    def months(self) -> list[str]:
        """The month, and the one before it, which a report comparing months (explain, the pack's change)
        reads too."""
        from cur_analyzer.period import BillingPeriod

        return [str(BillingPeriod.parse(self.month).previous), self.month]

    def capabilities(self) -> schema.Capabilities:
        return schema.probe([c.name for c in schema.CUR_COLUMNS])

    def query(self, name: str, params: Mapping[str, Any]) -> pa.Table:
        import pyarrow as pa

        self.recorded.append(RecordedQuery(name, dict(params)))
        columns, one_row = _shape(name)
        return pa.table({c: pa.array([None] if one_row else [], pa.null()) for c in columns})

    def held(self, month: str, scope: str):  # noqa: ARG002 - the protocol's signature
        from contextlib import nullcontext

        return nullcontext()
