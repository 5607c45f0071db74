"""Finance wants one row per team that adds up to the invoice, with where each dollar came from beside it.

`chargeback --by team --rules …` gives each team one row: its usage by every source plus its shares of
the adjustments the rules split (credits and discounts too), a money column per source, a share of the
total that is a number, and `--provenance` for the breakdown by source."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import team_line
from openpyxl import load_workbook
from typer.testing import CliRunner

from cur_analyzer.cli import app
from cur_analyzer.render._workbook import MONEY_FORMAT, PERCENT_FORMAT

ROOT = Path(__file__).resolve().parents[1]
DEMO_CUR = ROOT / "fixtures" / "demo" / "cur2-bedrock"
RULES = ROOT / "examples" / "cur-analyzer.rules.yaml"
SOURCES = [
    "via_aip_tag",
    "via_principal_tag",
    "via_account_tag",
    "via_account_map",
    "via_principal_pattern",
    "shared",
]
runner = CliRunner()


def demo_chargeback(*args: str) -> str:
    result = runner.invoke(
        app,
        ["chargeback", "-m", "2026-10", "--cur", str(DEMO_CUR), "--by", "team", "--rules", str(RULES), *args],
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(("service", "truth"), [("bedrock", "bedrock_total"), ("all", "invoice_total")])
def test_every_team_is_one_row_and_the_rows_sum_to_the_invoice(ground_truth, service, truth):
    doc = json.loads(demo_chargeback("--service", service, "-f", "json"))
    teams = [row["team"] for row in doc["rows"]]
    assert len(teams) == len(set(teams)) > 5, teams
    # the example rules share out every adjustment type and the Unallocated usage: nothing is left over
    assert doc["adjustments"] == [] and Decimal(doc["unallocated"]) == 0
    invoice = ground_truth["months"]["2026-10"][truth]["unblended"]
    assert sum(Decimal(row["cost"]) for row in doc["rows"]) == Decimal(doc["total"]) == Decimal(invoice)


def test_each_team_row_shows_where_its_cost_came_from_beside_it():
    rows = csv_rows(demo_chargeback("--service", "all", "-f", "csv"))
    header = list(rows[0])
    assert header[: header.index("lines")] == ["team", "cost", "share", *SOURCES]
    for row in rows:
        assert sum(Decimal(row[c]) for c in SOURCES) == Decimal(row["cost"]), row
    ml = next(row for row in rows if row["team"] == "ml-platform")
    assert all(Decimal(ml[c]) > 0 for c in ("via_aip_tag", "via_principal_tag", "via_account_map"))
    assert Decimal(ml["shared"]) != 0


def test_provenance_breaks_each_team_row_down_by_source():
    one_row = {row["team"]: row for row in csv_rows(demo_chargeback("-f", "csv"))}
    breakdown = csv_rows(demo_chargeback("--provenance", "-f", "csv"))
    assert "attributed_via" in breakdown[0] and not any(c in breakdown[0] for c in SOURCES)
    ml = [row for row in breakdown if row["team"] == "ml-platform"]
    vias = {row["attributed_via"] for row in ml}
    assert {
        "principal_tag:team",
        "aip_tag:team",
        "split:even:Tax",
        "split:proportional:Credit+Refund",
    } <= vias
    assert sum(Decimal(row["cost"]) for row in ml) == Decimal(one_row["ml-platform"]["cost"])
    by_via = {row["attributed_via"]: Decimal(row["cost"]) for row in ml}
    assert by_via["principal_tag:team"] == Decimal(one_row["ml-platform"]["via_principal_tag"])
    shared = sum(cost for via, cost in by_via.items() if via.startswith("split:"))
    assert shared == Decimal(one_row["ml-platform"]["shared"])


@pytest.mark.parametrize("service", ["bedrock", "all"])
def test_shares_and_budget_use_are_numbers_and_the_shares_sum_to_100(service):
    rows = csv_rows(demo_chargeback("--service", service, "-f", "csv"))
    shares = [Decimal(row["share"]) for row in rows]  # "16.9%" would not parse
    assert sum(shares) == 100
    total = sum(Decimal(row["cost"]) for row in rows)
    for row, share in zip(rows, shares, strict=True):
        assert abs(share - Decimal(row["cost"]) / total * 100) < Decimal("0.01")
    budgeted = [row for row in rows if row["budget"]]
    assert budgeted
    for row in budgeted:
        used = Decimal(row["budget_spend"]) / Decimal(row["budget"]) * 100
        assert Decimal(row["budget_used"]) == used.quantize(Decimal("0.01"))
        assert row["budget_spend"] == row["cost"]  # the budget sits on the team's one row


line = team_line


BILL = [
    line("30", "ml"),
    line("10", "web"),
    line("-8", kind="Credit"),
    line("-4", kind="EdpDiscount"),
    line("6", kind="Tax"),
    line("2", kind="Fee"),
]
POOLS = """\
dimensions:
  team:
    sources: [{source: principal_tag, key: team}]
shared_costs:
  - {dimension: team, pool: [Credit, Refund], method: proportional}
  - {dimension: team, pool: EdpDiscount, method: even}
  - {dimension: team, pool: Adjustments, method: proportional}
"""


def run_json(export: Path, *args: str) -> dict:
    result = runner.invoke(app, ["chargeback", "-m", "2026-10", "--cur", str(export), *args, "-f", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_credits_and_discounts_are_pools_a_rule_shares_out(make_cur, tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text(POOLS)
    doc = run_json(make_cur(BILL), "--by", "team", "--rules", str(rules))
    # ml: 30 - 8 x 3/4 - 4 / 2 + (6 + 2) x 3/4 = 28; web: 10 - 2 - 2 + 2 = 8
    assert {row["team"]: Decimal(row["cost"]) for row in doc["rows"]} == {"ml": 28, "web": 8}
    assert {row["team"]: Decimal(row["shared"]) for row in doc["rows"]} == {"ml": -2, "web": -2}
    assert doc["adjustments"] == [] and Decimal(doc["total"]) == 36
    pools = {s["pool"]: Decimal(s["amount"]) for s in doc["splits"]}
    # the last rule takes only what the earlier ones left: the Tax and the Fee
    assert pools == {"Credit+Refund": -8, "EdpDiscount": -4, "Adjustments": 8}


def test_shares_are_of_the_total_the_rows_and_adjustments_left_sum_to(make_cur):
    export = make_cur([*BILL, line("7", currency="EUR"), line("3", kind="Tax", currency="EUR")])
    doc = run_json(export, "--by", "iamPrincipal/team")
    parts = doc["rows"] + doc["adjustments"]
    for currency in doc["totals"]:
        shares = [Decimal(p["share"]) for p in parts if p["currency"] == currency]
        assert sum(shares) == 100, currency
    credit = next(a for a in doc["adjustments"] if a["line_item_type"] == "Credit")
    assert Decimal(credit["share"]) == Decimal("-22.22")  # -8 of the USD bill of 36


def test_the_workbook_shows_shares_and_budget_use_as_real_percentages(tmp_path):
    out = tmp_path / "october.xlsx"
    demo_chargeback("-f", "xlsx", "-o", str(out))
    ws = load_workbook(out).active
    rows = [list(r) for r in ws.iter_rows()]
    start = next(i for i, r in enumerate(rows) if r[0].value == "team")
    header = [c.value for c in rows[start]]
    body = [dict(zip(header, r, strict=True)) for r in rows[start + 1 :] if r[0].value not in (None, "Total")]
    shares = [row["share"] for row in body]
    assert all(isinstance(c.value, int | float) and c.number_format == PERCENT_FORMAT for c in shares)
    assert abs(sum(c.value for c in shares) - 1) < 1e-9
    used = [row["budget_used"] for row in body if row["budget_used"].value is not None]
    assert used and all(c.number_format == PERCENT_FORMAT and 0 < c.value < 5 for c in used)
    assert all(row[c].number_format == MONEY_FORMAT for row in body for c in SOURCES)


def test_the_monthly_packs_team_sheet_is_one_row_per_team_summing_to_the_invoice(tmp_path, ground_truth):
    out = tmp_path / "october.xlsx"
    args = ["--quiet", "report", "-m", "2026-10", "--cur", str(DEMO_CUR), "--rules", str(RULES)]
    result = runner.invoke(app, [*args, "-f", "xlsx", "-o", str(out)])
    assert result.exit_code == 0, result.output
    rows = [list(r) for r in load_workbook(out)["Team"].iter_rows()]
    start = next(i for i, r in enumerate(rows) if r[0].value == "team")
    header = [c.value for c in rows[start]]
    body = []
    for r in rows[start + 1 :]:
        if r[0].value is None:
            break
        body.append(dict(zip(header, (c.value for c in r), strict=True)))
    teams = [row["team"] for row in body if row["team"] != "Total"]
    assert len(teams) == len(set(teams)) > 5
    assert "Credit" not in teams and "EdpDiscount" not in teams  # shared out by the example rules
    total = next(row["cost"] for row in body if row["team"] == "Total")
    invoice = Decimal(ground_truth["months"]["2026-10"]["bedrock_total"]["unblended"])
    assert Decimal(str(total)) == invoice
    assert abs(sum(row["share %"] for row in body if row["team"] != "Total") - 1) < 1e-9
