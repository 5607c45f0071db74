"""Does the generator write each export variant as AWS writes it, and say what it wrote? The Bedrock scope's
product codes come from its one rule, a combination no export can have is one clear line, the invocation
logs are the same at every granularity and with every variant, and each variant's lines carry what the
ground truth declares."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cur_analyzer.bedrock import models as model_map
from cur_analyzer.bedrock.scope import aws_product_codes
from cur_analyzer.cli import app
from cur_analyzer.synth import Gaps, generate
from cur_analyzer.synth.variant_templates import MARKETPLACE_MODELS

MONTH = "2026-10"


def test_the_bedrock_scope_product_codes_are_read_from_its_rule():
    assert aws_product_codes() == {
        "AmazonBedrock",
        "AmazonBedrockService",
        "AmazonBedrockFoundationModels",
        "AmazonBedrockAgentCore",
    }


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"variants": ["stale-file", "flat-layout"]}, "cannot be combined"),
        ({"variants": ["marketplace"], "gaps": Gaps(clean=True)}, "drop them or the gaps"),
        ({"granularity": "monthly", "gaps": Gaps(clean=True)}, "hourly or daily"),
        ({"variants": ["nope"]}, "unknown variant nope; choose from marketplace"),
        ({"granularity": "weekly"}, "granularity must be one of hourly, daily, monthly"),
    ],
)
def test_an_export_that_cannot_be_is_refused_before_anything_is_written(tmp_path, kwargs, words):
    with pytest.raises(ValueError, match=words):
        generate(tmp_path / "out", MONTH, rows=200, months=1, **kwargs)
    assert not (tmp_path / "out").exists()


def test_the_command_line_refuses_it_in_one_line_with_exit_2(tmp_path):
    args = ["fixtures", "--out", str(tmp_path), "--variant", "marketplace", "--gap", "clean"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0 and "--variant" in result.output


def test_the_command_line_writes_the_granularity_and_variants_it_is_given(tmp_path):
    args = ["--quiet", "fixtures", "--out", str(tmp_path), "--rows", "300", "--months", "1", "--month", MONTH]
    result = CliRunner().invoke(app, [*args, "--granularity", "daily", "--variant", "agentcore"])
    assert result.exit_code == 0, result.output
    truth = json.loads((tmp_path / "ground_truth.json").read_text())
    assert truth["export"] == {"granularity": "daily", "variants": ["agentcore"]}
    assert truth["months"][MONTH]["agentcore"]["total"] != "0.00000000"


def _logs(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): gzip.decompress(p.read_bytes())
        for p in sorted(root.rglob("*.json.gz"))
    }


def test_the_invocation_logs_are_the_same_at_every_granularity_and_with_every_variant(tmp_path):
    hourly = generate(tmp_path / "hourly", MONTH, rows=600, months=1)
    monthly = generate(
        tmp_path / "monthly", MONTH, rows=600, months=1, granularity="monthly",
        variants=["marketplace", "agentcore", "second-currency", "net-columns", "edge-values"],
    )  # fmt: skip
    assert _logs(tmp_path / "hourly") == _logs(tmp_path / "monthly")
    assert monthly.month(MONTH)["logs"] == hourly.month(MONTH)["logs"]


@pytest.fixture(scope="module")
def variants(tmp_path_factory):
    gt = generate(
        tmp_path_factory.mktemp("v"), MONTH, rows=600, months=1,
        variants=["marketplace", "net-columns", "second-currency"],
    )  # fmt: skip
    lines = pq.read_table(gt.path.parent / gt.month(MONTH)["export"]["data_files"][0]).to_pylist()
    return gt, lines


def test_marketplace_lines_name_their_model_only_in_the_product_name(variants):
    gt, lines = variants
    mp = [x for x in lines if x["bill_billing_entity"] == "AWS Marketplace"]
    names = {dict(x["product"])["product_name"] for x in mp}
    assert {f"{m} (Amazon Bedrock Edition)" for m, *_ in MARKETPLACE_MODELS} < names
    assert any(model_map.by_display_name(m) is None for m, *_ in MARKETPLACE_MODELS)
    assert any(model_map.by_display_name(m) is not None for m, *_ in MARKETPLACE_MODELS)
    usage = [
        x
        for x in mp
        if x["line_item_line_item_type"] == "Usage" and "Bedrock" in dict(x["product"])["product_name"]
    ]
    assert {x["pricing_unit"] for x in usage} == {"Units"}
    assert all(x["line_item_product_code"].startswith("prod-") for x in mp)
    assert all("Million" in x["line_item_line_item_description"] for x in usage)
    taxes = [x for x in mp if x["line_item_line_item_type"] == "Tax"]
    assert taxes and all(dict(x["product"]).get("product_name") in names for x in taxes)
    assert {x["bill_billing_entity"] for x in lines} == {"AWS", "AWS Marketplace"}


def test_the_second_account_is_billed_in_eur_with_its_own_tax(variants):
    gt, lines = variants
    eur = [x for x in lines if x["line_item_currency_code"] == "EUR"]
    assert {x["line_item_usage_account_id"] for x in eur} == {gt.month(MONTH)["second_currency"]["account"]}
    assert {x["pricing_currency"] for x in eur} == {"EUR"}
    assert {"Usage", "Tax", "EdpDiscount"} <= {x["line_item_line_item_type"] for x in eur}
    total = sum(Decimal(repr(x["line_item_unblended_cost"])).quantize(Decimal("1e-8")) for x in eur)
    assert f"{total:.8f}" == gt.month(MONTH)["by_currency"]["EUR"]["invoice_total"]["unblended"]


def test_the_reserved_instance_costs_what_its_terms_say_under_each_basis(variants):
    gt, lines = variants
    hours = 31 * 24
    ri = gt.month(MONTH)["net_columns"]["ri"]
    # 1-year partial upfront: 0.05/h upfront (paid in the first month), 0.07/h monthly fee; net 5 % off
    assert Decimal(ri["unblended"]) == Decimal("0.07") * hours + Decimal("0.05") * 8760
    assert Decimal(ri["amortized"]) == Decimal("0.12") * hours
    assert Decimal(ri["net-amortized"]) == Decimal("0.12") * hours * Decimal("0.95")
    fee = next(x for x in lines if x["line_item_line_item_type"] == "RIFee")
    assert fee["reservation_net_unused_recurring_fee"] < fee["reservation_unused_recurring_fee"]
    sp = gt.month(MONTH)["net_columns"]["sp"]
    assert Decimal(sp["net-amortized"]) < Decimal(sp["amortized"])
