"""The reconciliation cut by what each call sent in its request metadata: each application's billed share
is the allocation's, its estimate is its calls priced, and cutting moves no dollar between causes."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest
from test_allocate_by_request_metadata import MONTH, clean_month  # noqa: F401

from cur_analyzer.bedrock.models import ProfileMap
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.errors import UserInputError
from cur_analyzer.reports.allocate import build_allocation
from cur_analyzer.reports.reconcile import build_reconciliation

DIM = "request-metadata/app"
DEMO = "fixtures/demo"


def engine_and_profiles(folder):
    return (
        DuckDBEngine(f"{folder}/cur2-bedrock", logs=f"{folder}/logs"),
        ProfileMap.load(f"{folder}/inference-profiles.json"),
    )


def test_on_a_clean_month_every_application_matches_and_is_billed_what_allocate_gives_it(clean_month):  # noqa: F811
    engine, profiles = engine_and_profiles(clean_month)
    rec = build_reconciliation(engine, MONTH, ["role", DIM], profiles=profiles)
    assert {r.status for r in rec.rows} == {"match"}
    billed: dict[str | None, Decimal] = defaultdict(Decimal)
    for r in rec.rows:
        billed[r.values[DIM]] += r.billed_cost
    allocated: dict[str | None, Decimal] = defaultdict(Decimal)
    for row in build_allocation(engine, MONTH, [DIM], profiles).rows:
        allocated[row[DIM]] += row["cost"]
    assert {"support-portal", "sales-assistant", "docs-search", "notebook"} <= set(billed)
    for name, cost in allocated.items():
        assert abs(billed[name] - cost) <= Decimal("1e-8"), name
    assert rec.billed_cost == sum(allocated.values())


def test_cutting_by_request_metadata_moves_no_dollar_between_causes():
    engine, profiles = engine_and_profiles(DEMO)
    whole = build_reconciliation(engine, MONTH, ["role"], profiles=profiles)
    cut = build_reconciliation(engine, MONTH, ["role", DIM], profiles=profiles)
    assert cut.billed_cost == whole.billed_cost and cut.estimated_cost == whole.estimated_cost
    assert cut.explained_by_cause() == whole.explained_by_cause()
    assert {r.values[DIM] for r in cut.rows} >= {"notebook", "support-portal", None}


def test_two_request_metadata_keys_at_once_are_refused():
    engine, profiles = engine_and_profiles(DEMO)
    with pytest.raises(UserInputError, match="one request-metadata/<key>"):
        build_reconciliation(engine, MONTH, [DIM, "request-metadata/user"], profiles=profiles)
