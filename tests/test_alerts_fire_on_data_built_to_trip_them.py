"""The FinOps alarms: each one fires on a bill (or invocation logs) built to trip it, names who and what
with the figures, and exits 1; on steady data every alarm is silent and the exit code is 0."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import write_cur
from typer.testing import CliRunner

from cur_analyzer.cli import app
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.reports.alerts import build_alerts
from cur_analyzer.rules import load_rules

runner = CliRunner()
ACCOUNT = "111122223333"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
SONNET, NOVA, HAIKU = (
    "USE1-Claude4.6Sonnet-input-tokens",
    "USE1-NovaPro-input-tokens",
    "USE1-Claude4.5Haiku-input-tokens",
)
DAYS = 20


def day(n: int) -> dt.date:
    return dt.date(2026, 10, n)


def cur_line(d, cost, principal, usage_type, team=None):
    return {
        "day": d,
        "line_item_line_item_type": "Usage",
        "line_item_product_code": "AmazonBedrock",
        "line_item_usage_type": usage_type,
        "line_item_unblended_cost": Decimal(cost),
        "line_item_iam_principal": principal,
        "tags": {"iamPrincipal/team": team} if team else {},
    }


def steady(spike_day: int | None = None, spike: str = "40", sonnet_share: str = "5") -> list[dict]:
    """alice 10/day (Sonnet + Nova Pro), bob 5/day (Haiku): no model above 60 %."""
    lines = []
    for n in range(1, DAYS + 1):
        alice = Decimal(spike if n == spike_day else "10")
        sonnet = Decimal(sonnet_share) * alice / 10
        lines += [
            cur_line(day(n), sonnet, ALICE, SONNET, "ml"),
            cur_line(day(n), alice - sonnet, ALICE, NOVA, "ml"),
            cur_line(day(n), "5", BOB, HAIKU, "web"),
        ]
    lines.append({**cur_line(day(3), "7", None, NOVA), "line_item_line_item_type": "Tax"})  # never counted
    return lines


def write_daily_cur(folder: Path, lines: list[dict], month: str = "2026-10") -> Path:
    days = [r["day"] for r in lines]
    root = write_cur(folder, [{k: v for k, v in r.items() if k != "day"} for r in lines], month=month)
    (path,) = (root / "data" / f"BILLING_PERIOD={month}").glob("*.parquet")
    table = pq.read_table(path)
    stamps = pa.array([dt.datetime.combine(d, dt.time(12)) for d in days], pa.timestamp("ms"))
    i = table.schema.get_field_index("line_item_usage_start_date")
    pq.write_table(table.set_column(i, "line_item_usage_start_date", stamps), path)
    return root


def call(
    d, principal=ALICE, model="anthropic.claude-sonnet-4-6", inp=1000, out=500, cache_read=0, error=None, n=0
):
    rec = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": f"{d.isoformat()}T10:{n % 60:02d}:00Z",
        "accountId": ACCOUNT,
        "region": "us-east-1",
        "requestId": f"req-{d.day}-{n}",
        "operation": "Converse",
        "modelId": model,
        "identity": {"arn": principal},
        "input": {
            "inputTokenCount": inp,
            "cacheReadInputTokenCount": cache_read,
            "cacheWriteInputTokenCount": 0,
        },
        "output": {"outputTokenCount": out},
    }
    if error:
        rec["errorCode"] = error
    return rec


def write_logs(folder: Path, records: list[dict]) -> Path:
    root = folder / "logs"
    by_hour: dict[str, list[dict]] = {}
    for r in records:
        by_hour.setdefault(r["timestamp"][:13], []).append(r)
    for hour, recs in by_hour.items():
        d = dt.datetime.strptime(hour, "%Y-%m-%dT%H")
        part = (
            root
            / "AWSLogs"
            / ACCOUNT
            / "BedrockModelInvocationLogs"
            / "us-east-1"
            / d.strftime("%Y/%m/%d/%H")
        )
        part.mkdir(parents=True, exist_ok=True)
        with gzip.open(part / "batch.json.gz", "wt") as f:
            f.write("\n".join(json.dumps(r) for r in recs) + "\n")
    return root


def clean_calls() -> list[dict]:
    recs = [call(day(n), ALICE, n=i) for n in range(1, DAYS + 1) for i in range(3)]
    recs += [
        call(day(n), BOB, "amazon.titan-embed-text-v2:0", inp=800, out=0, n=9) for n in range(1, DAYS + 1)
    ]
    recs.append(call(day(5), BOB, error="ThrottlingException", inp=0, out=0, n=7))  # failed, billed nothing
    return recs


def alerts_of(tmp_path, lines, *, logs=None, rules_text=None, **kw):
    engine = DuckDBEngine(write_daily_cur(tmp_path, lines), logs=write_logs(tmp_path, logs) if logs else None)
    rules = None
    if rules_text is not None:
        (tmp_path / "rules.yaml").write_text(rules_text)
        rules = load_rules(tmp_path / "rules.yaml")
    report = build_alerts(engine, rules=rules, logs=bool(logs), **({"month": "2026-10"} | kw))
    return report, {(a.rule, a.subject, a.day) for a in report.alerts}


def test_steady_spend_and_clean_logs_fire_nothing(tmp_path):
    report, fired = alerts_of(tmp_path, steady(), logs=clean_calls())
    assert fired == set()
    assert {c.rule: c.status for c in report.checks} == {
        "daily-cost-spike": "silent",
        "spender-spike": "silent",
        "model-share": "silent",
        "failed-spend": "silent",
        "token-ratio": "silent",
        "large-call": "silent",
    }
    assert any("lack a full 7-day history" in n for n in report.notes)


def test_a_daily_cost_spike_and_the_principal_behind_it(tmp_path):
    report, fired = alerts_of(tmp_path, steady(spike_day=18))
    assert fired == {
        ("daily-cost-spike", "Bedrock", "2026-10-18"),
        ("spender-spike", f"principal={ALICE}", "2026-10-18"),
    }
    spike = next(a for a in report.alerts if a.rule == "daily-cost-spike")
    assert spike.figure == Decimal(300) and spike.threshold == Decimal(150)  # 45 against an average of 15
    assert "USD 45.00" in spike.message and "USD 15.00" in spike.message
    who = next(a for a in report.alerts if a.rule == "spender-spike")
    assert who.figure == Decimal(4) and ALICE in who.message


def test_a_spike_just_under_the_threshold_is_silent(tmp_path):
    # 10 -> 12.5: the day is 17.5 = 116.7 % of 15, alice 1.25x of 10
    _, fired = alerts_of(tmp_path, steady(spike_day=18, spike="12.5"))
    assert fired == set()


def test_a_team_spike_through_a_rules_dimension(tmp_path):
    rules = "dimensions:\n  team:\n    sources: [{source: principal_tag, key: team}]\n"
    rules += "alerts:\n  spender_dimensions: [team]\n"
    report, fired = alerts_of(tmp_path, steady(spike_day=18), rules_text=rules)
    assert ("spender-spike", "team=ml", "2026-10-18") in fired
    assert not any(s.startswith("principal=") for _, s, _ in fired)


def test_one_model_above_60_percent_of_spend(tmp_path):
    report, fired = alerts_of(tmp_path, steady(sonnet_share="9.5"))  # Sonnet: 9.5 of every 15
    assert fired == {("model-share", "model=Claude Sonnet 4.6", None)}
    (share,) = report.alerts
    assert share.figure == Decimal("9.5") / Decimal(15) * 100 and share.threshold == 60
    assert "USD 190.00 of USD 300.00" in share.message


def test_exactly_60_percent_is_not_above_60(tmp_path):
    _, fired = alerts_of(tmp_path, steady(sonnet_share="9"))
    assert fired == set()


def test_thresholds_come_from_the_rules_file_and_null_switches_a_rule_off(tmp_path):
    rules = "alerts:\n  daily_cost_over_average_pct: 400\n  spender_over_average_ratio: null\n"
    report, fired = alerts_of(tmp_path, steady(spike_day=18), rules_text=rules)
    assert fired == set()
    assert {c.rule: c.status for c in report.checks}["spender-spike"] == "off"


def test_days_back_from_the_newest_data(tmp_path):
    _, fired = alerts_of(tmp_path, steady(spike_day=18), month=None, days=5)
    assert ("daily-cost-spike", "Bedrock", "2026-10-18") in fired
    report, fired = alerts_of(tmp_path / "two", steady(spike_day=18), month=None, days=2)
    assert fired == set() and (report.first_day, report.last_day) == (day(19), day(20))


def test_spend_on_failed_calls_above_5_percent(tmp_path):
    # 10 good calls and one failed call with the same tokens: 1/11 = 9.1 % of the estimated spend
    logs = [call(day(18), ALICE, n=i) for i in range(10)]
    logs.append(call(day(18), BOB, error="ModelStreamErrorException", n=11))
    report, fired = alerts_of(tmp_path, steady(), logs=logs)
    (failed,) = [a for a in report.alerts if a.rule == "failed-spend"]
    assert failed.figure == Decimal(100) / Decimal(11)
    assert BOB in failed.message and "Claude Sonnet 4.6" in failed.message
    # money in the message at 2 places with its currency; the exact amounts stay in its details
    amounts = re.findall(r"USD (-?[\d,]+\.\d+)", failed.message)
    assert len(amounts) == 3 and all(len(a.partition(".")[2]) == 2 for a in amounts), failed.message
    assert failed.details["failed_cost"] * 11 == failed.details["estimated_cost"]


def test_an_input_output_ratio_above_20_to_1_for_a_day(tmp_path):
    logs = clean_calls() + [call(day(12), BOB, inp=3000, out=100, n=20 + i) for i in range(5)]
    report, fired = alerts_of(tmp_path, steady(), logs=logs)
    assert fired == {("token-ratio", f"principal={BOB}", "2026-10-12")}
    (ratio,) = report.alerts
    assert ratio.figure == Decimal(30) and "15,000 input tokens for 500 output tokens" in ratio.message


def test_a_single_call_above_20000_tokens(tmp_path):
    logs = clean_calls() + [call(day(14), ALICE, inp=15000, cache_read=6000, out=5000, n=30)]
    report, fired = alerts_of(tmp_path, steady(), logs=logs)
    assert fired == {("large-call", f"principal={ALICE}", "2026-10-14")}
    (big,) = report.alerts
    assert big.figure == Decimal(26000) and big.details["examples"][0]["request_id"] == "req-14-30"


def test_the_cli_exits_1_when_an_alert_fires_and_0_when_none_does(tmp_path):
    spiky = write_daily_cur(tmp_path / "spiky", steady(spike_day=18))
    calm = write_daily_cur(tmp_path / "calm", steady())
    logs = write_logs(tmp_path, clean_calls())
    result = runner.invoke(app, ["alerts", "--month", "2026-10", "--cur", str(spiky), "-f", "json"])
    assert result.exit_code == 1, result.output
    doc = json.loads(result.stdout)
    assert {r["rule"] for r in doc["rows"]} == {"daily-cost-spike", "spender-spike"}
    assert "2 alert(s) fired" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    result = runner.invoke(app, ["alerts", "--month", "2026-10", "--cur", str(calm), "--logs", str(logs)])
    assert result.exit_code == 0, result.output
    assert "no alert fired" in result.stdout


@pytest.mark.parametrize(
    "args", [[], ["--month", "2026-10", "--days", "3"], ["--month", "Oct"], ["--days", "0"]]
)
def test_the_window_must_be_one_month_or_n_days(tmp_path, args):
    export = write_daily_cur(tmp_path, steady())
    result = runner.invoke(app, ["alerts", "--cur", str(export), *args])
    assert result.exit_code == 2, result.output
