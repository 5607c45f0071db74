"""The whole-process benchmarks (``python -m benchmarks.run --whole``): the CLI as typed against the DuckDB
query a user would type by hand. No timing is asserted: the machine is shared; these prove the harness runs
every case, flags a floor that stops reading what its report reads, and that each hand-typed query does the
tool's work (the same totals on the demo month)."""

from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
from decimal import Decimal

import duckdb
import pytest
from conftest import DEMO, DEMO_EXPORT

from benchmarks import cases, handtyped, whole

MONTH = "2026-10"


@pytest.fixture(scope="module")
def report_columns() -> dict[str, list[str]]:
    """The CUR columns each report's SQL reads on the demo month, per DuckDB's plans."""
    return cases.columns_read(DEMO_EXPORT, DEMO / "logs")


def _hand_typed(name: str) -> list[tuple]:
    (statement,) = handtyped.HAND_TYPED[name].sql(DEMO_EXPORT, MONTH)
    return duckdb.sql(statement).fetchall()


# --- the harness runs every case -------------------------------------------------------------------------
def test_every_whole_process_case_runs_tool_and_floor_and_writes_the_table(tmp_path):
    shutil.copytree(DEMO, tmp_path / "demo")  # the demo month, as `cur-analyzer fixtures` writes it
    args = argparse.Namespace(
        out=tmp_path, sizes=[1000], log_records=50, reps=1, timeout=300.0, mem_cap_gib=8.0, regenerate=False
    )
    pairs = whole.main(args, "test machine")

    assert [p.case.name for p in pairs] == [c.name for c in whole.CASES]
    for p in pairs:
        assert p.tool.finished, f"{p.case.name}: {p.tool.why}"
        assert p.floor.finished, f"{p.case.name} floor: {p.floor.why}"
        assert p.ratio is not None and p.tool.peak_bytes > 0
        assert whole.verdict(p) in ("met", "**missed**")
    doc = (tmp_path / "whole.md").read_text()
    assert all(f"| {c.command} |" in doc for c in whole.CASES)
    record = json.loads((tmp_path / "whole.json").read_text())
    assert [c["case"] for c in record["cases"]] == [c.name for c in whole.CASES]
    assert record["drift"] == []


# --- the columns check flags a floor out of step with its report -----------------------------------------
def _drift_with(monkeypatch, report_columns, name: str, **changes) -> list[str]:
    """The drift the check adds when one hand-typed query is changed."""
    before = set(handtyped.drift(report_columns, DEMO_EXPORT))
    changed = dataclasses.replace(handtyped.HAND_TYPED[name], **changes)
    monkeypatch.setitem(handtyped.HAND_TYPED, name, changed)
    return [d for d in handtyped.drift(report_columns, DEMO_EXPORT) if d not in before]


def test_a_hand_typed_query_that_skips_a_column_the_report_reads_is_flagged(monkeypatch, report_columns):
    floor = handtyped.HAND_TYPED["chargeback-principal"]
    # the Bedrock scope left out: the query no longer reads the billing entity nor the product code
    unscoped = tuple(s.replace(" AND " + handtyped._SCOPE, "") for s in floor.statements)
    added = _drift_with(monkeypatch, report_columns, "chargeback-principal", statements=unscoped)
    assert any("its table lists" in d for d in added)
    assert any(
        "the report reads ['bill_billing_entity', 'line_item_product_code'], which the hand-typed query does not"
        in d
        for d in added
    )


def test_a_column_listed_as_the_tools_own_work_that_the_report_stopped_reading_is_flagged(
    monkeypatch, report_columns
):
    floor = handtyped.HAND_TYPED["coverage-team"]
    tool_only = {**floor.tool_only, "line_item_usage_type": "a column coverage never reads"}
    added = _drift_with(monkeypatch, report_columns, "coverage-team", tool_only=tool_only)
    assert added == [
        "coverage-team: the report no longer reads ['line_item_usage_type'] (listed as the tool's own work)"
    ]


def test_a_hand_typed_query_reading_more_than_the_report_is_flagged(monkeypatch, report_columns):
    floor = handtyped.HAND_TYPED["chargeback-team"]
    wider = (floor.statements[0].replace("COUNT(*) AS lines", "COUNT(*) AS lines, MAX(pricing_unit)"),)
    columns = (*floor.columns, "pricing_unit")
    added = _drift_with(monkeypatch, report_columns, "chargeback-team", statements=wider, columns=columns)
    assert added == [
        "chargeback-team: the hand-typed query reads ['pricing_unit'], which the report no longer reads"
    ]


def test_the_library_floors_columns_check_sees_what_the_reports_read(report_columns):
    assert set(report_columns) == {"chargeback-principal", "chargeback-team", "coverage-team", "reconcile"}
    assert all("line_item_unblended_cost" in columns for columns in report_columns.values())


# --- the hand-typed queries do the tool's work ------------------------------------------------------------
def _tool_chargeback(by: str) -> dict[str | None, Decimal]:
    """The tool's cost per value; lines without one and the month's adjustments (credits, tax) under None,
    where a GROUP BY over every line puts them."""
    from cur_analyzer.engines.duckdb import DuckDBEngine
    from cur_analyzer.reports.chargeback import build_chargeback

    cb = build_chargeback(DuckDBEngine(DEMO_EXPORT), MONTH, by=(by,))
    out: dict[str | None, Decimal] = {}
    for row in cb.rows:
        key = None if row.unallocated else row.values[0]
        out[key] = out.get(key, Decimal(0)) + row.cost
    out[None] = out.get(None, Decimal(0)) + sum((a.cost for a in cb.adjustments), Decimal(0))
    return out


@pytest.mark.parametrize(
    ("name", "by"), [("chargeback-principal", "principal"), ("chargeback-team", "iamPrincipal/team")]
)
def test_the_hand_typed_chargeback_gives_each_value_the_tools_cost(name, by):
    hand = {value: cost for value, cost, _lines in _hand_typed(name)}
    assert hand == _tool_chargeback(by)
    assert len(hand) > 3


def test_the_hand_typed_coverage_gives_each_account_the_tools_tagged_and_total():
    from cur_analyzer.engines.duckdb import DuckDBEngine
    from cur_analyzer.reports.coverage import build_coverage

    cov = build_coverage(DuckDBEngine(DEMO_EXPORT), MONTH, ["team"])
    tool = {(r.scope_value, r.source): (r.tagged, r.total) for r in cov.rows if r.scope == "account"}
    zero = Decimal(0)
    hand = {}
    for account, resource, principal, account_tag, tagged, untagged in _hand_typed("coverage-team"):
        total = (tagged or zero) + (untagged or zero)
        for source, value in (("resource", resource), ("principal", principal), ("account", account_tag)):
            hand[(account, source)] = (value or zero, total)
        hand[(account, "any")] = (tagged or zero, total)
    assert hand == tool
    assert len({account for account, _ in hand}) > 1
