"""`--check` runs the data-quality suites before a report and stops (exit 2, bad data) on bad data."""

from __future__ import annotations

from decimal import Decimal

import pytest
from typer.testing import CliRunner

from cur_analyzer.cli import app

runner = CliRunner()
DEMO = "fixtures/demo"


def test_a_clean_month_reports_with_check(demo_export):
    for args in (["chargeback"], ["coverage", "--require", "team"]):
        result = runner.invoke(
            app, [*args, "--month", "2026-10", "--cur", str(demo_export), "--check", "-f", "csv"]
        )
        assert result.exit_code == 0, result.output


def test_reconcile_checks_the_logs_too(demo_export):
    result = runner.invoke(
        app,
        [
            "reconcile",
            "--month",
            "2026-10",
            "--cur",
            str(demo_export),
            "--logs",
            f"{DEMO}/logs",
            "--profiles",
            f"{DEMO}/inference-profiles.json",
            "--check",
            "-f",
            "csv",
        ],
    )
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("command", "file"),
    [("chargeback", "october.csv"), ("report", "october.html")],
    ids=["chargeback", "report"],
)
def test_bad_data_stops_the_report_before_it_is_written(make_cur, tmp_path, command, file):
    export = make_cur(
        [
            {
                "line_item_line_item_type": "Usage",
                "line_item_product_code": "AmazonBedrock",
                "line_item_usage_type": "USE1-NovaPro-input-tokens",
                "line_item_unblended_cost": Decimal("-5"),
                "line_item_iam_principal": "not-an-arn",
            }
        ]
    )
    out = tmp_path / file
    result = runner.invoke(
        app, [command, "--month", "2026-10", "--cur", str(export), "--check", "-o", str(out)]
    )
    assert result.exit_code == 2 and "data checks failed" in result.stderr
    assert not out.exists()
