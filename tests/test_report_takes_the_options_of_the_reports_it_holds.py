"""Does the monthly pack answer for the service scope, cost basis, offenders listed and data checks it is
given, as `chargeback`, `coverage` and `--check` do?"""

from __future__ import annotations

from decimal import Decimal

import pytest

from cur_analyzer import Analyzer

DEMO = "fixtures/demo"


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(cur=f"{DEMO}/cur2-bedrock", rules=None)


@pytest.fixture(scope="module")
def every_service_amortized(analyzer):
    return analyzer.monthly("2026-10", service="all", cost_basis="amortized", top=1)


def test_the_pack_sums_the_service_scope_and_cost_basis_asked_for(analyzer, every_service_amortized):
    pack = every_service_amortized
    asked = analyzer.chargeback("2026-10", service="all", cost_basis="amortized")
    bedrock = analyzer.chargeback("2026-10")
    assert pack.total == asked.total != bedrock.total
    assert pack.cost_basis == "amortized" and pack.coverage.cost_basis == "amortized"
    assert pack.coverage.service == "all" and pack.checks.service == "all"
    assert any("every service's lines" in str(text) for _source, text in pack.notes)


def test_the_pack_lists_the_top_offenders_and_sums_the_rest(every_service_amortized):
    coverage = every_service_amortized.coverage
    per_kind: dict[tuple[str, str], int] = {}
    for o in coverage.untagged:
        per_kind[(o.key, o.kind)] = per_kind.get((o.key, o.kind), 0) + 1
    assert per_kind and max(per_kind.values()) == 1
    assert coverage.not_listed
    for key in coverage.keys:
        explained = sum(
            (o.uncovered for o in [*coverage.untagged, *coverage.not_listed] if o.key == key), Decimal(0)
        )
        assert explained == coverage.untagged_total(key, "USD")
