"""The chargeback as a file to send to finance: every format carries the same rows and the same total."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cur_analyzer.cli import app

runner = CliRunner()
ALICE = "arn:aws:iam::111122223333:user/alice"
APP_S1 = "arn:aws:sts::111122223333:assumed-role/ChatApp/session-1"
APP_S2 = "arn:aws:sts::111122223333:assumed-role/ChatApp/session-2"


def line(principal, cost, kind="Usage", product="AmazonBedrock", tags=None):
    return {
        "line_item_line_item_type": kind,
        "line_item_product_code": product,
        "line_item_usage_type": "USE1-Claude4.6Sonnet-input-tokens",
        "line_item_unblended_cost": Decimal(cost),
        "line_item_iam_principal": principal,
        "tags": tags or {},
    }


LINES = [
    line(ALICE, "10.12345678", tags={"iamPrincipal/team": "ml"}),
    line(APP_S1, "5.5", tags={"iamPrincipal/team": "web"}),
    line(APP_S2, "4.5", tags={"iamPrincipal/team": "web"}),
    line(None, "0.75"),  # Bedrock usage with no caller (e.g. a provisioned-throughput hour)
    line(None, "2.00", kind="Tax"),
    line(None, "-1.00", kind="Credit"),
    line(None, "99", product="AmazonEC2"),
]
TOTAL = Decimal("21.87345678")


@pytest.fixture
def export(make_cur):
    return make_cur(LINES)


def invoke(export, *args):
    result = runner.invoke(app, ["chargeback", "--month", "2026-10", "--cur", str(export), *args])
    assert result.exit_code == 0, result.output
    return result


def test_json_has_one_key_per_by_dimension_money_as_strings_and_the_total(export):
    doc = json.loads(invoke(export, "--by", "role", "--by", "iamPrincipal/team", "-f", "json").stdout)
    assert doc["month"] == "2026-10" and doc["cost_basis"] == "unblended" and doc["currency"] == "USD"
    rows = {(r["role"], r["iamPrincipal/team"]): r["cost"] for r in doc["rows"]}
    assert rows == {
        (ALICE, "ml"): "10.1234567800",
        ("arn:aws:iam::111122223333:role/ChatApp", "web"): "10.0000000000",
        ("Unallocated", "Unallocated"): "0.7500000000",
    }
    assert doc["total"] == format(TOTAL, ".10f")
    assert {a["line_item_type"]: a["cost"] for a in doc["adjustments"]} == {
        "Tax": "2.0000000000",
        "Credit": "-1.0000000000",
    }
    assert (
        sum(Decimal(r["cost"]) for r in doc["rows"]) + sum(Decimal(a["cost"]) for a in doc["adjustments"])
        == TOTAL
    )


def test_csv_rows_sum_to_the_total_with_full_precision(export, tmp_path):
    out = tmp_path / "october.csv"
    invoke(export, "-f", "csv", "-o", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert sum(Decimal(r["cost"]) for r in rows) == TOTAL
    assert {r["kind"] for r in rows} == {"attributed", "unallocated", "adjustment"}


def test_parquet_keeps_money_as_decimal(export, tmp_path):
    out = tmp_path / "october.parquet"
    invoke(export, "-f", "parquet", "-o", str(out))
    table = pq.read_table(out)
    assert str(table.schema.field("cost").type) == "decimal128(38, 10)"
    # a share is a number of one type every month, not text and not a type inferred from this month
    assert str(table.schema.field("share").type) == "decimal128(38, 10)"
    assert sum(table.column("cost").to_pylist()) == TOTAL


def test_xlsx_rows_sum_to_the_invoice_and_its_total_row_says_so(export, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "october.xlsx"
    invoke(export, "--by", "session", "-f", "xlsx", "-o", str(out))
    ws = load_workbook(out).active
    header = [c.value for c in ws[1]]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    total_at = next(i for i, row in enumerate(rows) if row[0] == "Total")
    costs = [Decimal(str(row[header.index("cost")])) for row in rows[:total_at]]
    assert sum(costs) == TOTAL
    assert Decimal(str(rows[total_at][header.index("cost")])) == TOTAL
    assert {row[0] for row in rows[:total_at]} >= {"alice", "session-1", "session-2"}


def test_a_finance_reader_gets_a_sheet_ready_to_sort_and_sum(export, tmp_path):
    """Money cells are numbers shown with 2 places, the headings stay in view, a filter covers the rows,
    the columns are wide enough for an ARN, and the Total row is bold."""
    from openpyxl import load_workbook

    out = tmp_path / "october.xlsx"
    invoke(export, "--by", "principal", "-f", "xlsx", "-o", str(out))
    ws = load_workbook(out).active
    header = [c.value for c in ws[1]]
    cost = header.index("cost") + 1
    first = ws.cell(row=2, column=cost)
    assert isinstance(first.value, int | float) and first.number_format == "#,##0.00"
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:")
    longest_arn = max(len(str(r[0])) for r in ws.iter_rows(min_row=2, values_only=True) if r[0])
    assert ws.column_dimensions["A"].width >= min(longest_arn, 70)
    total = next(r for r in ws.iter_rows(min_row=2) if r[0].value == "Total")
    assert total[0].font.bold


def test_markdown_and_table_round_money_to_the_precision_asked(export):
    md = invoke(export, "-f", "md", "--precision", "3").stdout
    assert "| 10.123 |" in md and "Total" in md
    table = invoke(export).stdout
    assert "10.12" in table and "Unallocated" in table and "Tax" in table


def test_output_is_written_atomically_and_leaves_no_temporary_file(export, tmp_path):
    out = tmp_path / "october.json"
    out.write_text("old")
    invoke(export, "-f", "json", "-o", str(out))
    assert json.loads(out.read_text())["total"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_service_all_puts_the_rest_of_the_bill_in_unallocated_for_a_principal_view(export):
    doc = json.loads(invoke(export, "--service", "all", "-f", "json").stdout)
    assert Decimal(doc["unallocated"]) == Decimal("99.75")
    assert Decimal(doc["total"]) == TOTAL + 99


def test_a_share_that_rounds_to_zero_reads_zero_not_minus_zero():
    from cur_analyzer.render._write import _md
    from cur_analyzer.reports._view import Tabular

    t = Tabular(
        "t", ["value", "share"], [{"value": "Refund", "share": Decimal("-0.02")}], percent_columns=("share",)
    )
    assert "| 0.0% |" in _md(t, 2) and "-0.0%" not in _md(t, 2)
