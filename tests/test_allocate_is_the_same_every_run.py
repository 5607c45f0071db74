"""The same bill and logs give the same ledger to the last 1e-10 whatever order the engine hands the
records over in: ties in the split go by request id, not by arrival."""

from __future__ import annotations

import pyarrow as pa

from cur_analyzer.bedrock.models import ProfileMap
from cur_analyzer.engines import duckdb as duckdb_engine
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.reports.allocate import build_allocation

DEMO = "fixtures/demo"


def ledger(reverse: bool, monkeypatch) -> list[tuple]:
    if reverse:
        original = duckdb_engine.DuckDBEngine.query_batches

        def reversed_batches(self, name, params, rows=500_000):
            batches = list(original(self, name, params, rows=97))
            for batch in reversed(batches):
                yield batch.take(pa.array(range(batch.num_rows - 1, -1, -1)))

        monkeypatch.setattr(duckdb_engine.DuckDBEngine, "query_batches", reversed_batches)
    engine = DuckDBEngine(f"{DEMO}/cur2-bedrock", logs=f"{DEMO}/logs")
    allocation = build_allocation(
        engine, "2026-10", ["request"], ProfileMap.load(f"{DEMO}/inference-profiles.json")
    )
    return sorted(
        (r.request_id or "", r.period, r.meter, r.tier, r.model, str(r.cost)) for r in allocation.ledger
    )


def test_records_arriving_in_another_order_give_the_same_ledger(monkeypatch):
    assert ledger(False, monkeypatch) == ledger(True, monkeypatch)
