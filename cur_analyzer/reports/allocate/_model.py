"""The allocation's report model: the ledger (one row per record and meter, plus the unlogged rows), its
rows grouped by what the user asked, and the words that go with them. No I/O, no rendering."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING, Any

from cur_analyzer.granularity import Granularity
from cur_analyzer.reports._view import ReportModel

if TYPE_CHECKING:
    import pyarrow as pa

    from cur_analyzer.reports._view import Tabular
    from cur_analyzer.reports.allocate._ledger import LedgerParts

ZERO = Decimal(0)
#: What the ledger groups by: a record's request id, the caller at its three grains, and the bucket's fields;
#: and ``request-metadata/<key>`` (``attribution.REQUEST_METADATA``), what the caller sent under that key.
BY_DIMS = ("request", "session", "principal", "role", "account", "region", "model", "meter", "tier", "day")
#: The requestMetadata keys one allocation can group by (the slots of athena/allocate_records.sql).
METADATA_SLOTS = 4
METHODS = ("tokens", "unlogged")
#: The ledger's columns, in order: ``period`` is the bucket's (the hour, day or month the bill is cut by),
#: ``day`` the usage day it falls on (the month on a monthly export).
LEDGER_COLUMNS = (
    "request_id", "period", "day", "account", "region", "principal", "model", "model_key", "meter", "tier",
    "scope", "tokens", "cost", "currency", "method", "reason",
)  # fmt: skip


@dataclass(frozen=True)
class LedgerRow:
    """One record's share of one meter's bill, or a bucket's bill no record logged (``unlogged``)."""

    request_id: str | None  # None on an unlogged row
    period: str  # the bucket's period: the hour, day or month, as the export cuts its lines
    day: str  # the usage day, or the month on a monthly export
    account: str
    region: str
    principal: str  # the record's caller; on an unlogged row the billed one
    model: str
    model_key: str
    meter: str
    tier: str
    scope: str
    tokens: int | None  # the record's tokens of the meter; None on an unlogged row
    cost: Decimal
    currency: str
    method: str  # METHODS
    reason: str | None = None  # why the bill has no record to go to


@dataclass
class Allocation(ReportModel):
    month: str
    by: tuple[str, ...]
    #: the ledger as codes (``_ledger.LedgerParts``): its table and its grouped rows are made when asked
    parts: LedgerParts
    #: the ledger's cost per currency and per unlogged reason, summed exactly
    totals_by_currency: dict[str, Decimal]
    unlogged_by_reason: dict[str, Decimal]
    notes: list[str] = field(default_factory=list)
    granularity: Granularity = Granularity.HOURLY

    @cached_property
    def rows(self) -> list[dict[str, Any]]:
        """The ledger summed per value of ``by``, method, reason and currency, largest cost first."""
        return self.parts.grouped(self.by)

    @cached_property
    def ledger_table_data(self) -> pa.Table:
        """The full ledger, LEDGER_COLUMNS, cost as decimal128(38, 10): a month of millions of records."""
        return self.parts.table()

    @cached_property
    def ledger(self) -> list[LedgerRow]:
        """The ledger as Python rows (for a notebook or a test; ``ledger_table`` is the month-sized form)."""
        return [LedgerRow(**r) for r in self.ledger_table_data.to_pylist()]

    def totals(self) -> dict[str, Decimal]:
        """The ledger's cost per currency: the month's billed Bedrock usage."""
        return dict(self.totals_by_currency)

    @property
    def total(self) -> Decimal | None:
        """The ledger's total when it is in one currency (None when it holds several: see ``totals``)."""
        totals = self.totals()
        return next(iter(totals.values())) if len(totals) == 1 else (ZERO if not totals else None)

    def document(self) -> dict[str, Any]:
        return {
            "report": "allocate",
            "month": self.month,
            "by": list(self.by),
            "granularity": self.granularity.value,
            "rows": self.rows,
            "total": self.total,
            "totals": self.totals(),
            "unlogged_by_reason": self.unlogged_by_reason,
            "ledger_rows": self.parts.row_count,
            "notes": self.notes,
        }

    def as_table(self) -> Tabular:
        """The ledger grouped by ``by``: one row per value, method, reason and currency."""
        from cur_analyzer.reports._view import Tabular

        columns = [*self.by, "method", "reason", "currency", "records", "tokens", "cost"]
        summary = [{columns[0]: "Total", "cost": self.total}] if self.total is not None else []
        return Tabular(
            title=f"Bedrock bill {self.month} allocated to invocation-log records by {', '.join(self.by)}",
            columns=columns,
            rows=self.rows,
            money_columns=("cost",),
            summary_rows=summary,
            footer=self.notes,
            document=self.document(),
        )

    def ledger_table(self) -> Tabular:
        """The full ledger: one row per record and meter, plus the unlogged rows."""
        from cur_analyzer.reports._view import Tabular

        return Tabular(
            title=f"Bedrock bill {self.month} allocated to invocation-log records (ledger)",
            columns=list(LEDGER_COLUMNS),
            rows=[],
            arrow=self.ledger_table_data,
            money_columns=("cost",),
            footer=self.notes,
            document={k: v for k, v in self.document().items() if k != "rows"},
        )


def sum_by_key(pairs) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for key, amount in pairs:
        out[key] += amount
    return dict(sorted(out.items()))
