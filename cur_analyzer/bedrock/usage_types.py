"""The one home of the Amazon Bedrock usage-type grammar.

``line_item_usage_type`` is the only CUR column that says which model, which meter (input, output, cache
read/write...), which service tier and which routing scope a Bedrock line is for. AWS publishes no list of
the strings, they come in three grammars, and model names contain hyphens, so every other module (price
table, chargeback ``token-type``, reconciliation buckets, the synthetic generator) goes through
:func:`parse_usage_type` / :func:`format_usage_type` instead of splitting on ``-``.

Grammars (facts §4.2, real strings in ``reference/bedrock-usage-types.csv``):

* pascal      ``<REGION>-<BillingName>-<meter>[-<variant>...]``  e.g. ``USE1-Claude4.6Sonnet-input-tokens``,
              ``USE1-Nova2.0Lite-input-tokens-cross-region-global-batch``. Variants come in either order
              (``...-priority-cross-region-global`` and ``...-cross-region-global-batch`` are both real).
* mantle      ``<REGION>-<dotted.id>-mantle-<meter>[-global|-geo]-<tier>``
              e.g. ``USW2-anthropic.claude-opus-4-8-mantle-cache-write-tokens-standard``.
* marketplace ``<REGION>-MP:<REGION>_<Dimension>[_<Qualifier>...]-Units``; the model is only in the product
              name, so ``billing_name`` is ``None``.
* guardrails  ``<REGION>-Guardrail-<PolicyUnits>``.

A string that fits none of them is returned with ``mapped=False``: a wrong meter or tier would silently move
money between buckets, so the parser never guesses and the caller reports the string instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

METERS: tuple[str, ...] = ("input", "output", "cache_read", "cache_write", "cache_write_1h", "other")
#: Meters whose usage amount counts text tokens (the ones an invocation log can estimate).
TOKEN_METERS: tuple[str, ...] = METERS[:5]
TIERS: tuple[str, ...] = (
    "standard",
    "batch",
    "flex",
    "priority",
    "latency_optimized",
    "reserved",
    "provisioned",
)
SCOPES: tuple[str, ...] = ("in_region", "geo", "global")
STYLES: tuple[str, ...] = ("pascal", "mantle", "marketplace", "unmapped")
#: Qualifiers that change the rate but are neither tier nor scope.
FLAGS: tuple[str, ...] = ("long_context", "custom_model")

#: CUR usage-type region prefix -> region name. ``EU`` is eu-west-1's historical prefix; ``EUW1`` also occurs
#: in published Bedrock fixtures. A prefix missing here parses with ``region=None``: it is not derivable from
#: the region name (APS3 is ap-south-1, APS4 ap-southeast-3), so it is never invented.
REGION_NAMES: dict[str, str] = {
    "USE1": "us-east-1",
    "USE2": "us-east-2",
    "USW1": "us-west-1",
    "USW2": "us-west-2",
    "UGE1": "us-gov-east-1",
    "UGW1": "us-gov-west-1",
    "CAN1": "ca-central-1",
    "CAN2": "ca-west-1",
    "MXC1": "mx-central-1",
    "SAE1": "sa-east-1",
    "EU": "eu-west-1",
    "EUW1": "eu-west-1",
    "EUW2": "eu-west-2",
    "EUW3": "eu-west-3",
    "EUC1": "eu-central-1",
    "EUC2": "eu-central-2",
    "EUN1": "eu-north-1",
    "EUS1": "eu-south-1",
    "EUS2": "eu-south-2",
    "APE1": "ap-east-1",
    "APN1": "ap-northeast-1",
    "APN2": "ap-northeast-2",
    "APN3": "ap-northeast-3",
    "APS1": "ap-southeast-1",
    "APS2": "ap-southeast-2",
    "APS3": "ap-south-1",
    "APS4": "ap-southeast-3",
    "APS5": "ap-south-2",
    "APS6": "ap-southeast-4",
    "APS7": "ap-southeast-5",
    "MEC1": "me-central-1",
    "MES1": "me-south-1",
    "ILC1": "il-central-1",
    "AFS1": "af-south-1",
    "CNN1": "cn-north-1",
    "CNW1": "cn-northwest-1",
}


@dataclass(frozen=True)
class UsageType:
    """One parsed ``line_item_usage_type``; when ``mapped`` is False only ``raw`` carries information."""

    raw: str  # the string as billed ("" for a null)
    region_code: str | None  # "USE1", "EU", "APN1"...
    region: str | None  # "us-east-1"...; None for a prefix not in REGION_NAMES
    billing_name: (
        str | None
    )  # "Claude4.6Sonnet", "anthropic.claude-opus-4-8" (no "-mantle"); None for marketplace
    style: str  # one of STYLES: the grammar the string follows ("Guardrail" strings count as pascal)
    meter: str  # one of METERS; speech, image, search, reserved and provisioned meters are "other"
    meter_detail: str | None  # the meter text as billed: "text-input-tokens", "CacheWrite1hInputTokenCount"
    tier: str  # one of TIERS
    scope: str  # one of SCOPES
    is_token_meter: bool  # meter in TOKEN_METERS: the usage amount counts text tokens
    mapped: bool  # False: the string fits no Bedrock grammar (or contradicts itself); nothing was guessed
    flags: tuple[str, ...] = ()  # sorted subset of FLAGS: "long_context" and "custom_model" change the rate


# --- vocabulary ------------------------------------------------------------------------------------------

_REGION = r"(?P<region>EU|[A-Z]{3,4}[0-9])"
# Billing names: "Claude4.6Sonnet", "Llama4-Maverick-17B", "cohere.rerank-english-v3", "openai.gpt-5.6-luna".
# Lazy, so the first position where a known meter (plus only known variants) completes the string wins.
_NAME = r"(?P<name>[A-Za-z0-9][A-Za-z0-9._+-]*?)"

_PASCAL_METERS: dict[str, str] = {
    "input-tokens": "input",
    "output-tokens": "output",
    "cache-read-input-token-count": "cache_read",
    "cache-write-input-token-count": "cache_write",
    "cache-write-input-token-count-1h": "cache_write_1h",
    # Nova Sonic / Nova 2 bill text tokens separately from speech: text is the ordinary token rate.
    "text-input-tokens": "input",
    "text-output-tokens": "output",
    # Real meters, but not text tokens: counted, never estimated from invocation logs.
    "speech-input-tokens": "other",
    "speech-output-tokens": "other",
    "input-audio-token-count": "other",
    "input-image-token-count": "other",
    "output-image-token-count": "other",
    "input-image-count": "other",
    "output-image-count": "other",
    "search-units": "other",
}
_PASCAL_VARIANTS: dict[str, tuple[str, str]] = {
    "standard": ("tier", "standard"),
    "batch": ("tier", "batch"),
    "flex": ("tier", "flex"),
    "priority": ("tier", "priority"),
    "latency-optimized": ("tier", "latency_optimized"),
    "cross-region-global": ("scope", "global"),
    "cross-region-geo": ("scope", "geo"),
    "long-context": ("flag", "long_context"),
    "custom-model": ("flag", "custom_model"),
}
_RESERVED_METER = r"reserved-[0-9]+-months?-(?:input|output)-tokens-per-minute"

_MANTLE_METERS: dict[str, str] = {
    "input-tokens": "input",
    "output-tokens": "output",
    "cache-read-tokens": "cache_read",
    "cache-write-tokens": "cache_write",
    "cache-write-tokens-5m": "cache_write",  # 5 minutes is the default TTL, spelled out
    "cache-write-tokens-1h": "cache_write_1h",
}
_MANTLE_VARIANTS: dict[str, tuple[str, str]] = {
    "standard": ("tier", "standard"),
    "batch": ("tier", "batch"),
    "flex": ("tier", "flex"),
    "priority": ("tier", "priority"),
    "global": ("scope", "global"),
    "geo": ("scope", "geo"),
    "long-ctx": ("flag", "long_context"),
}

# Marketplace dimensions, CamelCase (older Claude cards) and snake_case (newer ones).
_MP_METERS: dict[str, str] = {
    "InputTokenCount": "input",
    "OutputTokenCount": "output",
    "CacheReadInputTokenCount": "cache_read",
    "CacheWriteInputTokenCount": "cache_write",
    "CacheWrite5mInputTokenCount": "cache_write",
    "CacheWrite1hInputTokenCount": "cache_write_1h",
    "input_tokens": "input",
    "output_tokens": "output",
    "cache_read_tokens": "cache_read",
    "cached_input_tokens": "cache_read",
    "cache_write_tokens": "cache_write",
    "cache_write_tokens_5m": "cache_write",
    "cache_write_tokens_1h": "cache_write_1h",
}
# Trailing qualifiers of a marketplace dimension, compared lower-case.
_MP_QUALIFIERS: dict[str, tuple[str, str]] = {
    "standard": ("tier", "standard"),
    "batch": ("tier", "batch"),
    "flex": ("tier", "flex"),
    "priority": ("tier", "priority"),
    "latencyoptimized": ("tier", "latency_optimized"),
    "global": ("scope", "global"),
    "geo": ("scope", "geo"),
    "lctx": ("flag", "long_context"),
}


def _alternation(words: Iterable[str]) -> str:
    """Regex alternation, longest first so a meter never stops at its own prefix."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_PASCAL_VARIANT_ALT = _alternation(_PASCAL_VARIANTS)
_MANTLE_VARIANT_ALT = _alternation(_MANTLE_VARIANTS)

_PASCAL_RE = re.compile(
    rf"^{_REGION}-{_NAME}-(?P<meter>{_RESERVED_METER}|{_alternation(_PASCAL_METERS)})"
    rf"(?P<variants>(?:-(?:{_PASCAL_VARIANT_ALT}))*)$"
)
_MANTLE_RE = re.compile(
    rf"^{_REGION}-{_NAME}-mantle-(?P<meter>{_alternation(_MANTLE_METERS)})"
    rf"(?P<variants>(?:-(?:{_MANTLE_VARIANT_ALT}))*)$"
)
_MP_RE = re.compile(rf"^{_REGION}-MP:(?P=region)_(?P<body>[A-Za-z0-9_]+)-Units$")
_GUARDRAIL_RE = re.compile(rf"^{_REGION}-Guardrail-(?P<detail>[A-Za-z][A-Za-z0-9]*)$")
_PASCAL_VARIANT_TOKEN_RE = re.compile(rf"-({_PASCAL_VARIANT_ALT})")
_MANTLE_VARIANT_TOKEN_RE = re.compile(rf"-({_MANTLE_VARIANT_ALT})")


# --- parsing ---------------------------------------------------------------------------------------------


def _unmapped(raw: str) -> UsageType:
    return UsageType(
        raw=raw,
        region_code=None,
        region=None,
        billing_name=None,
        style="unmapped",
        meter="other",
        meter_detail=None,
        tier="standard",
        scope="in_region",
        is_token_meter=False,
        mapped=False,
    )


def _combine(
    qualifiers: Iterable[tuple[str, str]], base_tier: str | None = None
) -> tuple[str, str, tuple[str, ...]] | None:
    """Fold (axis, value) qualifiers into (tier, scope, flags); None when an axis is given twice.

    A string saying both ``batch`` and ``flex`` (or ``reserved`` and ``batch``) is contradictory, and picking
    one would be a guess, so it is left unmapped.
    """
    axes: dict[str, str] = {"tier": base_tier} if base_tier else {}
    flags: list[str] = []
    for axis, value in qualifiers:
        if axis == "flag":
            if value in flags:
                return None
            flags.append(value)
        elif axis in axes:
            return None
        else:
            axes[axis] = value
    return axes.get("tier", "standard"), axes.get("scope", "in_region"), tuple(sorted(flags))


def _build(
    raw: str,
    region_code: str,
    billing_name: str | None,
    style: str,
    meter: str,
    meter_detail: str,
    combined: tuple[str, str, tuple[str, ...]] | None,
) -> UsageType:
    if combined is None:
        return _unmapped(raw)
    tier, scope, flags = combined
    return UsageType(
        raw=raw,
        region_code=region_code,
        region=REGION_NAMES.get(region_code),
        billing_name=billing_name,
        style=style,
        meter=meter,
        meter_detail=meter_detail,
        tier=tier,
        scope=scope,
        is_token_meter=meter in TOKEN_METERS,
        mapped=True,
        flags=flags,
    )


def _parse_marketplace(raw: str, m: re.Match[str]) -> UsageType:
    """``USE1-MP:USE1_CacheWrite1hInputTokenCount_Global-Units``: strip qualifiers from the right, then
    look the remaining dimension up."""
    tokens = m["body"].split("_")
    qualifiers: list[tuple[str, str]] = []
    while len(tokens) > 1:
        last = tokens[-1].lower()
        if len(tokens) > 2 and tokens[-2].lower() == "long" and last in ("ctx", "context"):
            qualifiers.append(("flag", "long_context"))
            del tokens[-2:]
        elif last in _MP_QUALIFIERS:
            qualifiers.append(_MP_QUALIFIERS[last])
            tokens.pop()
        else:
            break
    core = "_".join(tokens)
    base_tier = None
    if core.startswith("ProvisionedThroughput"):
        base_tier = "provisioned"
    elif core.lower().startswith("reserved_"):
        base_tier = "reserved"
    meter = _MP_METERS.get(core, "other")
    return _build(raw, m["region"], None, "marketplace", meter, core, _combine(qualifiers, base_tier))


def _parse_mantle(raw: str, m: re.Match[str]) -> UsageType:
    qualifiers = [_MANTLE_VARIANTS[v] for v in _MANTLE_VARIANT_TOKEN_RE.findall(m["variants"])]
    meter_text = m["meter"]
    return _build(
        raw, m["region"], m["name"], "mantle", _MANTLE_METERS[meter_text], meter_text, _combine(qualifiers)
    )


def _parse_pascal(raw: str, m: re.Match[str]) -> UsageType:
    qualifiers = [_PASCAL_VARIANTS[v] for v in _PASCAL_VARIANT_TOKEN_RE.findall(m["variants"])]
    meter_text = m["meter"]
    if meter_text.startswith("reserved-"):
        # Reserved capacity is billed per tokens-per-minute of commitment, not per token consumed.
        return _build(
            raw, m["region"], m["name"], "pascal", "other", meter_text, _combine(qualifiers, "reserved")
        )
    return _build(
        raw, m["region"], m["name"], "pascal", _PASCAL_METERS[meter_text], meter_text, _combine(qualifiers)
    )


@lru_cache(maxsize=8192)
def parse_usage_type(s: str) -> UsageType:
    """Parse a CUR ``line_item_usage_type``; never raises.

    Non-string input (``None``, a pandas ``NaN``) and strings outside the Bedrock grammars come back with
    ``mapped=False``, ``style="unmapped"``, ``meter="other"``. Cached: a bill repeats a few hundred distinct
    usage types across millions of lines.
    """
    if not isinstance(s, str):
        return _unmapped("")
    if m := _MP_RE.match(s):
        return _parse_marketplace(s, m)
    if m := _GUARDRAIL_RE.match(s):
        detail = m["detail"]
        return _build(s, m["region"], "Guardrail", "pascal", "other", detail, _combine(()))
    if "-mantle-" in s:
        # Never fall through to the pascal grammar: it would read "zai.glm5-mantle" as a billing name.
        m = _MANTLE_RE.match(s)
        return _parse_mantle(s, m) if m else _unmapped(s)
    if m := _PASCAL_RE.match(s):
        return _parse_pascal(s, m)
    return _unmapped(s)


# --- formatting ------------------------------------------------------------------------------------------

_PASCAL_METER_TEXT: dict[str, str] = {
    "input": "input-tokens",
    "output": "output-tokens",
    "cache_read": "cache-read-input-token-count",
    "cache_write": "cache-write-input-token-count",
    "cache_write_1h": "cache-write-input-token-count-1h",
}
_MANTLE_METER_TEXT: dict[str, str] = {
    "input": "input-tokens",
    "output": "output-tokens",
    "cache_read": "cache-read-tokens",
    "cache_write": "cache-write-tokens",
    "cache_write_1h": "cache-write-tokens-1h",
}
_PASCAL_TIER_SUFFIX = {
    "standard": "",
    "batch": "-batch",
    "flex": "-flex",
    "priority": "-priority",
    "latency_optimized": "-latency-optimized",
}
_PASCAL_SCOPE_SUFFIX = {"in_region": "", "global": "-cross-region-global", "geo": "-cross-region-geo"}
_MANTLE_TIERS = ("standard", "batch", "flex", "priority")
_MANTLE_SCOPE_SUFFIX = {"in_region": "", "global": "-global", "geo": "-geo"}


def format_usage_type(
    region_code: str,
    billing_name: str,
    meter: str,
    tier: str = "standard",
    scope: str = "in_region",
    style: str = "pascal",
) -> str:
    """Build the canonical CUR usage type for a token meter; inverse of :func:`parse_usage_type`.

    Used by the synthetic generator so its bills are spelled the way AWS spells them. Pascal puts the tier
    before the scope (``-priority-cross-region-global``) except batch, which AWS writes after it
    (``-cross-region-global-batch``); standard has no suffix. Mantle always names its tier and puts
    the scope before it (``-global-standard``). Raises ``ValueError`` for a combination that has no token
    usage type or that would not parse back to the same fields (e.g. a pascal billing name containing
    ``-mantle``).
    """
    if style == "pascal":
        if meter not in _PASCAL_METER_TEXT or tier not in _PASCAL_TIER_SUFFIX or scope not in SCOPES:
            raise ValueError(f"no pascal usage type for meter={meter!r} tier={tier!r} scope={scope!r}")
        tier_suffix, scope_suffix = _PASCAL_TIER_SUFFIX[tier], _PASCAL_SCOPE_SUFFIX[scope]
        suffix = scope_suffix + tier_suffix if tier == "batch" else tier_suffix + scope_suffix
        out = f"{region_code}-{billing_name}-{_PASCAL_METER_TEXT[meter]}{suffix}"
    elif style == "mantle":
        if meter not in _MANTLE_METER_TEXT or tier not in _MANTLE_TIERS or scope not in SCOPES:
            raise ValueError(f"no mantle usage type for meter={meter!r} tier={tier!r} scope={scope!r}")
        meter_text, scope_suffix = _MANTLE_METER_TEXT[meter], _MANTLE_SCOPE_SUFFIX[scope]
        out = f"{region_code}-{billing_name}-mantle-{meter_text}{scope_suffix}-{tier}"
    else:
        raise ValueError(f"format_usage_type supports styles 'pascal' and 'mantle', not {style!r}")
    parsed = parse_usage_type(out)
    expected = (region_code, billing_name, style, meter, tier, scope, True)
    got = (parsed.region_code, parsed.billing_name, parsed.style, parsed.meter, parsed.tier, parsed.scope)
    if (*got, parsed.mapped) != expected:
        raise ValueError(f"{out!r} would not parse back to {expected!r}")
    return out
