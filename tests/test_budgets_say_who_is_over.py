"""Who is over budget this month? The chargeback shows budget, spend and % used for the --by dimension
that has budgets, and --fail-over-budget exits 1 naming who is over."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from conftest import team_line
from typer.testing import CliRunner

from cur_analyzer.cli import app
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.reports.chargeback import build_chargeback
from cur_analyzer.rules import load_rules

runner = CliRunner()


line = team_line


LINES = [line("120", "ml"), line("30", "web"), line("10"), line("8", kind="Tax")]
RULES = """\
dimensions:
  team:
    sources: [{source: principal_tag, key: team}]
shared_costs:
  - {dimension: team, method: proportional}
budgets:
  - dimension: team
    currency: USD
    amounts: {ml: 100, web: 50, data: 20}
  - dimension: iamPrincipal/team
    amounts: {ml: 200}
"""


@pytest.fixture
def export(make_cur):
    return make_cur(LINES)


@pytest.fixture
def rules_file(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(RULES)
    return path


def run(export, rules_file, *args):
    return runner.invoke(
        app, ["chargeback", "-m", "2026-10", "--cur", str(export), "--rules", str(rules_file), *args]
    )


def test_spend_includes_the_shared_costs_and_is_compared_with_the_budget(export, rules_file):
    cb = build_chargeback(DuckDBEngine(export), "2026-10", ["team"], rules=load_rules(rules_file))
    status = {b.value: (b.budget, b.spend, b.over) for b in cb.budgets}
    # the 10 of Unallocated is shared 120:30 -> ml 8, web 2
    assert status == {
        "ml": (Decimal(100), Decimal(128), True),
        "web": (Decimal(50), Decimal(32), False),
        "data": (Decimal(20), Decimal(0), False),
    }
    assert [b.value for b in cb.over_budget()] == ["ml"]


def test_json_carries_budget_spend_and_percent_used(export, rules_file):
    result = run(export, rules_file, "--by", "team", "-f", "json")
    assert result.exit_code == 0, result.output
    budgets = {b["value"]: b for b in json.loads(result.stdout)["budgets"]}
    assert budgets["ml"] == {
        "dimension": "team",
        "value": "ml",
        "currency": "USD",
        "budget": "100",
        "spend": "128.0000000000",
        "used_pct": "128.00",
        "over": True,
    }
    assert budgets["web"]["used_pct"] == "64.00" and budgets["data"]["spend"] == "0"


def test_the_table_shows_budget_columns_for_a_budgeted_dimension(export, rules_file):
    result = run(export, rules_file, "--by", "team", "-f", "csv")
    header = result.stdout.splitlines()[0].split(",")
    assert {"budget", "budget_spend", "budget_used"} <= set(header)
    plain = run(export, rules_file, "--by", "principal", "-f", "csv")
    assert "budget" not in plain.stdout.splitlines()[0]


def test_fail_over_budget_exits_1_naming_who_is_over(export, rules_file):
    result = run(export, rules_file, "--by", "team", "--fail-over-budget")
    assert result.exit_code == 1, result.output
    err = result.stderr.strip()
    assert len(err.splitlines()) == 1 and "team=ml" in err and "128.00" in err and "web" not in err


def test_fail_over_budget_exits_0_when_nobody_is_over(export, rules_file):
    # the principal-tag budget has no split: ml spent 120 of 200
    assert run(export, rules_file, "--by", "iamPrincipal/team", "--fail-over-budget").exit_code == 0


def test_fail_over_budget_without_a_budget_for_the_dimension_is_bad_input(export, rules_file, tmp_path):
    result = run(export, rules_file, "--by", "account", "--fail-over-budget")
    assert result.exit_code == 2 and "no budget" in result.stderr
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    result = run(export, empty, "--by", "team", "--fail-over-budget")
    assert result.exit_code == 2
