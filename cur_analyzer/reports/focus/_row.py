"""One CUR line -> one FOCUS row: the charge period, the costs and unit prices, the currencies, the
attribution carried in Tags and the flat ``x_`` columns. ``counters`` count each fallback taken (period,
effective, unit, currency), for the export's notes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from cur_analyzer.attribution import Dimension, label
from cur_analyzer.reports.focus._columns import (
    BILLING_ACCOUNT_TYPE,
    COLUMN_NAMES,
    PROVIDER,
    SERVICE_CATEGORY,
    SERVICE_NAME,
    SERVICE_SUBCATEGORY,
    SUB_ACCOUNT_TYPE,
)
from cur_analyzer.reports.focus._values import (
    MONEY_QUANTUM,
    ZERO,
    charge_category,
    charge_frequency,
    decimal_or_none,
    focus_tags,
    focus_unit,
    money,
    pricing_category,
    resource_type,
    sku_meter,
)

#: Charge categories whose rows carry unit prices and quantities.
_PRICED_CATEGORIES = ("Usage", "Purchase")
#: The unit of a priced line whose CUR pricing unit FOCUS cannot express.
_FALLBACK_UNIT = ("Units", 1, "Units")

#: Columns every row holds the same value in: Bedrock has no commitment discounts or capacity
#: reservations, and AWS is provider, publisher and invoice issuer.
_FIXED_COLUMNS: dict[str, Any] = {
    "CapacityReservationId": None,
    "CapacityReservationStatus": None,
    "CommitmentDiscountCategory": None,
    "CommitmentDiscountId": None,
    "CommitmentDiscountName": None,
    "CommitmentDiscountQuantity": None,
    "CommitmentDiscountStatus": None,
    "CommitmentDiscountType": None,
    "CommitmentDiscountUnit": None,
    "InvoiceIssuerName": PROVIDER,
    "ProviderName": PROVIDER,
    "PublisherName": PROVIDER,
    "ServiceCategory": SERVICE_CATEGORY,
    "ServiceName": SERVICE_NAME,
    "ServiceSubcategory": SERVICE_SUBCATEGORY,
    "SkuPriceDetails": None,
    "ResourceName": None,  # CUR carries no display name of an inference profile
}


@dataclass(frozen=True)
class _Pricing:
    """The quantity and price columns of one row (all None but the costs for rows without a unit price)."""

    quantity: Decimal | None = None
    unit: str | None = None
    consumed: Decimal | None = None
    consumed_unit: str | None = None
    list_price: Decimal | None = None
    contracted_price: Decimal | None = None
    list_cost: Decimal | None = None
    contracted_cost: Decimal | None = None


def focus_row(
    rec: Mapping[str, Any],
    attribution: Mapping[str, tuple[str, str]],
    team_dimension: str,
    counters: dict[str, int],
) -> dict[str, Any]:
    """The FOCUS row (keys ``COLUMN_NAMES``, in that order) of one ``focus_lines.sql`` record."""
    from cur_analyzer.bedrock.usage_types import parse_usage_type

    lit = rec["line_item_type"]
    category = charge_category(lit)
    priced = category in _PRICED_CATEGORIES
    start, end = _charge_period(rec, counters)
    bp_start = rec["billing_period_start"]
    correction = bp_start is not None and start is not None and start < bp_start
    billed = decimal_or_none(rec["billed_cost"]) or ZERO
    effective = _effective_cost(rec, billed, counters)
    pricing = _pricing(rec, category, correction, billed, counters)
    parsed = parse_usage_type(rec["usage_type"]) if rec["usage_type"] else None
    team_value, team_via = attribution.get(team_dimension, (None, None))
    extra = _attribution_tags(rec["principal"], attribution, team_dimension, parsed)
    columns = {
        **_FIXED_COLUMNS,
        **_account_columns(rec),
        **_charge_columns(rec, category, correction, start, end),
        **_cost_columns(rec, billed, effective, pricing, counters),
        **_product_columns(rec, parsed, priced),
        "Tags": json.dumps(
            focus_tags(rec["tags_json"], rec["resource_tags_json"], extra),
            ensure_ascii=False,
            separators=(",", ":"),
        ),
        **_line_columns(rec, team_value, team_via),
    }
    return {name: columns[name] for name in COLUMN_NAMES}


def _charge_period(
    rec: Mapping[str, Any], counters: dict[str, int]
) -> tuple[dt.datetime | None, dt.datetime | None]:
    start = rec["usage_start"] or rec["billing_period_start"]
    end = rec["usage_end"]
    if start is not None and (end is None or end <= start):
        counters["period"] += 1
        bound = rec["billing_period_end"]
        end = bound if bound is not None and bound > start else start + dt.timedelta(hours=1)
    return start, end


def _effective_cost(rec: Mapping[str, Any], billed: Decimal, counters: dict[str, int]) -> Decimal:
    """The line's net-amortized cost; its BilledCost when the export has none."""
    effective = decimal_or_none(rec["effective_cost"])
    if effective is None:
        counters["effective"] += 1
        effective = billed
    return effective


def _pricing(
    rec: Mapping[str, Any], category: str, correction: bool, billed: Decimal, counters: dict[str, int]
) -> _Pricing:
    """Unit price x PricingQuantity for usage and purchase rows; BilledCost as List/ContractedCost else."""
    if category not in _PRICED_CATEGORIES:
        return _Pricing(list_cost=billed, contracted_cost=billed)
    quantity = decimal_or_none(rec["usage_amount"]) or ZERO
    parsed_unit = focus_unit(rec["pricing_unit"])
    if parsed_unit is None:
        counters["unit"] += 1
        parsed_unit = _FALLBACK_UNIT
    unit, per_unit, consumed_unit = parsed_unit
    list_price, contracted_price = _unit_prices(rec, billed, quantity)
    consumed = None
    if category == "Usage" and not correction:
        consumed = money(quantity * per_unit)
    else:
        consumed_unit = None
    return _Pricing(
        quantity=quantity,
        unit=unit,
        consumed=consumed,
        consumed_unit=consumed_unit,
        list_price=list_price,
        contracted_price=contracted_price,
        list_cost=money(list_price * quantity),
        contracted_cost=money(contracted_price * quantity),
    )


def _unit_prices(rec: Mapping[str, Any], billed: Decimal, quantity: Decimal) -> tuple[Decimal, Decimal]:
    """(ListUnitPrice, ContractedUnitPrice): the public and the unblended rate, each falling back on the
    other, and on BilledCost / quantity when the export has neither."""
    public, unblended = decimal_or_none(rec["public_rate"]), decimal_or_none(rec["unblended_rate"])
    fallback = (billed / quantity).quantize(MONEY_QUANTUM) if quantity else ZERO
    list_price = public if public is not None else (unblended if unblended is not None else fallback)
    contracted_price = unblended if unblended is not None else list_price
    return list_price, contracted_price


def _attribution_tags(
    principal: str | None,
    attribution: Mapping[str, tuple[str, str]],
    team_dimension: str,
    parsed: Any,
) -> dict[str, str | None]:
    """The ``x_`` keys of Tags: principal, team and every other dimension with its source, usage type."""
    from cur_analyzer.bedrock.principals import parse_principal

    team_value, team_via = attribution.get(team_dimension, (None, None))
    extra: dict[str, str | None] = {}
    if principal:
        extra |= {"x_principal": principal, "x_principal_kind": parse_principal(principal).kind}
    if attribution:
        extra |= {"x_team": team_value, "x_team_source": team_via}
        for name, (value, via) in attribution.items():
            if name != team_dimension:
                extra |= {f"x_{name}": value, f"x_{name}_source": via}
    return extra | _usage_type_tags(parsed)


def _usage_type_tags(parsed: Any) -> dict[str, str | None]:
    """``x_usage_type``, and for a usage type Bedrock's catalogue maps, its model, meter, tier, scope."""
    if parsed is None:
        return {}
    tags: dict[str, str | None] = {"x_usage_type": parsed.raw}
    if parsed.mapped:
        tags |= {
            "x_model": label(Dimension("model", "model"), parsed.raw),
            "x_meter": parsed.meter if parsed.is_token_meter else (parsed.meter_detail or parsed.meter),
            "x_tier": parsed.tier,
            "x_scope": parsed.scope,
        }
    return tags


def _account_columns(rec: Mapping[str, Any]) -> dict[str, Any]:
    """The billing (payer) account and the sub (usage) account."""
    return {
        "BillingAccountId": rec["payer_account_id"],
        "BillingAccountName": rec["payer_account_name"],
        "BillingAccountType": BILLING_ACCOUNT_TYPE if rec["payer_account_id"] else None,
        "SubAccountId": rec["account"],
        "SubAccountName": (rec["account_name"] or rec["account"]) if rec["account"] else None,
        "SubAccountType": SUB_ACCOUNT_TYPE if rec["account"] else None,
    }


def _charge_columns(
    rec: Mapping[str, Any],
    category: str,
    correction: bool,
    start: dt.datetime | None,
    end: dt.datetime | None,
) -> dict[str, Any]:
    """What the charge is and when: category, class, frequency, the charge and billing periods, invoice."""
    lit = rec["line_item_type"]
    return {
        "BillingPeriodEnd": rec["billing_period_end"],
        "BillingPeriodStart": rec["billing_period_start"],
        "ChargeCategory": category,
        "ChargeClass": "Correction" if correction else None,
        "ChargeDescription": rec["description"] or f"{lit} for {SERVICE_NAME}",
        "ChargeFrequency": charge_frequency(lit, category),
        "ChargePeriodEnd": end,
        "ChargePeriodStart": start,
        "InvoiceId": rec["invoice_id"],
        "PricingCategory": (
            pricing_category(lit, rec["pricing_term"]) if category in _PRICED_CATEGORIES else None
        ),
    }


def _cost_columns(
    rec: Mapping[str, Any],
    billed: Decimal,
    effective: Decimal,
    pricing: _Pricing,
    counters: dict[str, int],
) -> dict[str, Any]:
    """Costs, unit prices and quantities, in the billing currency and (when the same) the pricing one."""
    billing_currency = rec["currency"]
    pricing_currency = rec["pricing_currency"] or billing_currency
    same_currency = pricing_currency == billing_currency
    if not same_currency:
        counters["currency"] += 1
    return {
        "BilledCost": billed,
        "BillingCurrency": billing_currency,
        "ConsumedQuantity": pricing.consumed,
        "ConsumedUnit": pricing.consumed_unit,
        "ContractedCost": pricing.contracted_cost,
        "ContractedUnitPrice": pricing.contracted_price,
        "EffectiveCost": effective,
        "ListCost": pricing.list_cost,
        "ListUnitPrice": pricing.list_price,
        "PricingCurrency": pricing_currency,
        "PricingCurrencyContractedUnitPrice": pricing.contracted_price if same_currency else None,
        "PricingCurrencyEffectiveCost": effective if same_currency else None,
        "PricingCurrencyListUnitPrice": pricing.list_price if same_currency else None,
        "PricingQuantity": pricing.quantity,
        "PricingUnit": pricing.unit,
    }


def _product_columns(rec: Mapping[str, Any], parsed: Any, priced: bool) -> dict[str, Any]:
    """Where and on what the cost arose: zone, region, resource, SKU."""
    region = rec["region_code"] or (parsed.region if parsed is not None else None)
    resource_id = rec["resource_id"]
    sku = rec["sku"] if priced else None
    return {
        "AvailabilityZone": rec["availability_zone"],
        "RegionId": region,
        "RegionName": (rec["location"] or region) if region else None,
        "ResourceId": resource_id,
        "ResourceType": resource_type(resource_id) if resource_id else None,
        "SkuId": sku,
        "SkuMeter": sku_meter(parsed) if sku else None,
        "SkuPriceId": (rec["rate_code"] or rec["rate_id"] or sku) if priced else None,
    }


def _line_columns(rec: Mapping[str, Any], team_value: str | None, team_via: str | None) -> dict[str, Any]:
    """The ``x_`` provider columns: the CUR line behind the row and its team, flat."""
    return {
        "x_LineItemId": rec["line_item_id"],
        "x_LineItemType": rec["line_item_type"],
        "x_ServiceCode": rec["service"],
        "x_UsageType": rec["usage_type"],
        "x_Operation": rec["operation"],
        "x_InvoicingEntity": rec["invoicing_entity"],
        "x_IamPrincipal": rec["principal"],
        "x_Team": team_value,
        "x_TeamSource": team_via,
    }
