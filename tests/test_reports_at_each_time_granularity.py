"""Is every report right whether the export is hourly, daily or monthly (a CUR 2.0 export's
TIME_GRANULARITY)? The same calls are billed three ways: one line per hour, per day or per month. The
reconciliation finds the same causes at each grain (a log gap where a period has no logs, cache tokens the
logs lack, never a gap of its own making), a cut by day of a monthly export is refused, and the monthly pack
says why it has no daily trend. A model reads the same in reconcile as in chargeback."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import log_record, write_cur, write_log_files
from typer.testing import CliRunner

from cur_analyzer import Analyzer
from cur_analyzer.cli import app
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.errors import UserInputError
from cur_analyzer.granularity import Granularity
from cur_analyzer.render._pack_words import words_of
from cur_analyzer.reports.chargeback import build_chargeback
from cur_analyzer.reports.monthly import build_monthly, views
from cur_analyzer.reports.reconcile import build_reconciliation, document, tabular

MONTH = "2026-10"
ACCOUNT = "111122223333"
ALICE = "arn:aws:iam::111122223333:user/alice"
BUCKET = ["day", "account", "region", "principal", "model", "meter"]
MILLION = 1_000_000
NOVA_INPUT = "USE1-NovaPro-input-tokens"  # $0.80 per 1M tokens
CLAUDE_INPUT = "USE1-Claude4Sonnet-input-tokens"  # $3 per 1M tokens
CLAUDE_CACHE_READ = "USE1-Claude4Sonnet-cache-read-input-token-count"  # $0.30 per 1M tokens
NOVA = "amazon.nova-pro-v1:0"
CLAUDE = "anthropic.claude-sonnet-4-20250514-v1:0"
MARKETPLACE_INPUT = "USE1-MP:USE1_InputTokenCount-Units"

# The calls, as the invocation logs have them: (when, model id, input tokens). The logs carry no cache
# tokens, though Claude's 15:00 hour bills 1M cache-read tokens; October 3rd has a bill and no logs.
CALLS = [
    ("2026-10-01T03:10:00Z", NOVA, MILLION),
    ("2026-10-01T15:20:00Z", NOVA, MILLION),
    ("2026-10-01T15:30:00Z", CLAUDE, MILLION),
    ("2026-10-02T09:05:00Z", NOVA, 2 * MILLION),
]


def at(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2026, 10, day, hour)


MONTH_START, MONTH_END = at(1), dt.datetime(2026, 11, 1)
# (usage start, usage end, usage type, usage amount in 1K tokens, cost) per grain: the same usage
BILLS = {
    Granularity.HOURLY: [
        (at(1, 3), at(1, 4), NOVA_INPUT, "1000", "0.80"),
        (at(1, 15), at(1, 16), NOVA_INPUT, "1000", "0.80"),
        (at(1, 15), at(1, 16), CLAUDE_INPUT, "1000", "3.00"),
        (at(1, 15), at(1, 16), CLAUDE_CACHE_READ, "1000", "0.30"),
        (at(2, 9), at(2, 10), NOVA_INPUT, "2000", "1.60"),
        (at(3, 10), at(3, 11), NOVA_INPUT, "1000", "0.80"),
    ],
    Granularity.DAILY: [
        (at(1), at(2), NOVA_INPUT, "2000", "1.60"),
        (at(1), at(2), CLAUDE_INPUT, "1000", "3.00"),
        (at(1), at(2), CLAUDE_CACHE_READ, "1000", "0.30"),
        (at(2), at(3), NOVA_INPUT, "2000", "1.60"),
        (at(3), at(4), NOVA_INPUT, "1000", "0.80"),
    ],
    Granularity.MONTHLY: [
        (MONTH_START, MONTH_END, NOVA_INPUT, "5000", "4.00"),
        (MONTH_START, MONTH_END, CLAUDE_INPUT, "1000", "3.00"),
        (MONTH_START, MONTH_END, CLAUDE_CACHE_READ, "1000", "0.30"),
    ],
}
BILLED, ESTIMATED = Decimal("7.30"), Decimal("6.20")


def bill_line(start: dt.datetime, end: dt.datetime, usage_type: str, amount: str, cost: str, **more) -> dict:
    return {
        "start": start,
        "end": end,
        "line_item_usage_account_id": ACCOUNT,
        "line_item_product_code": "AmazonBedrock",
        "line_item_line_item_type": "Usage",
        "line_item_usage_type": usage_type,
        "product_region_code": "us-east-1",
        "pricing_unit": "1K tokens",
        "line_item_usage_amount": Decimal(amount),
        "line_item_unblended_cost": Decimal(cost),
        "line_item_iam_principal": ALICE,
        "line_item_currency_code": "USD",
        "line_item_resource_id": None,
        "bill_billing_entity": "AWS",
        "product_name": "Amazon Bedrock",
        **more,
    }


def write_export(folder: Path, lines: list[dict]) -> Path:
    """``write_cur`` with each line's own usage period and product name (as CUR 2.0 writes them)."""
    own = ("start", "end", "product_name")
    root = write_cur(folder, [{k: v for k, v in line.items() if k not in own} for line in lines], MONTH)
    (path,) = root.rglob("*.parquet")
    table = pq.read_table(path)
    for column, key in (("line_item_usage_start_date", "start"), ("line_item_usage_end_date", "end")):
        values = pa.array([line[key] for line in lines], pa.timestamp("ms"))
        table = table.set_column(table.schema.get_field_index(column), column, values)
    names = [[("product_name", line["product_name"])] for line in lines]
    pq.write_table(table.append_column("product", pa.array(names, pa.map_(pa.string(), pa.string()))), path)
    return root


def write_logs(folder: Path, calls: list[tuple[str, str, int]]) -> Path:
    """The calls as invocation logs in the S3 layout Bedrock writes."""
    return write_log_files(folder, [log_record(when, ACCOUNT, model, n, ALICE) for when, model, n in calls])


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> dict[Granularity, Path]:
    """The same calls billed hourly, daily and monthly (the hourly export also has a month-long line, as
    hourly exports do: it must not make the export look monthly)."""
    out = {}
    for grain, bills in BILLS.items():
        lines = [bill_line(*b) for b in bills]
        if grain is Granularity.HOURLY:
            lines.append(
                bill_line(MONTH_START, MONTH_END, "USE1-CustomModelUnits", "2", "39.60", pricing_unit="Hrs")
            )
        out[grain] = write_export(tmp_path_factory.mktemp(grain.value), lines)
    return out


@pytest.fixture(scope="module")
def logs(tmp_path_factory) -> Path:
    return write_logs(tmp_path_factory.mktemp("logs"), CALLS)


def reconcile(cur: Path, logs: Path, by=BUCKET):
    return build_reconciliation(DuckDBEngine(cur, logs=logs), MONTH, list(by))


def test_each_exports_granularity_is_told_from_its_lines(exports):
    for grain, cur in exports.items():
        assert Analyzer(cur=cur).granularity(MONTH) is grain


def by_bucket(rec) -> dict[tuple, object]:
    return {(r.values["day"], r.model_key, r.values["meter"]): r for r in rec.rows}


def test_the_hourly_bill_blames_the_unlogged_day_and_the_cache_tokens_the_logs_lack(exports, logs):
    rec = reconcile(exports[Granularity.HOURLY], logs)
    rows = by_bucket(rec)
    gap = rows[("2026-10-03", "nova-pro", "input")]
    cache = rows[("2026-10-01", "claude-sonnet-4", "cache_read")]
    assert (gap.status, gap.cause, gap.explained) == ("billed-only", "log gap", {"log gap": Decimal("0.80")})
    assert (cache.status, cache.cause) == ("billed-only", "cache tokens missing from logs")
    assert rec.explained_by_cause() == {
        "log gap": Decimal("0.80"),
        "cache tokens missing from logs": Decimal("0.30"),
    }
    assert not any("export is" in n for n in rec.notes)  # hourly is what a log gap is told per by default


def test_the_daily_bill_finds_the_same_causes_and_no_log_gap_of_its_own_making(exports, logs):
    rec = reconcile(exports[Granularity.DAILY], logs)
    rows = by_bucket(rec)
    # the day's line starts at 00:00, the day's calls came at 03:10 and 15:20: the day is logged
    assert rows[("2026-10-01", "nova-pro", "input")].status == "match"
    assert rows[("2026-10-01", "claude-sonnet-4", "input")].status == "match"
    cache = rows[("2026-10-01", "claude-sonnet-4", "cache_read")]
    assert (cache.status, cache.cause) == ("billed-only", "cache tokens missing from logs")
    assert cache.explained == {"cache tokens missing from logs": Decimal("0.30")}
    assert rows[("2026-10-03", "nova-pro", "input")].cause == "log gap"
    assert rec.explained_by_cause() == {
        "log gap": Decimal("0.80"),
        "cache tokens missing from logs": Decimal("0.30"),
    }
    assert "this export is daily: a log gap is told per day, not per hour" in rec.notes
    assert rec.granularity is Granularity.DAILY


def test_the_monthly_bill_is_compared_per_month_on_both_sides(exports, logs):
    rec = reconcile(exports[Granularity.MONTHLY], logs)
    assert {r.values["day"] for r in rec.rows} == {MONTH}
    rows = by_bucket(rec)
    nova = rows[(MONTH, "nova-pro", "input")]
    # the month has logs: the unlogged day is, per month, tokens billed that the logs do not count
    assert (nova.status, nova.cause) == ("under", "token counts differ")
    assert nova.estimated_tokens == 4 * MILLION and nova.billed_tokens == 5 * MILLION
    assert rows[(MONTH, "claude-sonnet-4", "input")].status == "match"
    assert rows[(MONTH, "claude-sonnet-4", "cache_read")].cause == "cache tokens missing from logs"
    assert any(n.startswith("this export is monthly") and "per month" in n for n in rec.notes)
    assert document(rec)["granularity"] == "monthly"


@pytest.mark.parametrize("grain", list(Granularity))
@pytest.mark.parametrize("by", [BUCKET, ["principal", "model"], ["day"]])
def test_at_every_grain_the_parts_add_up_to_the_gap_and_matches_carry_no_offsets(exports, logs, grain, by):
    rec = reconcile(exports[grain], logs, by)
    assert (rec.billed_cost, rec.estimated_cost) == (BILLED, ESTIMATED)
    assert sum(rec.explained_by_cause().values(), Decimal(0)) == BILLED - ESTIMATED
    for row in document(rec)["rows"]:
        if row["unexplained"] is None:
            continue  # not compared (the hourly export's model units)
        gap = row["billed_cost"] - row["estimated_cost"]
        assert sum(row["explained"].values(), Decimal(0)) + row["unexplained"] == gap
        assert row["unexplained"] == 0, row
        if row["status"] == "match":
            assert row["explained"] == {}, row


def test_reconcile_names_a_model_as_chargeback_does_and_keeps_the_price_key(exports, logs):
    cur = exports[Granularity.DAILY]
    rec = reconcile(cur, logs, ["model"])
    charged = {r.values[0] for r in build_chargeback(DuckDBEngine(cur), MONTH, ["model"]).rows}
    assert {r.values["model"] for r in rec.rows} == charged == {"Amazon Nova Pro", "Claude Sonnet 4"}
    doc = document(rec)
    assert {(r["model"], r["model_key"]) for r in doc["rows"]} == {
        ("Amazon Nova Pro", "nova-pro"),
        ("Claude Sonnet 4", "claude-sonnet-4"),
    }
    table = tabular(rec)
    assert table.columns[:2] == ["model", "model_key"]
    assert {(r["model"], r["model_key"]) for r in table.rows} == {
        ("Amazon Nova Pro", "nova-pro"),
        ("Claude Sonnet 4", "claude-sonnet-4"),
    }


def test_a_marketplace_model_is_named_and_shown_but_not_compared_with_the_logs(tmp_path):
    lines = [
        bill_line(at(1, 3), at(1, 4), NOVA_INPUT, "1000", "0.80"),
        bill_line(
            at(1, 3),
            at(1, 4),
            MARKETPLACE_INPUT,
            "1.5",
            "4.50",
            line_item_product_code="prod-abc123",
            bill_billing_entity="AWS Marketplace",
            pricing_unit="Units",
            line_item_line_item_description="$3.00 per Million input tokens",
            product_name="Claude 3 Sonnet (Amazon Bedrock Edition)",
        ),
    ]
    calls = [
        ("2026-10-01T03:10:00Z", NOVA, MILLION),
        ("2026-10-01T03:20:00Z", "anthropic.claude-3-sonnet-20240229-v1:0", 1_500_000),
    ]
    cur = write_export(tmp_path / "cur", lines)
    rec = reconcile(cur, write_logs(tmp_path / "logs", calls), ["model"])
    rows = {r.values["model"]: r for r in rec.rows}
    marketplace = rows["Claude 3 Sonnet"]
    assert (marketplace.status, marketplace.cause, marketplace.explained) == ("marketplace-units", "", {})
    assert marketplace.billed_cost == Decimal("4.50") and marketplace.model_key == "claude-3-sonnet"
    assert rows["Amazon Nova Pro"].status == "match"
    assert rec.billed_cost == rec.estimated_cost == Decimal("0.80")  # the Marketplace line is left out
    assert rec.explained_by_cause() == {}
    assert any("AWS Marketplace" in n and "Claude 3 Sonnet" in n and "not compared" in n for n in rec.notes)
    assert not any("pricing units" in n for n in rec.notes)


def test_a_chargeback_by_day_of_a_monthly_export_is_refused_in_one_line(exports):
    with pytest.raises(UserInputError, match="monthly") as refused:
        build_chargeback(DuckDBEngine(exports[Granularity.MONTHLY]), MONTH, ["day"])
    assert refused.value.option == "by"
    assert build_chargeback(DuckDBEngine(exports[Granularity.DAILY]), MONTH, ["day"]).rows


def test_the_chargeback_command_refuses_by_day_on_a_monthly_export_with_exit_2(exports):
    cur = str(exports[Granularity.MONTHLY])
    result = CliRunner().invoke(app, ["chargeback", "--month", MONTH, "--cur", cur, "--by", "day"])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    (line,) = result.stderr.strip().splitlines()
    assert "--by" in line and "monthly" in line and "per day" in line


@pytest.mark.parametrize("grain", list(Granularity))
def test_the_monthly_pack_says_when_the_export_has_no_daily_trend(exports, logs, grain):
    engine = DuckDBEngine(exports[grain], logs=logs)
    pack = build_monthly(engine, MONTH, logs=True)
    (daily,) = [v for v in views(pack) if v.key == "daily"]
    words = words_of(daily)
    if grain is Granularity.MONTHLY:
        assert words.omitted is not None and "daily trend is not available" in words.omitted
        assert "monthly" in words.omitted and pack.daily == []
    else:
        assert words.omitted is None and {d.day for d in pack.daily} >= {"2026-10-01", "2026-10-02"}
    assert pack.reconciliation is not None
    assert pack.reconciliation.billed_cost == BILLED


def test_alerts_on_a_monthly_export_do_not_take_the_month_for_a_one_day_spike(exports):
    """A monthly export puts October's whole spend on October 1st: the daily rules say they cannot run."""
    from cur_analyzer.reports.alerts import build_alerts

    checks = {c.rule: c for c in build_alerts(DuckDBEngine(exports[Granularity.MONTHLY]), MONTH).checks}
    for rule in ("daily-cost-spike", "spender-spike"):
        assert checks[rule].status == "skipped" and "export is monthly" in checks[rule].detail
    assert checks["model-share"].status != "skipped"
    daily = {c.rule: c for c in build_alerts(DuckDBEngine(exports[Granularity.DAILY]), MONTH).checks}
    assert "monthly" not in daily["daily-cost-spike"].detail
