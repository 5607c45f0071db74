"""Finance asks for October by day, by region and by meter: each is one more cut of the same bill, adding
up to the invoice to the cent. The reconciliation groups by region and meter with the same words, and
refuses, in words, what the invocation logs cannot say."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from cur_analyzer.bedrock.models import ProfileMap
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.errors import UserInputError
from cur_analyzer.reports.chargeback import build_chargeback
from cur_analyzer.reports.reconcile import build_reconciliation

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo"
MONTH = "2026-10"
ZERO = Decimal(0)


def per_value(cb) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for r in cb.rows:
        out[r.values[0]] = out.get(r.values[0], ZERO) + r.cost
    return out


@pytest.fixture(scope="module")
def engine() -> DuckDBEngine:
    return DuckDBEngine(DEMO / "cur2-bedrock", logs=DEMO / "logs")


@pytest.fixture(scope="module")
def reconcile_by(engine):
    profiles = ProfileMap.load(DEMO / "inference-profiles.json")
    return lambda *by: build_reconciliation(engine, MONTH, list(by), profiles=profiles)


@pytest.mark.parametrize("by", ["day", "region", "meter"])
def test_october_by_day_region_and_meter_each_add_up_to_the_invoice(engine, ground_truth, by):
    cb = build_chargeback(engine, MONTH, [by])
    usage = ground_truth["months"][MONTH]["bedrock_usage"]
    assert cb.total == Decimal(ground_truth["months"][MONTH]["bedrock_total"]["unblended"])
    assert sum(per_value(cb).values()) == Decimal(usage["total"])
    assert sum(r.lines for r in cb.rows) == usage["lines"]
    assert not cb.unallocated()  # every usage line has a day, a region and a meter


def test_october_by_day_has_one_row_per_day_of_october_with_spend(engine):
    days = per_value(build_chargeback(engine, MONTH, ["day"]))
    first = dt.date(2026, 10, 1)
    assert set(days) <= {str(first + dt.timedelta(days=i)) for i in range(31)}
    assert len(days) > 25


def test_october_by_meter_is_the_token_type_with_one_hour_cache_writes_counted_as_cache_writes(
    engine, ground_truth
):
    meters = per_value(build_chargeback(engine, MONTH, ["meter"]))
    billed = {k: Decimal(v) for k, v in ground_truth["months"][MONTH]["bedrock_usage"]["by_meter"].items()}
    assert meters == {
        "input": billed["input"],
        "output": billed["output"],
        "cache_read": billed["cache_read"],
        "cache_write": billed["cache_write"] + billed["cache_write_1h"],
    }


def test_october_by_region_is_the_billed_side_of_the_reconciliation_by_region(engine, reconcile_by):
    regions = per_value(build_chargeback(engine, MONTH, ["region"]))
    reconciled = {r.values["region"]: r.billed_cost for r in reconcile_by("region").rows}
    assert len(regions) > 1
    assert reconciled == regions


def test_reconcile_by_region_and_meter_splits_the_same_gap(reconcile_by):
    whole = reconcile_by("principal", "model")
    by_region_meter = reconcile_by("region", "meter")
    assert {tuple(r.values) for r in by_region_meter.rows} == {("region", "meter")}
    assert sum(r.billed_cost for r in by_region_meter.rows) == whole.billed_cost
    assert sum(r.estimated_cost for r in by_region_meter.rows) == whole.estimated_cost
    token_meters = {"input", "output", "cache_read", "cache_write"}
    assert {r.values["meter"] for r in by_region_meter.rows} <= token_meters


@pytest.mark.parametrize("by", ["token-type", "usage-type", "service"])
def test_reconcile_refuses_in_words_a_dimension_the_invocation_logs_do_not_have(engine, by):
    with pytest.raises(UserInputError) as error:
        build_reconciliation(engine, MONTH, [by])
    said = str(error.value)
    assert said.startswith(f"reconcile cannot group by {by!r}")
    assert "it groups by day, account, region, principal, role, session, model, meter" in said
    assert "--" not in said
    assert error.value.option == "by"
