"""The rows of ``athena/reconcile.sql``, the one read of the billed lines (and of the invocation logs behind
them) that the reconciliation and the allocation start from: split into the billed side, kept in Arrow
columns, and the logged side's rows."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["BilledSide", "read_sides"]


@dataclass
class BilledSide:
    """The billed side's rows as the engine returned them, in columns: a month of ten million lines gives
    hundreds of thousands of rows, held as dicts they would weigh ten times as much."""

    batches: list[pa.RecordBatch] = field(default_factory=list)

    @property
    def shortest_spans(self) -> list[int | None]:
        return [pc.min(b.column("shortest_span_seconds")).as_py() for b in self.batches]

    def total(self, column: str) -> int:
        return sum(int(pc.sum(b.column(column)).as_py() or 0) for b in self.batches)

    def rows(self) -> Iterator[dict[str, Any]]:
        """The rows as dicts, a slice at a time, so only a slice of them is ever held as dicts."""
        for b in self.batches:
            yield from _dicts(b)

    def take_rows(self) -> Iterator[dict[str, Any]]:
        """The rows as ``rows`` gives them, each batch let go once read (the side is empty after): the
        buckets they fill then grow where the batches were."""
        while self.batches:
            yield from _dicts(self.batches.pop(0))


def _dicts(batch: pa.RecordBatch) -> Iterator[dict[str, Any]]:
    for start in range(0, batch.num_rows, _SLICE):
        yield from batch.slice(start, _SLICE).to_pylist()


#: rows turned into dicts at a time
_SLICE = 10_000
#: each side's columns of reconcile.sql (the other side's are NULL on its rows)
_BILLED_COLUMNS = (
    "day", "account_id", "region", "principal", "usage_type", "resource_kind", "service", "product_name",
    "pricing_unit", "currency", "slot1", "slot2", "slot3", "slot4", "slot5", "slot6", "slot7", "slot8",
    "period_logged", "shortest_span_seconds", "usage_amount", "billed_cost", "line_count", "invoiced_lines",
)  # fmt: skip
_LOGGED_COLUMNS = (
    "malformed_reason", "day", "account_id", "region", "principal", "model_id", "operation", "error_code",
    "meta", "service_tier", "invocations", "no_token_calls", "input_tokens", "output_tokens",
    "cache_read_tokens", "cache_write_tokens", "max_call_tokens",
)  # fmt: skip


def read_sides(batches: Iterable[pa.RecordBatch]) -> tuple[BilledSide, list[dict[str, Any]]]:
    """``reconcile.sql``'s rows split into the billed side's and the logged side's (the latter per day: no
    hour, as ``estimate_usage.sql`` gives them without the hourly view)."""
    billed, logged = BilledSide(), []
    for batch in batches:
        if not batch.num_rows:
            continue
        is_billed = pc.equal(batch.column("side"), "billed")
        billed.batches.append(batch.filter(is_billed).select(list(_BILLED_COLUMNS)))
        for r in batch.filter(pc.invert(is_billed)).select(list(_LOGGED_COLUMNS)).to_pylist():
            r["hour"] = None
            logged.append(r)
    return billed, logged
