"""The engineer's dashboard, priced correctly: estimates from the invocation logs (tokens x the price
table) against the generator's ground truth, every model priced or listed as unpriced."""

from __future__ import annotations

import gzip
import json
import shutil
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from cur_analyzer.bedrock.models import ProfileMap, resolve
from cur_analyzer.cli import app
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.errors import UserInputError
from cur_analyzer.reports.estimate import VIEWS, build_estimate

DEMO = "fixtures/demo"
runner = CliRunner()


@pytest.fixture(scope="module")
def logs_engine():
    return DuckDBEngine(logs=f"{DEMO}/logs")


@pytest.fixture(scope="module")
def profiles():
    return ProfileMap.load(f"{DEMO}/inference-profiles.json")


@pytest.mark.parametrize("month", ["2026-10", "2026-11"])
@pytest.mark.parametrize("view", ["spend", "models", "spenders", "cache", "daily", "hourly"])
def test_every_estimate_view_totals_the_sum_over_the_logs(logs_engine, profiles, ground_truth, month, view):
    est = build_estimate(logs_engine, month, view, profiles=profiles)
    truth = ground_truth["months"][month]["logs"]
    assert est.total == Decimal(truth["estimated_cost"])
    assert est.invocations == truth["records"]
    assert sum((r["estimated_cost"] for r in est.rows), Decimal(0)) == est.total


def test_models_view_json_has_the_documented_shape(ground_truth):
    result = runner.invoke(
        app,
        [
            "estimate",
            "--month",
            "2026-10",
            "--logs",
            f"{DEMO}/logs",
            "--profiles",
            f"{DEMO}/inference-profiles.json",
            "--view",
            "models",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc["rows"][0]) >= {
        "model",
        "invocations",
        "input_tokens",
        "output_tokens",
        "cache_read_tokens",
        "cache_write_tokens",
        "estimated_cost",
    }
    assert isinstance(doc["rows"][0]["estimated_cost"], str) and isinstance(doc["total"], str)
    assert Decimal(doc["total"]) == Decimal(ground_truth["months"]["2026-10"]["logs"]["estimated_cost"])
    tokens = ground_truth["months"]["2026-10"]["logs"]["tokens"]
    assert sum(r["input_tokens"] for r in doc["rows"]) == tokens["input"]
    assert sum(r["cache_read_tokens"] for r in doc["rows"]) == tokens["cache_read"]


def test_a_model_behind_a_system_profile_arn_resolves_to_the_model():
    r = resolve(
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-20250514-v1:0"
    )
    assert r.model is not None and r.model.price_key == "claude-sonnet-4" and r.scope == "geo"


def test_without_the_profiles_file_an_application_profile_is_listed_as_unpriced_not_guessed(logs_engine):
    est = build_estimate(logs_engine, "2026-10", "models")
    assert est.unpriced and all("application inference profile" in u["reason"] for u in est.unpriced)
    assert any(r["unpriced_invocations"] for r in est.rows)


def test_guardrail_blocked_calls_count_as_invocations_not_errors(logs_engine, profiles, ground_truth):
    truth = ground_truth["months"]["2026-10"]["logs"]
    failed = build_estimate(logs_engine, "2026-10", "failed", profiles=profiles)
    assert sum(r["invocations"] for r in failed.rows) == truth["errors"]
    spend = build_estimate(logs_engine, "2026-10", "spend", profiles=profiles)
    assert spend.invocations == truth["records"] > truth["errors"] + truth["no_token_calls"]
    assert spend.log_health["failed_calls"] == truth["errors"]


def test_the_cache_view_splits_the_estimate_by_meter(logs_engine, profiles, ground_truth):
    est = build_estimate(logs_engine, "2026-10", "cache", profiles=profiles)
    tokens = {r["meter"]: r["tokens"] for r in est.rows}
    assert tokens == ground_truth["months"]["2026-10"]["logs"]["tokens"]


def test_caching_opportunities_show_a_hash_and_the_text_only_on_request(logs_engine, profiles):
    hidden = build_estimate(logs_engine, "2026-10", "prompts", profiles=profiles, min_repeats=2)
    assert hidden.rows and all("prompt" not in r and len(r["prompt_hash"]) == 16 for r in hidden.rows)
    shown = build_estimate(
        logs_engine, "2026-10", "prompts", profiles=profiles, min_repeats=2, show_prompts=True
    )
    assert any("Summarise" in r["prompt"] or "unit test" in r["prompt"] for r in shown.rows)
    assert all(r["calls"] >= 2 for r in shown.rows)


def test_token_waste_lists_large_prompts_with_tiny_answers(logs_engine, profiles):
    est = build_estimate(
        logs_engine, "2026-10", "waste", profiles=profiles, waste_min_input=1, waste_max_output=0
    )
    assert est.rows and all(r["output_tokens"] == 0 for r in est.rows)


def test_malformed_log_lines_are_counted_and_strict_fails_on_them(tmp_path):
    logs = (
        tmp_path
        / "AWSLogs"
        / "111122223333"
        / "BedrockModelInvocationLogs"
        / "us-east-1"
        / "2026"
        / "10"
        / "02"
        / "09"
    )
    logs.mkdir(parents=True)
    good = {
        "schemaType": "ModelInvocationLog",
        "timestamp": "2026-10-02T09:01:00Z",
        "accountId": "111122223333",
        "region": "us-east-1",
        "requestId": "r-1",
        "modelId": "amazon.nova-pro-v1:0",
        "identity": {"arn": "arn:aws:iam::111122223333:user/alice"},
        "input": {"inputTokenCount": 1_000_000},
        "output": {"outputTokenCount": 1_000_000},
    }
    with gzip.open(logs / "a.json.gz", "wt") as f:
        f.write(json.dumps(good) + "\n" + '{"timestamp": "2026-10-02T09:02' + "\n")
    est = build_estimate(DuckDBEngine(logs=tmp_path), "2026-10")
    assert est.log_health["malformed"] == 1 and any("malformed" in n for n in est.notes)
    assert est.total == Decimal("4.00")  # Nova Pro: $0.80 in + $3.20 out per 1M
    with pytest.raises(UserInputError, match="malformed"):
        build_estimate(DuckDBEngine(logs=tmp_path), "2026-10", strict=True)
    result = runner.invoke(app, ["estimate", "--month", "2026-10", "--logs", str(tmp_path), "--strict"])
    assert result.exit_code == 2 and "malformed" in result.stderr


def test_a_month_without_logs_says_so(tmp_path):
    shutil.copytree(f"{DEMO}/logs", tmp_path / "logs")
    with pytest.raises(UserInputError, match="no invocation logs for 2025-01"):
        build_estimate(DuckDBEngine(logs=tmp_path / "logs"), "2025-01")


def test_an_unknown_view_is_refused_with_the_list(logs_engine):
    with pytest.raises(UserInputError, match=", ".join(VIEWS)):
        build_estimate(logs_engine, "2026-10", "everything")
