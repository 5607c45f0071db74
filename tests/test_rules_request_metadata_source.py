"""A rules-file dimension can read what a call sent in its requestMetadata: allocate resolves it per
invocation-log record, first source first; on the bill, which never carries request metadata, the next
source decides."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cur_analyzer.cli import app

DEMO = "fixtures/demo"
DATA = [
    "--cur",
    f"{DEMO}/cur2-bedrock",
    "--logs",
    f"{DEMO}/logs",
    "--profiles",
    f"{DEMO}/inference-profiles.json",
]
GATEWAY_ROLE = "arn:aws:iam::345678901234:role/BedrockGateway"
RULES = """\
version: 1
dimensions:
  application:
    sources:
      - {source: request_metadata, key: app}
      - source: principal_pattern
        patterns:
          - {pattern: "assumed-role/BedrockGateway/*", value: gateway-unlabelled}
      - {source: principal_tag, key: team}
"""
runner = CliRunner()


@pytest.fixture
def rules(tmp_path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES)
    return path


def rows(*args: str) -> list[dict]:
    result = runner.invoke(app, [*args, "-f", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["rows"]


def cost_by(report: list[dict], *keys: str) -> dict[tuple, Decimal]:
    out: dict[tuple, Decimal] = {}
    for r in report:
        key = tuple(r[k] for k in keys)
        out[key] = out.get(key, Decimal(0)) + Decimal(r["cost"])
    return out


def test_each_call_goes_to_the_app_it_sent_and_the_gateway_keeps_the_rest(rules):
    by_application = cost_by(
        rows("allocate", "--month", "2026-10", *DATA, "--rules", str(rules), "--by", "application"),
        "application",
    )
    by_sent = cost_by(
        rows("allocate", "--month", "2026-10", *DATA, "--by", "role", "--by", "request-metadata/app"),
        "role",
        "request-metadata/app",
    )
    sent = {app_name for (_role, app_name) in by_sent if app_name}
    assert {"support-portal", "sales-assistant", "docs-search", "notebook"} <= sent
    for app_name in sent:
        assert by_application[(app_name,)] == sum(c for (_r, a), c in by_sent.items() if a == app_name)
    gateway_unlabelled = sum(c for (r, a), c in by_sent.items() if r == GATEWAY_ROLE and a is None)
    assert by_application[("gateway-unlabelled",)] == gateway_unlabelled > 0
    assert sum(by_application.values()) == sum(by_sent.values())


def test_on_the_bill_the_request_metadata_source_has_no_value_so_the_next_source_decides(rules):
    report = rows("chargeback", "--month", "2026-10", "--cur", f"{DEMO}/cur2-bedrock", "--rules", str(rules),
                  "--by", "application")  # fmt: skip
    values = {r["application"] for r in report}
    assert "gateway-unlabelled" in values
    assert not values & {"support-portal", "sales-assistant", "docs-search", "notebook"}


def test_a_request_metadata_key_bedrock_would_refuse_points_at_its_line(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(RULES.replace("key: app}", 'key: "bad\\u0000key"}'))
    result = runner.invoke(
        app, ["allocate", "--month", "2026-10", *DATA, "--rules", str(path), "--by", "application"]
    )
    assert result.exit_code == 2
    assert "rules.yaml:5" in result.output and "request metadata key" in result.output
