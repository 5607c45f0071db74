"""Can a finance reader open every workbook the tool writes and use it as it is? In each one, money cells
are numbers shown with 2 places, no number hides as text ("16.9%", "12.50"), the headings stay in view, a
filter covers the rows and every column has a width. (The monthly pack's workbook: test_monthly_pack_xlsx; the FOCUS export is parquet, csv or json.)"""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cur_analyzer.cli import app

DEMO = "fixtures/demo"
CUR, LOGS, PROFILES = f"{DEMO}/cur2-bedrock", f"{DEMO}/logs", f"{DEMO}/inference-profiles.json"
RULES = "examples/cur-analyzer.rules.yaml"
M = ["--month", "2026-10"]
COMMANDS = {
    "chargeback by team": ["chargeback", *M, "--cur", CUR, "--by", "team", "--rules", RULES],
    "chargeback by principal": ["chargeback", *M, "--cur", CUR],
    "coverage": ["coverage", *M, "--cur", CUR, "-r", "team", "-r", "cost-center", "--rules", RULES],
    "coverage offenders": ["coverage", *M, "--cur", CUR, "-r", "team", "--view", "offenders"],
    "alerts": ["alerts", *M, "--cur", CUR, "--logs", LOGS],
    "check": ["check", *M, "--cur", CUR, "--logs", LOGS],
    "estimate by model": ["estimate", *M, "--logs", LOGS, "--profiles", PROFILES, "--view", "models"],
    "estimate daily": ["estimate", *M, "--logs", LOGS, "--view", "daily"],
    "reconcile": ["reconcile", *M, "--cur", CUR, "--logs", LOGS, "--profiles", PROFILES],
}
# a number written as text: "12.50", "-0.5", "16.9%", "1,234.57" (account ids and days are not)
NUMBER_AS_TEXT = re.compile(r"^-?\d[\d,]*\.\d+%?$|^-?\d+(\.\d+)?%$")


@pytest.fixture(scope="module", params=list(COMMANDS))
def workbook(request, tmp_path_factory):
    out = tmp_path_factory.mktemp("xlsx") / "october.xlsx"
    result = CliRunner().invoke(app, ["--quiet", *COMMANDS[request.param], "-o", str(out)])
    assert result.exit_code in (0, 1), result.output  # alerts exit 1 when one fires
    return load_workbook(out).worksheets[0]


def test_money_is_a_number_shown_with_two_places(workbook):
    money = [c for row in workbook.iter_rows(min_row=2) for c in row if c.number_format == "#,##0.00"]
    header = [c.value for c in workbook[1]]
    if any(h in header for h in ("cost", "estimated_cost", "billed_cost", "tagged_cost", "BilledCost")):
        assert money, "no money cell carries the 2-place format"
    assert all(isinstance(c.value, int | float) for c in money)


def test_no_number_hides_as_text(workbook):
    hidden = [
        f"{c.coordinate}={c.value!r}"
        for row in workbook.iter_rows(min_row=2)
        for c in row
        if isinstance(c.value, str) and NUMBER_AS_TEXT.match(c.value)
    ]
    assert not hidden


def test_headings_stay_in_view_and_a_filter_covers_the_rows(workbook):
    assert workbook.freeze_panes == "A2"
    if workbook.max_row > 1:
        assert workbook.auto_filter.ref and workbook.auto_filter.ref.startswith("A1:")
    widths = [workbook.column_dimensions[c.column_letter].width for c in workbook[1]]
    assert all(w and w >= 10 for w in widths)
