"""Which model, meter, tier and scope does a Bedrock line item's usage type stand for?

The expectations below were written by reading each string, not by running the parser. The table holds every
string of ``reference/bedrock-usage-types.csv`` (84), the examples of facts §2.4/§4.2, a few more real
strings from published Price List fixtures, and real non-Bedrock usage types that must stay unmapped.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cur_analyzer.bedrock.usage_types import (
    METERS,
    SCOPES,
    TIERS,
    TOKEN_METERS,
    format_usage_type,
    parse_usage_type,
)

U1, W2, C1, N1, EW1 = "us-east-1", "us-west-2", "eu-central-1", "ap-northeast-1", "eu-west-1"
STD, BATCH, FLEX, PRIO, LATOPT = "standard", "batch", "flex", "priority", "latency_optimized"
IN, GEO, GLOBAL = "in_region", "geo", "global"
NO = (None, None, "other", STD, IN, False)

# usage type -> (region, billing_name, meter, tier, scope, mapped)
REAL_USAGE_TYPES: dict[str, tuple[str | None, str | None, str, str, str, bool]] = {
    # --- reference CSV, AWS Bedrock user guide (cost-mgmt-understanding-cur-data) ---
    "USE1-openai.gpt-oss-120b-mantle-input-tokens-standard": (
        U1,
        "openai.gpt-oss-120b",
        "input",
        STD,
        IN,
        True,
    ),
    "USE1-gpt-oss-120b-output-tokens-priority": (U1, "gpt-oss-120b", "output", PRIO, IN, True),
    "USE1-Nova2.0Lite-input-tokens-flex": (U1, "Nova2.0Lite", "input", FLEX, IN, True),
    "USE1-Claude4.6Sonnet-input-tokens": (U1, "Claude4.6Sonnet", "input", STD, IN, True),
    "USE1-Claude4.6Sonnet-cache-read-input-token-count": (U1, "Claude4.6Sonnet", "cache_read", STD, IN, True),
    "USE1-Claude4.6Sonnet-output-tokens-cross-region-global": (
        U1,
        "Claude4.6Sonnet",
        "output",
        STD,
        GLOBAL,
        True,
    ),
    # --- reference CSV, AWS ML blog part 1 / part 2 (facts §2.4) ---
    "USE1-Claude4.6Sonnet-output-tokens": (U1, "Claude4.6Sonnet", "output", STD, IN, True),
    "USE1-Claude4.6Opus-input-tokens": (U1, "Claude4.6Opus", "input", STD, IN, True),
    "USE1-Claude4.6Opus-output-tokens": (U1, "Claude4.6Opus", "output", STD, IN, True),
    "USW2-anthropic.claude-opus-4-8-mantle-cache-write-tokens-standard": (
        W2,
        "anthropic.claude-opus-4-8",
        "cache_write",
        STD,
        IN,
        True,
    ),
    "USW2-Claude4.6Sonnet-output-tokens": (W2, "Claude4.6Sonnet", "output", STD, IN, True),
    "USW2-Claude4.6Sonnet-cache-write-input-token-count": (
        W2,
        "Claude4.6Sonnet",
        "cache_write",
        STD,
        IN,
        True,
    ),
    "USW2-Claude4.6Sonnet-input-tokens": (W2, "Claude4.6Sonnet", "input", STD, IN, True),
    "USW2-Claude4.5Sonnet-cache-write-input-token-count": (
        W2,
        "Claude4.5Sonnet",
        "cache_write",
        STD,
        IN,
        True,
    ),
    "USW2-Claude4.6Sonnet-cache-read-input-token-count": (W2, "Claude4.6Sonnet", "cache_read", STD, IN, True),
    "USW2-Claude4.5Sonnet-input-tokens": (W2, "Claude4.5Sonnet", "input", STD, IN, True),
    "USW2-Claude4.5Sonnet-output-tokens": (W2, "Claude4.5Sonnet", "output", STD, IN, True),
    "USE1-NovaLite-output-tokens": (U1, "NovaLite", "output", STD, IN, True),
    "USE1-NovaLite-input-tokens": (U1, "NovaLite", "input", STD, IN, True),
    # --- reference CSV, inferplane pricing sync test ---
    "APN1-zai.glm5-input-tokens": (N1, "zai.glm5", "input", STD, IN, True),
    "APN1-zai.glm5-output-tokens": (N1, "zai.glm5", "output", STD, IN, True),
    "APN1-zai.glm5-mantle-input-tokens-standard": (N1, "zai.glm5", "input", STD, IN, True),
    "APN1-zai.glm5-mantle-output-tokens-standard": (N1, "zai.glm5", "output", STD, IN, True),
    "APN1-zai.glm5-mantle-input-tokens-flex": (N1, "zai.glm5", "input", FLEX, IN, True),
    "APN1-NovaPro-input-tokens": (N1, "NovaPro", "input", STD, IN, True),
    "APN1-NovaPro-output-tokens": (N1, "NovaPro", "output", STD, IN, True),
    "APN1-NovaPro-input-tokens-batch": (N1, "NovaPro", "input", BATCH, IN, True),
    "APN1-NovaPro-cache-read-input-token-count": (N1, "NovaPro", "cache_read", STD, IN, True),
    "USE1-Claude3Haiku-input-tokens": (U1, "Claude3Haiku", "input", STD, IN, True),
    # --- reference CSV, grafana cloudcost-exporter ---
    "USE1-Claude2.0-input-tokens": (U1, "Claude2.0", "input", STD, IN, True),
    "USE1-Claude3-5Haiku-input-tokens-latency-optimized": (U1, "Claude3-5Haiku", "input", LATOPT, IN, True),
    "USE1-Claude3Sonnet-input-tokens": (U1, "Claude3Sonnet", "input", STD, IN, True),
    "USE1-GPT-OSS-Safeguard-120B-output-tokens-batch": (
        U1,
        "GPT-OSS-Safeguard-120B",
        "output",
        BATCH,
        IN,
        True,
    ),
    "USE1-GPT-OSS-Safeguard-20B-input-tokens-priority": (
        U1,
        "GPT-OSS-Safeguard-20B",
        "input",
        PRIO,
        IN,
        True,
    ),
    "USE1-Gemma-3-4B-IT-input-tokens-flex": (U1, "Gemma-3-4B-IT", "input", FLEX, IN, True),
    "USE1-Guardrail-AutomatedReasoningPolicyUnitsConsumed": (U1, "Guardrail", "other", STD, IN, True),
    "USE1-Llama3-1-405B-input-tokens": (U1, "Llama3-1-405B", "input", STD, IN, True),
    "USE1-Llama3-2-1B-output-tokens": (U1, "Llama3-2-1B", "output", STD, IN, True),
    "USE1-Llama4-Maverick-17B-input-tokens-batch": (U1, "Llama4-Maverick-17B", "input", BATCH, IN, True),
    "USE1-MP:USE1_CacheReadInputTokenCount-Units": (U1, None, "cache_read", STD, IN, True),
    "USE1-MP:USE1_CacheReadInputTokenCount_Global-Units": (U1, None, "cache_read", STD, GLOBAL, True),
    "USE1-MP:USE1_CacheStorage-Units": (U1, None, "other", STD, IN, True),
    "USE1-MP:USE1_CacheValidationCount-Units": (U1, None, "other", STD, IN, True),
    "USE1-MP:USE1_CacheWrite1hInputTokenCount-Units": (U1, None, "cache_write_1h", STD, IN, True),
    "USE1-MP:USE1_CacheWrite1hInputTokenCount_Global-Units": (U1, None, "cache_write_1h", STD, GLOBAL, True),
    # 30 minutes is neither the default (5 m) nor the 1 h write: a different rate, so not a token meter here.
    "USE1-MP:USE1_CacheWrite30mInputTokenCount-Units": (U1, None, "other", STD, IN, True),
    "USE1-MP:USE1_CacheWrite5mInputTokenCount-Units": (U1, None, "cache_write", STD, IN, True),
    "USE1-MP:USE1_CacheWriteInputTokenCount-Units": (U1, None, "cache_write", STD, IN, True),
    "USE1-MP:USE1_InputImageCount-Units": (U1, None, "other", STD, IN, True),
    "USE1-MP:USE1_InputTokenCount-Units": (U1, None, "input", STD, IN, True),
    "USE1-MP:USE1_InputTokenCount_Batch-Units": (U1, None, "input", BATCH, IN, True),
    "USE1-MP:USE1_InputTokenCount_Global-Units": (U1, None, "input", STD, GLOBAL, True),
    "USE1-MP:USE1_InputTokenCount_Global_Batch-Units": (U1, None, "input", BATCH, GLOBAL, True),
    "USE1-MP:USE1_InputTokenCount_LatencyOptimized-Units": (U1, None, "input", LATOPT, IN, True),
    "USE1-MP:USE1_OutputTokenCount-Units": (U1, None, "output", STD, IN, True),
    "USE1-MP:USE1_OutputTokenCount_Global-Units": (U1, None, "output", STD, GLOBAL, True),
    "USE1-MP:USE1_ProvisionedThroughput_1MonthCommit_ModelUnits_Usage-Units": (
        U1,
        None,
        "other",
        "provisioned",
        IN,
        True,
    ),
    "USE1-MP:USE1_cache_write_tokens_1h_standard-Units": (U1, None, "cache_write_1h", STD, IN, True),
    "USE1-MP:USE1_created_image-Units": (U1, None, "other", STD, IN, True),
    "USE1-MP:USE1_search_units-Units": (U1, None, "other", STD, IN, True),
    "USE1-MistralSmall-input-tokens-batch": (U1, "MistralSmall", "input", BATCH, IN, True),
    "USE1-Nova2.0Lite-input-tokens-cross-region-global-batch": (
        U1,
        "Nova2.0Lite",
        "input",
        BATCH,
        GLOBAL,
        True,
    ),
    "USE1-Nova2.0Pro-input-image-token-count-cross-region-global": (
        U1,
        "Nova2.0Pro",
        "other",
        STD,
        GLOBAL,
        True,
    ),
    "USE1-Nova2.0Pro-text-input-tokens-priority-cross-region-global": (
        U1,
        "Nova2.0Pro",
        "input",
        PRIO,
        GLOBAL,
        True,
    ),
    "USE1-NovaPro-cache-write-input-token-count-custom-model": (U1, "NovaPro", "cache_write", STD, IN, True),
    "USE1-NovaSonic-speech-input-tokens": (U1, "NovaSonic", "other", STD, IN, True),
    "USE1-NovaSonic-text-input-tokens": (U1, "NovaSonic", "input", STD, IN, True),
    "USE1-cohere.rerank-english-v3-search-units": (U1, "cohere.rerank-english-v3", "other", STD, IN, True),
    # --- reference CSV, bedrock-usage-intelligence ---
    "EUC1-Claude3.5Haiku-cache-write-input-token-count-cross-region-geo": (
        C1,
        "Claude3.5Haiku",
        "cache_write",
        STD,
        GEO,
        True,
    ),
    "USE1-Claude4.6Opus-cache-read-input-token-count": (U1, "Claude4.6Opus", "cache_read", STD, IN, True),
    "USE1-Claude4.6Opus-cache-read-input-token-count-cross-region-global": (
        U1,
        "Claude4.6Opus",
        "cache_read",
        STD,
        GLOBAL,
        True,
    ),
    "USE1-Claude4.6Opus-cache-write-input-token-count": (U1, "Claude4.6Opus", "cache_write", STD, IN, True),
    "USE1-Claude4.6Opus-output-tokens-cross-region-global": (
        U1,
        "Claude4.6Opus",
        "output",
        STD,
        GLOBAL,
        True,
    ),
    "USW2-Llama3.18BInstruct-output-tokens": (W2, "Llama3.18BInstruct", "output", STD, IN, True),
    "USW2-NovaPro-input-tokens-cross-region-geo": (W2, "NovaPro", "input", STD, GEO, True),
    "USW2-NovaPro-cache-write-input-token-count-cross-region-geo": (
        W2,
        "NovaPro",
        "cache_write",
        STD,
        GEO,
        True,
    ),
    "USW2-NovaPro-input-tokens": (W2, "NovaPro", "input", STD, IN, True),
    "USW2-NovaPro-output-tokens": (W2, "NovaPro", "output", STD, IN, True),
    # --- reference CSV, stdapi.ai pricing fixtures ---
    "EUW1-NovaPro-input-tokens": (EW1, "NovaPro", "input", STD, IN, True),
    "USE1-Claude4Sonnet-input-tokens-flex": (U1, "Claude4Sonnet", "input", FLEX, IN, True),
    "USE1-Claude4Sonnet-input-tokens-cross-region-global": (U1, "Claude4Sonnet", "input", STD, GLOBAL, True),
    "USE1-MP:USE1_created_image_stable_image_core-Units": (U1, None, "other", STD, IN, True),
    "USE1-Nova2.0Lite-output-tokens-cross-region-global": (U1, "Nova2.0Lite", "output", STD, GLOBAL, True),
    "USE1-Nova2.0Lite-output-tokens-cross-region-global-batch": (
        U1,
        "Nova2.0Lite",
        "output",
        BATCH,
        GLOBAL,
        True,
    ),
    # --- facts §4.2 examples not in the CSV ---
    "USE1-Claude4.5Sonnet-input-tokens-cross-region-global": (
        U1,
        "Claude4.5Sonnet",
        "input",
        STD,
        GLOBAL,
        True,
    ),
    "USE1-NovaMultiModalEmbeddings-input-tokens-batch": (
        U1,
        "NovaMultiModalEmbeddings",
        "input",
        BATCH,
        IN,
        True,
    ),
    # --- more published Price List strings (mantle scope, long context, Nova Sonic, snake marketplace) ---
    "USE1-anthropic.claude-opus-5-mantle-output-tokens-global-standard": (
        U1,
        "anthropic.claude-opus-5",
        "output",
        STD,
        GLOBAL,
        True,
    ),
    "USE1-anthropic.claude-haiku-4-5-mantle-cache-write-tokens-1h-standard": (
        U1,
        "anthropic.claude-haiku-4-5",
        "cache_write_1h",
        STD,
        IN,
        True,
    ),
    "USE1-openai.gpt-5.6-luna-mantle-cache-write-tokens-5m-long-ctx-flex": (
        U1,
        "openai.gpt-5.6-luna",
        "cache_write",
        FLEX,
        IN,
        True,
    ),
    "USE1-xai.grok-4.3-mantle-cache-read-tokens-flex": (U1, "xai.grok-4.3", "cache_read", FLEX, IN, True),
    "USE1-Claude4Sonnet-output-tokens-long-context-cross-region-global": (
        U1,
        "Claude4Sonnet",
        "output",
        STD,
        GLOBAL,
        True,
    ),
    "USE1-NovaPro-input-tokens-latency-optimized": (U1, "NovaPro", "input", LATOPT, IN, True),
    "USE1-NovaSonic-text-output-tokens": (U1, "NovaSonic", "output", STD, IN, True),
    "USE1-NovaSonic-speech-output-tokens": (U1, "NovaSonic", "other", STD, IN, True),
    "USE1-MP:USE1_input_tokens_global_standard-Units": (U1, None, "input", STD, GLOBAL, True),
    "USE1-Claude4.5Sonnet-reserved-1-month-input-tokens-per-minute-cross-region-global": (
        U1,
        "Claude4.5Sonnet",
        "other",
        "reserved",
        GLOBAL,
        True,
    ),
    # --- real usage types of other services: not Bedrock, never guessed at ---
    "BoxUsage:t3.micro": NO,
    "EU-BoxUsage:m5.large": NO,
    "USE1-DataTransfer-Out-Bytes": NO,
    "USE1-TimedStorage-ByteHrs": NO,
    "APS3-Fargate-ARM-vCPU-Hours": NO,
    "USE2-NodeUsage:cache.t4g.micro": NO,
    "": NO,
}


def test_the_table_covers_at_least_sixty_real_strings():
    assert len(REAL_USAGE_TYPES) >= 60


@pytest.mark.parametrize(
    ("raw", "expected"), list(REAL_USAGE_TYPES.items()), ids=[raw or "<empty>" for raw in REAL_USAGE_TYPES]
)
def test_real_usage_type_parses_to_its_region_model_meter_tier_and_scope(raw, expected):
    u = parse_usage_type(raw)
    assert (u.region, u.billing_name, u.meter, u.tier, u.scope, u.mapped) == expected
    assert u.raw == raw
    assert u.is_token_meter == (u.meter in TOKEN_METERS)


def test_cross_region_global_batch_is_parsed_as_batch_tier_global_scope():
    u = parse_usage_type("USE1-Nova2.0Lite-input-tokens-cross-region-global-batch")
    assert (u.tier, u.scope, u.billing_name, u.meter) == ("batch", "global", "Nova2.0Lite", "input")


def test_tier_before_scope_parses_the_same_as_scope_before_tier():
    a = parse_usage_type("USE1-Nova2.0Lite-input-tokens-batch-cross-region-global")
    b = parse_usage_type("USE1-Nova2.0Lite-input-tokens-cross-region-global-batch")
    assert (
        (a.tier, a.scope, a.meter, a.mapped)
        == (b.tier, b.scope, b.meter, b.mapped)
        == (BATCH, GLOBAL, "input", True)
    )


def test_text_input_tokens_with_priority_and_global_is_the_input_meter():
    u = parse_usage_type("USE1-Nova2.0Pro-text-input-tokens-priority-cross-region-global")
    assert (u.meter, u.meter_detail, u.tier, u.scope) == ("input", "text-input-tokens", "priority", "global")


def test_no_suffix_means_in_region_standard():
    u = parse_usage_type("USE1-Claude4.6Sonnet-input-tokens")
    assert (u.tier, u.scope, u.flags, u.style) == ("standard", "in_region", (), "pascal")


def test_one_hour_cache_write_is_its_own_meter_not_the_default_cache_write():
    u = parse_usage_type("USE1-Claude4.5Haiku-cache-write-input-token-count-1h-cross-region-global")
    assert (u.meter, u.meter_detail, u.scope, u.is_token_meter) == (
        "cache_write_1h",
        "cache-write-input-token-count-1h",
        "global",
        True,
    )


def test_mantle_billing_name_is_the_dotted_id_without_the_mantle_marker():
    u = parse_usage_type("USW2-anthropic.claude-opus-4-8-mantle-cache-write-tokens-standard")
    assert (u.style, u.billing_name, u.meter, u.meter_detail) == (
        "mantle",
        "anthropic.claude-opus-4-8",
        "cache_write",
        "cache-write-tokens",
    )


def test_same_model_in_both_grammars_has_the_same_billing_name_but_different_styles():
    legacy = parse_usage_type("APN1-zai.glm5-input-tokens")
    mantle = parse_usage_type("APN1-zai.glm5-mantle-input-tokens-standard")
    assert legacy.billing_name == mantle.billing_name == "zai.glm5"
    assert (legacy.style, mantle.style) == ("pascal", "mantle")


def test_mantle_scope_comes_before_its_tier():
    u = parse_usage_type("USE1-anthropic.claude-opus-5-mantle-cache-read-tokens-global-standard")
    assert (u.meter, u.scope, u.tier) == ("cache_read", "global", "standard")


def test_a_mantle_string_outside_the_mantle_grammar_is_not_reread_as_pascal():
    u = parse_usage_type("USE1-zai.glm5-mantle-input-audio-tokens-standard")
    assert not u.mapped


def test_long_context_and_custom_model_are_flags_not_tiers():
    long_ctx = parse_usage_type(
        "USE1-Claude4Sonnet-cache-read-input-token-count-long-context-cross-region-global"
    )
    custom = parse_usage_type("USE1-NovaPro-cache-write-input-token-count-custom-model")
    mantle = parse_usage_type("USE1-openai.gpt-5.6-luna-mantle-cache-write-tokens-5m-long-ctx-flex")
    assert (long_ctx.flags, long_ctx.tier, long_ctx.scope) == (("long_context",), "standard", "global")
    assert (custom.flags, custom.tier, custom.meter) == (("custom_model",), "standard", "cache_write")
    assert (mantle.flags, mantle.tier) == (("long_context",), "flex")


def test_marketplace_rows_carry_no_billing_name_but_parse_meter_tier_and_scope():
    u = parse_usage_type("USE1-MP:USE1_CacheWrite1hInputTokenCount_Global-Units")
    assert (u.style, u.billing_name, u.region, u.meter, u.scope) == (
        "marketplace",
        None,
        "us-east-1",
        "cache_write_1h",
        "global",
    )
    assert u.meter_detail == "CacheWrite1hInputTokenCount"


def test_snake_case_marketplace_dimension_with_long_context_global_standard():
    u = parse_usage_type("USW2-MP:USW2_cache_read_tokens_long_ctx_global_standard-Units")
    assert (u.meter, u.scope, u.tier, u.flags, u.region) == (
        "cache_read",
        "global",
        "standard",
        ("long_context",),
        "us-west-2",
    )


def test_marketplace_region_must_agree_with_the_inner_region():
    assert not parse_usage_type("USE1-MP:USW2_InputTokenCount-Units").mapped


def test_reserved_capacity_is_reserved_tier_and_not_a_token_meter():
    u = parse_usage_type("USE1-Claude4.5Sonnet-reserved-3-month-output-tokens-per-minute-cross-region-geo")
    assert (u.tier, u.scope, u.meter, u.is_token_meter) == ("reserved", "geo", "other", False)
    assert u.meter_detail == "reserved-3-month-output-tokens-per-minute"


def test_provisioned_throughput_is_provisioned_tier_and_not_a_token_meter():
    u = parse_usage_type("USE1-MP:USE1_ProvisionedThroughput_1MonthCommit_ModelUnits_Usage-Units")
    assert (u.tier, u.meter, u.is_token_meter, u.mapped) == ("provisioned", "other", False, True)


def test_guardrail_units_are_mapped_with_the_guardrail_billing_name_and_meter_other():
    u = parse_usage_type("USE1-Guardrail-AutomatedReasoningPolicyUnitsConsumed")
    assert (u.mapped, u.billing_name, u.meter, u.meter_detail, u.is_token_meter) == (
        True,
        "Guardrail",
        "other",
        "AutomatedReasoningPolicyUnitsConsumed",
        False,
    )


@pytest.mark.parametrize(
    ("raw", "detail"),
    [
        ("USE1-NovaSonic-speech-input-tokens", "speech-input-tokens"),
        ("USE1-Nova2.0Pro-input-image-token-count-cross-region-global", "input-image-token-count"),
        ("USE1-NovaCanvas-output-image-count", "output-image-count"),
        ("USE1-cohere.rerank-english-v3-search-units", "search-units"),
    ],
)
def test_speech_image_and_search_meters_are_other_with_their_raw_meter_text(raw, detail):
    u = parse_usage_type(raw)
    assert (u.meter, u.meter_detail, u.is_token_meter, u.mapped) == ("other", detail, False, True)


@pytest.mark.parametrize(
    "raw",
    [
        "USE1-NovaPro-input-tokens-batch-flex",
        "USE1-NovaPro-input-tokens-cross-region-global-cross-region-geo",
        "USE1-NovaPro-input-tokens-batch-batch",
        "USE1-Claude4.5Sonnet-reserved-1-month-input-tokens-per-minute-batch",
        "USE1-anthropic.claude-opus-5-mantle-input-tokens-standard-flex",
        "USE1-MP:USE1_InputTokenCount_Global_Geo-Units",
    ],
)
def test_contradictory_variants_are_left_unmapped_instead_of_picking_one(raw):
    u = parse_usage_type(raw)
    assert (u.mapped, u.style, u.meter) == (False, "unmapped", "other")


@pytest.mark.parametrize(
    "raw",
    [
        "USE1-NovaPro-input-tokens-turbo",
        "USE1-NovaPro-tokens",
        "USE1-NovaPro",
        "use1-NovaPro-input-tokens",
        "USE1--input-tokens",
        "NovaPro-input-tokens",
        " USE1-NovaPro-input-tokens",
    ],
)
def test_near_misses_of_the_grammar_are_not_guessed(raw):
    assert not parse_usage_type(raw).mapped


def test_unknown_region_prefix_keeps_the_code_but_has_no_region_name():
    u = parse_usage_type("ZZZ9-NovaPro-input-tokens")
    assert (u.mapped, u.region_code, u.region) == (True, "ZZZ9", None)


def test_eu_and_euw1_prefixes_both_mean_eu_west_1():
    assert parse_usage_type("EU-NovaPro-input-tokens").region == "eu-west-1"
    assert parse_usage_type("EUW1-NovaPro-input-tokens").region == "eu-west-1"


@pytest.mark.parametrize("value", [None, float("nan"), 42])
def test_a_null_or_non_string_usage_type_is_unmapped(value):
    u = parse_usage_type(value)
    assert (u.mapped, u.style, u.meter, u.raw) == (False, "unmapped", "other", "")


def test_parse_is_cached_so_a_bill_parses_each_distinct_string_once():
    s = "USE1-Claude4.6Opus-output-tokens-cross-region-global"
    assert parse_usage_type(s) is parse_usage_type(s)


def test_constants_list_every_value_the_parser_can_produce():
    assert METERS == ("input", "output", "cache_read", "cache_write", "cache_write_1h", "other")
    assert set(TOKEN_METERS) == set(METERS) - {"other"}
    assert set(TIERS) == {
        "standard",
        "batch",
        "flex",
        "priority",
        "latency_optimized",
        "reserved",
        "provisioned",
    }
    assert set(SCOPES) == {"in_region", "geo", "global"}
    for raw in REAL_USAGE_TYPES:
        u = parse_usage_type(raw)
        assert u.meter in METERS and u.tier in TIERS and u.scope in SCOPES


# --- format_usage_type -----------------------------------------------------------------------------------

ROUND_TRIP = list(
    itertools.product(
        [
            ("pascal", "Claude4.6Sonnet"),
            ("pascal", "Llama4-Maverick-17B"),
            ("mantle", "anthropic.claude-opus-4-8"),
        ],
        TOKEN_METERS,
        (STD, BATCH, FLEX, PRIO),
        SCOPES,
    )
)


@pytest.mark.parametrize(("style_name", "meter", "tier", "scope"), ROUND_TRIP)
def test_formatted_usage_type_parses_back_to_the_same_fields(style_name, meter, tier, scope):
    style, name = style_name
    s = format_usage_type("USW2", name, meter, tier=tier, scope=scope, style=style)
    u = parse_usage_type(s)
    assert (u.region_code, u.region, u.billing_name, u.style, u.meter, u.tier, u.scope, u.mapped) == (
        "USW2",
        "us-west-2",
        name,
        style,
        meter,
        tier,
        scope,
        True,
    )


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        (("USE1", "Claude4.6Sonnet", "input"), {}, "USE1-Claude4.6Sonnet-input-tokens"),
        (
            ("USE1", "Nova2.0Lite", "input"),
            {"tier": BATCH, "scope": GLOBAL},
            "USE1-Nova2.0Lite-input-tokens-cross-region-global-batch",
        ),
        (("USE1", "Nova2.0Lite", "input"), {"tier": FLEX}, "USE1-Nova2.0Lite-input-tokens-flex"),
        (
            ("EUC1", "Claude3.5Haiku", "cache_write"),
            {"scope": GEO},
            "EUC1-Claude3.5Haiku-cache-write-input-token-count-cross-region-geo",
        ),
        (
            ("USE1", "Claude4.6Opus", "cache_read"),
            {"scope": GLOBAL},
            "USE1-Claude4.6Opus-cache-read-input-token-count-cross-region-global",
        ),
        (
            ("USE1", "Claude3-5Haiku", "input"),
            {"tier": LATOPT},
            "USE1-Claude3-5Haiku-input-tokens-latency-optimized",
        ),
        (
            ("USW2", "anthropic.claude-opus-4-8", "cache_write"),
            {"style": "mantle"},
            "USW2-anthropic.claude-opus-4-8-mantle-cache-write-tokens-standard",
        ),
        (
            ("USE1", "openai.gpt-oss-120b", "input"),
            {"style": "mantle"},
            "USE1-openai.gpt-oss-120b-mantle-input-tokens-standard",
        ),
        (
            ("APN1", "zai.glm5", "input"),
            {"style": "mantle", "tier": FLEX},
            "APN1-zai.glm5-mantle-input-tokens-flex",
        ),
        (
            ("USE1", "anthropic.claude-opus-5", "output"),
            {"style": "mantle", "scope": GLOBAL},
            "USE1-anthropic.claude-opus-5-mantle-output-tokens-global-standard",
        ),
    ],
)
def test_format_spells_usage_types_exactly_as_aws_does(args, kwargs, expected):
    assert format_usage_type(*args, **kwargs) == expected


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (("USE1", "NovaPro", "other"), {}),
        (("USE1", "NovaPro", "input"), {"tier": "reserved"}),
        (("USE1", "NovaPro", "input"), {"scope": "planet"}),
        (("USE1", "anthropic.claude-opus-5", "input"), {"style": "mantle", "tier": LATOPT}),
        (("USE1", "NovaPro", "input"), {"style": "marketplace"}),
        (("USE1", "NovaPro-mantle", "output"), {}),
        (("USE1", "Nova Pro", "output"), {}),
        (("use1", "NovaPro", "input"), {}),
        (("USE1", "", "input"), {}),
    ],
)
def test_format_refuses_what_has_no_usage_type_or_would_not_parse_back(args, kwargs):
    with pytest.raises(ValueError):
        format_usage_type(*args, **kwargs)


# --- properties ------------------------------------------------------------------------------------------


@given(st.text())
def test_parse_never_raises_on_arbitrary_text(s):
    u = parse_usage_type(s)
    assert u.meter in METERS and u.tier in TIERS and u.scope in SCOPES
    assert u.mapped or u.style == "unmapped"


_GRAMMAR_ALPHABET = "ACEGMNPSUWZ0123456789-_.:abcdegiklmnoprstuvwxy"


@given(st.text(alphabet=_GRAMMAR_ALPHABET, max_size=80))
def test_parse_never_raises_on_near_miss_text_built_from_the_grammar_alphabet(s):
    u = parse_usage_type("USE1-" + s)
    assert u.is_token_meter == (u.mapped and u.meter in TOKEN_METERS)


@given(
    name=st.text(alphabet="ABCNOPSabcdeilnoprstv0123456789.-", min_size=1, max_size=30),
    meter=st.sampled_from(TOKEN_METERS),
    tier=st.sampled_from((STD, BATCH, FLEX, PRIO)),
    scope=st.sampled_from(SCOPES),
    style=st.sampled_from(("pascal", "mantle")),
)
def test_format_either_round_trips_or_refuses_for_any_billing_name(name, meter, tier, scope, style):
    try:
        s = format_usage_type("USE1", name, meter, tier=tier, scope=scope, style=style)
    except ValueError:
        return
    u = parse_usage_type(s)
    assert (u.billing_name, u.meter, u.tier, u.scope, u.style) == (name, meter, tier, scope, style)
