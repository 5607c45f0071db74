"""What share of the month's spend carries the team tag, per source (resource/AIP, principal, account,
rules) and overall, by account and by service, and who is untagged? Known answers on crafted exports and
on the synthetic month's ground truth."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from cur_analyzer.cli import app
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.reports.coverage import build_coverage
from cur_analyzer.rules import load_rules

runner = CliRunner()
PROD, DEV = "111122223333", "444455556666"
ALICE = f"arn:aws:iam::{PROD}:user/alice"
BOB = f"arn:aws:iam::{PROD}:user/bob"
CAROL = f"arn:aws:sts::{DEV}:assumed-role/ClaudeCode/carol"
AIP_SEARCH = f"arn:aws:bedrock:us-east-1:{PROD}:application-inference-profile/q4m7x2kd9wla"
AIP_BARE = f"arn:aws:bedrock:us-east-1:{PROD}:application-inference-profile/s8b3n6rt1vpe"


def line(
    cost,
    principal=None,
    account=PROD,
    product="AmazonBedrock",
    kind="Usage",
    resource=None,
    tags=None,
    rtags=None,
):
    return {
        "line_item_line_item_type": kind,
        "line_item_product_code": product,
        "line_item_usage_type": "USE1-Claude4.6Sonnet-input-tokens",
        "line_item_unblended_cost": Decimal(cost),
        "line_item_iam_principal": principal,
        "line_item_usage_account_id": account,
        "line_item_resource_id": resource,
        "tags": tags or {},
        "resource_tags": rtags or {},
    }


LINES = [
    # AIP tagged search, caller tagged ml: resource and principal both tagged
    line(
        "10",
        ALICE,
        resource=AIP_SEARCH,
        tags={"iamPrincipal/team": "ml", "resourceTags/team": "search"},
        rtags={"user_team": "search"},
    ),
    # an untagged AIP, an untagged caller, but the account is tagged
    line("5", BOB, resource=AIP_BARE, tags={"accountTag/team": "web"}),
    # nothing at all
    line("3", CAROL, account=DEV),
    line("2", kind="Tax"),
    # a non-Bedrock resource tagged only in the legacy resource_tags map
    line("7", product="AmazonEC2", resource="i-0abc", rtags={"user_team": "web"}),
    line("4", product="AmazonS3", resource="arn:aws:s3:::logs", account=DEV),
]


@pytest.fixture
def engine(make_cur):
    return DuckDBEngine(make_cur(LINES))


def rows_of(cov, scope="total"):
    return {(r.key, r.source, r.scope_value): (r.tagged, r.total) for r in cov.rows if r.scope == scope}


def test_bedrock_coverage_per_source_and_overall(engine):
    cov = build_coverage(engine, "2026-10", ["team"])
    assert rows_of(cov) == {
        ("team", "resource", None): (Decimal(10), Decimal(18)),
        ("team", "principal", None): (Decimal(10), Decimal(18)),
        ("team", "account", None): (Decimal(5), Decimal(18)),
        ("team", "any", None): (Decimal(15), Decimal(18)),
    }
    (any_row,) = [r for r in cov.totals() if r.source == "any"]
    assert any_row.untagged == 3 and any_row.pct.quantize(Decimal("0.01")) == Decimal("83.33")
    assert cov.adjustments == {"USD": Decimal(2)}  # Tax is left out of the ratio, and said so
    assert any("left out" in n for n in cov.notes)


def test_coverage_is_broken_down_by_account_and_by_service(engine):
    cov = build_coverage(engine, "2026-10", ["team"], service="all")
    by_account = rows_of(cov, "account")
    assert by_account[("team", "any", PROD)] == (Decimal(22), Decimal(22))
    assert by_account[("team", "any", DEV)] == (Decimal(0), Decimal(7))
    by_service = rows_of(cov, "service")
    assert by_service[("team", "resource", "AmazonEC2")] == (Decimal(7), Decimal(7))
    assert by_service[("team", "any", "AmazonS3")] == (Decimal(0), Decimal(4))
    assert rows_of(cov)[("team", "resource", None)] == (Decimal(17), Decimal(29))


def test_the_untagged_spend_names_principals_aips_and_resources_without_the_key(engine):
    cov = build_coverage(engine, "2026-10", ["team"], service="all")
    found = {(o.kind, o.id): (o.untagged, o.uncovered) for o in cov.untagged}
    assert found == {
        ("principal", BOB): (Decimal(5), Decimal(0)),  # covered by the account tag
        ("principal", CAROL): (Decimal(3), Decimal(3)),
        ("aip", AIP_BARE): (Decimal(5), Decimal(0)),
        ("resource", "arn:aws:s3:::logs"): (Decimal(4), Decimal(4)),
    }


def test_the_rules_dimension_of_the_same_name_is_a_source(engine, tmp_path):
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(
        "dimensions:\n  team:\n    sources:\n      - {source: principal_tag, key: team}\n"
        f"      - source: account_map\n        accounts: {{'{DEV}': platform}}\n"
    )
    cov = build_coverage(engine, "2026-10", ["team"], rules=load_rules(rules_file))
    # alice by principal tag (10) + carol by the account map (3); bob's account is not mapped
    assert rows_of(cov)[("team", "rules", None)] == (Decimal(13), Decimal(18))
    assert cov.rules_keys == ("team",)


def test_json_has_rows_untagged_and_hygiene_with_money_as_strings(engine, make_cur):
    export = make_cur(LINES)
    result = runner.invoke(
        app,
        [
            "coverage",
            "--month",
            "2026-10",
            "--cur",
            str(export),
            "--require",
            "team",
            "-r",
            "cost-center",
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (
        doc["month"] == "2026-10" and doc["service"] == "bedrock" and doc["keys"] == ["team", "cost-center"]
    )
    assert {"rows", "untagged", "hygiene", "by_account", "by_service"} <= set(doc)
    row = next(r for r in doc["rows"] if r["key"] == "team" and r["source"] == "any")
    assert row == {
        "key": "team",
        "source": "any",
        "tagged_cost": "15.0000000000",
        "untagged_cost": "3.0000000000",
        "coverage_pct": "83.33",
        "currency": "USD",
    }
    assert {r["source"] for r in doc["rows"]} == {"resource", "principal", "account", "any"}
    cc = next(r for r in doc["rows"] if r["key"] == "cost-center" and r["source"] == "any")
    assert cc["coverage_pct"] == "0.00" and cc["untagged_cost"] == "18.0000000000"


# --- the synthetic month: every figure from ground_truth.json ---------------------------------------------
def _tagged(truth: dict, total: str) -> Decimal:
    return Decimal(total) - Decimal(truth.get("Unallocated", "0"))


@pytest.mark.parametrize("key", ["team", "cost-center"])
def test_on_the_synthetic_month_bedrock_coverage_matches_the_ground_truth(demo_engine, ground_truth, key):
    month = ground_truth["months"]["2026-10"]
    bu = month["bedrock_usage"]
    cov = build_coverage(demo_engine, "2026-10", [key])
    got = {r.source: r for r in cov.totals()}
    total = Decimal(bu["total"])
    assert got["resource"].total == total
    assert got["resource"].tagged == _tagged(bu["by_aip_tag"][key], bu["total"])
    assert got["principal"].tagged == _tagged(bu["by_principal_tag"][key], bu["total"])
    assert got["principal"].untagged == Decimal(bu["by_principal_tag"][key]["Unallocated"])
    by_account = {r.scope_value: r.total for r in cov.rows if r.scope == "account" and r.source == "any"}
    assert by_account == {a: Decimal(v) for a, v in bu["by_account"].items()}


@pytest.mark.parametrize("key", ["team", "cost-center"])
def test_on_the_synthetic_month_all_services_resource_coverage_matches_the_ground_truth(
    demo_engine, ground_truth, key
):
    au = ground_truth["months"]["2026-10"]["all_usage"]
    cov = build_coverage(demo_engine, "2026-10", [key], service="all")
    (resource,) = [r for r in cov.totals() if r.source == "resource"]
    assert resource.total == Decimal(au["total"])
    assert resource.untagged == Decimal(au["by_tag"][key]["Unallocated"])
    by_service = {r.scope_value: r.total for r in cov.rows if r.scope == "service" and r.source == "any"}
    assert by_service == {p: Decimal(v) for p, v in au["by_product"].items()}


def test_on_the_synthetic_month_the_example_rules_attribute_every_bedrock_dollar(demo_engine, ground_truth):
    from pathlib import Path

    rules = load_rules(Path(__file__).resolve().parents[1] / "examples" / "cur-analyzer.rules.yaml")
    cov = build_coverage(demo_engine, "2026-10", ["team"], rules=rules)
    (r,) = [r for r in cov.totals() if r.source == "rules"]
    assert r.tagged == r.total == Decimal(ground_truth["months"]["2026-10"]["bedrock_usage"]["total"])
