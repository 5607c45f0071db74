"""One rule for "team" that every report uses: the first non-empty of the inference-profile tag, the
caller's principal tag, the account tag, a resource tag, an account map and principal patterns, with
every dollar saying which source decided (attributed_via)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cur_analyzer.cli import app
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.reports.chargeback import build_chargeback
from cur_analyzer.rules import load_rules

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
PROD, MAPPED, OTHER = "111122223333", "444455556666", "777788889999"
AIP = f"arn:aws:bedrock:us-east-1:{PROD}:application-inference-profile/q4m7x2kd9wla"

RULES = """\
dimensions:
  team:
    sources:
      - {source: aip_tag, key: team}
      - {source: principal_tag, key: team}
      - {source: account_tag, key: team}
      - {source: resource_tag, key: team}
      - {source: account_map, file: accounts.csv}
      - source: principal_pattern
        patterns:
          - {pattern: "assumed-role/ClaudeCode/*", value: platform}
          - {regex: "user/svc-[a-z]+$", value: batch}
"""


def line(
    cost,
    principal=None,
    account=PROD,
    product="AmazonBedrock",
    resource=None,
    tags=None,
    rtags=None,
    kind="Usage",
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
    # an AIP tagged search, called by a principal tagged ml: the profile's tag comes first
    line(
        "1",
        f"arn:aws:iam::{PROD}:user/alice",
        resource=AIP,
        tags={"iamPrincipal/team": "ml", "resourceTags/team": "search"},
        rtags={"user_team": "search"},
    ),
    line("2", f"arn:aws:iam::{PROD}:user/bob", tags={"iamPrincipal/team": "ml"}),
    line("4", f"arn:aws:iam::{PROD}:user/eve", tags={"accountTag/team": "web"}),
    # a resource tag on something that is not an inference profile: not an aip_tag, a resource_tag
    line("8", product="AmazonEC2", resource="i-0abc", rtags={"user_team": "web-ops"}),
    line("16", f"arn:aws:iam::{MAPPED}:user/dan", account=MAPPED),
    line("32", f"arn:aws:sts::{OTHER}:assumed-role/ClaudeCode/carol@x.org", account=OTHER),
    line("64", f"arn:aws:iam::{OTHER}:user/svc-nightly", account=OTHER),
    line("128", f"arn:aws:iam::{OTHER}:user/svc-nightly2", account=OTHER),  # the regex wants letters only
    line("256", kind="Tax", account=OTHER),
]


@pytest.fixture
def rules_file(tmp_path):
    folder = tmp_path / "rules"
    folder.mkdir()
    (folder / "accounts.csv").write_text(f"account_id,value\n{MAPPED},data\n")
    path = folder / "cur-analyzer.rules.yaml"
    path.write_text(RULES)
    return path


@pytest.fixture
def export(make_cur):
    return make_cur(LINES)


def rows(cb):
    return {(r.values, r.via): r.cost for r in cb.rows}


def test_every_source_decides_and_says_so(export, rules_file):
    cb = build_chargeback(DuckDBEngine(export), "2026-10", ["team"], "all", rules=load_rules(rules_file))
    assert rows(cb) == {
        (("search",), "aip_tag:team"): Decimal(1),
        (("ml",), "principal_tag:team"): Decimal(2),
        (("web",), "account_tag:team"): Decimal(4),
        (("web-ops",), "resource_tag:team"): Decimal(8),
        (("data",), "account_map"): Decimal(16),
        (("platform",), "principal_pattern:assumed-role/ClaudeCode/*"): Decimal(32),
        (("batch",), "principal_pattern:user/svc-[a-z]+$"): Decimal(64),
        (("Unallocated",), "unallocated"): Decimal(128),
    }
    assert [(a.line_item_type, a.cost) for a in cb.adjustments] == [("Tax", Decimal(256))]
    assert cb.total == Decimal(511)


def test_a_rules_dimension_combines_with_the_built_in_ones(export, rules_file):
    cb = build_chargeback(
        DuckDBEngine(export), "2026-10", ["account", "team"], "bedrock", rules=load_rules(rules_file)
    )
    got = rows(cb)
    assert got[((PROD, "ml"), "principal_tag:team")] == Decimal(2)
    assert got[((OTHER, "Unallocated"), "unallocated")] == Decimal(128)
    assert sum(got.values()) + sum(a.cost for a in cb.adjustments) == Decimal(503)


def test_without_resource_ids_aip_tags_are_read_from_bedrock_lines(make_cur, rules_file):
    export = make_cur(LINES, drop=("line_item_resource_id",))
    cb = build_chargeback(DuckDBEngine(export), "2026-10", ["team"], "all", rules=load_rules(rules_file))
    got = rows(cb)
    assert got[(("search",), "aip_tag:team")] == Decimal(1)
    assert got[(("web-ops",), "resource_tag:team")] == Decimal(8)  # EC2 is not Bedrock: still resource_tag
    assert any("line_item_resource_id" in n for n in cb.notes)


def test_the_json_rows_carry_attributed_via(export, rules_file):
    result = runner.invoke(
        app,
        [
            "chargeback",
            "-m",
            "2026-10",
            "--cur",
            str(export),
            "--rules",
            str(rules_file),
            "--by",
            "team",
            "--provenance",
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    kept = ("team", "attributed_via", "cost", "lines", "currency")
    assert {
        "team": "ml",
        "attributed_via": "principal_tag:team",
        "cost": "2.0000000000",
        "lines": 1,
        "currency": "USD",
    } in [{k: row[k] for k in kept} for row in doc["rows"]]


def test_the_rules_file_comes_from_the_setting_or_the_working_folder(export, rules_file, monkeypatch):
    args = ["chargeback", "-m", "2026-10", "--cur", str(export), "--by", "team", "-f", "json"]
    monkeypatch.chdir(rules_file.parent.parent)  # no rules file here
    result = runner.invoke(app, args)
    assert result.exit_code == 2 and "not a dimension" in result.stderr
    monkeypatch.setenv("CUR_ANALYZER_RULES", str(rules_file))
    assert runner.invoke(app, args).exit_code == 0
    monkeypatch.delenv("CUR_ANALYZER_RULES")
    monkeypatch.chdir(rules_file.parent)  # ./cur-analyzer.rules.yaml is picked up
    assert runner.invoke(app, args).exit_code == 0


def test_without_rules_dimensions_the_chargeback_is_unchanged(export, rules_file):
    engine = DuckDBEngine(export)
    plain = build_chargeback(engine, "2026-10", ["iamPrincipal/team"], "all")
    with_rules = build_chargeback(
        engine, "2026-10", ["iamPrincipal/team"], "all", rules=load_rules(rules_file)
    )
    assert plain.rows == with_rules.rows and all(r.via is None for r in with_rules.rows)


def test_the_example_rules_file_loads_and_attributes_the_synthetic_month(demo_engine, ground_truth):
    rules = load_rules(ROOT / "examples" / "cur-analyzer.rules.yaml")
    assert set(rules.dimensions) == {"team", "application", "cost-center"}
    assert rules.budgets["team"].amounts["ml-platform"] == Decimal(25)
    cb = build_chargeback(demo_engine, "2026-10", ["team"], rules=rules)
    truth = ground_truth["months"]["2026-10"]
    assert cb.total == Decimal(truth["bedrock_total"]["unblended"])
    assert cb.unallocated() == {}  # the account map catches every account
    vias = {r.via for r in cb.rows}
    assert {"aip_tag:team", "principal_tag:team", "account_tag:team", "account_map", "split:even:Tax"} <= vias
