"""Is the reconciliation right on every export AWS writes: a bill in euros, calls through application
inference profiles without the profiles file, meters the invocation logs never count, a rate that changed
at a month boundary — and do the causes of every row add up to its gap?"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import log_record as shared_log_record
from conftest import write_cur, write_log_files

from cur_analyzer.bedrock.models import ProfileMap
from cur_analyzer.bedrock.pricing import PriceTable
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.reports.estimate import PROFILE_NOT_RESOLVED, build_estimate
from cur_analyzer.reports.reconcile import build_reconciliation, document

DEMO = "fixtures/demo"
USD_ACCOUNT, EUR_ACCOUNT = "111122223333", "444455556666"
ALICE = "arn:aws:iam::111122223333:user/alice"
AIP = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/abc123"
MILLION = 1_000_000


def log_record(when: str, account: str, model_id: str, input_tokens: int, principal: str = ALICE) -> dict:
    return shared_log_record(when, account, model_id, input_tokens, principal)


def bill_line(account: str, usage_type: str, amount: str, cost: str, **more: str | None) -> dict:
    """A Bedrock usage line (the export's lines all start at the month's first hour)."""
    return {
        "line_item_usage_account_id": account,
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
        **more,
    }


def reconcile(tmp_path: Path, lines: list[dict], logs: list[dict], month: str = "2026-10", **kw):
    cur = write_cur(tmp_path / "cur", lines, month=month)
    engine = DuckDBEngine(cur, logs=write_log_files(tmp_path / "logs", logs))
    return build_reconciliation(engine, month, kw.pop("by", ["principal", "model"]), **kw)


# Nova Pro input is $0.80 per 1M tokens: 1M tokens logged and billed (1,000 x 1K) cost $0.80.
NOVA_INPUT = "USE1-NovaPro-input-tokens"


def test_a_bill_in_euros_is_not_added_to_dollars_nor_compared_with_a_dollar_estimate(tmp_path):
    lines = [
        bill_line(USD_ACCOUNT, NOVA_INPUT, "1000", "0.80"),
        bill_line(EUR_ACCOUNT, NOVA_INPUT, "1000", "0.74", line_item_currency_code="EUR"),
    ]
    logs = [
        log_record("2026-10-01T00:10:00Z", USD_ACCOUNT, "amazon.nova-pro-v1:0", MILLION),
        log_record("2026-10-01T00:20:00Z", EUR_ACCOUNT, "amazon.nova-pro-v1:0", MILLION),
    ]
    rec = reconcile(tmp_path, lines, logs, by=["account", "model"])
    by_account = {r.values["account"]: r for r in rec.rows}
    euros = by_account[EUR_ACCOUNT]
    assert (euros.status, euros.currency, euros.billed_cost) == ("other-currency", "EUR", Decimal("0.74"))
    assert euros.delta is None and not euros.explained and euros not in rec.mismatched
    assert by_account[USD_ACCOUNT].status == "match"
    assert rec.billed_cost == rec.estimated_cost == Decimal("0.80")
    assert rec.billed_totals() == {"EUR": Decimal("0.74"), "USD": Decimal("0.80")}
    doc = document(rec)
    assert doc["estimated_currency"] == doc["summary"]["currency"] == "USD"
    assert {r["account"]: r["currency"] for r in doc["rows"]} == {USD_ACCOUNT: "USD", EUR_ACCOUNT: "EUR"}
    assert doc["summary"]["billed_by_currency"] == {"EUR": Decimal("0.74"), "USD": Decimal("0.80")}
    assert doc["summary"]["gap"] == 0 and doc["summary"]["unexplained"] == 0
    assert any("EUR" in n and "not compared" in n for n in rec.notes)


def test_without_the_profiles_file_the_gap_is_blamed_on_the_unresolved_profile_not_token_counts(tmp_path):
    lines = [bill_line(USD_ACCOUNT, NOVA_INPUT, "1000", "0.80", line_item_resource_id=AIP)]
    logs = [log_record("2026-10-01T00:10:00Z", USD_ACCOUNT, AIP, MILLION)]
    rec = reconcile(tmp_path, lines, logs)
    assert rec.explained_by_cause() == {PROFILE_NOT_RESOLVED: Decimal("0.80")}
    assert {r.cause for r in rec.rows} == {PROFILE_NOT_RESOLVED}
    assert all("token counts differ" not in r.explained for r in rec.rows)
    assert any(PROFILE_NOT_RESOLVED in n and "profiles file" in n for n in rec.notes)
    # given the profiles, the same calls are priced and match
    profiles = tmp_path / "profiles.json"
    profiles.write_text(
        json.dumps(
            {
                "inferenceProfileSummaries": [
                    {
                        "inferenceProfileArn": AIP,
                        "inferenceProfileName": "team-a",
                        "type": "APPLICATION",
                        "models": [
                            {"modelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"}
                        ],
                    }
                ]
            }
        )
    )
    engine = DuckDBEngine(tmp_path / "cur", logs=tmp_path / "logs")
    resolved = build_reconciliation(engine, "2026-10", profiles=ProfileMap.load(profiles))
    assert {r.status for r in resolved.rows} == {"match"}


def test_a_meter_the_invocation_logs_never_count_is_said_so_and_kept_out_of_the_gap(tmp_path):
    lines = [
        bill_line(USD_ACCOUNT, NOVA_INPUT, "1000", "0.80"),
        bill_line(USD_ACCOUNT, "USE1-CustomModelUnits", "2", "39.60", pricing_unit="Hrs"),
    ]
    logs = [log_record("2026-10-01T00:10:00Z", USD_ACCOUNT, "amazon.nova-pro-v1:0", MILLION)]
    rec = reconcile(tmp_path, lines, logs, by=["principal"])
    statuses = {r.status: r for r in rec.rows}
    assert set(statuses) == {"match", "not-a-log-meter"}
    units = statuses["not-a-log-meter"]
    assert units.billed_cost == Decimal("39.60") and units.cause == "" and not units.explained
    assert rec.billed_cost == rec.estimated_cost == Decimal("0.80")
    assert rec.explained_by_cause() == {}
    assert document(rec)["summary"]["not_compared"] == [
        {
            "status": "not-a-log-meter",
            "currency": "USD",
            "billed_cost": Decimal("39.60"),
            "estimated_cost": Decimal(0),
        }
    ]
    assert not any("pricing units" in n for n in rec.notes)


# Nova Pro input: $0.80 per 1M until September, $0.40 from October 1st.
RATE_CUT = (
    "# test table, version cut\n"
    "price_key,region,meter,tier,scope,usd_per_1m,source,effective_date\n"
    "nova-pro,*,input,standard,*,0.8,list,2026-07-01\n"
    "nova-pro,*,input,standard,*,0.4,october cut,2026-10-01\n"
)


@pytest.fixture
def rate_cut(tmp_path) -> PriceTable:
    path = tmp_path / "prices.csv"
    path.write_text(RATE_CUT)
    return PriceTable.load(path)


def test_each_month_is_estimated_at_the_rate_in_force_on_its_days(tmp_path, rate_cut):
    logs = write_log_files(
        tmp_path / "logs",
        [
            log_record("2026-09-30T23:10:00Z", USD_ACCOUNT, "amazon.nova-pro-v1:0", MILLION),
            log_record("2026-10-01T00:10:00Z", USD_ACCOUNT, "amazon.nova-pro-v1:0", MILLION),
        ],
    )
    engine = DuckDBEngine(logs=logs)
    assert build_estimate(engine, "2026-09", prices=rate_cut).total == Decimal("0.80")
    assert build_estimate(engine, "2026-10", prices=rate_cut).total == Decimal("0.40")


def test_a_month_billed_before_a_rate_cut_matches_its_estimate(tmp_path, rate_cut):
    lines = [bill_line(USD_ACCOUNT, NOVA_INPUT, "1000", "0.80")]
    logs = [log_record("2026-09-01T00:10:00Z", USD_ACCOUNT, "amazon.nova-pro-v1:0", MILLION)]
    rec = reconcile(tmp_path, lines, logs, month="2026-09", prices=rate_cut)
    assert rec.estimated_cost == Decimal("0.80")
    assert {r.status for r in rec.rows} == {"match"}


def test_the_demo_numbers_do_not_move_with_rates_by_day(ground_truth):
    engine = DuckDBEngine(logs=f"{DEMO}/logs")
    profiles = ProfileMap.load(f"{DEMO}/inference-profiles.json")
    for month, truth in ground_truth["months"].items():
        est = build_estimate(engine, month, profiles=profiles)
        assert est.total == Decimal(truth["logs"]["estimated_cost"])


def test_a_log_record_written_an_hour_late_is_no_pair_of_causes_cancelling_out(tmp_path):
    lines = [bill_line(USD_ACCOUNT, NOVA_INPUT, "1000", "0.80")]
    # billed in the month's first hour, logged in the next: the hour looks unlogged, the tokens are there
    logs = [log_record("2026-10-01T01:10:00Z", USD_ACCOUNT, "amazon.nova-pro-v1:0", MILLION)]
    rec = reconcile(tmp_path, lines, logs)
    (row,) = rec.rows
    assert row.status == "match" and row.explained == {} and row.unexplained == 0
    assert rec.explained_by_cause() == {}


@pytest.mark.parametrize(
    "by", [("principal", "model"), ("day", "account", "region", "principal", "model", "meter")]
)
def test_on_every_demo_row_the_explained_parts_add_up_to_the_gap_and_matches_have_no_offsets(by):
    engine = DuckDBEngine(f"{DEMO}/cur2-bedrock", logs=f"{DEMO}/logs")
    profiles = ProfileMap.load(f"{DEMO}/inference-profiles.json")
    doc = document(build_reconciliation(engine, "2026-10", list(by), profiles=profiles))
    for row in doc["rows"]:
        gap = row["billed_cost"] - row["estimated_cost"]
        assert sum(row["explained"].values(), Decimal(0)) + row["unexplained"] == gap
        if row["status"] == "match":
            assert not ({a > 0 for a in row["explained"].values()} >= {True, False}), row
