"""A program reading csv, json or parquet gets every cent exactly and no Total row to double count; a
person reading the table, markdown or a workbook gets money at 2 places and the Total.

csv money is the exact Decimal written at one scale per column: every cell of a column has as many places
as the most precise value in it (zeros added, never a digit dropped), so a column never mixes "0.1" with
"0.1000000000"."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cur_analyzer.cli import app
from cur_analyzer.render import Tabular, render

runner = CliRunner()
MONTH = "2026-10"
LOGS = "fixtures/demo/logs"


def estimate(view: str, *args: str) -> str:
    result = runner.invoke(app, ["--quiet", "estimate", "-m", MONTH, "--logs", LOGS, "--view", view, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def places(text: str) -> int:
    return len(text.partition(".")[2])


@pytest.mark.parametrize("view", ["models", "daily", "cache", "spenders"])
def test_estimate_csv_money_is_the_exact_value_at_one_scale_per_column(view):
    rows = list(csv.DictReader(io.StringIO(estimate(view, "-f", "csv"))))
    exact = json.loads(estimate(view, "-f", "json"))["rows"]
    cells = [r["estimated_cost"] for r in rows]
    assert len({places(c) for c in cells}) == 1, cells
    assert [Decimal(c) for c in cells] == [Decimal(r["estimated_cost"]) for r in exact]
    assert places(cells[0]) > 2  # the estimate's sub-cent precision is kept, not rounded to cents


def test_a_money_column_mixing_scales_is_written_at_its_widest_without_changing_a_value(capsys):
    t = Tabular(
        "t",
        ["who", "cost", "share"],
        [
            {"who": "a", "cost": Decimal("0.1"), "share": Decimal("12.5")},
            {"who": "b", "cost": Decimal("0.1000000000"), "share": Decimal("7")},
            {"who": "c", "cost": Decimal("-2"), "share": None},
            {"who": "d", "cost": Decimal("1E+2"), "share": Decimal("0.25")},
        ],
        money_columns=("cost",),
    )
    render(t, "csv")
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "who,cost,share",
        "a,0.1000000000,12.5",  # a ratio is not money: as computed, as the json has it
        "b,0.1000000000,7",
        "c,-2.0000000000,",
        "d,100.0000000000,0.25",
    ]


def test_machine_formats_have_no_total_row_and_human_formats_do(tmp_path):
    from openpyxl import load_workbook

    csv_rows = list(csv.DictReader(io.StringIO(estimate("models", "-f", "csv"))))
    json_rows = json.loads(estimate("models", "-f", "json"))["rows"]
    parquet_out, xlsx_out = tmp_path / "m.parquet", tmp_path / "m.xlsx"
    estimate("models", "-o", str(parquet_out))
    estimate("models", "-o", str(xlsx_out))
    parquet_models = pq.read_table(parquet_out).column("model").to_pylist()
    assert "Total" not in [r["model"] for r in csv_rows] + [r["model"] for r in json_rows] + parquet_models
    assert len(csv_rows) == len(json_rows) == len(parquet_models)

    assert "Total" in estimate("models")
    assert "| Total |" in estimate("models", "-f", "md")
    sheet = load_workbook(xlsx_out).worksheets[0]
    assert "Total" in [row[0] for row in sheet.iter_rows(values_only=True)]


def test_human_formats_round_money_to_the_precision_asked(tmp_path):
    md = estimate("models", "-f", "md", "--precision", "3")
    costs = [line.split("|")[-2].strip() for line in md.splitlines() if line.startswith("| Claude")]
    assert costs and all(places(c) == 3 for c in costs)
