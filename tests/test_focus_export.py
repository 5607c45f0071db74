"""A FinOps team that consolidates clouds in FOCUS gets the month's Bedrock bill as FOCUS 1.2 rows: one row
per CUR line, BilledCost summing to the Bedrock bill, and who spent it (principal, team, which source
decided) in Tags. focus-validator skips most rules (tests/test_focus_validator.py); these tests cover
what it skips: allowed values, period order, unit format, unit-price arithmetic and the attribution."""

from __future__ import annotations

import dataclasses
import json
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from cur_analyzer.bedrock.principals import parse_principal
from cur_analyzer.cli import app
from cur_analyzer.reports import focus
from cur_analyzer.reports.chargeback import build_chargeback
from cur_analyzer.rules import load_rules

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]
MONTH = "2026-10"

#: The same sources the export uses for ``team`` without a rules file, written as a rules file.
DEFAULT_TEAM_RULES = """\
dimensions:
  team:
    sources:
      - {source: aip_tag, key: team}
      - {source: principal_tag, key: team}
      - {source: account_tag, key: team}
"""

#: Written here independently of the code: what each CUR line item type is in FOCUS 1.2.
EXPECTED_CATEGORY = {
    "Usage": "Usage",
    "DiscountedUsage": "Usage",
    "SavingsPlanCoveredUsage": "Usage",
    "SavingsPlanNegation": "Usage",
    "Fee": "Purchase",
    "RIFee": "Purchase",
    "SavingsPlanUpfrontFee": "Purchase",
    "SavingsPlanRecurringFee": "Purchase",
    "Tax": "Tax",
    "Credit": "Credit",
    "EdpDiscount": "Credit",
    "PrivateRateDiscount": "Credit",
    "BundledDiscount": "Credit",
    "Refund": "Adjustment",
    "SomeFutureType": "Adjustment",
    "": "Adjustment",
}
FOCUS_CATEGORIES = {"Usage", "Purchase", "Tax", "Credit", "Adjustment"}
# FOCUS 1.2 UnitFormat (the validator's FormatUnit patterns, simplified to what a bill uses)
_COUNT = r"[A-Za-z][A-Za-z0-9]*(?: [A-Za-z][A-Za-z0-9]*)*"
UNIT_FORMAT = re.compile(
    rf"^(?:[0-9]+ )?{_COUNT}$|^{_COUNT}-(?:Hours|Days|Months|Years)$|^{_COUNT}/(?:Hour|Day)$"
)


@pytest.fixture(scope="module")
def export(demo_engine):
    return focus.build_focus_export(demo_engine, MONTH)


@pytest.fixture(scope="module")
def rows(export):
    return export.rows


def usage_rows(rows):
    return [r for r in rows if r["ChargeCategory"] == "Usage"]


# --- the bill ---------------------------------------------------------------------------------------------
def test_one_focus_row_per_bedrock_line_and_billed_cost_is_the_bedrock_bill(export, ground_truth):
    truth = ground_truth["months"][MONTH]
    assert len(export.rows) == truth["bedrock_lines"]
    assert export.totals() == {"USD": Decimal(truth["bedrock_total"]["unblended"])}
    assert export.totals("EffectiveCost") == {"USD": Decimal(truth["bedrock_total"]["net-amortized"])}
    assert len({r["x_LineItemId"] for r in export.rows}) == len(export.rows), "a CUR line appears twice"


def test_usage_rows_hold_the_usage_and_adjustments_their_own_rows(rows, ground_truth):
    truth = ground_truth["months"][MONTH]
    usage = usage_rows(rows)
    assert sum(r["BilledCost"] for r in usage) == Decimal(truth["bedrock_usage"]["total"])
    assert len(usage) == truth["bedrock_usage"]["lines"]
    adjustments: dict[str, Decimal] = defaultdict(Decimal)
    for r in rows:
        if r["x_LineItemType"] != "Usage":
            adjustments[r["x_LineItemType"]] += r["BilledCost"]
    assert dict(adjustments) == {k: Decimal(v) for k, v in truth["adjustments"]["bedrock"].items()}


# --- allowed values -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("line_item_type", "category"), sorted(EXPECTED_CATEGORY.items()))
def test_each_line_item_type_maps_to_its_focus_charge_category(line_item_type, category):
    assert focus.charge_category(line_item_type) == category
    assert focus.charge_frequency(line_item_type, category) in focus.CHARGE_FREQUENCIES
    if category == "Purchase":
        assert focus.charge_frequency(line_item_type, category) != "Usage-Based"


def test_every_row_has_allowed_focus_values_and_the_category_of_its_line_item_type(rows):
    assert set(focus.CHARGE_CATEGORIES) == FOCUS_CATEGORIES
    seen = set()
    for r in rows:
        assert r["ChargeCategory"] == EXPECTED_CATEGORY.get(r["x_LineItemType"], "Adjustment")
        assert r["ChargeCategory"] in FOCUS_CATEGORIES, r["ChargeCategory"]  # never "Refund"
        assert r["ChargeFrequency"] in {"One-Time", "Recurring", "Usage-Based"}
        assert r["ChargeClass"] in (None, "Correction")
        assert r["PricingCategory"] in (None, "Standard", "Committed", "Dynamic", "Other")
        assert (r["ServiceCategory"], r["ServiceSubcategory"]) == ("AI and Machine Learning", "Generative AI")
        assert r["ServiceName"] == "Amazon Bedrock"
        assert r["ProviderName"] == r["PublisherName"] == r["InvoiceIssuerName"] == "AWS"
        assert r["BillingCurrency"] == "USD"
        seen.add((r["x_LineItemType"], r["ChargeCategory"]))
    # the demo month has usage, tax, a credit, EDP discounts and a refund: each lands where it belongs
    assert seen == {
        ("Usage", "Usage"),
        ("Tax", "Tax"),
        ("Credit", "Credit"),
        ("EdpDiscount", "Credit"),
        ("Refund", "Adjustment"),
    }


def test_tax_rows_carry_no_sku_price_or_quantity_as_focus_requires(rows):
    taxes = [r for r in rows if r["ChargeCategory"] == "Tax"]
    assert taxes
    for r in taxes:
        for column in (
            "SkuId",
            "SkuPriceId",
            "PricingQuantity",
            "PricingUnit",
            "ListUnitPrice",
            "ContractedUnitPrice",
            "PricingCategory",
            "ConsumedQuantity",
        ):
            assert r[column] is None, column
        assert r["ListCost"] == r["ContractedCost"] == r["BilledCost"]


def test_credits_are_billed_as_credits_and_the_edp_discount_sits_in_the_effective_cost(rows):
    edp = [r for r in rows if r["x_LineItemType"] == "EdpDiscount"]
    assert edp and all(r["BilledCost"] < 0 and r["EffectiveCost"] == 0 for r in edp)
    credit = [r for r in rows if r["x_LineItemType"] == "Credit"]
    assert credit and all(r["EffectiveCost"] == r["BilledCost"] == r["ListCost"] for r in credit)
    usage = usage_rows(rows)
    assert all(r["EffectiveCost"] < r["BilledCost"] for r in usage if r["BilledCost"] > 0)


# --- periods ---------------------------------------------------------------------------------------------
def test_charge_periods_are_ordered_and_inside_the_billing_period(rows):
    import datetime as dt

    start, end = dt.datetime(2026, 10, 1), dt.datetime(2026, 11, 1)
    for r in rows:
        assert (r["BillingPeriodStart"], r["BillingPeriodEnd"]) == (start, end)
        assert r["ChargePeriodStart"] < r["ChargePeriodEnd"], r["x_LineItemId"]
        assert start <= r["ChargePeriodStart"] and r["ChargePeriodEnd"] <= end, r["x_LineItemId"]
        assert r["ChargeClass"] is None


def test_a_line_without_a_positive_charge_period_gets_one(make_cur):
    from cur_analyzer.engines.duckdb import DuckDBEngine

    # conftest's CUR lines start and end at the same instant
    line = {
        "line_item_line_item_type": "Usage",
        "line_item_product_code": "AmazonBedrock",
        "line_item_usage_type": "USE1-NovaLite-input-tokens",
        "line_item_unblended_cost": Decimal("0.5"),
        "pricing_unit": "1K tokens",
        "line_item_unblended_rate": "0.5",
    }
    export = focus.build_focus_export(DuckDBEngine(make_cur([line])), MONTH)
    (row,) = export.rows
    assert row["ChargePeriodStart"] < row["ChargePeriodEnd"]
    assert any("charge period" in n for n in export.notes)


# --- units and unit prices -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cur_unit", "expected"),
    [
        ("1K tokens", ("1000 Tokens", 1000, "Tokens")),
        ("1M tokens", ("1000000 Tokens", 1000000, "Tokens")),
        ("tokens", ("Tokens", 1, "Tokens")),
        ("Hrs", ("Hours", 1, "Hours")),
        ("1K images", ("1000 Images", 1000, "Images")),
        ("Requests", ("Requests", 1, "Requests")),
        ("GB-Mo%", None),
        (None, None),
    ],
)
def test_cur_pricing_units_become_focus_units(cur_unit, expected):
    assert focus.focus_unit(cur_unit) == expected
    if expected:
        assert UNIT_FORMAT.match(expected[0])


def test_pricing_units_are_in_focus_unit_format_and_go_with_a_quantity(rows):
    for r in rows:
        assert (r["PricingUnit"] is None) == (r["PricingQuantity"] is None)
        assert (r["ConsumedUnit"] is None) == (r["ConsumedQuantity"] is None)
        if r["PricingUnit"] is not None:
            assert UNIT_FORMAT.match(r["PricingUnit"]), r["PricingUnit"]
    assert {r["PricingUnit"] for r in usage_rows(rows)} == {"1000 Tokens"}  # CUR says "1K tokens"
    assert {r["ConsumedUnit"] for r in usage_rows(rows)} == {"Tokens"}


def test_unit_price_times_quantity_is_the_list_and_contracted_cost(rows):
    scale = Decimal("1E-10")  # decimal(38,10), as in the Parquet file
    for r in usage_rows(rows):
        assert (r["ListUnitPrice"] * r["PricingQuantity"]).quantize(scale) == r["ListCost"]
        assert (r["ContractedUnitPrice"] * r["PricingQuantity"]).quantize(scale) == r["ContractedCost"]
        assert r["ConsumedQuantity"] == r["PricingQuantity"] * 1000
        assert r["ListUnitPrice"] >= 0 and r["ContractedUnitPrice"] >= 0
        assert r["SkuId"] and r["SkuPriceId"] and r["PricingCategory"] == "Standard"
        # CUR rounds line costs to 8 places; the products differ from the bill by less than that
        assert abs(r["ContractedCost"] - r["BilledCost"]) <= Decimal("0.000000005")


# --- Tags and the attribution --------------------------------------------------------------------------
def test_tags_are_json_objects_of_strings_with_the_tags_under_their_aws_keys(rows):
    for r in rows:
        tags = json.loads(r["Tags"])
        assert isinstance(tags, dict)
        assert all(isinstance(v, str) for v in tags.values()), tags
        assert not any(k.startswith("resourceTags/") for k in tags), "the resource scheme is unprefixed"
    first = next(
        r for r in rows if r["x_IamPrincipal"] == "arn:aws:iam::123456789012:user/alice" and r["ResourceId"]
    )
    tags = json.loads(first["Tags"])
    assert tags["team"] == "search"  # the AIP's tag, its own key
    assert tags["iamPrincipal/team"] == "ml-platform"  # the caller's tag keeps AWS's prefix
    assert tags["accountTag/env"] == "prod"


def test_every_usage_row_says_who_spent_it_and_which_source_decided_the_team(rows):
    for r in usage_rows(rows):
        tags = json.loads(r["Tags"])
        assert tags["x_team"] == r["x_Team"] and tags["x_team_source"] == r["x_TeamSource"]
        assert r["x_TeamSource"] in {"aip_tag:team", "principal_tag:team", "account_tag:team", "unallocated"}
        assert (r["x_Team"] == "Unallocated") == (r["x_TeamSource"] == "unallocated")
        assert tags.get("x_principal") == r["x_IamPrincipal"]
        if r["x_IamPrincipal"]:
            assert tags["x_principal_kind"] == parse_principal(r["x_IamPrincipal"]).kind
        assert tags["x_usage_type"] == r["x_UsageType"]
        assert tags["x_model"] and tags["x_meter"] in {
            "input",
            "output",
            "cache_read",
            "cache_write",
            "cache_write_1h",
        }
    for r in rows:
        if r["ChargeCategory"] != "Usage":
            assert "x_team" not in json.loads(r["Tags"]), "adjustments are not attributed"
    sources = {r["x_TeamSource"] for r in usage_rows(rows)}
    assert {"aip_tag:team", "principal_tag:team", "account_tag:team"} <= sources


def _focus_by_principal_team(rows) -> dict[tuple[str, str, str], Decimal]:
    out: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for r in usage_rows(rows):
        out[(r["x_IamPrincipal"] or "Unallocated", r["x_Team"], r["x_TeamSource"])] += r["BilledCost"]
    return dict(out)


def _chargeback_by_principal_team(engine, rules) -> dict[tuple[str, str, str], Decimal]:
    cb = build_chargeback(engine, MONTH, ["principal", "team"], rules=rules)
    out: dict[tuple[str, str, str], Decimal] = defaultdict(Decimal)
    for r in cb.rows:
        out[(r.values[0], r.values[1], r.via)] += r.cost
    return dict(out)


def test_team_per_principal_is_what_the_chargeback_says_without_a_rules_file(demo_engine, rows, tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(DEFAULT_TEAM_RULES)
    expected = _chargeback_by_principal_team(demo_engine, load_rules(path))
    assert _focus_by_principal_team(rows) == expected


def test_team_per_principal_follows_the_rules_file_like_the_chargeback(demo_engine):
    rules = load_rules(ROOT / "examples" / "cur-analyzer.rules.yaml")
    export = focus.build_focus_export(demo_engine, MONTH, rules=rules)
    # a FOCUS row is one bill line: shared-cost splits are a chargeback view, not applied to lines
    unsplit = dataclasses.replace(rules, shared_costs=())
    assert _focus_by_principal_team(export.rows) == _chargeback_by_principal_team(demo_engine, unsplit)
    assert export.totals() == focus.build_focus_export(demo_engine, MONTH).totals()
    sources = {r["x_TeamSource"] for r in usage_rows(export.rows)}
    assert "account_map" in sources  # a rules-file source the built-in default does not have
    # every other rules dimension rides along as x_<name> / x_<name>_source
    tags = json.loads(usage_rows(export.rows)[0]["Tags"])
    assert "x_cost-center" in tags and "x_cost-center_source" in tags


# --- columns and types -----------------------------------------------------------------------------------
def test_the_focus_column_list_is_focus_1_2(export):
    names = [name for name, _ in focus.FOCUS_COLUMNS]
    assert len(names) == len(set(names)) == 57
    for required in (
        "BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "BillingAccountId", "BillingAccountName",
        "BillingAccountType", "SubAccountId", "SubAccountName", "SubAccountType", "BillingCurrency",
        "BillingPeriodStart", "BillingPeriodEnd", "ChargePeriodStart", "ChargePeriodEnd", "ChargeCategory",
        "ChargeClass", "ChargeDescription", "ChargeFrequency", "ConsumedQuantity", "ConsumedUnit",
        "PricingQuantity", "PricingUnit", "ListUnitPrice", "ContractedUnitPrice", "PricingCategory",
        "InvoiceIssuerName", "ProviderName", "PublisherName", "InvoiceId", "RegionId", "RegionName",
        "ResourceId", "ResourceName", "ResourceType", "ServiceCategory", "ServiceName", "ServiceSubcategory",
        "SkuId", "SkuPriceId", "CommitmentDiscountId", "CapacityReservationId", "AvailabilityZone", "Tags",
    ):  # fmt: skip
        assert required in names, required
    assert all(name.startswith("x_") for name, _ in focus.EXTRA_COLUMNS)
    assert all(set(r) == set(focus.COLUMN_NAMES) for r in export.rows)
    assert all(r[c] is None for r in export.rows for c in names if c.startswith(("Commitment", "Capacity")))


def test_the_parquet_file_has_the_focus_columns_with_their_types(demo_export, tmp_path):
    out = tmp_path / "focus.parquet"
    result = runner.invoke(app, ["export-focus", "--month", MONTH, "--cur", str(demo_export), "-o", str(out)])
    assert result.exit_code == 0, result.output
    table = pq.read_table(out)
    assert table.schema.names == list(focus.COLUMN_NAMES)
    expected = {
        focus.DECIMAL: pa.decimal128(38, 10),
        focus.DATETIME: pa.timestamp("us", tz="UTC"),
        focus.STRING: pa.string(),
        focus.JSON: pa.string(),
    }
    for name, kind in focus.ALL_COLUMNS:
        assert table.schema.field(name).type == expected[kind], name
    assert table.num_rows == 1900
    assert sum(table.column("BilledCost").to_pylist()) == Decimal("92.42836466")
    assert table.schema.metadata[b"focus_version"] == b"1.2"
    assert not list(tmp_path.glob(".*.tmp")), "written atomically, no temporary file left"


def test_csv_and_json_carry_full_precision_and_utc_datetimes(demo_export, tmp_path):
    csv_out, json_out = tmp_path / "f.csv", tmp_path / "f.json"
    base = ["export-focus", "-m", MONTH, "--cur", str(demo_export)]
    assert runner.invoke(app, [*base, "-f", "csv", "-o", str(csv_out)]).exit_code == 0
    assert runner.invoke(app, [*base, "-f", "json", "-o", str(json_out)]).exit_code == 0
    import csv

    with csv_out.open() as f:
        records = list(csv.DictReader(f))
    assert len(records) == 1900 and list(records[0]) == list(focus.COLUMN_NAMES)
    assert sum(Decimal(r["BilledCost"]) for r in records) == Decimal("92.42836466")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", records[0]["ChargePeriodStart"])
    doc = json.loads(json_out.read_text())
    assert doc["focus_version"] == "1.2" and doc["billed_cost"] == {"USD": "92.4283646600"}
    assert isinstance(doc["rows"][0]["BilledCost"], str)


def test_bad_input_gets_one_clear_line(demo_export):
    result = runner.invoke(app, ["export-focus", "-m", MONTH, "--cur", str(demo_export), "-f", "xlsx"])
    assert result.exit_code == 2 and "--format must be one of parquet, csv, json" in result.output
    result = runner.invoke(app, ["export-focus", "-m", "2026-13", "--cur", str(demo_export), "-f", "json"])
    assert result.exit_code == 2 and "YYYY-MM" in result.output


def test_an_open_month_exports_without_an_invoice_id_and_says_so(demo_engine):
    export = focus.build_focus_export(demo_engine, "2026-11")
    assert not export.final and all(r["InvoiceId"] is None for r in export.rows)
    assert any("not final" in n for n in export.notes)


def test_an_export_without_the_iam_principal_option_still_exports(make_cur):
    from cur_analyzer.engines.duckdb import DuckDBEngine

    line = {
        "line_item_line_item_type": "Usage",
        "line_item_product_code": "AmazonBedrock",
        "line_item_usage_type": "USE1-NovaLite-input-tokens",
        "line_item_unblended_cost": Decimal("0.25"),
        "pricing_unit": "1K tokens",
        "line_item_unblended_rate": "0.25",
        "resource_tags": {"user_team": "web"},
    }
    engine = DuckDBEngine(make_cur([line], drop=("line_item_iam_principal", "tags")))
    export = focus.build_focus_export(engine, MONTH)
    (row,) = export.rows
    tags = json.loads(row["Tags"])
    assert tags["team"] == "web" and "x_principal" not in tags  # legacy map key, `user_` dropped
    # without line_item_resource_id an aip_tag source reads the resource tags of any Bedrock line (cur_analyzer/rules/)
    assert (row["x_Team"], row["x_TeamSource"]) == ("web", "aip_tag:team")
    assert any("line_item_iam_principal" in n for n in export.notes)
