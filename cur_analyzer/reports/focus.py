"""The FOCUS 1.2 export model: a month's Amazon Bedrock lines as FOCUS rows, with the attribution in Tags.

One FOCUS row per CUR line (usage and adjustments alike, nothing aggregated), so ``BilledCost`` sums to
the month's Bedrock bill exactly. Built from the rows of ``athena/focus_lines.sql`` (whichever engine ran
it); no I/O, no rendering. The column list and types are encoded once here (``FOCUS_COLUMNS``).

Mapping decisions (FOCUS 1.2 wording in quotes):

* ``BilledCost`` = ``line_item_unblended_cost``: discounts the bill shows on their own lines (EDP) stay
  their own rows, as on the invoice. ``EffectiveCost`` = the ``net-amortized`` cost basis of
  ``chargeback --cost-basis`` (same CASE in the SQL): "after applying all reduced rates, discounts", so an
  EDP line's EffectiveCost is 0 and its discount sits in the usage lines' net cost.
* ``ListCost`` / ``ContractedCost`` of usage and purchase rows are, as FOCUS defines them, unit price x
  ``PricingQuantity`` (public on-demand rate, resp. the unblended rate), not CUR's rounded
  ``pricing_public_on_demand_cost``: CUR rounds line costs, FOCUS requires the product to match. Other
  rows (tax, credits, adjustments) carry ``BilledCost`` in both, as FOCUS requires for charges without a
  unit price.
* ``ChargeCategory`` from ``line_item_line_item_type`` (``CHARGE_CATEGORY_OF``): usage types -> Usage,
  fees -> Purchase, Tax -> Tax, credits and discounts -> Credit, Refund and anything unknown -> Adjustment.
  ``ChargeClass`` is "Correction" only for a line whose charge period starts before its billing period.
* ``PricingUnit`` in FOCUS unit format (``1K tokens`` -> ``1000 Tokens``); ``PricingQuantity`` is the CUR
  usage amount (in that unit), ``ConsumedQuantity`` the same in base units (tokens).
* ``Tags``: a JSON object. Resource / AIP tags under their own keys (the one unprefixed scheme), principal
  and account tags with AWS's prefixes (``iamPrincipal/team``, ``accountTag/env``), then the attribution
  as ``x_`` keys: ``x_principal``, ``x_principal_kind``, ``x_team``, ``x_team_source`` (which source decided:
  ``aip_tag:team``, ``principal_tag:team``, a rules file's ``attributed_via``...), one ``x_<dim>`` /
  ``x_<dim>_source`` pair per other rules-file dimension, and ``x_usage_type``, ``x_model``, ``x_meter``,
  ``x_tier``, ``x_scope``. Shared-cost splits are not applied: a FOCUS row is one bill line, and FOCUS 1.2
  has no allocation columns; ``x_team`` is the line's own value (``Unallocated`` when no source has one).
* Bedrock has no commitment discounts or capacity reservations: those columns are null. FOCUS 1.2 has no
  ``HostProviderName`` / ``ServiceProviderName`` (FOCUS 1.3 adds them); ``ProviderName`` and
  ``PublisherName`` and ``InvoiceIssuerName`` are "AWS" (an issuer other than the provider means "paid to a
  third party", where FOCUS wants BilledCost 0); the legal invoicing entity is in ``x_InvoicingEntity``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cur_analyzer.attribution import USAGE_LINE_TYPES, Dimension, label
from cur_analyzer.engines import Engine
from cur_analyzer.reports._view import ReportModel

if TYPE_CHECKING:
    import pyarrow as pa

    from cur_analyzer.reports._view import Tabular
    from cur_analyzer.rules import Rules

FOCUS_VERSION = "1.2"
#: The dimension whose value and provenance go in ``x_team`` / ``x_team_source``.
TEAM_DIMENSION = "team"
#: Without a rules file (or one without ``team``), ``team`` is the first of these tag sources.
DEFAULT_TEAM_SOURCES = (("aip_tag", "team"), ("principal_tag", "team"), ("account_tag", "team"))
#: Cost basis of EffectiveCost (bound into ``focus_lines.sql``).
EFFECTIVE_COST_BASIS = "net-amortized"
MONEY_QUANTUM = Decimal(1).scaleb(-10)
ZERO = Decimal(0)

# --- the FOCUS 1.2 columns (CostAndUsage dataset), encoded once ---------------------------------------
STRING, DECIMAL, DATETIME, JSON = "String", "Decimal", "DateTime", "JSON"

#: Every FOCUS 1.2 column with its FOCUS data type (KeyValue columns are JSON object text).
FOCUS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("AvailabilityZone", STRING),
    ("BilledCost", DECIMAL),
    ("BillingAccountId", STRING),
    ("BillingAccountName", STRING),
    ("BillingAccountType", STRING),
    ("BillingCurrency", STRING),
    ("BillingPeriodEnd", DATETIME),
    ("BillingPeriodStart", DATETIME),
    ("CapacityReservationId", STRING),
    ("CapacityReservationStatus", STRING),
    ("ChargeCategory", STRING),
    ("ChargeClass", STRING),
    ("ChargeDescription", STRING),
    ("ChargeFrequency", STRING),
    ("ChargePeriodEnd", DATETIME),
    ("ChargePeriodStart", DATETIME),
    ("CommitmentDiscountCategory", STRING),
    ("CommitmentDiscountId", STRING),
    ("CommitmentDiscountName", STRING),
    ("CommitmentDiscountQuantity", DECIMAL),
    ("CommitmentDiscountStatus", STRING),
    ("CommitmentDiscountType", STRING),
    ("CommitmentDiscountUnit", STRING),
    ("ConsumedQuantity", DECIMAL),
    ("ConsumedUnit", STRING),
    ("ContractedCost", DECIMAL),
    ("ContractedUnitPrice", DECIMAL),
    ("EffectiveCost", DECIMAL),
    ("InvoiceId", STRING),
    ("InvoiceIssuerName", STRING),
    ("ListCost", DECIMAL),
    ("ListUnitPrice", DECIMAL),
    ("PricingCategory", STRING),
    ("PricingCurrency", STRING),
    ("PricingCurrencyContractedUnitPrice", DECIMAL),
    ("PricingCurrencyEffectiveCost", DECIMAL),
    ("PricingCurrencyListUnitPrice", DECIMAL),
    ("PricingQuantity", DECIMAL),
    ("PricingUnit", STRING),
    ("ProviderName", STRING),
    ("PublisherName", STRING),
    ("RegionId", STRING),
    ("RegionName", STRING),
    ("ResourceId", STRING),
    ("ResourceName", STRING),
    ("ResourceType", STRING),
    ("ServiceCategory", STRING),
    ("ServiceName", STRING),
    ("ServiceSubcategory", STRING),
    ("SkuId", STRING),
    ("SkuMeter", STRING),
    ("SkuPriceDetails", JSON),
    ("SkuPriceId", STRING),
    ("SubAccountId", STRING),
    ("SubAccountName", STRING),
    ("SubAccountType", STRING),
    ("Tags", JSON),
)

#: Provider columns (FOCUS: custom columns start with ``x_``): the CUR line behind each row and its
#: attribution, flat, for tools that do not read JSON.
EXTRA_COLUMNS: tuple[tuple[str, str], ...] = (
    ("x_LineItemId", STRING),
    ("x_LineItemType", STRING),
    ("x_ServiceCode", STRING),
    ("x_UsageType", STRING),
    ("x_Operation", STRING),
    ("x_InvoicingEntity", STRING),
    ("x_IamPrincipal", STRING),
    ("x_Team", STRING),
    ("x_TeamSource", STRING),
)

ALL_COLUMNS: tuple[tuple[str, str], ...] = FOCUS_COLUMNS + EXTRA_COLUMNS
COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _ in ALL_COLUMNS)
DECIMAL_COLUMNS: tuple[str, ...] = tuple(name for name, kind in ALL_COLUMNS if kind == DECIMAL)
DATETIME_COLUMNS: tuple[str, ...] = tuple(name for name, kind in ALL_COLUMNS if kind == DATETIME)

# --- allowed values (FOCUS 1.2) ---------------------------------------------------------------------------
CHARGE_CATEGORIES = ("Usage", "Purchase", "Tax", "Credit", "Adjustment")
CHARGE_FREQUENCIES = ("One-Time", "Recurring", "Usage-Based")
PRICING_CATEGORIES = ("Standard", "Committed", "Dynamic", "Other")
SERVICE_CATEGORY = "AI and Machine Learning"
SERVICE_SUBCATEGORY = "Generative AI"
SERVICE_NAME = "Amazon Bedrock"
PROVIDER = "AWS"
BILLING_ACCOUNT_TYPE = "Management Account"
SUB_ACCOUNT_TYPE = "Member Account"

#: ``line_item_line_item_type`` -> ChargeCategory. Types not listed: ``…Discount`` -> Credit, else Adjustment.
CHARGE_CATEGORY_OF: dict[str, str] = {
    "Usage": "Usage",
    "DiscountedUsage": "Usage",
    "SavingsPlanCoveredUsage": "Usage",
    "SavingsPlanNegation": "Usage",  # negates covered on-demand usage (FOCUS supporting content, AWS)
    "Fee": "Purchase",
    "RIFee": "Purchase",
    "SavingsPlanUpfrontFee": "Purchase",
    "SavingsPlanRecurringFee": "Purchase",
    "Tax": "Tax",
    "Credit": "Credit",
    "EdpDiscount": "Credit",
    "PrivateRateDiscount": "Credit",
    "BundledDiscount": "Credit",
    "DistributorDiscount": "Credit",
    "Discount": "Credit",
    "Refund": "Adjustment",
}
_RECURRING_FEES = frozenset({"RIFee", "SavingsPlanRecurringFee"})
_COMMITTED_USAGE = frozenset({"DiscountedUsage", "SavingsPlanCoveredUsage"})

#: CUR ``pricing_unit`` spellings -> (FOCUS unit, base units in one, base unit) for the ones Bedrock bills.
_KNOWN_UNITS: dict[str, tuple[str, int, str]] = {
    "1k tokens": ("1000 Tokens", 1_000, "Tokens"),
    "1m tokens": ("1000000 Tokens", 1_000_000, "Tokens"),
    "tokens": ("Tokens", 1, "Tokens"),
    "1k images": ("1000 Images", 1_000, "Images"),
    "images": ("Images", 1, "Images"),
    "image": ("Images", 1, "Images"),
    "hrs": ("Hours", 1, "Hours"),
    "hours": ("Hours", 1, "Hours"),
    "units": ("Units", 1, "Units"),
}
_SCALED_UNIT_RE = re.compile(r"^\s*(\d+)\s*([KkMm]?)\s+([A-Za-z][A-Za-z0-9 ]*?)\s*$")
_PLAIN_UNIT_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?: [A-Za-z][A-Za-z0-9]*)*$")
_MULTIPLIER = {"": 1, "k": 1_000, "m": 1_000_000}

_METER_NAMES = {
    "input": "Input Tokens",
    "output": "Output Tokens",
    "cache_read": "Cache Read Input Tokens",
    "cache_write": "Cache Write Input Tokens",
    "cache_write_1h": "Cache Write Input Tokens (1 hour)",
}


def charge_category(line_item_type: str | None) -> str:
    """The FOCUS ChargeCategory of a CUR line item type (always one of ``CHARGE_CATEGORIES``)."""
    lit = line_item_type or ""
    if lit in CHARGE_CATEGORY_OF:
        return CHARGE_CATEGORY_OF[lit]
    return "Credit" if lit.endswith("Discount") else "Adjustment"


def charge_frequency(line_item_type: str | None, category: str) -> str:
    if category == "Usage":
        return "Usage-Based"
    if category == "Purchase":
        return "Recurring" if line_item_type in _RECURRING_FEES else "One-Time"
    return "One-Time"


def focus_unit(pricing_unit: str | None) -> tuple[str, int, str] | None:
    """(FOCUS unit, base units in one, base unit) for a CUR ``pricing_unit``: ``1K tokens`` ->
    (``1000 Tokens``, 1000, ``Tokens``). None when the spelling is not understood (nothing is guessed)."""
    if not pricing_unit:
        return None
    known = _KNOWN_UNITS.get(pricing_unit.strip().lower())
    if known:
        return known
    if m := _SCALED_UNIT_RE.match(pricing_unit):
        base = m[3].strip()
        base = base[:1].upper() + base[1:]
        n = int(m[1]) * _MULTIPLIER[m[2].lower()]
        return (f"{n} {base}" if n != 1 else base), n, base
    if _PLAIN_UNIT_RE.match(pricing_unit.strip()):
        unit = pricing_unit.strip()
        return unit, 1, unit
    return None


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        out = Decimal(str(value))
    except InvalidOperation:
        return None
    return out if out.is_finite() else None


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(MONEY_QUANTUM)


def _resource_type(resource_id: str) -> str:
    """``arn:aws:bedrock:…:application-inference-profile/x`` -> ``Application Inference Profile``."""
    tail = resource_id.split(":", 5)[-1] if resource_id.startswith("arn:") else resource_id
    kind = tail.split("/", 1)[0] if "/" in tail else ""
    if not kind or not re.fullmatch(r"[a-z][a-z0-9-]*", kind):
        return "Resource"
    return " ".join(w.capitalize() for w in kind.split("-"))


def focus_tags(
    tags_json: str | None, resource_tags_json: str | None, extra: Mapping[str, str | None]
) -> dict[str, Any]:
    """The Tags object of one line: resource tags unprefixed, principal/account tags with their AWS prefix
    (``iamPrincipal/``, ``accountTag/``), then the non-null ``x_`` attribution keys."""
    tags = json.loads(tags_json) if tags_json else {}
    out: dict[str, Any] = {}
    has_resource_tags = False
    for key, value in sorted(tags.items()):
        if key.startswith("resourceTags/"):
            out[key[len("resourceTags/") :]] = value
            has_resource_tags = True
        else:
            out[key] = value
    if not has_resource_tags and resource_tags_json:
        # no unified map (or no resource tags in it): the legacy map's normalised keys, ``user_`` dropped
        for key, value in sorted(json.loads(resource_tags_json).items()):
            out.setdefault(key.removeprefix("user_"), value)
    out.update({k: v for k, v in extra.items() if v is not None})
    return out


# --- the model -------------------------------------------------------------------------------------------
@dataclass
class FocusExport(ReportModel):
    month: str
    rows: list[dict[str, Any]]  # one per CUR line; keys COLUMN_NAMES; money and quantities as Decimal
    final: bool
    #: how x_team is decided: the rules file's sources for ``team`` or the built-in default
    team_sources: tuple[str, ...]
    rules_dimensions: tuple[str, ...]
    notes: list[str] = field(default_factory=list)

    def totals(self, column: str = "BilledCost") -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for r in self.rows:
            out[r["BillingCurrency"]] += r[column] or ZERO
        return dict(out)

    def by_category(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for r in self.rows:
            out[r["ChargeCategory"]] += 1
        return dict(out)

    def as_table(self) -> Tabular:
        return tabular(self)


def _rules_with_team(rules: Rules | None, team_dimension: str) -> Rules:
    """The rules in force plus a ``team`` dimension (the built-in sources) when they do not define one."""
    from dataclasses import replace

    from cur_analyzer.rules import RuleDimension, Rules, TagSource, compile_source

    base = rules or Rules.empty()
    if team_dimension in base.dimensions:
        return base
    sources = tuple(
        compile_source(TagSource(source=kind, key=key), Path(".")) for kind, key in DEFAULT_TEAM_SOURCES
    )
    dims = {**base.dimensions, team_dimension: RuleDimension(team_dimension, sources)}
    return replace(base, dimensions=dims)


def build_focus_export(
    engine: Engine, month: str, rules: Rules | None = None, team_dimension: str = TEAM_DIMENSION
) -> FocusExport:
    """Every Amazon Bedrock line of ``month`` as a FOCUS 1.2 row (see the module docstring)."""
    from cur_analyzer.attribution import parse_dimension
    from cur_analyzer.reports.chargeback import check_month, month_is_final
    from cur_analyzer.rules import MAX_SLOTS, LinePlan

    check_month(engine, month)
    caps = engine.capabilities()
    rule_set = _rules_with_team(rules, team_dimension)
    names = tuple(rule_set.dimensions)
    dims = [parse_dimension(n, names) for n in names]
    plan = LinePlan(dims, rule_set, has_resource_ids=caps.has("resource_id"))
    slots = {k: v for k, v in plan.params(month, "bedrock").items() if k.startswith("slot")}
    records = engine.query(
        "focus_lines", {**slots, "effective_cost_basis": EFFECTIVE_COST_BASIS, "month": month}
    ).to_pylist()

    notes: list[str] = plan.notes(caps)
    counters: dict[str, int] = defaultdict(int)
    resolved: dict[tuple, tuple[tuple[str, ...], tuple[str | None, ...]]] = {}
    rows = []
    for rec in records:
        usage = rec["line_item_type"] in USAGE_LINE_TYPES
        attribution: dict[str, tuple[str, str]] = {}
        if usage:
            key = (
                rec["account"],
                rec["principal"],
                rec["service"],
                rec["resource_kind"],
                *(rec[f"slot{i}"] for i in range(1, MAX_SLOTS + 1)),
            )
            if key not in resolved:
                resolved[key] = plan.resolve(rec)
            values, vias = resolved[key]
            attribution = {
                d.spec: (v, via or "unallocated") for d, v, via in zip(dims, values, vias, strict=True)
            }
        rows.append(_row(rec, attribution, team_dimension, counters))

    if not caps.iam_principal:
        notes.append("the export has no line_item_iam_principal: x_principal is never set")
    if counters["unit"]:
        notes.append(
            f"{counters['unit']} lines have a pricing unit FOCUS cannot express: PricingUnit 'Units'"
        )
    if counters["period"]:
        notes.append(
            f"{counters['period']} lines had no positive charge period: ChargePeriodEnd set to its bound"
        )
    if counters["effective"]:
        notes.append(
            f"{counters['effective']} lines had no {EFFECTIVE_COST_BASIS} cost: EffectiveCost = BilledCost"
        )
    if counters["currency"]:
        notes.append(
            f"{counters['currency']} lines are priced in another currency than billed: PricingCurrency* columns null"
        )
    final = month_is_final(engine, month)
    if not final:
        notes.append(f"{month} is not final (no invoice id yet): InvoiceId is null and figures will change")
    team = rule_set.dimensions[team_dimension]
    return FocusExport(
        month,
        rows,
        final,
        tuple(s.via for s in team.sources),
        tuple(n for n in names if n != team_dimension),
        notes + engine.notes,
    )


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


def _row(
    rec: Mapping[str, Any],
    attribution: Mapping[str, tuple[str, str]],
    team_dimension: str,
    counters: dict[str, int],
) -> dict[str, Any]:
    from cur_analyzer.bedrock.principals import parse_principal
    from cur_analyzer.bedrock.usage_types import parse_usage_type

    lit = rec["line_item_type"]
    category = charge_category(lit)
    priced = category in ("Usage", "Purchase")  # rows with unit prices and quantities
    start, end = _charge_period(rec, counters)
    bp_start = rec["billing_period_start"]
    correction = bp_start is not None and start is not None and start < bp_start
    billed = _decimal(rec["billed_cost"]) or ZERO
    effective = _decimal(rec["effective_cost"])
    if effective is None:
        counters["effective"] += 1
        effective = billed

    quantity = unit = consumed = consumed_unit = list_price = contracted_price = None
    list_cost = contracted_cost = billed
    if priced:
        quantity = _decimal(rec["usage_amount"]) or ZERO
        parsed_unit = focus_unit(rec["pricing_unit"])
        if parsed_unit is None:
            counters["unit"] += 1
            parsed_unit = ("Units", 1, "Units")
        unit, per_unit, consumed_unit = parsed_unit
        public, unblended = _decimal(rec["public_rate"]), _decimal(rec["unblended_rate"])
        fallback = (billed / quantity).quantize(MONEY_QUANTUM) if quantity else ZERO
        list_price = public if public is not None else (unblended if unblended is not None else fallback)
        contracted_price = unblended if unblended is not None else list_price
        list_cost = _money(list_price * quantity)
        contracted_cost = _money(contracted_price * quantity)
        if category == "Usage" and not correction:
            consumed = _money(quantity * per_unit)
        else:
            consumed_unit = None
    billing_currency = rec["currency"]
    pricing_currency = rec["pricing_currency"] or billing_currency
    same_currency = pricing_currency == billing_currency
    if not same_currency:
        counters["currency"] += 1

    parsed = parse_usage_type(rec["usage_type"]) if rec["usage_type"] else None
    sku = rec["sku"] if priced else None
    principal = rec["principal"]
    team_value, team_via = attribution.get(team_dimension, (None, None))
    extra: dict[str, str | None] = {}
    if principal:
        extra |= {"x_principal": principal, "x_principal_kind": parse_principal(principal).kind}
    if attribution:
        extra |= {"x_team": team_value, "x_team_source": team_via}
        for name, (value, via) in attribution.items():
            if name != team_dimension:
                extra |= {f"x_{name}": value, f"x_{name}_source": via}
    if parsed is not None:
        extra["x_usage_type"] = parsed.raw
        if parsed.mapped:
            extra |= {
                "x_model": label(Dimension("model", "model"), parsed.raw),
                "x_meter": parsed.meter if parsed.is_token_meter else (parsed.meter_detail or parsed.meter),
                "x_tier": parsed.tier,
                "x_scope": parsed.scope,
            }
    region = rec["region_code"] or (parsed.region if parsed is not None else None)
    resource_id = rec["resource_id"]
    return {
        "AvailabilityZone": rec["availability_zone"],
        "BilledCost": billed,
        "BillingAccountId": rec["payer_account_id"],
        "BillingAccountName": rec["payer_account_name"],
        "BillingAccountType": BILLING_ACCOUNT_TYPE if rec["payer_account_id"] else None,
        "BillingCurrency": billing_currency,
        "BillingPeriodEnd": rec["billing_period_end"],
        "BillingPeriodStart": bp_start,
        "CapacityReservationId": None,
        "CapacityReservationStatus": None,
        "ChargeCategory": category,
        "ChargeClass": "Correction" if correction else None,
        "ChargeDescription": rec["description"] or f"{lit} for {SERVICE_NAME}",
        "ChargeFrequency": charge_frequency(lit, category),
        "ChargePeriodEnd": end,
        "ChargePeriodStart": start,
        "CommitmentDiscountCategory": None,
        "CommitmentDiscountId": None,
        "CommitmentDiscountName": None,
        "CommitmentDiscountQuantity": None,
        "CommitmentDiscountStatus": None,
        "CommitmentDiscountType": None,
        "CommitmentDiscountUnit": None,
        "ConsumedQuantity": consumed,
        "ConsumedUnit": consumed_unit,
        "ContractedCost": contracted_cost,
        "ContractedUnitPrice": contracted_price,
        "EffectiveCost": effective,
        "InvoiceId": rec["invoice_id"],
        "InvoiceIssuerName": PROVIDER,
        "ListCost": list_cost,
        "ListUnitPrice": list_price,
        "PricingCategory": _pricing_category(lit, rec["pricing_term"]) if priced else None,
        "PricingCurrency": pricing_currency,
        "PricingCurrencyContractedUnitPrice": contracted_price if same_currency else None,
        "PricingCurrencyEffectiveCost": effective if same_currency else None,
        "PricingCurrencyListUnitPrice": list_price if same_currency else None,
        "PricingQuantity": quantity,
        "PricingUnit": unit,
        "ProviderName": PROVIDER,
        "PublisherName": PROVIDER,
        "RegionId": region,
        "RegionName": (rec["location"] or region) if region else None,
        "ResourceId": resource_id,
        "ResourceName": None,  # CUR carries no display name of an inference profile
        "ResourceType": _resource_type(resource_id) if resource_id else None,
        "ServiceCategory": SERVICE_CATEGORY,
        "ServiceName": SERVICE_NAME,
        "ServiceSubcategory": SERVICE_SUBCATEGORY,
        "SkuId": sku,
        "SkuMeter": _sku_meter(parsed) if sku else None,
        "SkuPriceDetails": None,
        "SkuPriceId": (rec["rate_code"] or rec["rate_id"] or sku) if priced else None,
        "SubAccountId": rec["account"],
        "SubAccountName": (rec["account_name"] or rec["account"]) if rec["account"] else None,
        "SubAccountType": SUB_ACCOUNT_TYPE if rec["account"] else None,
        "Tags": json.dumps(
            focus_tags(rec["tags_json"], rec["resource_tags_json"], extra),
            ensure_ascii=False,
            separators=(",", ":"),
        ),
        "x_LineItemId": rec["line_item_id"],
        "x_LineItemType": lit,
        "x_ServiceCode": rec["service"],
        "x_UsageType": rec["usage_type"],
        "x_Operation": rec["operation"],
        "x_InvoicingEntity": rec["invoicing_entity"],
        "x_IamPrincipal": principal,
        "x_Team": team_value,
        "x_TeamSource": team_via,
    }


def _pricing_category(line_item_type: str | None, pricing_term: str | None) -> str:
    if line_item_type in _COMMITTED_USAGE:
        return "Committed"
    if (pricing_term or "").lower() == "spot":
        return "Dynamic"
    return "Standard"


def _sku_meter(parsed: Any) -> str | None:
    if parsed is None or not parsed.mapped:
        return None
    if parsed.meter in _METER_NAMES:
        return _METER_NAMES[parsed.meter]
    return parsed.meter_detail or parsed.meter


# --- views for renderers ---------------------------------------------------------------------------------
def _utc_text(value: Any) -> Any:
    """A FOCUS DateTime as ISO 8601 UTC text (``2026-10-01T00:00:00Z``) for text formats."""
    if value is None or not hasattr(value, "strftime"):
        return value
    if getattr(value, "tzinfo", None) is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _text_rows(export: FocusExport) -> list[dict[str, Any]]:
    return [
        {c: (_utc_text(r[c]) if c in DATETIME_COLUMNS else r[c]) for c in COLUMN_NAMES} for r in export.rows
    ]


def summary(export: FocusExport) -> dict[str, Any]:
    return {
        "report": "focus",
        "focus_version": FOCUS_VERSION,
        "month": export.month,
        "final": export.final,
        "rows_count": len(export.rows),
        "billed_cost": export.totals("BilledCost"),
        "effective_cost": export.totals("EffectiveCost"),
        "charge_categories": export.by_category(),
        "team_sources": list(export.team_sources),
        "notes": export.notes,
    }


def tabular(export: FocusExport) -> Tabular:
    """The rows for the csv and json renderers (DateTimes as ISO 8601 UTC text, money full precision)."""
    from cur_analyzer.reports._view import Tabular

    rows = _text_rows(export)
    return Tabular(
        title=f"FOCUS {FOCUS_VERSION} export {export.month} (Amazon Bedrock)",
        columns=list(COLUMN_NAMES),
        rows=rows,
        money_columns=DECIMAL_COLUMNS,
        footer=export.notes,
        document={**summary(export), "columns": list(COLUMN_NAMES), "rows": rows},
    )


def arrow_schema() -> pa.Schema:
    """FOCUS 1.2 types in Arrow: Decimal as decimal128(38,10), DateTime as UTC timestamps, the rest text."""
    import pyarrow as pa

    types = {STRING: pa.string(), JSON: pa.string(), DECIMAL: pa.decimal128(38, 10)}
    types[DATETIME] = pa.timestamp("us", tz="UTC")
    return pa.schema([pa.field(name, types[kind]) for name, kind in ALL_COLUMNS])


def to_arrow(export: FocusExport) -> pa.Table:
    """The export as a typed Arrow table (the Parquet file's content), summary in the schema metadata."""
    import pyarrow as pa

    from cur_analyzer.reports._view import json_default

    schema = arrow_schema()
    columns = []
    for f in schema:
        values = [r[f.name] for r in export.rows]
        if f.name in DECIMAL_COLUMNS:
            values = [_money(v) for v in values]
        columns.append(pa.array(values, f.type))
    table = pa.Table.from_arrays(columns, schema=schema)
    return table.replace_schema_metadata(
        {
            "focus_version": FOCUS_VERSION,
            "cur_analyzer.report": json.dumps(summary(export), default=json_default),
        }
    )
