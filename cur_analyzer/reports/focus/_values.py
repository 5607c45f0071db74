"""CUR values -> FOCUS values, one line at a time: charge category and frequency, pricing category, FOCUS
unit format, SKU meter, resource type, the Tags object, and the Decimal parsing and money precision every
cost and quantity column goes through."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

#: Cost basis of EffectiveCost (bound into ``focus_lines.sql``).
EFFECTIVE_COST_BASIS = "net-amortized"
MONEY_QUANTUM = Decimal(1).scaleb(-10)
ZERO = Decimal(0)

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


def pricing_category(line_item_type: str | None, pricing_term: str | None) -> str:
    if line_item_type in _COMMITTED_USAGE:
        return "Committed"
    if (pricing_term or "").lower() == "spot":
        return "Dynamic"
    return "Standard"


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


def sku_meter(parsed: Any) -> str | None:
    """The SkuMeter of a parsed usage type: the FOCUS-style name of a token meter, else its detail."""
    if parsed is None or not parsed.mapped:
        return None
    if parsed.meter in _METER_NAMES:
        return _METER_NAMES[parsed.meter]
    return parsed.meter_detail or parsed.meter


def resource_type(resource_id: str) -> str:
    """``arn:aws:bedrock:…:application-inference-profile/x`` -> ``Application Inference Profile``."""
    tail = resource_id.split(":", 5)[-1] if resource_id.startswith("arn:") else resource_id
    kind = tail.split("/", 1)[0] if "/" in tail else ""
    if not kind or not re.fullmatch(r"[a-z][a-z0-9-]*", kind):
        return "Resource"
    return " ".join(w.capitalize() for w in kind.split("-"))


def decimal_or_none(value: Any) -> Decimal | None:
    """A CUR number as Decimal; None for a missing, unparsable or non-finite one."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        out = Decimal(str(value))
    except InvalidOperation:
        return None
    return out if out.is_finite() else None


def money(value: Decimal | None) -> Decimal | None:
    """A FOCUS Decimal at the export's precision (``MONEY_QUANTUM``)."""
    return None if value is None else value.quantize(MONEY_QUANTUM)


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
