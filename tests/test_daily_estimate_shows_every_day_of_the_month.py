"""The daily estimate has a row for every day of the month: a day without a call (a weekend) reads 0,
it does not vanish, so a chart or a sum over the days sees the quiet days too."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal

from typer.testing import CliRunner

from cur_analyzer.cli import app

runner = CliRunner()


def daily(*args: str) -> str:
    result = runner.invoke(
        app,
        ["--quiet", "estimate", "-m", "2026-10", "--logs", "fixtures/demo/logs", "--view", "daily", *args],
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_every_day_of_october_has_a_row_and_the_quiet_ones_read_zero():
    doc = json.loads(daily("-f", "json"))
    october = [(dt.date(2026, 10, 1) + dt.timedelta(days=i)).isoformat() for i in range(31)]
    assert [r["period"] for r in doc["rows"]] == october
    quiet = [r for r in doc["rows"] if r["invocations"] == 0]
    assert "2026-10-03" in [r["period"] for r in quiet]  # a Saturday of the demo logs: nobody called
    assert all(Decimal(r["estimated_cost"]) == 0 and r["input_tokens"] == 0 for r in quiet)
    assert sum(Decimal(r["estimated_cost"]) for r in doc["rows"]) == Decimal(doc["total"])


def test_the_csv_and_the_table_show_the_quiet_days_too():
    rows = list(csv.DictReader(io.StringIO(daily("-f", "csv"))))
    assert len(rows) == 31
    saturday = next(r for r in rows if r["period"] == "2026-10-03")
    assert saturday["invocations"] == "0" and Decimal(saturday["estimated_cost"]) == 0
    assert "2026-10-03" in daily() and "2026-10-31" in daily()


def test_the_monthly_packs_daily_trend_of_a_closed_month_has_every_day(make_cur):
    """Usage on October 1st only: the pack's trend still runs from the 1st to the 31st, the other days at 0."""
    from cur_analyzer.engines.duckdb import DuckDBEngine
    from cur_analyzer.reports.monthly import build_monthly

    export = make_cur(
        [
            {
                "line_item_line_item_type": "Usage",
                "line_item_product_code": "AmazonBedrock",
                "line_item_usage_type": "USE1-NovaPro-input-tokens",
                "line_item_unblended_cost": Decimal("2.50"),
            }
        ]
    )
    pack = build_monthly(DuckDBEngine(export), "2026-10")
    assert pack.final
    assert [d.day for d in pack.daily] == [f"2026-10-{n:02d}" for n in range(1, 32)]
    assert [d.billed for d in pack.daily if d.billed] == [Decimal("2.50")]
