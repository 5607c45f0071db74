"""On an engine that holds nothing (Athena scans the CUR for every query), the monthly pack reads each
month's attributed lines once: its own month's once for every view, the change since the previous month
included, and the previous month's once. The change it tells is the explanation read on its own."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest

from cur_analyzer import Analyzer
from cur_analyzer.attribution import parse_dimension
from cur_analyzer.checks import CheckReport
from cur_analyzer.engines import query_batches, query_rows
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.reports._lines import MonthLines
from cur_analyzer.reports.explain import build_explain, grain
from cur_analyzer.reports.monthly import build_monthly
from cur_analyzer.reports.monthly._grain import at_grain
from cur_analyzer.rules import load_rules

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo"
RULES = ROOT / "examples" / "cur-analyzer.rules.yaml"
MONTH, BEFORE = "2026-11", "2026-10"
GENERATED = dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC)


class HoldsNothing:
    """A DuckDB engine that holds no month, as Athena does, writing down each query and its month."""

    def __init__(self) -> None:
        self.engine = DuckDBEngine(DEMO / "cur2-bedrock")
        self.asked: list[tuple[str, str | None]] = []

    def held(self, month: str, scope: str) -> Any:  # noqa: ARG002 - the protocol's signature
        return nullcontext()

    def query(self, name: str, params: Any) -> Any:
        self.asked.append((name, params.get("month")))
        return self.engine.query(name, params)

    def query_rows(self, name: str, params: Any) -> list[dict]:
        self.asked.append((name, params.get("month")))
        return query_rows(self.engine, name, params)

    def query_batches(self, name: str, params: Any) -> Any:
        self.asked.append((name, params.get("month")))
        return query_batches(self.engine, name, params)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.engine, attr)

    def lines_read(self) -> Counter:
        return Counter(month for name, month in self.asked if name == "attribution_lines")


@pytest.mark.parametrize("with_rules", [False, True], ids=["no-rules", "rules"])
def test_the_pack_reads_each_months_lines_once_on_an_engine_that_holds_nothing(with_rules):
    engine = HoldsNothing()
    rules = load_rules(RULES) if with_rules else None
    pack = Analyzer(engine=engine, rules=rules).monthly(MONTH, generated_at=GENERATED)  # type: ignore[arg-type]
    assert pack.change is not None  # the change since the previous month was told
    assert engine.lines_read() == {MONTH: 1, BEFORE: 1}


def test_the_pack_built_without_a_read_ahead_still_reads_each_months_lines_once():
    engine = HoldsNothing()
    pack = build_monthly(engine, MONTH, rules=load_rules(RULES), generated_at=GENERATED)  # type: ignore[arg-type]
    assert pack.change is not None
    assert engine.lines_read() == {MONTH: 1, BEFORE: 1}


@pytest.mark.parametrize(
    ("service", "cost_basis"),
    [("bedrock", "unblended"), ("all", "net-amortized")],
    ids=["bedrock", "all-net"],
)
@pytest.mark.parametrize("with_rules", [False, True], ids=["no-rules", "rules"])
def test_the_change_the_pack_tells_is_the_explanation_read_on_its_own(with_rules, service, cost_basis):
    rules = load_rules(RULES) if with_rules else None
    checks = CheckReport(month=MONTH, suites=("cur",), results=[], service=service)  # not what is compared
    pack = build_monthly(
        DuckDBEngine(DEMO / "cur2-bedrock"),
        MONTH,
        rules=rules,
        service=service,
        cost_basis=cost_basis,
        checks=checks,
        generated_at=GENERATED,
    )
    alone = build_explain(
        DuckDBEngine(DEMO / "cur2-bedrock"),
        MONTH,
        None,
        pack.team_dimension,
        service,
        cost_basis,
        rules=rules,
    )
    assert pack.change is not None and pack.change.rows
    assert pack.change == alone


def test_lines_read_without_the_columns_the_explanation_keeps_are_refused():
    """A caller's bug, not a user's: lines without who called cannot be summed up to the explanation's rows."""
    engine = DuckDBEngine(DEMO / "cur2-bedrock")
    lines = MonthLines.read(engine, MONTH, [parse_dimension("iamPrincipal/team", ())])
    with pytest.raises(ValueError, match="account"):
        at_grain(lines, *grain(engine, "iamPrincipal/team", None))
