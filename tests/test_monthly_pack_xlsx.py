"""Finance wants the monthly pack as a spreadsheet: the same views as the HTML report, one sheet each, a
summary first, money as numbers they can sum (shown to 2 places), and totals that are the report's own."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cur_analyzer.cli import app
from cur_analyzer.render._pack_xlsx import SHEET_NAMES
from cur_analyzer.render._workbook import DATE_FORMAT, MONEY_FORMAT, PERCENT_FORMAT

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo"
RULES = ROOT / "examples" / "cur-analyzer.rules.yaml"
MONTH = "2026-10"
runner = CliRunner()


@pytest.fixture(scope="module")
def pack():
    """The report model the workbook is rendered from (same inputs as the CLI run below)."""
    from cur_analyzer.bedrock.models import ProfileMap
    from cur_analyzer.engines.duckdb import DuckDBEngine
    from cur_analyzer.reports.monthly import build_monthly
    from cur_analyzer.rules import load_rules

    engine = DuckDBEngine(DEMO / "cur2-bedrock", logs=DEMO / "logs")
    return build_monthly(
        engine,
        MONTH,
        rules=load_rules(RULES),
        logs=True,
        profiles=ProfileMap.load(DEMO / "inference-profiles.json"),
    )


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    out = tmp_path_factory.mktemp("xlsx") / "october.xlsx"
    result = runner.invoke(
        app,
        [
            "--quiet",
            "report",
            "--month",
            MONTH,
            "--cur",
            str(DEMO / "cur2-bedrock"),
            "--logs",
            str(DEMO / "logs"),
            "--profiles",
            str(DEMO / "inference-profiles.json"),
            "--rules",
            str(RULES),
            "--format",
            "xlsx",
            "--output",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return load_workbook(out)


def table(ws) -> tuple[list[str], list[list]]:
    """The sheet's header (the first row after the title block with 2+ cells) and the rows under it."""
    rows = [list(r) for r in ws.iter_rows()]
    start = next(i for i, r in enumerate(rows) if i > 1 and sum(c.value is not None for c in r) >= 2)
    header = [c.value for c in rows[start]]
    body = []
    for r in rows[start + 1 :]:
        if all(c.value is None for c in r):
            break  # the notes under the table follow a blank row
        body.append(r)
    return header, body


def column(ws, name: str) -> tuple[str, list]:
    header, rows = table(ws)
    i = header.index(name)
    return header[0], [(r[0].value, r[i]) for r in rows if r[0].value is not None]


def test_every_view_has_its_sheet_with_the_summary_first(workbook):
    assert workbook.sheetnames == list(SHEET_NAMES.values())
    assert workbook.sheetnames[0] == "Summary"


@pytest.mark.parametrize(
    ("sheet", "money", "cut"),
    [
        ("Team", "cost", "team"),
        ("Principals", "cost", "principal"),
        ("Models", "cost", "model"),
        ("Token types", "cost", "token-type"),
        ("Daily", "billed usage", None),
    ],
)
def test_each_spend_sheet_totals_to_the_reports_total(workbook, pack, sheet, money, cut):
    _, cells = column(workbook[sheet], money)
    (total,) = [c for label, c in cells if label == "Total"]
    assert isinstance(total.value, int | float), "money is a number, not text"
    assert total.number_format == MONEY_FORMAT
    assert Decimal(str(total.value)) == pack.total
    body = [c for label, c in cells if label not in ("Total", "Usage")]
    assert all(isinstance(c.value, int | float) and c.number_format == MONEY_FORMAT for c in body)
    assert sum(Decimal(str(c.value)) for c in body) == pack.total  # rows + adjustments = the invoice
    if cut is not None:
        spend = pack.spend[cut]
        n = len(spend.rows)
        assert [Decimal(str(c.value)) for c in body[:n]] == [r.cost for r in spend.rows]


def test_the_summary_sheet_holds_the_headline_numbers(workbook, pack):
    ws = workbook["Summary"]
    values = {r[0].value: r[1] for r in ws.iter_rows() if r[0].value and len(r) > 1}
    assert Decimal(str(values["Bedrock total (as invoiced)"].value)) == pack.total
    assert Decimal(str(values["Usage"].value)) == pack.usage_total
    assert values["Bedrock total (as invoiced)"].number_format == MONEY_FORMAT
    assert values["Month status"].value == "final"
    assert values["Over budget"].value == 1
    assert Decimal(str(values["Estimated from invocation logs"].value)) == pack.reconciliation.estimated_cost


def test_the_reconciliation_and_budget_sheets_match_the_model(workbook, pack):
    _, cells = column(workbook["Reconciliation"], "explains")
    causes = pack.reconciliation.explained_by_cause()
    got = {label: Decimal(str(c.value)) for label, c in cells}
    for cause, amount in causes.items():
        assert got[cause] == amount
    assert got["Billed (CUR usage)"] == pack.reconciliation.billed_cost
    _, cells = column(workbook["Budgets"], "spend")
    spend = {label: Decimal(str(c.value)) for label, c in cells}
    statuses = {s.value: s.spend for b in pack.budgets for s in b.statuses}
    assert spend == statuses


def test_coverage_percentages_are_real_percentages(workbook, pack):
    """16.9 % is stored as 0.169 and shown as a percentage, so it sorts, sums and charts as one."""
    _, cells = column(workbook["Coverage"], "coverage %")
    assert all(isinstance(c.value, int | float) and c.number_format == PERCENT_FORMAT for _, c in cells)
    (team_rules,) = [r for r in pack.coverage.totals() if r.key == "team" and r.source == "rules"]
    assert any(Decimal(str(c.value)) == team_rules.pct / 100 for _, c in cells)


def test_the_daily_sheet_holds_days_as_dates(workbook):
    import datetime as dt

    _, cells = column(workbook["Daily"], "day")
    days = [c for _, c in cells if isinstance(c.value, dt.datetime | dt.date)]
    assert len(days) >= 28 and all(c.number_format == DATE_FORMAT for c in days)


def test_without_logs_the_reconciliation_sheet_says_why(tmp_path):
    out = tmp_path / "bare.xlsx"
    result = runner.invoke(
        app,
        [
            "--quiet",
            "report",
            "--month",
            MONTH,
            "--cur",
            str(DEMO / "cur2-bedrock"),
            "-f",
            "xlsx",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    texts = [c.value for row in wb["Reconciliation"].iter_rows() for c in row if c.value]
    assert any("Invocation logs were not given (--logs PATH)" in t for t in texts)
    texts = [c.value for row in wb["Budgets"].iter_rows() for c in row if c.value]
    assert any("No rules file was given (--rules FILE)" in t for t in texts)
