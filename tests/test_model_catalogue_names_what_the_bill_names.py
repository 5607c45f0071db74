"""Does every model billed on Bedrock in the published usage types come out of the bill as that model,
under every name it is billed by, and does every region prefix and profile prefix mean what AWS says?

The usage types below are copied from the project's reference list of real strings (the AWS Bedrock user
guide and ML blog, and published Price List fixtures: grafana cloudcost-exporter, inferplane,
bedrock-usage-intelligence, stdapi.ai), with the model each one bills. Names known only without a full
string (facts §4.2) are written with the ``input-tokens`` meter.
"""

from __future__ import annotations

import pytest

from cur_analyzer.bedrock import models
from cur_analyzer.bedrock.pricing import PriceTable
from cur_analyzer.bedrock.usage_types import REGION_NAMES, format_usage_type, parse_usage_type

# usage type -> the price key of the model it bills (None: deliberately not a model of the catalogue)
BILLED: dict[str, str | None] = {
    "USE1-openai.gpt-oss-120b-mantle-input-tokens-standard": "gpt-oss-120b",
    "USE1-gpt-oss-120b-output-tokens-priority": "gpt-oss-120b",
    "USE1-Nova2.0Lite-input-tokens-flex": "nova-2-lite",
    "USE1-Claude4.6Sonnet-cache-read-input-token-count": "claude-sonnet-4-6",
    "USE1-Claude4.6Sonnet-output-tokens-cross-region-global": "claude-sonnet-4-6",
    "USE1-Claude4.6Opus-input-tokens": "claude-opus-4-6",
    "USE1-Claude4.6Opus-cache-read-input-token-count-cross-region-global": "claude-opus-4-6",
    "USW2-anthropic.claude-opus-4-8-mantle-cache-write-tokens-standard": "claude-opus-4-8",
    "USW2-Claude4.5Sonnet-cache-write-input-token-count": "claude-sonnet-4-5",
    "USE1-NovaLite-output-tokens": "nova-lite",
    "APN1-zai.glm5-input-tokens": "glm-5",
    "APN1-zai.glm5-mantle-input-tokens-flex": "glm-5",
    "APN1-NovaPro-input-tokens-batch": "nova-pro",
    "USE1-Claude3Haiku-input-tokens": "claude-3-haiku",
    "USE1-Claude2.0-input-tokens": "claude-2",
    "USE1-Claude3-5Haiku-input-tokens-latency-optimized": "claude-3-5-haiku",
    "EUC1-Claude3.5Haiku-cache-write-input-token-count-cross-region-geo": "claude-3-5-haiku",
    "USE1-Claude3Sonnet-input-tokens": "claude-3-sonnet",
    "USE1-GPT-OSS-Safeguard-120B-output-tokens-batch": "gpt-oss-safeguard-120b",
    "USE1-GPT-OSS-Safeguard-20B-input-tokens-priority": "gpt-oss-safeguard-20b",
    "USE1-Gemma-3-4B-IT-input-tokens-flex": "gemma-3-4b",
    "USE1-Llama3-1-405B-input-tokens": "llama3-1-405b",
    "USE1-Llama3-2-1B-output-tokens": "llama3-2-1b",
    "USW2-Llama3.18BInstruct-output-tokens": "llama3-1-8b",
    "USE1-Llama4-Maverick-17B-input-tokens-batch": "llama4-maverick",
    "USE1-MistralSmall-input-tokens-batch": "mistral-small",
    "USE1-Nova2.0Lite-output-tokens-cross-region-global-batch": "nova-2-lite",
    "USE1-Nova2.0Pro-text-input-tokens-priority-cross-region-global": "nova-2-pro",
    "USE1-NovaPro-cache-write-input-token-count-custom-model": "nova-pro",
    "USW2-NovaPro-input-tokens-cross-region-geo": "nova-pro",
    "EUW1-NovaPro-input-tokens": "nova-pro",
    "USE1-NovaSonic-speech-input-tokens": "nova-sonic",
    "USE1-NovaSonic-text-input-tokens": "nova-sonic",
    "USE1-cohere.rerank-english-v3-search-units": "cohere-rerank-english-v3",
    "USE1-Claude4Sonnet-input-tokens-flex": "claude-sonnet-4",
    "USE1-Claude4.5Haiku-cache-write-input-token-count-1h-cross-region-global": "claude-haiku-4-5",
    "USE1-anthropic.claude-haiku-4-5-mantle-cache-write-tokens-1h-standard": "claude-haiku-4-5",
    "USE1-NovaMultiModalEmbeddings-input-tokens-batch": "nova-multimodal-embeddings",
    # facts §4.2 names
    "USE1-NovaMicro-input-tokens": "nova-micro",
    "USE1-NovaPremier-input-tokens": "nova-premier",
    "USE1-Llama3-1-8B-input-tokens": "llama3-1-8b",
    "USE1-TitanEmbeddingV2-Text-input-tokens": "titan-embed-text-v2",
    "USE1-TitanTextG1-Lite-input-tokens": "titan-text-lite",
    # the synthetic "unpriced model" gap bills Qwen3 32B precisely because the catalogue does not know it
    "USE1-Qwen3-32B-input-tokens": None,
    "USW2-qwen.qwen3-32b-mantle-input-tokens-standard": None,
    "USE1-Guardrail-AutomatedReasoningPolicyUnitsConsumed": None,
    "USE1-anthropic.claude-opus-5-mantle-output-tokens-global-standard": None,
}


@pytest.mark.parametrize(("usage_type", "price_key"), list(BILLED.items()), ids=list(BILLED))
def test_a_billed_usage_type_names_its_model(usage_type, price_key):
    model = models.by_billing_name(parse_usage_type(usage_type).billing_name)
    assert (model.price_key if model else None) == price_key


def test_every_billing_name_of_the_catalogue_is_one_a_real_usage_type_carries():
    billed = {parse_usage_type(u).billing_name for u in BILLED}
    names = {n for m in models.catalog() for n in (m.billing_name, *m.other_billing_names) if n}
    assert names <= billed, sorted(names - billed)


@pytest.mark.parametrize("model", [m for m in models.catalog() if m.billing_name], ids=lambda m: m.price_key)
def test_each_billing_name_parses_back_from_a_usage_type_of_its_style(model):
    for name in (model.billing_name, *model.other_billing_names):
        style = "mantle" if name == model.billing_name and model.style == "mantle" else "pascal"
        for scope in ("in_region", "global"):
            usage_type = format_usage_type("USE1", name, "input", "standard", scope, style)
            assert parse_usage_type(usage_type).billing_name == name
            assert models.by_billing_name(name) is model


def test_the_catalogue_knows_the_models_a_real_bill_carries():
    ids = {m.model_id for m in models.catalog()}
    for model_id in (
        "anthropic.claude-3-haiku-20240307-v1:0",
        "anthropic.claude-3-5-haiku-20241022-v1:0",
        "anthropic.claude-3-5-sonnet-20241022-v2:0",
        "anthropic.claude-3-7-sonnet-20250219-v1:0",
        "anthropic.claude-3-opus-20240229-v1:0",
        "anthropic.claude-opus-4-20250514-v1:0",
        "anthropic.claude-opus-4-1-20250805-v1:0",
        "anthropic.claude-opus-4-5-20251101-v1:0",
        "meta.llama3-1-405b-instruct-v1:0",
        "meta.llama4-scout-17b-instruct-v1:0",
        "mistral.mistral-small-2402-v1:0",
        "cohere.command-r-plus-v1:0",
        "ai21.jamba-1-5-large-v1:0",
        "deepseek.r1-v1:0",
        "qwen.qwen3-vl-235b-a22b",
        "amazon.nova-premier-v1:0",
        "amazon.nova-canvas-v1:0",
        "amazon.nova-reel-v1:0",
        "amazon.nova-sonic-v1:0",
        "amazon.titan-text-lite-v1",
        "amazon.titan-embed-text-v2:0",
    ):
        assert model_id in ids, model_id
    assert len(models.catalog()) >= 45


def test_a_system_profile_of_a_new_model_resolves_to_it():
    resolved = models.resolve("us.anthropic.claude-opus-4-1-20250805-v1:0")
    assert (resolved.model.price_key, resolved.scope) == ("claude-opus-4-1", "geo")
    assert (
        models.by_model_id("global.anthropic.claude-opus-4-5-20251101-v1:0").display_name == "Claude Opus 4.5"
    )


def test_no_two_models_share_a_key_a_lookup_goes_by():
    catalog = models.catalog()
    for keys in (
        [m.price_key for m in catalog],
        [m.model_id.lower() for m in catalog if m.model_id],
        [n.lower() for m in catalog for n in (m.billing_name, *m.other_billing_names) if n],
        [m.display_name.lower() for m in catalog],
    ):
        assert len(keys) == len(set(keys))
    assert all(m.source for m in catalog)


def test_a_catalogue_giving_one_billing_name_to_two_models_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "models.csv"
    path.write_text(
        "price_key,model_id,billing_name,style,display_name,provider,other_billing_names,source\n"
        "nova-pro,amazon.nova-pro-v1:0,NovaPro,pascal,Amazon Nova Pro,Amazon,,x\n"
        "nova-pro-2,amazon.nova-pro-v2:0,NovaPro2,pascal,Amazon Nova Pro 2,Amazon,novapro,x\n"
    )
    monkeypatch.setattr(models, "bedrock_data", lambda _name: path)
    with pytest.raises(ValueError, match="two models with the billing name 'novapro'"):
        models.catalog.__wrapped__()


# --- prices of the catalogue ------------------------------------------------------------------------------

PRICES = PriceTable.load()


def test_every_priced_model_is_in_the_catalogue_and_every_rate_names_its_source():
    keys = {m.price_key for m in models.catalog()}
    assert {r.price_key for r in PRICES.rows} <= keys
    assert all(r.source.strip() for r in PRICES.rows)


@pytest.mark.parametrize(
    ("price_key", "meter", "tier", "scope", "rate"),
    [
        ("claude-opus-4", "input", "standard", "in_region", "15"),
        ("claude-opus-4-1", "output", "standard", "global", "75"),
        ("claude-opus-4-1", "cache_write", "standard", "geo", "18.75"),
        ("claude-opus-4-5", "input", "standard", "global", "5"),
        ("claude-opus-4-5", "input", "standard", "geo", "5.5"),
        ("claude-sonnet-4", "input", "batch", "in_region", "1.5"),
        ("claude-sonnet-4", "output", "batch", "global", "7.5"),
        ("nova-lite", "input", "batch", "in_region", "0.03"),
        ("nova-micro", "output", "batch", "in_region", "0.07"),
        ("nova-premier", "output", "standard", "in_region", "12.5"),
        ("llama4-scout", "input", "standard", "in_region", "0.17"),
    ],
)
def test_the_rates_the_issue_found_missing_are_priced_where_a_source_gives_them(
    price_key, meter, tier, scope, rate
):
    assert str(PRICES.rate_per_million(price_key, "us-east-1", meter, tier, scope)) == rate


def test_a_model_without_a_sourced_price_stays_unpriced():
    for price_key in ("claude-3-7-sonnet", "jamba-1-5-large", "deepseek-r1", "nova-canvas"):
        assert PRICES.rate_per_million(price_key, "us-east-1", "input", "standard", "in_region") is None
    # no source gives Claude Sonnet 4's 1-hour cache write: unpriced, not derived
    assert (
        PRICES.rate_per_million("claude-sonnet-4", "us-east-1", "cache_write_1h", "standard", "global")
        is None
    )


def test_a_price_list_rate_of_one_region_applies_there_only():
    assert (
        str(PRICES.rate_per_million("nova-pro", "ap-northeast-1", "input", "standard", "in_region")) == "0.96"
    )
    assert str(PRICES.rate_per_million("nova-pro", "us-east-1", "input", "standard", "in_region")) == "0.8"
    assert PRICES.rate_per_million("glm-5", "us-west-2", "input", "standard", "in_region") is None


# --- prefixes ---------------------------------------------------------------------------------------------

# AWS Region billing codes (the usage-type prefix of each Region), with the legacy ``EU`` for eu-west-1
# (facts §4.2) and ``EUW1``, seen for eu-west-1 in published Bedrock Price List fixtures.
DOCUMENTED_REGIONS = {
    "USE1": "us-east-1", "USE2": "us-east-2", "USW1": "us-west-1", "USW2": "us-west-2",
    "UGE1": "us-gov-east-1", "UGW1": "us-gov-west-1", "CAN1": "ca-central-1", "CAN2": "ca-west-1",
    "MXC1": "mx-central-1", "SAE1": "sa-east-1", "EU": "eu-west-1", "EUW1": "eu-west-1",
    "EUW2": "eu-west-2", "EUW3": "eu-west-3", "EUC1": "eu-central-1", "EUC2": "eu-central-2",
    "EUN1": "eu-north-1", "EUS1": "eu-south-1", "EUS2": "eu-south-2", "APE1": "ap-east-1",
    "APN1": "ap-northeast-1", "APN2": "ap-northeast-2", "APN3": "ap-northeast-3", "APS1": "ap-southeast-1",
    "APS2": "ap-southeast-2", "APS3": "ap-south-1", "APS4": "ap-southeast-3", "APS5": "ap-south-2",
    "APS6": "ap-southeast-4", "APS7": "ap-southeast-5", "MEC1": "me-central-1", "MES1": "me-south-1",
    "ILC1": "il-central-1", "AFS1": "af-south-1", "CNN1": "cn-north-1", "CNW1": "cn-northwest-1",
}  # fmt: skip


@pytest.mark.parametrize("prefix", sorted(REGION_NAMES))
def test_every_region_prefix_the_parser_knows_is_the_documented_region(prefix):
    assert DOCUMENTED_REGIONS.get(prefix) == REGION_NAMES[prefix]
    assert parse_usage_type(f"{prefix}-NovaPro-input-tokens").region == DOCUMENTED_REGIONS[prefix]


def test_the_parser_knows_every_documented_prefix():
    assert set(DOCUMENTED_REGIONS) == set(REGION_NAMES)


@pytest.mark.parametrize("prefix", models.PROFILE_GEO_PREFIXES)
def test_every_system_profile_prefix_routes_as_documented(prefix):
    resolved = models.resolve(f"{prefix}.amazon.nova-pro-v1:0")
    assert resolved.model.price_key == "nova-pro" and resolved.via == "system profile"
    assert resolved.scope == ("global" if prefix == "global" else "geo")
    assert models.by_model_id(f"{prefix}.amazon.nova-pro-v1:0").price_key == "nova-pro"
