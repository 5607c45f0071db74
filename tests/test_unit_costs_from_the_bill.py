"""What does a million tokens cost, and what did prompt caching buy, from the bill alone? On the demo month
the cost per 1M tokens is the price table's rate wherever the bill is at list price, the cache saving is the
cache-read tokens times (input rate - cache-read rate), and the spend by pricing model sums to the Bedrock
total; usage that counts no tokens is listed with its money, never dropped."""

from __future__ import annotations

import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from conftest import DEMO_EXPORT, write_cur
from typer.testing import CliRunner

from cur_analyzer import Analyzer
from cur_analyzer.attribution import pricing_model
from cur_analyzer.bedrock.models import by_billing_name
from cur_analyzer.bedrock.pricing import PriceTable
from cur_analyzer.bedrock.usage_types import parse_usage_type
from cur_analyzer.cli import app
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.reports._unit_costs_cache import MATCHES, cache_rows
from cur_analyzer.reports.unit_costs import NOT_A_TOKEN_METER, UNKNOWN_UNIT, TokenLine

MONTH = "2026-10"
MILLION = Decimal(1_000_000)
#: every demo line's cost is rounded to 8 places: a sum of n lines is within n x this of the exact cost
HALF_A_LINE_DIGIT = Decimal("0.000000005")
runner = CliRunner()


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer(cur=DEMO_EXPORT)


@pytest.fixture(scope="module")
def bill() -> list[dict]:
    """The demo month's Bedrock usage lines, read straight from the parquet file (not through the tool's
    SQL): usage type, tokens (the unit is 1K tokens), cost, and the rate AWS billed per 1K tokens."""
    (path,) = (DEMO_EXPORT / "data" / f"BILLING_PERIOD={MONTH}").glob("*.parquet")
    table = pq.read_table(path)
    bedrock = pc.is_in(table["line_item_product_code"], pa.array(["AmazonBedrock", "AmazonBedrockService"]))
    usage = pc.equal(table["line_item_line_item_type"], "Usage")
    lines = table.filter(pc.and_(bedrock, usage)).to_pylist()
    assert {x["pricing_unit"] for x in lines} == {"1K tokens"}
    return [
        {
            "usage_type": x["line_item_usage_type"],
            "tokens": Decimal(repr(x["line_item_usage_amount"])) * 1000,
            "cost": Decimal(repr(x["line_item_unblended_cost"])),
            "rate_per_1k": Decimal(x["line_item_unblended_rate"]),
        }
        for x in lines
    ]


def _by_usage_type(bill: list[dict]) -> dict[str, dict]:
    out: dict[str, dict] = defaultdict(
        lambda: {"tokens": Decimal(0), "cost": Decimal(0), "lines": 0, "rates": set()}
    )
    for x in bill:
        acc = out[x["usage_type"]]
        acc["tokens"] += x["tokens"]
        acc["cost"] += x["cost"]
        acc["lines"] += 1
        acc["rates"].add(x["rate_per_1k"])
    return out


def _list_rate(usage_type: str, meter: str | None = None) -> Decimal | None:
    ut = parse_usage_type(usage_type)
    model = by_billing_name(ut.billing_name)
    assert model is not None, usage_type
    return PriceTable.load().rate_per_million(
        model.price_key, ut.region, meter or ut.meter, ut.tier, ut.scope, f"{MONTH}-15"
    )


def test_cost_per_1m_tokens_is_the_price_table_rate_where_the_bill_is_at_list_price(analyzer, bill):
    report = analyzer.unit_costs(MONTH, ["usage-type"])
    rows = {r.values[0]: r for r in report.tokens}
    at_list = 0
    for usage_type, billed in _by_usage_type(bill).items():
        listed = _list_rate(usage_type)
        if billed["rates"] != {listed / 1000}:
            continue  # not billed at list price: nothing to hold the rate to
        row = rows[usage_type]
        assert row.tokens == billed["tokens"] and row.cost == billed["cost"], usage_type
        # the only distance from the list rate: each line's cost rounded to 8 places
        tolerance = billed["lines"] * HALF_A_LINE_DIGIT * MILLION / billed["tokens"]
        assert abs(row.per_million - listed) <= tolerance, (usage_type, row.per_million, listed)
        at_list += 1
    assert at_list >= 40, "the demo bill is at list price almost everywhere: the test must compare something"


def test_by_model_and_meter_the_tokens_and_cost_are_the_months_per_meter(analyzer, ground_truth):
    truth = ground_truth["months"][MONTH]["bedrock_usage"]
    report = analyzer.unit_costs(MONTH)  # by model and meter
    tokens, cost = defaultdict(Decimal), defaultdict(Decimal)
    for r in report.tokens:
        tokens[r.values[1]] += r.tokens
        cost[r.values[1]] += r.cost
        assert r.per_million == r.cost * MILLION / r.tokens
    # the 1-hour cache write is a cache write, as the invocation logs count it
    want_tokens = {meter: Decimal(n) for meter, n in truth["tokens_by_meter"].items()}
    want_cost = {meter: Decimal(cost) for meter, cost in truth["by_meter"].items()}
    want_tokens["cache_write"] += want_tokens.pop("cache_write_1h")
    want_cost["cache_write"] = want_cost["cache_write"] + want_cost.pop("cache_write_1h")
    assert dict(tokens) == want_tokens
    assert dict(cost) == want_cost
    assert report.others == []
    assert report.total == Decimal(ground_truth["months"][MONTH]["bedrock_total"]["unblended"])


def test_a_rate_per_1m_tokens_keeps_six_places_whatever_the_money_precision():
    result = runner.invoke(
        app,
        [
            "unit-costs",
            "--month",
            MONTH,
            "--cur",
            str(DEMO_EXPORT),
            "--by",
            "model",
            "--by",
            "meter",
            "-f",
            "md",
        ],
    )
    assert result.exit_code == 0, result.stderr
    nova_micro_cache_read = next(
        line for line in result.stdout.splitlines() if "Amazon Nova Micro | cache_read" in line
    )
    # 0.00875 USD per 1M tokens: at money's 2 places it would read 0.01
    assert "| 0.008750 |" in nova_micro_cache_read, nova_micro_cache_read


#: a cache meter's text -> the input meter's, longest first (the 1-hour write before the 5-minute one)
CACHE_METER_TEXT = (
    "-cache-write-input-token-count-1h",
    "-cache-write-input-token-count",
    "-cache-read-input-token-count",
    "-cache-write-tokens",
    "-cache-read-tokens",
)


def _input_usage_type(usage_type: str) -> str:
    """The input usage type of the same model, region, tier and routing as a cache usage type."""
    cache = next(text for text in CACHE_METER_TEXT if text in usage_type)
    return usage_type.replace(cache, "-input-tokens")


def _cache_expectation(bill: list[dict]) -> dict[str, dict[str, Decimal]]:
    """Per model, from the price table: the saving of its cache reads and the premium of its cache writes
    over the input rate of the same usage type's region, tier and routing, with the rounding bound."""
    groups = _by_usage_type(bill)
    out: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for usage_type, billed in groups.items():
        ut = parse_usage_type(usage_type)
        if ut.meter not in ("cache_read", "cache_write", "cache_write_1h"):
            continue
        per_token = (_list_rate(usage_type, "input") - _list_rate(usage_type)) / MILLION
        acc = out[by_billing_name(ut.billing_name).display_name]
        if ut.meter == "cache_read":
            acc["saving"] += billed["tokens"] * per_token
        else:
            acc["premium"] -= billed["tokens"] * per_token
        # the billed input rate and the cache cost part from the list only by their lines' rounding
        billed_input = groups[_input_usage_type(usage_type)]
        input_rate_off = billed_input["lines"] * HALF_A_LINE_DIGIT / billed_input["tokens"]
        acc["tolerance"] += billed["lines"] * HALF_A_LINE_DIGIT + billed["tokens"] * input_rate_off
    return out


def test_the_cache_saving_is_cache_read_tokens_times_input_less_cache_read_rate(analyzer, bill):
    report = analyzer.unit_costs(MONTH, view="cache")
    rows = {r.values[0]: r for r in report.cache()}
    expected = _cache_expectation(bill)
    assert {m for m, r in rows.items() if r.cache_read_tokens or r.cache_write_tokens} == set(expected)
    for model, want in expected.items():
        row = rows[model]
        assert abs(row.saving - want["saving"]) <= want["tolerance"], (model, row.saving, want["saving"])
        assert abs(row.write_premium - want["premium"]) <= want["tolerance"], (model, row.write_premium)
        assert row.net_saving == row.saving - row.write_premium
        read = row.input_tokens + row.cache_read_tokens
        assert row.cache_read_share == (row.cache_read_tokens * 100 / read).quantize(Decimal("0.01"))
    assert report.cache_notes() == []  # every cache line had input at its own region, tier and routing


def test_the_cache_view_says_what_it_leaves_out_and_how_it_matched(analyzer):
    table = analyzer.unit_costs(MONTH, view="cache").as_table()
    assert any(line.startswith("not in this view: output tokens USD 31.90") for line in table.footer)
    # a cache read whose region billed no input is compared at a wider match, and said so
    line = dict(
        values=("x",), currency="USD", model="M", tier="standard", scope="in_region", flags=(), lines=1
    )
    token_lines = [
        TokenLine(region="us-east-1", meter="input", tokens=Decimal(1_000_000), cost=Decimal("3"), **line),
        TokenLine(
            region="eu-west-1", meter="cache_read", tokens=Decimal(1_000_000), cost=Decimal("0.3"), **line
        ),
        TokenLine(
            **{**line, "model": "N"},
            region="eu-west-1",
            meter="cache_read",
            tokens=Decimal(5),
            cost=Decimal("1"),
        ),
    ]
    rows, notes = cache_rows(token_lines)
    assert rows[0].saving == Decimal("2.7") and rows[0].unmatched_tokens == 5
    assert any(MATCHES[2] in n for n in notes), notes
    assert any(n.startswith("N billed no input tokens in USD") for n in notes), notes


def test_pricing_model_totals_sum_to_the_bedrock_total(analyzer, ground_truth):
    truth = ground_truth["months"][MONTH]
    report = analyzer.unit_costs(MONTH, ["pricing-model"])
    by_model = {r.values[0]: r.cost for r in report.tokens}
    assert by_model == {
        {"standard": "on-demand"}.get(tier, tier): Decimal(cost)
        for tier, cost in truth["bedrock_usage"]["by_tier"].items()
    }
    assert report.total == Decimal(truth["bedrock_total"]["unblended"])


def test_chargeback_by_pricing_model_works_and_sums_to_the_invoice(ground_truth):
    truth = ground_truth["months"][MONTH]
    args = ["chargeback", "--month", MONTH, "--cur", str(DEMO_EXPORT), "--by", "pricing-model", "-f", "json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    rows = {r["pricing-model"]: Decimal(r["cost"]) for r in doc["rows"]}
    assert rows == {
        {"standard": "on-demand"}.get(tier, tier): Decimal(cost)
        for tier, cost in truth["bedrock_usage"]["by_tier"].items()
    }
    adjustments = sum(Decimal(a["cost"]) for a in doc["adjustments"])
    assert (
        sum(rows.values()) + adjustments
        == Decimal(doc["total"])
        == Decimal(truth["bedrock_total"]["unblended"])
    )


def test_region_breaks_down_both_views_and_still_sums(analyzer):
    tokens = analyzer.unit_costs(MONTH, ["region", "meter"])
    assert {r.values[0] for r in tokens.tokens} == {"us-east-1", "us-west-2", "eu-central-1"}
    cache = analyzer.unit_costs(MONTH, ["region"], view="cache").cache()
    whole = analyzer.unit_costs(MONTH, ["model"], view="cache").cache()
    assert sum(r.saving for r in cache) == sum(r.saving for r in whole)
    assert sum(r.cache_read_tokens for r in cache) == sum(r.cache_read_tokens for r in whole)


@pytest.mark.parametrize(
    ("usage_type", "model"),
    [
        ("USE1-Claude4.6Sonnet-input-tokens", "on-demand"),
        ("USE1-Claude4.6Sonnet-input-tokens-cross-region-global-batch", "batch"),
        ("USE1-Nova2.0Lite-input-tokens-flex", "flex"),
        ("USE1-openai.gpt-oss-120b-mantle-input-tokens-priority", "priority"),
        ("USE1-Claude3-5Haiku-input-tokens-latency-optimized", "latency-optimized"),
        ("USE1-Claude4.6Sonnet-reserved-1-month-input-tokens-per-minute-cross-region-global", "reserved"),
        ("USE1-MP:USE1_ProvisionedThroughput_1MonthCommit_ModelUnits_Usage-Units", "provisioned"),
        ("USE1-Guardrail-AutomatedReasoningPolicyUnitsConsumed", "on-demand"),
        ("USE1-BoxUsage:m7g.large", None),
    ],
)
def test_reserved_and_provisioned_meters_are_told_apart_though_both_parse_as_meter_other(usage_type, model):
    assert pricing_model(usage_type) == model


def _line(entity, product_code, usage_type, cost, unit, amount="1", product_name=None) -> dict:
    return {
        "bill_billing_entity": entity,
        "line_item_line_item_type": "Usage",
        "line_item_product_code": product_code,
        "line_item_usage_type": usage_type,
        "product_region_code": "us-east-1",
        "pricing_unit": unit,
        "line_item_usage_amount": Decimal(amount),
        "line_item_unblended_cost": Decimal(cost),
        "product_name": product_name,
    }


MIXED = [
    _line("AWS", "AmazonBedrock", "USE1-NovaPro-input-tokens", "0.0016", "1K tokens", "2"),
    _line(
        "AWS Marketplace",
        "c2r0sd1pz9y8mrlc0xsmjebkt",
        "USE1-MP:USE1_InputTokenCount-Units",
        "3.25",
        "Units",
        "1083333",
        "Claude 3 Sonnet (Amazon Bedrock Edition)",
    ),
    _line(
        "AWS Marketplace",
        "c2r0sd1pz9y8mrlc0xsmjebkt",
        "USE1-MP:USE1_ProvisionedThroughput_1MonthCommit_ModelUnits_Usage-Units",
        "20.00",
        "Units",
        "1",
        "Claude 3 Sonnet (Amazon Bedrock Edition)",
    ),
    _line("AWS", "AmazonBedrockAgentCore", "USE1-Runtime-vCPU-Hours", "1.20", "vCPU-Hours", "3"),
]


def _export(folder: Path, lines: list[dict]) -> Path:
    """``write_cur`` with each line's product name in the ``product`` map, as CUR 2.0 writes it."""
    root = write_cur(folder, [{k: v for k, v in x.items() if k != "product_name"} for x in lines], MONTH)
    (path,) = root.rglob("*.parquet")
    names = [x["product_name"] for x in lines]
    product = pa.array([[("product_name", n)] if n else [] for n in names], pa.map_(pa.string(), pa.string()))
    pq.write_table(pq.read_table(path).append_column("product", product), path)
    return root


def test_usage_that_counts_no_tokens_is_listed_with_its_money_not_dropped(tmp_path):
    report = Analyzer(engine=DuckDBEngine(_export(tmp_path, MIXED))).unit_costs(
        MONTH, ["model", "pricing-model"]
    )
    assert [(r.values, r.tokens, r.cost) for r in report.tokens] == [
        (("Amazon Nova Pro", "on-demand"), 2000, Decimal("0.0016"))
    ]
    others = {(r.values, r.reason): r.cost for r in report.others}
    assert others == {
        (("Claude 3 Sonnet", "provisioned"), NOT_A_TOKEN_METER): Decimal("20"),
        (("Claude 3 Sonnet", "on-demand"), UNKNOWN_UNIT): Decimal("3.25"),
        (("Unallocated", "on-demand"), NOT_A_TOKEN_METER): Decimal("1.2"),
    }
    assert report.total == Decimal("24.4516")
    table = report.as_table()
    assert "total USD 24.45 = token usage 0.00 + other usage 24.45 + adjustments 0.00" in table.footer
    assert any("(Units)" in n and UNKNOWN_UNIT in n for n in report.notes), report.notes


def test_unit_costs_on_the_command_line_refuse_a_view_they_do_not_have():
    result = runner.invoke(app, ["unit-costs", "--month", MONTH, "--cur", str(DEMO_EXPORT), "--view", "nope"])
    assert result.exit_code == 2
    assert "--view must be" in result.stderr and "tokens" in result.stderr and "cache" in result.stderr
