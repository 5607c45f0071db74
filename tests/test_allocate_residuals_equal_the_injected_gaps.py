"""On generated months with each reconcile gap injected, the allocation conserves every bucket exactly, its
unlogged residuals are the injected unlogged amounts, and where bill and logs agree each record costs its
tokens at the billed rate."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

import pytest

from cur_analyzer.bedrock.models import ProfileMap
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.reports.allocate import build_allocation
from cur_analyzer.synth import Gaps, generate

MONTH = "2026-10"
QUANTUM = Decimal("1e-10")
#: knobs whose injected gap is spend no record logged: the ledger keeps it as residual with this reason
UNLOGGED_KNOBS = {
    "drop_cache_tokens_from_logs": "cache tokens missing from logs",
    "lose_log_hour": "log gap",
    "unlogged_tier": "tier not in logs",
}
#: knobs whose gap is a rate the estimate got wrong: every dollar still has records to go to
PRICED_KNOBS = ("unpriced_model", "one_hour_cache_writes", "cross_region_rate")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    cache: dict[tuple[str, ...], tuple] = {}

    def make(*names: str):
        if names not in cache:
            out = tmp_path_factory.mktemp("-".join(names) or "clean")
            truth = generate(
                out, month=MONTH, rows=1500, seed=11, months=1, gaps=Gaps.from_names(["clean", *names])
            )
            engine = DuckDBEngine(out / "cur2-bedrock", logs=out / "logs")
            profiles = ProfileMap.load(out / "inference-profiles.json")
            cache[names] = (build_allocation(engine, MONTH, ["principal"], profiles), truth.month(MONTH))
        return cache[names]

    return make


def billed_rates(allocation) -> dict[tuple, Decimal]:
    """Each bucket's billed rate: its cost over its tokens, from the ledger's own rows."""
    cost: dict[tuple, Decimal] = defaultdict(Decimal)
    tokens: dict[tuple, int] = defaultdict(int)
    for r in allocation.ledger:
        key = (r.period, r.account, r.region, r.principal, r.model_key, r.meter, r.tier, r.scope)
        cost[key] += r.cost
        tokens[key] += r.tokens or 0
    return {k: cost[k] / tokens[k] for k in cost if tokens[k]}


def test_on_clean_data_nothing_is_unlogged_and_each_record_costs_its_tokens_at_the_billed_rate(generated):
    allocation, truth = generated()
    assert allocation.unlogged_by_reason == {}
    assert allocation.total == Decimal(truth["reconcile"]["billed_cost"])
    rates = billed_rates(allocation)
    for r in allocation.ledger:
        rate = rates[(r.period, r.account, r.region, r.principal, r.model_key, r.meter, r.tier, r.scope)]
        assert abs(r.cost - r.tokens * rate) < QUANTUM


@pytest.mark.parametrize("knob", list(UNLOGGED_KNOBS))
def test_each_injected_unlogged_gap_is_the_residual_with_its_reason(generated, knob):
    allocation, truth = generated(knob)
    injected = truth["reconcile"]["injected"][UNLOGGED_KNOBS[knob]]
    assert allocation.unlogged_by_reason == {UNLOGGED_KNOBS[knob]: Decimal(injected["amount"])}
    assert allocation.total == Decimal(truth["reconcile"]["billed_cost"])


@pytest.mark.parametrize("knob", PRICED_KNOBS)
def test_a_rate_the_estimate_gets_wrong_leaves_no_residual_the_bill_is_split_all_the_same(generated, knob):
    allocation, truth = generated(knob)
    assert allocation.unlogged_by_reason == {}
    assert allocation.total == Decimal(truth["reconcile"]["billed_cost"])
    assert all(r.cost == r.cost.quantize(QUANTUM) for r in allocation.ledger)


def test_all_gaps_at_once_each_unlogged_residual_is_its_injected_amount(generated):
    allocation, truth = generated(*UNLOGGED_KNOBS, *PRICED_KNOBS)
    injected = truth["reconcile"]["injected"]
    expected = {reason: Decimal(injected[reason]["amount"]) for reason in UNLOGGED_KNOBS.values()}
    assert allocation.unlogged_by_reason == expected
    assert allocation.total == Decimal(truth["reconcile"]["billed_cost"])
