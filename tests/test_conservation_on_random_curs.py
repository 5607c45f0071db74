"""Whatever the bill looks like, a chargeback's rows + Unallocated + adjustments equal the month's total
to the cent, per currency and cost basis (hypothesis draws the CURs)."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from conftest import write_cur
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.reports.chargeback import build_chargeback

LINE_TYPES = [
    "Usage",
    "DiscountedUsage",
    "SavingsPlanCoveredUsage",
    "SavingsPlanNegation",
    "SavingsPlanRecurringFee",
    "Tax",
    "Credit",
    "Refund",
    "Fee",
    "EdpDiscount",
    "RIFee",
]
PRINCIPALS = [
    None,
    "",
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:sts::111122223333:assumed-role/App/s-1",
    "arn:aws:sts::111122223333:assumed-role/App/s-2",
    "arn:aws:sts::444455556666:assumed-role/Fed/bo@x.org",
]
USAGE_TYPES = [
    "USE1-Claude4.6Sonnet-input-tokens",
    "USE1-NovaPro-output-tokens-batch",
    "BoxUsage:t3.micro",
    "USW2-Claude4.6Sonnet-cache-read-input-token-count-cross-region-global",
    "Tax",
]
PRODUCTS = ["AmazonBedrock", "AmazonBedrockService", "AmazonEC2", "AWSSupportBusiness"]
TAGS = [
    {},
    {"iamPrincipal/team": "ml"},
    {"iamPrincipal/team": ""},
    {"resourceTags/team": "web"},
    {"iamPrincipal/team": "ml", "iamPrincipal/cost-center": "42"},
]
RESOURCE_TAGS = [{}, {"user_team": "web"}, {"user_team": "data", "user_cost_center": "7"}]
money = st.decimals(min_value=Decimal("-500"), max_value=Decimal("500"), places=8, allow_nan=False)

line = st.fixed_dictionaries(
    {
        "line_item_line_item_type": st.sampled_from(LINE_TYPES),
        "line_item_iam_principal": st.sampled_from(PRINCIPALS),
        "line_item_usage_type": st.sampled_from(USAGE_TYPES),
        "line_item_product_code": st.sampled_from(PRODUCTS),
        "line_item_currency_code": st.sampled_from(["USD", "USD", "USD", "EUR"]),
        "line_item_usage_account_id": st.sampled_from(["111122223333", "444455556666"]),
        "line_item_unblended_cost": money,
        "line_item_net_unblended_cost": st.one_of(st.none(), money),
        "savings_plan_savings_plan_effective_cost": money,
        "savings_plan_total_commitment_to_date": money,
        "savings_plan_used_commitment": money,
        "reservation_effective_cost": money,
        "reservation_unused_amortized_upfront_fee_for_billing_period": money,
        "reservation_unused_recurring_fee": money,
        "tags": st.sampled_from(TAGS),
        "resource_tags": st.sampled_from(RESOURCE_TAGS),
    }
)


def amortized(r: dict, net: bool) -> Decimal:
    t = r["line_item_line_item_type"]
    gross = r["line_item_unblended_cost"]
    plain = (
        (r["line_item_net_unblended_cost"] if r["line_item_net_unblended_cost"] is not None else gross)
        if net
        else gross
    )
    if t == "SavingsPlanCoveredUsage":
        return r["savings_plan_savings_plan_effective_cost"]
    if t == "SavingsPlanRecurringFee":
        return r["savings_plan_total_commitment_to_date"] - r["savings_plan_used_commitment"]
    if t in ("SavingsPlanNegation", "SavingsPlanUpfrontFee"):
        return Decimal(0)
    if t == "DiscountedUsage":
        return r["reservation_effective_cost"]
    if t == "RIFee":
        return (
            r["reservation_unused_amortized_upfront_fee_for_billing_period"]
            + r["reservation_unused_recurring_fee"]
        )
    return plain


BASES = {
    "unblended": lambda r: r["line_item_unblended_cost"],
    "net-unblended": lambda r: (
        r["line_item_net_unblended_cost"]
        if r["line_item_net_unblended_cost"] is not None
        else r["line_item_unblended_cost"]
    ),
    "amortized": lambda r: amortized(r, net=False),
    "net-amortized": lambda r: amortized(r, net=True),
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(line, min_size=1, max_size=40),
    by=st.lists(
        st.sampled_from(
            [
                "principal",
                "role",
                "session",
                "account",
                "model",
                "token-type",
                "usage-type",
                "service",
                "iamPrincipal/team",
                "tag/team",
                "iamPrincipal/cost-center",
            ]
        ),
        min_size=1,
        max_size=3,
        unique=True,
    ),
    service=st.sampled_from(["bedrock", "all"]),
    basis=st.sampled_from(list(BASES)),
)
def test_chargeback_rows_plus_unallocated_plus_adjustments_equal_the_month_total(lines, by, service, basis):
    with tempfile.TemporaryDirectory() as tmp:
        cb = build_chargeback(DuckDBEngine(write_cur(Path(tmp), lines)), "2026-10", by, service, basis)
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for r in lines:
        if service == "all" or r["line_item_product_code"].startswith("AmazonBedrock"):
            # parquet holds doubles: the engine casts each to DECIMAL(38,10), exact for 8-place values
            expected[r["line_item_currency_code"]] += BASES[basis](r)
    got = cb.totals()
    assert {k: v for k, v in got.items() if v or k in expected} == {
        k: v for k, v in expected.items() if v or k in got
    }
    for r in cb.rows:
        assert r.unallocated or any(v != "Unallocated" for v in r.values)
    assert sum(r.lines for r in cb.rows) + sum(a.lines for a in cb.adjustments) == sum(
        1 for r in lines if service == "all" or r["line_item_product_code"].startswith("AmazonBedrock")
    )
