"""Does the Bedrock total count what AWS's own dashboards count as Bedrock? CUDOS 5.9 takes the AWS-billed
lines of the four Bedrock product codes (AgentCore included) and the AWS Marketplace lines of a "... (Amazon
Bedrock Edition)" product; a month holding Marketplace-billed Claude and AgentCore shows them in every
Bedrock chargeback, by model under the model's own name, and by meter class in the right class."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import write_cur

from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.reports.chargeback import build_chargeback

MONTH = "2026-10"
CLAUDE_MP = "Claude 3 Sonnet (Amazon Bedrock Edition)"


def _line(entity, product_code, usage_type, cost, product_name=None) -> dict:
    return {
        "bill_billing_entity": entity,
        "line_item_line_item_type": "Usage",
        "line_item_product_code": product_code,
        "line_item_usage_type": usage_type,
        "product_region_code": "us-east-1",
        "line_item_unblended_cost": Decimal(cost),
        "product_name": product_name,
    }


LINES = [
    _line("AWS", "AmazonBedrock", "USE1-Claude4.6Sonnet-input-tokens", "10.00", "Amazon Bedrock"),
    _line(
        "AWS Marketplace",
        "c2r0sd1pz9y8mrlc0xsmjebkt",
        "USE1-MP:USE1_InputTokenCount-Units",
        "3.25",
        CLAUDE_MP,
    ),
    _line(
        "AWS Marketplace",
        "c2r0sd1pz9y8mrlc0xsmjebkt",
        "USE1-MP:USE1_OutputTokenCount-Units",
        "4.50",
        CLAUDE_MP,
    ),
    _line("AWS", "AmazonBedrockAgentCore", "USE1-Runtime-vCPU-Hours", "1.20", "Amazon Bedrock AgentCore"),
    _line(
        "AWS", "AmazonBedrockAgentCore", "USE1-Runtime-Memory-GB-Hours", "0.40", "Amazon Bedrock AgentCore"
    ),
    _line(
        "AWS", "AmazonBedrockAgentCore", "USE1-Gateway-API-Invocations", "0.05", "Amazon Bedrock AgentCore"
    ),
    # a line with no billing entity (an older export) is AWS-billed: its Bedrock product code keeps it in
    _line(None, "AmazonBedrockService", "USE1-Guardrail-ContentPolicyUnitsConsumed", "0.30", None),
    # a Marketplace product that is not a Bedrock model, and an AWS service that is not Bedrock: out
    _line("AWS Marketplace", "8x1kq0nsoftwareid", "USE1-MP:USE1_Users-Units", "99.00", "Acme Analytics SaaS"),
    _line("AWS", "AmazonEC2", "USE1-BoxUsage:m7g.large", "50.00", "Amazon Elastic Compute Cloud"),
]
BEDROCK_TOTAL = Decimal("19.70")


def _export(folder: Path, lines: list[dict], drop: tuple[str, ...] = ()) -> Path:
    """``write_cur`` with each line's product name in the ``product`` map, as CUR 2.0 writes it."""
    names = [line["product_name"] for line in lines]
    root = write_cur(
        folder, [{k: v for k, v in line.items() if k != "product_name"} for line in lines], MONTH, drop
    )
    (path,) = root.rglob("*.parquet")
    table = pq.read_table(path)
    product = pa.array([[("product_name", n)] if n else [] for n in names], pa.map_(pa.string(), pa.string()))
    pq.write_table(table.append_column("product", product), path)
    return root


@pytest.fixture
def engine(tmp_path) -> DuckDBEngine:
    return DuckDBEngine(_export(tmp_path, LINES))


def _by(cb) -> dict[str, Decimal]:
    return {r.values[0]: r.cost for r in cb.rows}


def test_the_bedrock_total_counts_marketplace_models_and_agentcore_to_the_cent(engine):
    cb = build_chargeback(engine, MONTH, ["service"], "bedrock")
    assert cb.total == BEDROCK_TOTAL
    assert _by(cb) == {
        "AmazonBedrock": Decimal("10.00"),
        "c2r0sd1pz9y8mrlc0xsmjebkt": Decimal("7.75"),
        "AmazonBedrockAgentCore": Decimal("1.65"),
        "AmazonBedrockService": Decimal("0.30"),
    }


def test_a_marketplace_product_that_is_not_bedrock_stays_out(engine):
    everything = build_chargeback(engine, MONTH, ["service"], "all")
    assert everything.total == BEDROCK_TOTAL + Decimal("149.00")
    assert "8x1kq0nsoftwareid" not in _by(build_chargeback(engine, MONTH, ["service"], "bedrock"))


def test_by_model_names_the_marketplace_model_from_its_product_name(engine):
    by_model = _by(build_chargeback(engine, MONTH, ["model"], "bedrock"))
    assert by_model["Claude 3 Sonnet"] == Decimal("7.75")
    assert by_model["Claude Sonnet 4.6"] == Decimal("10.00")


def test_by_meter_class_puts_each_line_in_its_class_and_sums_to_the_total(engine):
    cb = build_chargeback(engine, MONTH, ["meter-class"], "bedrock")
    assert _by(cb) == {
        "input": Decimal("13.25"),
        "output": Decimal("4.50"),
        "agentcore-runtime-vcpu": Decimal("1.20"),
        "agentcore-runtime-memory": Decimal("0.40"),
        "agentcore-gateway": Decimal("0.05"),
        "guardrails": Decimal("0.30"),
    }
    assert sum(_by(cb).values()) == cb.total == BEDROCK_TOTAL


def test_an_export_without_the_billing_entity_keeps_every_bedrock_product_code(tmp_path):
    engine = DuckDBEngine(_export(tmp_path, LINES, drop=("bill_billing_entity",)))
    # without the entity no line can be told to be Marketplace-billed: only the product codes count
    assert build_chargeback(engine, MONTH, ["service"], "bedrock").total == Decimal("11.95")


def test_the_demo_months_bedrock_totals_are_unchanged(demo_engine, ground_truth):
    for month, truth in ground_truth["months"].items():
        cb = build_chargeback(demo_engine, month, ["meter-class"], "bedrock")
        assert cb.total == Decimal(truth["bedrock_total"]["unblended"])
