"""Shared costs: Unallocated spend, a line-item-type pool (Tax) or a product's lines (Support) shared
across the other teams proportionally, evenly or by fixed percentages — and the month still adds up to
the invoice to the last digit (hypothesis draws the bills and the rules)."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from conftest import write_cur
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.reports.chargeback import build_chargeback
from cur_analyzer.rules import allocate, load_rules

ACCOUNT = "111122223333"


def line(cost, team=None, kind="Usage", product="AmazonBedrock", currency="USD"):
    return {
        "line_item_line_item_type": kind,
        "line_item_product_code": product,
        "line_item_usage_type": "USE1-NovaPro-input-tokens",
        "line_item_unblended_cost": Decimal(cost),
        "line_item_iam_principal": f"arn:aws:iam::{ACCOUNT}:user/u",
        "line_item_currency_code": currency,
        "tags": {"iamPrincipal/team": team} if team else {},
    }


LINES = [
    line("30", "ml"),
    line("10", "web"),
    line("10"),  # Unallocated
    line("6", kind="Tax"),
    line("9", kind="Fee", product="AWSSupportBusiness"),
]


def rules_with(tmp_path, *shared):
    path = tmp_path / "rules.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "dimensions": {"team": {"sources": [{"source": "principal_tag", "key": "team"}]}},
                "shared_costs": list(shared),
            }
        )
    )
    return load_rules(path)


def chargeback(make_cur, tmp_path, *shared, service="all", lines=LINES):
    engine = DuckDBEngine(make_cur(lines))
    return build_chargeback(engine, "2026-10", ["team"], service, rules=rules_with(tmp_path, *shared))


def rows(cb):
    return {(r.values[0], r.via): r.cost for r in cb.rows}


def test_unallocated_split_proportionally_to_attributed_cost(make_cur, tmp_path):
    cb = chargeback(make_cur, tmp_path, {"dimension": "team", "method": "proportional"})
    assert rows(cb) == {
        ("ml", "principal_tag:team"): Decimal(30),
        ("web", "principal_tag:team"): Decimal(10),
        ("ml", "split:proportional"): Decimal("7.5"),
        ("web", "split:proportional"): Decimal("2.5"),
    }
    assert cb.unallocated() == {} and cb.total == Decimal(65)
    (split,) = cb.splits
    assert (split.pool, split.amount, split.lines) == ("Unallocated", Decimal(10), 1)


def test_an_even_split_keeps_every_digit(make_cur, tmp_path):
    lines = [line("1", "a"), line("1", "b"), line("1", "c"), line("10")]
    cb = chargeback(make_cur, tmp_path, {"dimension": "team", "method": "even"}, lines=lines)
    shares = {v: c for (v, via), c in rows(cb).items() if via == "split:even"}
    assert sorted(shares.values()) == [
        Decimal("3.3333333333"),
        Decimal("3.3333333333"),
        Decimal("3.3333333334"),
    ]
    assert sum(shares.values()) == Decimal(10) and cb.total == Decimal(13)


def test_fixed_percentages_and_a_named_tax_pool(make_cur, tmp_path):
    cb = chargeback(
        make_cur,
        tmp_path,
        {
            "dimension": "team",
            "pool": "Tax",
            "method": "fixed",
            "percentages": {"ml": 50, "web": 25, "ops": 25},
        },
    )
    got = rows(cb)
    assert got[("ml", "split:fixed:Tax")] == Decimal(3)
    assert got[("web", "split:fixed:Tax")] == got[("ops", "split:fixed:Tax")] == Decimal("1.5")
    assert got[("Unallocated", "unallocated")] == Decimal(10)  # not in this rule's pool
    assert "Tax" not in {a.line_item_type for a in cb.adjustments}
    assert cb.total == Decimal(65)


def test_a_product_pool_such_as_support_is_shared_only_with_the_listed_values(make_cur, tmp_path):
    cb = chargeback(
        make_cur,
        tmp_path,
        {
            "dimension": "team",
            "pool": {"product_code": "AWSSupportBusiness"},
            "method": "even",
            "to": ["web"],
        },
    )
    assert rows(cb)[("web", "split:even:AWSSupportBusiness")] == Decimal(9)
    assert "Fee" not in {a.line_item_type for a in cb.adjustments}


def test_rules_apply_in_order_and_a_pool_with_nowhere_to_go_stays(make_cur, tmp_path):
    lines = [line("10"), line("6", kind="Tax")]  # nobody is attributed: nothing to share onto
    cb = chargeback(
        make_cur,
        tmp_path,
        {"dimension": "team"},
        {"dimension": "team", "pool": "Tax", "method": "even"},
        lines=lines,
    )
    assert rows(cb) == {("Unallocated", "unallocated"): Decimal(10)}
    assert [a.line_item_type for a in cb.adjustments] == ["Tax"]
    assert sum("nothing" in n or "stays" in n for n in cb.notes) == 2
    assert cb.total == Decimal(16)


def test_a_split_happens_per_currency(make_cur, tmp_path):
    lines = [line("10", "ml"), line("4"), line("7", "web", currency="EUR"), line("3", currency="EUR")]
    cb = chargeback(make_cur, tmp_path, {"dimension": "team", "method": "proportional"}, lines=lines)
    assert {(r.values[0], r.currency, r.via): r.cost for r in cb.rows if r.via.startswith("split")} == {
        ("ml", "USD", "split:proportional"): Decimal(4),
        ("web", "EUR", "split:proportional"): Decimal(3),
    }
    assert cb.totals() == {"USD": Decimal(14), "EUR": Decimal(10)}


@pytest.mark.parametrize(
    "amount, weights",
    [
        (Decimal("0.0000000001"), {"a": Decimal(1), "b": Decimal(1), "c": Decimal(1)}),
        (Decimal("-12.3456789012"), {"a": Decimal("0.3"), "b": Decimal("7")}),
        (Decimal("1000000000.0000000001"), {"a": Decimal(3), "b": Decimal(3), "c": Decimal(1)}),
    ],
)
def test_allocate_returns_exactly_the_amount(amount, weights):
    shares = allocate(amount, weights)
    assert sum(shares.values()) == amount and set(shares) == set(weights)


# --- hypothesis: any bill, any split rules, the total never moves -------------------------------------
TEAMS = ["ml", "web", "data"]
LINE_TYPES = ["Usage", "Usage", "DiscountedUsage", "Tax", "Fee", "Credit", "SavingsPlanNegation"]
money = st.decimals(min_value=Decimal("-200"), max_value=Decimal("500"), places=8, allow_nan=False)
random_line = st.fixed_dictionaries(
    {
        "line_item_line_item_type": st.sampled_from(LINE_TYPES),
        "line_item_product_code": st.sampled_from(["AmazonBedrock", "AmazonEC2", "AWSSupportBusiness"]),
        "line_item_usage_type": st.just("USE1-NovaPro-input-tokens"),
        "line_item_unblended_cost": money,
        "line_item_currency_code": st.sampled_from(["USD", "USD", "EUR"]),
        "line_item_usage_account_id": st.sampled_from(["111122223333", "444455556666"]),
        "line_item_iam_principal": st.sampled_from(
            [None, "arn:aws:iam::111122223333:user/a", "arn:aws:sts::444455556666:assumed-role/ClaudeCode/x"]
        ),
        "line_item_resource_id": st.sampled_from(
            [None, "i-1", "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc"]
        ),
        "tags": st.sampled_from(
            [{}, {"iamPrincipal/team": "ml"}, {"accountTag/team": "web"}, {"iamPrincipal/team": ""}]
        ),
        "resource_tags": st.sampled_from([{}, {"user_team": "data"}, {"user_team": "web"}]),
    }
)
sources = st.lists(
    st.sampled_from(
        [
            {"source": "aip_tag", "key": "team"},
            {"source": "principal_tag", "key": "team"},
            {"source": "account_tag", "key": "team"},
            {"source": "resource_tag", "key": "team"},
            {"source": "account_map", "accounts": {"444455556666": "data"}},
            {
                "source": "principal_pattern",
                "patterns": [{"pattern": "assumed-role/ClaudeCode/*", "value": "ml"}],
            },
        ]
    ),
    min_size=1,
    max_size=4,
    unique_by=lambda s: s["source"],
)
pools = st.sampled_from(
    [
        "Unallocated",
        "Tax",
        "Fee",
        {"product_code": "AWSSupportBusiness"},
        ["Credit", "SavingsPlanNegation"],
        "Adjustments",
    ]
)
split_rule = st.one_of(
    st.builds(
        lambda p, m: {"dimension": "team", "pool": p, "method": m},
        pools,
        st.sampled_from(["proportional", "even"]),
    ),
    st.builds(
        lambda p, to: {"dimension": "team", "pool": p, "method": "even", "to": to},
        pools,
        st.lists(st.sampled_from(TEAMS), min_size=1, unique=True),
    ),
    st.builds(
        lambda p: {
            "dimension": "team",
            "pool": p,
            "method": "fixed",
            "percentages": {"ml": 33.3, "web": 33.3, "data": 33.4},
        },
        pools,
    ),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    lines=st.lists(random_line, min_size=1, max_size=30),
    team_sources=sources,
    shared=st.lists(split_rule, max_size=3),
    by=st.sampled_from([["team"], ["team", "account"], ["service", "team"]]),
    service=st.sampled_from(["bedrock", "all"]),
)
def test_after_any_split_rows_plus_unallocated_plus_adjustments_equal_the_month_total(
    lines, team_sources, shared, by, service
):
    with tempfile.TemporaryDirectory() as tmp:
        rules_path = Path(tmp) / "rules.yaml"
        rules_path.write_text(
            yaml.safe_dump({"dimensions": {"team": {"sources": team_sources}}, "shared_costs": shared})
        )
        rules = load_rules(rules_path)
        cb = build_chargeback(DuckDBEngine(write_cur(Path(tmp), lines)), "2026-10", by, service, rules=rules)
    in_scope = [
        r for r in lines if service == "all" or r["line_item_product_code"].startswith("AmazonBedrock")
    ]
    expected: dict[str, Decimal] = defaultdict(Decimal)
    for r in in_scope:
        expected[r["line_item_currency_code"]] += r["line_item_unblended_cost"]
    got = cb.totals()
    assert {k: v for k, v in got.items() if v or k in expected} == {
        k: v for k, v in expected.items() if v or k in got
    }
    for s in cb.splits:
        assert sum(s.shares.values()) == s.amount
    lines_seen = (
        sum(r.lines for r in cb.rows) + sum(a.lines for a in cb.adjustments) + sum(s.lines for s in cb.splits)
    )
    assert lines_seen == len(in_scope)
    split_total = sum((r.cost for r in cb.rows if r.via and "split:" in r.via), Decimal(0))
    assert split_total == sum((s.amount for s in cb.splits), Decimal(0))
    for r in cb.rows:
        assert (r.values[by.index("team")] == "Unallocated") == (r.via == "unallocated")
    # one row per value: the same money, every dollar of a team in one of its provenance columns
    assert sum((v.cost for v in cb.by_value()), Decimal(0)) == sum((r.cost for r in cb.rows), Decimal(0))
    for v in cb.by_value():
        assert sum(v.provenance.values(), Decimal(0)) == (
            Decimal(0) if v.no_value[by.index("team")] else v.cost
        )


def test_every_row_of_the_chargeback_table_says_what_kind_of_money_it_is(demo_export, tmp_path):
    """Finance filters the file on `kind`: a split share, the Unallocated row, an adjustment, the total."""
    from cur_analyzer import Analyzer
    from cur_analyzer.reports._chargeback_view import tabular

    # the example's first rules (Unallocated, Tax, Support), which leave the credits and discounts as they are
    example = yaml.safe_load(Path("examples/cur-analyzer.rules.yaml").read_text())
    example["shared_costs"] = example["shared_costs"][:3]
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(example))
    (tmp_path / "accounts.csv").write_text(Path("examples/accounts.csv").read_text())
    analyzer = Analyzer(cur=demo_export, rules=tmp_path / "rules.yaml")
    table = tabular(analyzer.chargeback("2026-10", ["team"]), provenance=True)
    kinds = {
        (row.get("attributed_via") or "").startswith("split:"): row["kind"]
        for row in table.rows
        if row["kind"] in ("split", "attributed")
    }
    assert kinds == {True: "split", False: "attributed"}
    assert {row["kind"] for row in table.rows} >= {"split", "attributed", "adjustment"}
    assert [row["kind"] for row in table.summary_rows] == ["total"]
