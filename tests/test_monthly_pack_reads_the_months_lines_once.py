"""Every cut of the month comes from one read of its lines: a chargeback asks for the month's attributed
lines once (and says whether the month is final from them), and the monthly pack asks once for all of its
spend cuts, budgets, daily trend and rules coverage, each grouped from those rows exactly as a chargeback
of its own would be."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from cur_analyzer.attribution import parse_dimension
from cur_analyzer.bedrock.models import ProfileMap
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.reports.chargeback import build_chargeback
from cur_analyzer.reports.monthly import Spend, build_monthly
from cur_analyzer.rules import LinePlan, load_rules

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo"
RULES = ROOT / "examples" / "cur-analyzer.rules.yaml"
MONTH = "2026-10"
GENERATED = dt.datetime(2026, 11, 5, 9, 0, tzinfo=dt.UTC)
#: the queries a single read of the month's lines replaces
NEVER = {"chargeback", "bedrock_daily", "month_status"}


class Recording:
    """An engine that writes down the name of every query it runs."""

    def __init__(self, engine: DuckDBEngine):
        self.engine = engine
        self.asked: list[str] = []

    def query(self, name: str, params: Any):
        self.asked.append(name)
        return self.engine.query(name, params)

    def query_rows(self, name: str, params: Any):
        self.asked.append(name)
        return self.engine.query_rows(name, params)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.engine, attr)


def recording(logs: bool = False) -> Recording:
    return Recording(DuckDBEngine(DEMO / "cur2-bedrock", logs=DEMO / "logs" if logs else None))


@pytest.mark.parametrize(("month", "final"), [("2026-10", True), ("2026-11", False)])
def test_a_chargeback_reads_the_months_lines_once_and_says_from_them_whether_the_month_is_final(month, final):
    engine = recording()
    cb = build_chargeback(engine, month, ["principal"])
    assert engine.asked == ["attribution_lines"]
    assert cb.final is final


def test_a_chargeback_by_a_rules_dimension_reads_the_months_lines_once_too():
    engine = recording()
    cb = build_chargeback(engine, MONTH, ["team", "model"], rules=load_rules(RULES))
    assert engine.asked == ["attribution_lines"]
    assert cb.final and cb.has_via


@pytest.mark.parametrize("logs", [False, True], ids=["cur-only", "with-logs"])
@pytest.mark.parametrize("with_rules", [False, True], ids=["no-rules", "rules"])
def test_the_monthly_pack_reads_the_months_lines_once(logs, with_rules):
    engine = recording(logs)
    rules = load_rules(RULES) if with_rules else None
    profiles = ProfileMap.load(DEMO / "inference-profiles.json") if logs else None
    report = build_monthly(engine, MONTH, rules=rules, logs=logs, profiles=profiles, generated_at=GENERATED)
    asked = Counter(engine.asked)
    assert asked["attribution_lines"] == 1, asked
    assert not NEVER & set(asked), asked
    assert report.final


@pytest.mark.parametrize("with_rules", [False, True], ids=["no-rules", "rules"])
def test_each_cut_of_the_pack_is_the_chargeback_of_that_cut(with_rules):
    rules = load_rules(RULES) if with_rules else None
    engine = DuckDBEngine(DEMO / "cur2-bedrock")
    report = build_monthly(engine, MONTH, rules=rules, generated_at=GENERATED)
    for cut, by in [
        ("team", report.team_dimension),
        ("principal", "principal"),
        ("model", "model"),
        ("token-type", "token-type"),
    ]:
        assert report.spend[cut] == Spend.of(build_chargeback(engine, MONTH, [by], rules=rules)), cut
    if with_rules:
        alone = build_chargeback(engine, MONTH, ["team"], rules=rules)
        assert [b.statuses for b in report.budgets] == [alone.budgets]
    daily = report.spend["principal"].usage_totals
    assert {"USD": sum((d.billed for d in report.daily), Decimal(0))} == daily
    assert sum(d.lines for d in report.daily) == sum(r.lines for r in report.spend["principal"].rows)


def test_the_lines_fold_away_every_column_no_dimension_reads():
    rules = load_rules(RULES)
    toggles = ("by_account", "by_principal", "by_service", "by_region", "by_usage_type", "by_day")

    def kept(*specs: str) -> set[str]:
        plan = LinePlan([parse_dimension(s, tuple(rules.dimensions)) for s in specs], rules)
        params = plan.params(MONTH, "bedrock")
        return {t for t in toggles if params[t]}

    assert kept("tag/team") == set()
    assert kept("principal") == kept("session") == {"by_principal"}
    assert kept("model", "meter") == {"by_usage_type"}
    assert kept("day", "region") == {"by_day", "by_region"}
    # team's rules read an account map, principal patterns, and a product-code pool shares cost out
    assert kept("team") == {"by_account", "by_principal", "by_service"}
    assert kept("cost-center") == set()  # tag sources only
