"""Finance's question: which request did this dollar of the Bedrock bill pay for? The ledger splits every
billed usage line over the invocation-log records behind it, by tokens, and keeps what no record logged as an
explicit unlogged row: to the last digit, the bill."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal

import pyarrow.parquet as pq
import pytest
from conftest import write_cur, write_log_files
from test_reconcile_is_right_on_every_export import (
    EUR_ACCOUNT,
    NOVA_INPUT,
    USD_ACCOUNT,
    bill_line,
    log_record,
)
from typer.testing import CliRunner

from cur_analyzer.bedrock.models import ProfileMap
from cur_analyzer.cli import app
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.errors import UserInputError
from cur_analyzer.reports.allocate import SCOPE_NOT_IN_LOGS, build_allocation
from cur_analyzer.reports.reconcile import build_reconciliation
from cur_analyzer.reports.reconcile._rollup import model_label

DEMO = "fixtures/demo"
DEMO_ARGS = ["--cur", f"{DEMO}/cur2-bedrock", "--logs", f"{DEMO}/logs"]
PROFILES = f"{DEMO}/inference-profiles.json"
REASONS = {
    "logging off",
    "log gap",
    "tier not in logs",
    "cache tokens missing from logs",
    "application inference profile not in the profiles file",
    "token counts differ",
    "meter not in logs",
    "marketplace units",
    SCOPE_NOT_IN_LOGS,
}
runner = CliRunner()


@pytest.fixture(scope="module")
def demo():
    engine = DuckDBEngine(f"{DEMO}/cur2-bedrock", logs=f"{DEMO}/logs")
    profiles = ProfileMap.load(PROFILES)
    allocation = build_allocation(engine, "2026-10", ["principal"], profiles)
    reconciliation = build_reconciliation(engine, "2026-10", ["principal"], profiles=profiles)
    return allocation, reconciliation


def test_the_ledger_total_is_the_reconciled_bill_to_the_last_digit(demo):
    allocation, reconciliation = demo
    assert allocation.totals() == reconciliation.billed_totals()
    assert allocation.total == reconciliation.billed_totals()["USD"] > 0
    assert sum((r["cost"] for r in allocation.rows), Decimal(0)) == allocation.total


def test_each_bucket_of_the_bill_is_allocated_exactly_at_the_money_scale(demo):
    allocation, reconciliation = demo
    billed: dict[tuple, Decimal] = defaultdict(Decimal)
    for b in reconciliation.buckets:
        day, account, region, principal, model, meter = b.key
        for part in b.billed:
            key = (
                day,
                account,
                region,
                principal,
                model_label(b.price_key, model),
                meter,
                part.tier,
                b.currency,
            )
            billed[key] += part.cost
    allocated: dict[tuple, Decimal] = defaultdict(Decimal)
    for r in allocation.ledger:
        key = (r.day, r.account, r.region, r.principal, r.model, r.meter, r.tier, r.currency)
        allocated[key] += r.cost
        assert r.cost == r.cost.quantize(Decimal("1e-10")), "a share beyond DECIMAL(38,10)"
    assert allocated == billed
    assert any(r.method == "tokens" for r in allocation.ledger)


def test_spend_no_record_logged_is_one_unlogged_row_with_its_reason(demo):
    allocation, _ = demo
    unlogged = [r for r in allocation.ledger if r.method == "unlogged"]
    assert unlogged, "the demo month has spend the logs never saw (batch, an account without logging)"
    assert all(r.reason in REASONS and r.request_id is None and r.tokens is None for r in unlogged)
    assert {"logging off", "tier not in logs"} <= {r.reason for r in unlogged}
    logged = [r for r in allocation.ledger if r.method == "tokens"]
    assert all(r.reason is None and r.tokens and r.tokens > 0 for r in logged)


def allocate_tiny(tmp_path, lines, logs, by=("request",)):
    cur = write_cur(tmp_path / "cur", lines)
    engine = DuckDBEngine(cur, logs=write_log_files(tmp_path / "logs", logs))
    return build_allocation(engine, "2026-10", list(by))


def test_where_bill_and_logs_agree_each_record_costs_its_tokens_at_the_billed_rate(tmp_path):
    # 1,000 x 1K Nova Pro input tokens billed $0.80: $0.80 per 1M tokens, over 600K + 400K logged
    lines = [bill_line(USD_ACCOUNT, NOVA_INPUT, "1000", "0.80")]
    logs = [
        log_record("2026-10-01T00:10:00Z", USD_ACCOUNT, "amazon.nova-pro-v1:0", 600_000),
        log_record("2026-10-01T00:20:00Z", USD_ACCOUNT, "amazon.nova-pro-v1:0", 400_000),
    ]
    allocation = allocate_tiny(tmp_path, lines, logs)
    rate = Decimal("0.80") / 1_000_000
    costs = {r.request_id: r.cost for r in allocation.ledger}
    assert costs == {
        "r-2026-10-01T00:10:00Z-111122223333": 600_000 * rate,
        "r-2026-10-01T00:20:00Z-111122223333": 400_000 * rate,
    }
    assert all(r.method == "tokens" for r in allocation.ledger)


def test_a_cost_that_does_not_divide_evenly_still_sums_to_the_bill(tmp_path):
    lines = [bill_line(USD_ACCOUNT, NOVA_INPUT, "3", "1.00")]
    logs = [
        log_record(f"2026-10-01T00:{m}:00Z", USD_ACCOUNT, "amazon.nova-pro-v1:0", 1_000) for m in (10, 20, 30)
    ]
    allocation = allocate_tiny(tmp_path, lines, logs)
    shares = sorted(r.cost for r in allocation.ledger)
    assert shares == [Decimal("0.3333333333"), Decimal("0.3333333333"), Decimal("0.3333333334")]
    assert allocation.total == Decimal("1.00")


def test_batch_spend_and_an_account_that_never_logged_stay_unlogged_on_the_billed_caller(tmp_path):
    lines = [
        bill_line(USD_ACCOUNT, NOVA_INPUT, "1000", "0.80"),
        bill_line(USD_ACCOUNT, f"{NOVA_INPUT}-batch", "1000", "0.40"),
        bill_line(EUR_ACCOUNT, NOVA_INPUT, "1000", "0.80"),
    ]
    logs = [log_record("2026-10-01T00:10:00Z", USD_ACCOUNT, "amazon.nova-pro-v1:0", 1_000_000)]
    allocation = allocate_tiny(tmp_path, lines, logs, by=("account", "principal"))
    reasons = {(r.account, r.reason): r.cost for r in allocation.ledger if r.method == "unlogged"}
    assert reasons == {
        (USD_ACCOUNT, "tier not in logs"): Decimal("0.40"),
        (EUR_ACCOUNT, "logging off"): Decimal("0.80"),
    }
    assert allocation.total == Decimal("2.00")
    unlogged = [r for r in allocation.rows if r["method"] == "unlogged"]
    assert all(r["principal"] == lines[0]["line_item_iam_principal"] for r in unlogged)


def test_by_request_gives_one_row_per_request_id_plus_the_residuals():
    result = runner.invoke(
        app, ["allocate", "--month", "2026-10", *DEMO_ARGS, "--by", "request", "-f", "json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert doc["report"] == "allocate"
    requests = [r["request"] for r in doc["rows"] if r["method"] == "tokens"]
    assert len(requests) == len(set(requests)) > 100 and None not in requests
    residual = [r for r in doc["rows"] if r["method"] == "unlogged"]
    assert residual and all(r["request"] is None and r["reason"] in REASONS for r in residual)
    assert sum(Decimal(r["cost"]) for r in doc["rows"]) == Decimal(doc["total"])


def test_parquet_writes_the_full_ledger_one_row_per_record_and_meter(tmp_path):
    out = tmp_path / "ledger.parquet"
    result = runner.invoke(app, ["allocate", "--month", "2026-10", *DEMO_ARGS, "--output", str(out)])
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    assert {"request_id", "meter", "tokens", "cost", "method", "reason"} <= set(table.column_names)
    rows = table.to_pylist()
    assert len({(r["request_id"], r["meter"]) for r in rows if r["method"] == "tokens"}) == sum(
        r["method"] == "tokens" for r in rows
    )
    doc = json.loads(table.schema.metadata[b"cur_analyzer.report"])
    assert sum(r["cost"] for r in rows) == Decimal(doc["total"])


def test_a_grouping_the_ledger_does_not_have_is_refused_in_one_line():
    with pytest.raises(UserInputError, match="allocate cannot group by 'service'"):
        build_allocation(DuckDBEngine(f"{DEMO}/cur2-bedrock", logs=f"{DEMO}/logs"), "2026-10", ["service"])
    result = runner.invoke(app, ["allocate", "--month", "2026-10", *DEMO_ARGS, "--by", "service"])
    assert result.exit_code == 2 and "--by" in result.output and "Traceback" not in result.output
