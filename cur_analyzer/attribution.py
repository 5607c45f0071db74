"""Attribution rules: which dimension a user asked for, and how a billing line gets its value for it.

The one home of dimension names (what chargeback, reconcile, alerts and budgets group by), tag-key
validation and the CUR key spellings of a tag (``tags['iamPrincipal/team']``, ``tags['resourceTags/team']``,
``resource_tags['user_team']``).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cur_analyzer.errors import UserInputError

if TYPE_CHECKING:
    from cur_analyzer.bedrock.usage_types import UsageType

UNALLOCATED = "Unallocated"

#: Line item types that are usage a caller or resource incurred; everything else is an adjustment
#: (tax, credits, refunds, fees, discounts, Savings Plan fees and negations) shown on its own rows.
USAGE_LINE_TYPES = frozenset({"Usage", "DiscountedUsage", "SavingsPlanCoveredUsage"})

#: Dimensions computed from the principal ARN (``bedrock.principals``) or the usage type
#: (``bedrock.usage_types``), and the plain ones with the ``attribution_lines.sql`` column each reads.
PRINCIPAL_GRAINS = ("principal", "role", "session")
#: ``meter`` is the meter the invocation logs can be compared on (input, output, cache_read, cache_write,
#: with 1-hour cache writes as cache_write, ``other`` for any other usage); ``token-type`` the meter as billed;
#: ``meter-class`` what the meter bills, token or not (``bedrock.meter_classes.meter_class``: provisioned
#: throughput, guardrails, AgentCore runtime vCPU...); ``pricing-model`` how it is priced (``pricing_model``).
USAGE_TYPE_DIMS = ("model", "token-type", "meter", "meter-class", "pricing-model", "usage-type")
PLAIN_DIMS = {"account": "account", "service": "service", "region": "region", "day": "usage_date"}
SIMPLE_DIMS = (*PRINCIPAL_GRAINS, "account", *USAGE_TYPE_DIMS, "service", "region", "day")
#: The ``meter`` of a usage type that bills something other than text tokens.
OTHER_METER = "other"

#: Tag dimension prefixes -> (key prefix in the unified ``tags`` map, whether ``resource_tags`` holds it too)
TAG_PREFIXES = {
    "iamPrincipal/": ("iamPrincipal/", False),
    "tag/": ("resourceTags/", True),
    "accountTag/": ("accountTag/", False),
}

# AWS tag keys: letters, digits, spaces and _ . : / = + - @ (1-128 characters).
_TAG_KEY_RE = re.compile(r"^[\w .:/=+\-@]{1,128}$", re.UNICODE)
#: A log-side dimension: the value a caller sent under a requestMetadata key (the
#: X-Amzn-Bedrock-Request-Metadata header, or Converse's requestMetadata field), ``request-metadata/tenant``.
REQUEST_METADATA = "request-metadata/"
# requestMetadata keys: 1-256 of letters, digits, spaces and : _ @ $ # = / + , . - (Bedrock's own rule).
_METADATA_KEY_RE = re.compile(r"^[\w\s:@$#=/+,.\-]{1,256}$", re.UNICODE)


def request_metadata_key(spec: str) -> str | None:
    """The requestMetadata key a ``request-metadata/<key>`` dimension names; None for any other one."""
    if not spec.startswith(REQUEST_METADATA):
        return None
    return validate_metadata_key(spec[len(REQUEST_METADATA) :])


def validate_metadata_key(key: str) -> str:
    if not _METADATA_KEY_RE.fullmatch(key):
        raise UserInputError(
            f"request metadata key {key!r} has characters Bedrock does not allow in one (letters, digits, "
            "spaces and : _ @ $ # = / + , . -, at most 256)",
            option="by",
        )
    return key


def validate_month(month: str) -> str:
    """``month`` when it is a billing period (``YYYY-MM``); the rule is ``period.BillingPeriod``'s."""
    from cur_analyzer.period import BillingPeriod

    return str(BillingPeriod.parse(month))


def validate_tag_key(key: str) -> str:
    if not key or not _TAG_KEY_RE.fullmatch(key):
        raise UserInputError(
            f"tag key {key!r} has characters AWS does not allow in tag keys "
            "(letters, digits, spaces and _ . : / = + - @, at most 128)"
        )
    return key


def resource_tags_key(key: str) -> str:
    """The ``resource_tags`` map key CUR 2.0 uses for a user tag: ``user_`` + lower-case, non-alphanumerics
    as ``_`` (``cost-center`` -> ``user_cost_center``). AWS does not document CamelCase splitting, so
    ``CostCenter`` is looked up as ``user_costcenter``; the unified ``tags`` map keeps the original key."""
    return "user_" + re.sub(r"[^0-9a-z]", "_", key.lower())


@dataclass(frozen=True)
class Dimension:
    """One dimension to group by, exactly as the user wrote it."""

    spec: str
    kind: str  # a SIMPLE_DIMS name, "tag" for any tag lookup, "rules" for a rules-file dimension
    tags_key: str | None = None  # key in the unified tags map
    resource_key: str | None = None  # key in resource_tags ("" when resource_tags never holds it)

    @property
    def engine_column(self) -> str:
        if self.kind in PRINCIPAL_GRAINS:
            return "principal"
        if self.kind in USAGE_TYPE_DIMS:
            return "usage_type"
        if self.kind in ("tag", "rules"):
            return self.kind
        return PLAIN_DIMS[self.kind]


#: The usage day: what a daily trend groups by.
DAY = Dimension("day", "day")


def is_a_value(value: str | None) -> bool:
    """Does a tag (or any attribute) name something? Empty or only whitespace names nothing: a team tag set
    to " " is no team, in chargeback, coverage and every split alike."""
    return bool(value) and bool(value.strip())


def parse_dimension(spec: str, rules_dimensions: Collection[str] = ()) -> Dimension:
    """A dimension as the user wrote it; ``rules_dimensions`` are the names a rules file defines
    (``cur_analyzer.rules`` resolves those, the ordered sources and their provenance live there)."""
    if spec in SIMPLE_DIMS:
        return Dimension(spec, spec)
    if spec in rules_dimensions:
        return Dimension(spec, "rules")
    for prefix, (tags_prefix, in_resource_tags) in TAG_PREFIXES.items():
        if spec.startswith(prefix):
            key = validate_tag_key(spec[len(prefix) :])
            return Dimension(
                spec, "tag", tags_prefix + key, resource_tags_key(key) if in_resource_tags else ""
            )
    raise UserInputError(
        f"{spec!r} is not a dimension; use one of {', '.join(SIMPLE_DIMS)}, "
        "iamPrincipal/<key>, tag/<key>, accountTag/<key>"
        + (
            f" or a rules-file dimension ({', '.join(rules_dimensions)})"
            if rules_dimensions
            else f", or give a rules file that defines {spec!r}"
        ),
        option="by",
        fixed_by=None if rules_dimensions else "rules",
    )


#: The dimensions that read a line's product name besides its usage type (``attribution_lines.sql``'s
#: ``product_name``): an AWS Marketplace line names its model only there.
PRODUCT_NAME_DIMS = ("model",)


def label(dim: Dimension, raw: Any, product_name: str | None = None) -> str | None:
    """The value a line shows for a dimension, from its engine column (and, for the model of an AWS
    Marketplace line, its product name); None when the line has none."""
    if raw is None or raw == "":
        return None
    if dim.kind in PRINCIPAL_GRAINS:
        from cur_analyzer.bedrock.principals import principal_key

        return principal_key(raw, dim.kind)
    if dim.kind in USAGE_TYPE_DIMS:
        return _usage_type_label(dim.kind, raw, product_name)
    return str(raw)  # the usage day arrives as a date: YYYY-MM-DD


def _usage_type_label(kind: str, usage_type: str, product_name: str | None) -> str | None:
    if kind == "usage-type":
        return usage_type
    from cur_analyzer.bedrock.meter_classes import marketplace_model, meter_class
    from cur_analyzer.bedrock.models import by_billing_name
    from cur_analyzer.bedrock.usage_types import parse_usage_type

    if kind == "meter-class":
        return meter_class(usage_type)
    if kind == "pricing-model":
        return pricing_model(usage_type)
    parsed = parse_usage_type(usage_type)
    if kind == "meter":
        return meter_of(parsed)
    if not parsed.mapped:
        return None
    if kind == "token-type":
        return parsed.meter if parsed.is_token_meter else (parsed.meter_detail or parsed.meter)
    if parsed.style == "marketplace":
        return marketplace_model(product_name)
    model = by_billing_name(parsed.billing_name)
    return model.display_name if model else parsed.billing_name


#: The pricing model of each service tier of the usage-type grammar (``bedrock.usage_types.TIERS``): the
#: standard tier is on-demand, as CUDOS 5.9's "Bedrock Pricing Model" names it.
PRICING_MODELS = {
    "standard": "on-demand",
    "batch": "batch",
    "flex": "flex",
    "priority": "priority",
    "latency_optimized": "latency-optimized",
    "reserved": "reserved",
    "provisioned": "provisioned",
}


def pricing_model(usage_type: str) -> str | None:
    """How a Bedrock usage type is priced: one of ``PRICING_MODELS``' values, or None for a usage type
    outside Bedrock's meters. Reserved capacity and provisioned throughput parse as meter ``other``, so
    they are told by their meter class first (a pascal ``ModelUnits`` meter fits no grammar, yet it is
    provisioned throughput); any other usage type takes its tier. A Bedrock meter the grammar does not
    spell (AgentCore, flows, knowledge bases...) is paid per use: on-demand, as CUDOS reads it."""
    from cur_analyzer.bedrock.meter_classes import OTHER_METER_CLASS, meter_class
    from cur_analyzer.bedrock.usage_types import parse_usage_type

    cls = meter_class(usage_type)
    if cls == "provisioned-throughput":
        return PRICING_MODELS["provisioned"]
    parsed = parse_usage_type(usage_type)
    if cls == "reserved" or parsed.tier == "reserved":
        return PRICING_MODELS["reserved"]
    if parsed.mapped:
        return PRICING_MODELS[parsed.tier]
    return PRICING_MODELS["standard"] if cls != OTHER_METER_CLASS else None


def meter_of(parsed: UsageType) -> str:
    """The ``meter`` of a parsed usage type: a text-token meter as the invocation logs count it (a 1-hour
    cache write is a cache write there), ``other`` for any other usage, mapped or not."""
    if not parsed.is_token_meter:
        return OTHER_METER
    return "cache_write" if parsed.meter == "cache_write_1h" else parsed.meter
