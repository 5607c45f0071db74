"""An option that is accepted must do what it says: these fail if a report ignores one (a tolerance fixed in
code, a `--top` that does not limit, a cost basis that is not read)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cur_analyzer import Analyzer

DEMO = "fixtures/demo"


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(
        cur=f"{DEMO}/cur2-bedrock",
        logs=f"{DEMO}/logs",
        profiles=f"{DEMO}/inference-profiles.json",
        rules=None,
    )


def test_a_wider_tolerance_turns_near_misses_into_matches(analyzer):
    by = ["principal", "model", "meter"]
    strict = analyzer.reconcile("2026-10", by=by, tolerance_pct=0)
    loose = analyzer.reconcile("2026-10", by=by, tolerance_pct=1000)
    assert strict.tolerance_pct == 0 and loose.tolerance_pct == 1000
    matched = lambda rec: sum(1 for row in rec.rows if row.status == "match")  # noqa: E731
    assert matched(loose) > matched(strict)
    # a row matches exactly when its gap is within the tolerance of its bill
    for row in loose.rows:
        if row.status == "match" and row.billed_cost:
            assert abs(row.estimated_cost - row.billed_cost) <= Decimal(10) * abs(row.billed_cost)


@pytest.mark.parametrize("top", [1, 2])
def test_top_limits_the_offenders_listed_per_key_and_kind(analyzer, top):
    cov = analyzer.coverage("2026-10", ["team", "cost-center"], top=top)
    per_kind: dict[tuple, int] = {}
    for offender in cov.untagged:
        per_kind[(offender.key, offender.kind)] = per_kind.get((offender.key, offender.kind), 0) + 1
    assert per_kind and max(per_kind.values()) == top


def test_the_cost_basis_asked_for_is_the_one_summed(analyzer):
    totals = {
        basis: analyzer.chargeback("2026-10", service="all", cost_basis=basis).total
        for basis in ("unblended", "amortized")
    }
    # the demo month's Savings Plan: amortized spreads its fee over the covered usage
    assert totals["amortized"] < totals["unblended"], totals
