"""`--precision` means the same in every command: money shown with that many places in the terminal, md,
the workbooks and the monthly report, while the cells and machine formats keep the exact value."""

from __future__ import annotations

import re

from openpyxl import load_workbook
from typer.testing import CliRunner

from cur_analyzer.cli import app

DEMO = "fixtures/demo/cur2-bedrock"
runner = CliRunner()


def run(*args: str) -> None:
    result = runner.invoke(app, ["--quiet", *args])
    assert result.exit_code == 0, result.output


def test_the_report_workbook_shows_money_at_the_places_asked(tmp_path):
    out = tmp_path / "october.xlsx"
    run("report", "-m", "2026-10", "--cur", DEMO, "-o", str(out), "--precision", "0")
    team = load_workbook(out)["Team"]
    formats = {c.number_format for row in team.iter_rows() for c in row if isinstance(c.value, int | float)}
    assert "#,##0" in formats and "#,##0.00" not in formats


def test_the_html_report_shows_money_at_the_places_asked_and_says_so(tmp_path):
    out = tmp_path / "october.html"
    run("report", "-m", "2026-10", "--cur", DEMO, "-o", str(out), "--precision", "3")
    page = out.read_text()
    assert "money is rounded to 3 places here" in page
    assert re.search(r">\s*[\d,]+\.\d{3}\s*<", page)  # a money cell with 3 places


def test_a_chargeback_workbook_follows_the_precision_too(tmp_path):
    out = tmp_path / "october.xlsx"
    run("chargeback", "-m", "2026-10", "--cur", DEMO, "-o", str(out), "--precision", "4")
    sheet = load_workbook(out).active
    cost = [c.value for c in sheet[1]].index("cost") + 1
    cell = sheet.cell(row=2, column=cost)
    assert cell.number_format == "#,##0.0000" and isinstance(cell.value, float)
