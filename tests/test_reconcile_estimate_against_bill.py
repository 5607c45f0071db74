"""The engineer's question: my dashboard says X, the bill says Y — which part of the gap is real and why?
Reconciliation of invocation-log estimates against the bill, on the demo fixture's known gaps."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from cur_analyzer.bedrock.models import ProfileMap
from cur_analyzer.cli import app
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.reports.reconcile import build_reconciliation, document, tokens_per_unit

DEMO = "fixtures/demo"
ROUNDING = Decimal("0.000001")  # bill lines are rounded to 8 places, estimates are exact
runner = CliRunner()


@pytest.fixture(scope="module")
def rec_for():
    cache = {}

    def build(month, by=("principal", "model")):
        if (month, by) not in cache:
            engine = DuckDBEngine(f"{DEMO}/cur2-bedrock", logs=f"{DEMO}/logs")
            cache[(month, by)] = build_reconciliation(
                engine, month, list(by), profiles=ProfileMap.load(f"{DEMO}/inference-profiles.json")
            )
        return cache[(month, by)]

    return build


@pytest.mark.parametrize("month", ["2026-10", "2026-11"])
def test_each_cause_explains_exactly_the_gap_the_generator_built_in(rec_for, ground_truth, month):
    truth = ground_truth["months"][month]
    by_status = {k: Decimal(v) for k, v in truth["bedrock_usage"]["by_log_status"].items()}
    rec = rec_for(month)
    causes = rec.explained_by_cause()
    assert causes["logging off"] == by_status["logging-disabled"]
    assert causes["tier not in logs"] == by_status["batch"]
    one_hour = Decimal(truth["logs"]["billed_cost"]) - Decimal(truth["logs"]["estimated_cost"])
    assert abs(causes["1-hour cache-write rate"] - one_hour) < ROUNDING
    assert set(causes) == {"logging off", "tier not in logs", "1-hour cache-write rate"}
    gap = rec.billed_cost - rec.estimated_cost
    assert abs(gap - sum(causes.values())) < ROUNDING


def test_the_two_sides_total_the_bill_and_the_logs(rec_for, ground_truth):
    truth = ground_truth["months"]["2026-10"]
    rec = rec_for("2026-10")
    assert rec.estimated_cost == Decimal(truth["logs"]["estimated_cost"])
    assert rec.billed_cost == Decimal(truth["bedrock_usage"]["total"])


def test_rows_where_logs_and_bill_agree_are_matches(rec_for):
    rec = rec_for("2026-10")
    matches = [r for r in rec.rows if r.status == "match"]
    assert matches and all(r.estimated_tokens == r.billed_tokens for r in matches)
    billed_only = [r for r in rec.rows if r.status == "billed-only"]
    assert billed_only and {r.cause for r in billed_only} <= {"logging off", "tier not in logs"}


def test_one_hour_cache_writes_show_as_under_estimated_with_their_cause(rec_for):
    rec = rec_for("2026-10", ("principal", "model", "meter"))
    (row,) = [r for r in rec.rows if r.cause == "1-hour cache-write rate"]
    assert row.values["meter"] == "cache_write" and row.status == "under"
    assert row.estimated_tokens == row.billed_tokens


def test_a_month_that_is_not_final_reports_mismatches_as_pending(rec_for):
    rec = rec_for("2026-11")
    assert not rec.final
    assert {r.status for r in rec.rows} == {"match", "pending"}
    assert any("not final" in n for n in rec.notes)


def test_json_rows_carry_the_documented_fields(ground_truth):
    result = runner.invoke(
        app,
        [
            "reconcile",
            "--month",
            "2026-10",
            "--cur",
            f"{DEMO}/cur2-bedrock",
            "--logs",
            f"{DEMO}/logs",
            "--profiles",
            f"{DEMO}/inference-profiles.json",
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc["rows"][0]) >= {
        "principal",
        "model",
        "estimated_tokens",
        "billed_tokens",
        "estimated_cost",
        "billed_cost",
        "delta",
        "delta_pct",
        "status",
        "cause",
    }
    assert {r["status"] for r in doc["rows"]} <= {
        "match",
        "over",
        "under",
        "billed-only",
        "logged-only",
        "pending",
    }
    assert Decimal(doc["summary"]["gap"]) == Decimal(doc["summary"]["billed_cost"]) - Decimal(
        doc["summary"]["estimated_cost"]
    )
    assert set(doc["summary"]["explained"]) == {"logging off", "tier not in logs", "1-hour cache-write rate"}


def test_by_meter_rows_carry_the_meter(rec_for):
    rec = rec_for("2026-10", ("principal", "model", "meter"))
    assert {r.values["meter"] for r in rec.rows} >= {"input", "output", "cache_read", "cache_write"}


def test_a_reconciled_row_can_be_charged_back_by_principal_tag(rec_for):
    rec = rec_for("2026-10", ("iamPrincipal/team",))
    teams = {r.values["iamPrincipal/team"] for r in rec.rows}
    assert {"ml-platform", "research"} <= teams
    assert sum((r.billed_cost for r in rec.rows), Decimal(0)) == rec.billed_cost


def test_fail_on_mismatch_exits_1_for_ci():
    args = [
        "reconcile",
        "--month",
        "2026-10",
        "--cur",
        f"{DEMO}/cur2-bedrock",
        "--logs",
        f"{DEMO}/logs",
        "--profiles",
        f"{DEMO}/inference-profiles.json",
        "-f",
        "csv",
    ]
    assert runner.invoke(app, args).exit_code == 0
    failed = runner.invoke(app, [*args, "--fail-on-mismatch"])
    assert failed.exit_code == 1 and "outside 1.0%" in failed.stderr


def test_usage_amounts_are_normalised_by_pricing_unit():
    assert tokens_per_unit("1K tokens") == 1_000
    assert tokens_per_unit("1M tokens") == 1_000_000
    assert tokens_per_unit("Hrs") is None


def test_document_summary_statuses_count_every_row(rec_for):
    doc = document(rec_for("2026-10"))
    assert sum(doc["summary"]["statuses"].values()) == len(doc["rows"])


def test_reconcile_by_a_rules_dimension_charges_every_bucket_back_with_the_same_rule(tmp_path):
    from cur_analyzer.reports.chargeback import build_chargeback
    from cur_analyzer.rules import load_rules

    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(
        "version: 1\n"
        "dimensions:\n"
        "  team:\n"
        "    sources:\n"
        "      - {source: aip_tag, key: team}\n"
        "      - {source: principal_tag, key: team}\n"
        "      - {source: principal_pattern, patterns: [{pattern: 'assumed-role/AnalyticsGateway/*', value: bi}]}\n"
    )
    rules = load_rules(rules_file)
    engine = DuckDBEngine(f"{DEMO}/cur2-bedrock", logs=f"{DEMO}/logs")
    rec = build_reconciliation(
        engine, "2026-10", ["team"], profiles=ProfileMap.load(f"{DEMO}/inference-profiles.json"), rules=rules
    )
    billed = {r.values["team"]: r.billed_cost for r in rec.rows}
    cb = build_chargeback(engine, "2026-10", ["team"], rules=rules)
    charged: dict[str, Decimal] = {}
    for row in cb.rows:
        charged[row.values[0]] = charged.get(row.values[0], Decimal(0)) + row.cost
    # a bucket holding one caller's AIP and direct calls of one model is "mixed": its dollars are the
    # only ones the two reports may place differently, and nothing else differs
    mixed = billed.pop("mixed", Decimal(0))
    differences = {team: charged.get(team, Decimal(0)) - billed.get(team, Decimal(0)) for team in charged}
    assert all(d >= 0 for d in differences.values())
    assert sum(differences.values()) == mixed
    assert sum(billed.values()) + mixed == sum(charged.values()) == rec.billed_cost
    assert billed["bi"] == charged["bi"] > 0
