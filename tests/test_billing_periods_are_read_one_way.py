"""A billing period means the same thing to every report: parsed once, the same bounds, the same log window."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cur_analyzer.errors import UserInputError
from cur_analyzer.period import BillingPeriod, log_partitions

periods = st.builds(BillingPeriod, st.integers(1, 9998), st.integers(1, 12))


@given(periods)
def test_next_and_previous_walk_the_calendar_one_month_at_a_time(period):
    assert period.next.previous == period
    assert period.end == period.next.start
    assert period.next.start - period.last_day == dt.timedelta(days=1)
    assert BillingPeriod.parse(str(period)) == period


@given(st.text(max_size=12))
def test_any_text_is_a_billing_period_or_one_clear_error(text):
    try:
        period = BillingPeriod.parse(text)
    except UserInputError as e:
        said = str(e).split(" (got ")[0]  # what the tool says, before it quotes the input back
        assert "YYYY-MM" in said and "--" not in said  # the library never names a flag
    else:
        assert str(period) == text


@pytest.mark.parametrize(
    ("text", "last_day"),
    [
        ("2024-02", "2024-02-29"),
        ("2026-02", "2026-02-28"),
        ("2026-12", "2026-12-31"),
        ("2026-10", "2026-10-31"),
    ],
)
def test_the_last_day_of_a_period_knows_leap_years_and_december(text, last_day):
    assert BillingPeriod.parse(text).last_day.isoformat() == last_day


def test_december_is_followed_by_january_of_the_next_year():
    assert str(BillingPeriod.parse("2026-12").next) == "2027-01"
    assert str(BillingPeriod.parse("2027-01").previous) == "2026-12"


def test_the_log_window_runs_a_day_past_the_period_as_logs_land_late():
    assert BillingPeriod.parse("2026-10").log_partitions() == {
        "dt_from": "2026/10/01/00",
        "dt_to": "2026/11/02/00",
    }
    assert log_partitions(dt.date(2026, 10, 5), dt.date(2026, 10, 5)) == {
        "dt_from": "2026/10/05/00",
        "dt_to": "2026/10/07/00",
    }


@pytest.mark.parametrize(
    ("folder", "period"),
    [
        ("BILLING_PERIOD=2026-10", "2026-10"),
        ("billing_period=2026-01", "2026-01"),
        ("BILLING_PERIOD=2026-13", None),
    ],
)
def test_a_partition_folder_names_its_period(folder, period):
    found = BillingPeriod.of_partition(folder)
    assert (str(found) if found else None) == period


def test_check_reads_the_same_log_records_as_estimate(tmp_path):
    """`check --suite logs` validates exactly the records estimate and reconcile count for the month."""
    from cur_analyzer import checks
    from cur_analyzer.engines.duckdb import DuckDBEngine
    from cur_analyzer.reports.estimate import LogWindow

    engine = DuckDBEngine("fixtures/demo/cur2-bedrock", logs="fixtures/demo/logs")
    report = checks.run_checks(engine, "2026-10", ("logs",))
    window = LogWindow("2026-10").params
    health = engine.query("log_health", {k: window[k] for k in ("dt_from", "dt_to", "month")}).to_pylist()
    assert report.frames["logs.records"] == sum(r["records"] for r in health) > 0
