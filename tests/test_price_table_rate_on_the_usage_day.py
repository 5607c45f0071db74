"""Which rate was in force on the day the tokens were used, and is a price table that says two things about
one day refused?"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from cur_analyzer.bedrock.pricing import PriceRow, PriceTable
from cur_analyzer.errors import UserInputError

HEADER = "price_key,region,meter,tier,scope,usd_per_1m,source,effective_date\n"

# Nova Pro input: 0.80 from July, cut to 0.70 in September; Tokyo 0.96 only from August.
HISTORY = (
    "# test table, version t1\n"
    + HEADER
    + "nova-pro,*,input,standard,*,0.8,july list,2026-07-01\n"
    + "nova-pro,*,input,standard,*,0.7,september cut,2026-09-01\n"
    + "nova-pro,ap-northeast-1,input,standard,regional,0.96,tokyo list,2026-08-01\n"
)


@pytest.fixture
def history(tmp_path) -> PriceTable:
    path = tmp_path / "prices.csv"
    path.write_text(HISTORY)
    return PriceTable.load(path)


def rate(table: PriceTable, day, region: str = "us-east-1", scope: str = "in_region") -> Decimal | None:
    return table.rate_per_million("nova-pro", region, "input", "standard", scope, day)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        ("2026-07-01", Decimal("0.8")),
        ("2026-08-31", Decimal("0.8")),
        ("2026-09-01", Decimal("0.7")),
        ("2026-12-31", Decimal("0.7")),
        (dt.date(2026, 8, 15), Decimal("0.8")),
        (dt.datetime(2026, 9, 1, 23, 59), Decimal("0.7")),
    ],
)
def test_a_usage_day_is_priced_at_the_rate_in_force_that_day(history, day, expected):
    assert rate(history, day) == expected


def test_a_day_before_every_rate_is_unpriced_never_priced_at_a_later_rate(history):
    assert rate(history, "2026-06-30") is None
    assert (
        history.cost(1_000_000, "nova-pro", "us-east-1", "input", "standard", "in_region", "2026-06-30")
        is None
    )


def test_without_a_day_the_latest_rate_is_used_as_before(history):
    assert rate(history, None) == Decimal("0.7")
    # the call every existing caller makes, without a day
    assert history.rate_per_million("nova-pro", "us-east-1", "input", "standard", "in_region") == Decimal(
        "0.7"
    )
    assert history.row("nova-pro", "us-east-1", "input", "standard", "geo").source == "september cut"


def test_a_region_specific_rate_applies_from_its_own_date_and_the_general_rate_before(history):
    tokyo = "ap-northeast-1"
    assert rate(history, "2026-07-15", tokyo) == Decimal("0.8")  # Tokyo's own rate not yet in force
    assert rate(history, "2026-08-01", tokyo) == Decimal("0.96")
    assert rate(history, "2026-10-01", tokyo) == Decimal("0.96")  # the region's row wins over '*'
    assert rate(history, "2026-10-01", tokyo, scope="global") == Decimal("0.7")  # global: the '*' row


def test_a_cost_is_tokens_times_the_days_rate(history):
    cost = history.cost(2_500_000, "nova-pro", "us-east-1", "input", "standard", "in_region", "2026-08-01")
    assert cost == Decimal("2.0")


@pytest.mark.parametrize("day", ["2026-8-1", "yesterday", "2026-08-01T10:00:00", 20260801])
def test_a_usage_day_that_is_not_a_date_is_a_bug_not_a_silent_miss(history, day):
    with pytest.raises(ValueError, match="a usage day is a date"):
        rate(history, day)


def test_two_rows_for_the_same_rate_and_day_are_refused_naming_both_lines(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(
        "# version x\n"
        + HEADER
        + "nova-pro,*,input,standard,*,0.8,a,2026-07-01\n"
        + "nova-pro,*,output,standard,*,3.2,a,2026-07-01\n"
        + "nova-pro,*,input,standard,*,0.9,b,2026-07-01\n"
    )
    with pytest.raises(UserInputError) as e:
        PriceTable.load(path)
    message = str(e.value)
    assert message.startswith(f"{path}:5: ") and "as line 3" in message, message
    assert "nova-pro * input standard * 2026-07-01" in message and "\n" not in message


def test_the_same_rate_on_two_days_is_a_history_not_a_duplicate(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text(
        HEADER
        + "nova-pro,*,input,standard,*,0.8,a,2026-07-01\nnova-pro,*,input,standard,*,0.8,a,2026-08-01\n"
    )
    assert len(PriceTable.load(path).rows) == 2


@pytest.mark.parametrize("value", ["", "2026-7-1", "01/07/2026", "2026-02-30"])
def test_an_effective_date_that_is_not_a_date_is_refused_with_its_line(tmp_path, value):
    path = tmp_path / "p.csv"
    path.write_text(HEADER + f"nova-pro,*,input,standard,*,0.8,a,{value}\n")
    with pytest.raises(UserInputError, match=rf"p.csv:2: effective_date '{value}' is not a date"):
        PriceTable.load(path)


def test_rows_built_in_code_are_held_to_the_same_rules():
    row = PriceRow("nova-pro", "*", "input", "standard", "*", Decimal("0.8"), "a", "2026-07-01")
    with pytest.raises(ValueError, match="two price rows"):
        PriceTable([row, row], "v")
    with pytest.raises(ValueError, match="not YYYY-MM-DD"):
        PriceTable([PriceRow(*[*row.__dict__.values()][:7], "July")], "v")


def test_the_shipped_table_loads_with_one_rate_per_key_and_day():
    table = PriceTable.load()
    keys = [(r.price_key, r.region, r.meter, r.tier, r.scope, r.effective_date) for r in table.rows]
    assert len(keys) == len(set(keys)) > 100
