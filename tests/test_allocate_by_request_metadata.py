"""Behind the gateway role are applications and end users, told apart only by the requestMetadata their
calls send: the allocation gives each its share of the bill, and calls that sent none stay on a row of
their own."""

from __future__ import annotations

import gzip
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cur_analyzer.bedrock.models import ProfileMap, resolve
from cur_analyzer.bedrock.pricing import PriceTable
from cur_analyzer.cli import app
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.errors import UserInputError
from cur_analyzer.reports.allocate import build_allocation
from cur_analyzer.synth import Gaps, generate

MONTH = "2026-10"
GATEWAY = "role/BedrockGateway"
LOG_METERS = {
    "inputTokenCount": "input",
    "cacheReadInputTokenCount": "cache_read",
    "cacheWriteInputTokenCount": "cache_write",
    "outputTokenCount": "output",
}
runner = CliRunner()


@pytest.fixture(scope="module")
def clean_month(tmp_path_factory) -> Path:
    """A month whose bill is exactly its logs priced (no injected gap): each record's share is its price."""
    out = tmp_path_factory.mktemp("clean")
    generate(out, month=MONTH, rows=1500, seed=11, months=1, gaps=Gaps.from_names(["clean"]))
    return out


def priced_by_app(folder: Path, caller: str = GATEWAY) -> dict[str | None, Decimal]:
    """The calls of ``caller`` (those whose ARN holds it) priced straight from the log files and the price
    table, per app they sent."""
    prices, out = PriceTable.load(), defaultdict(Decimal)
    profiles = ProfileMap.load(folder / "inference-profiles.json")
    for path in (folder / "logs").rglob("*.json.gz"):
        for line in gzip.decompress(path.read_bytes()).splitlines():
            r = json.loads(line)
            if (
                caller not in r["identity"]["arn"]
                or r.get("errorCode")
                or not r["timestamp"].startswith(MONTH)
            ):
                continue
            body = r["input"].get("inputBodyJson") or {}
            tier = (body.get("serviceTier") or {}).get("type", "standard")
            resolved = resolve(r["modelId"], profiles)
            for field, meter in LOG_METERS.items():
                n = (r["output"] if meter == "output" else r["input"]).get(field, 0)
                if not n:
                    continue
                cost = prices.cost(
                    n, resolved.model.price_key, r["region"], meter, tier, resolved.scope, r["timestamp"][:10]
                )
                out[(r.get("requestMetadata") or {}).get("app")] += cost
    return dict(out)


def test_each_application_behind_the_gateway_is_charged_what_its_calls_cost(clean_month):
    engine = DuckDBEngine(clean_month / "cur2-bedrock", logs=clean_month / "logs")
    profiles = ProfileMap.load(clean_month / "inference-profiles.json")
    allocation = build_allocation(engine, MONTH, ["role", "request-metadata/app"], profiles)
    got: dict[str | None, Decimal] = defaultdict(Decimal)
    for row in allocation.rows:
        if row["role"].endswith(GATEWAY):
            got[row["request-metadata/app"]] += row["cost"]
    expected = priced_by_app(clean_month)
    assert {"support-portal", "sales-assistant", "docs-search", None} == set(expected)
    assert set(got) == set(expected)
    for app_name, cost in expected.items():
        assert abs(got[app_name] - cost) <= Decimal("1e-8"), app_name


def test_rows_by_end_user_sum_to_the_bill_and_the_unlogged_rows_have_no_user():
    result = runner.invoke(
        app,
        ["allocate", "--month", MONTH, "--cur", "fixtures/demo/cur2-bedrock", "--logs", "fixtures/demo/logs",
         "--by", "request-metadata/user", "-f", "json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    users = {r["request-metadata/user"] for r in doc["rows"]}
    assert {"u-1001", "u-1005", None} <= users
    assert all(r["request-metadata/user"] is None for r in doc["rows"] if r["method"] == "unlogged")
    assert sum(Decimal(r["cost"]) for r in doc["rows"]) == Decimal(doc["total"])


@pytest.mark.parametrize("spec", ["request-metadata/", "request-metadata/bad\x00key"])
def test_a_metadata_key_bedrock_would_refuse_is_one_clear_error(spec):
    engine = DuckDBEngine("fixtures/demo/cur2-bedrock", logs="fixtures/demo/logs")
    with pytest.raises(UserInputError, match="request metadata key"):
        build_allocation(engine, MONTH, [spec])
