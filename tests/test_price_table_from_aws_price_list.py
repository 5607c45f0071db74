"""Does ``prices refresh`` turn AWS Price List offer files into the price table the bill is priced with:
right rows, exact USD per 1M tokens, every SKU it cannot use counted, and the same rates as the shipped
table wherever both have one?

The offer files are written here in the documented shape (facts §7.3: ``products[sku].attributes``,
``terms.OnDemand[sku][term].priceDimensions[rate]``, file-level ``publicationDate``). The rates are the
ones the shipped table takes from Price List rows: Nova Pro, GLM 5 and Claude 3 Haiku as published in
inferplane's Price List test rows (1K tokens), Titan Text Embeddings V2 from the Price List API (TITAN-PY),
and Claude Sonnet 4.6 in the 1M-token unit of the newer offers at its shipped rates.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cur_analyzer.cli.prices  # noqa: F401  (registers the prices group)
from cur_analyzer.bedrock import price_list
from cur_analyzer.bedrock.price_list import compare, refresh_files
from cur_analyzer.bedrock.pricing import PriceTable
from cur_analyzer.cli import app

PUBLISHED = "2026-08-01T17:22:51Z"
EFFECTIVE = "2026-07-01T00:00:00Z"


def sku(usagetype: str, usd: str, unit: str = "1K tokens", effective: str = EFFECTIVE, **attrs: str) -> dict:
    region = {"USE1": "us-east-1", "APN1": "ap-northeast-1", "USW2": "us-west-2"}[usagetype.split("-")[0]]
    return {
        "attributes": {"usagetype": usagetype, "regionCode": region, "servicecode": "AmazonBedrock", **attrs},
        "term": {
            "effectiveDate": effective,
            "priceDimensions": {
                "R1": {"unit": unit, "pricePerUnit": {"USD": usd}, "description": attrs.get("d", "")}
            },
        },
    }


def offer(code: str, skus: dict[str, dict], published: str = PUBLISHED) -> dict:
    return {
        "formatVersion": "v1.0",
        "offerCode": code,
        "version": published.replace("-", "")[:8],
        "publicationDate": published,
        "products": {
            s: {"sku": s, "productFamily": "Amazon Bedrock", "attributes": v["attributes"]}
            for s, v in skus.items()
        },
        "terms": {"OnDemand": {s: {f"{s}.JRTCKXETXF": {"sku": s, **v["term"]}} for s, v in skus.items()}},
    }


def write(folder: Path, name: str, doc: dict) -> Path:
    path = folder / name
    path.write_text(json.dumps(doc))
    return path


# Price List rows as published (inferplane Price List rows; TITAN-PY), in the legacy 1K-token unit
BEDROCK_SKUS = {
    "NP1": sku("APN1-NovaPro-input-tokens", "0.0009600000", model="Nova Pro", inferenceType="Input tokens"),
    "NP2": sku("APN1-NovaPro-output-tokens", "0.0038400000", model="Nova Pro"),
    "NP3": sku(
        "APN1-NovaPro-input-tokens-batch", "0.0004800000", model="Nova Pro", feature="Batch Inference"
    ),
    "NP4": sku("APN1-NovaPro-cache-read-input-token-count", "0.0002400000", model="Nova Pro"),
    "GL1": sku("APN1-zai.glm5-input-tokens", "0.0012000000", model="GLM 5"),
    "GL2": sku("APN1-zai.glm5-output-tokens", "0.0038400000", model="GLM 5"),
    "GL3": sku("APN1-zai.glm5-mantle-input-tokens-standard", "0.0012000000", model="GLM 5"),
    "GL4": sku("APN1-zai.glm5-mantle-output-tokens-standard", "0.0038400000", model="GLM 5"),
    "GL5": sku("APN1-zai.glm5-mantle-input-tokens-flex", "0.0006000000", model="GLM 5"),
    "CH1": sku("USE1-Claude3Haiku-input-tokens", "0.0002500000", model="Claude 3 Haiku"),
    "TI1": sku("USE1-TitanEmbeddingV2-Text-input-tokens", "0.0000200000", model="Titan Text Embeddings V2"),
    "TI2": sku(
        "USE1-TitanEmbeddingV2-Text-input-tokens-batch", "0.0000100000", model="Titan Text Embeddings V2"
    ),
}
# the newer offer's unit: USD per 1M tokens
SERVICE_SKUS = {
    "CS1": sku("USE1-Claude4.6Sonnet-input-tokens-cross-region-global", "3.0000000000", "1M tokens"),
    "CS2": sku("USE1-Claude4.6Sonnet-output-tokens-cross-region-global", "15.0000000000", "1M tokens"),
    "CS3": sku("USE1-Claude4.6Sonnet-input-tokens", "3.3000000000", "1M tokens"),
    "CS4": sku("USE1-Claude4.6Sonnet-cache-write-input-token-count-1h", "6.6000000000", "1M tokens"),
}


@pytest.fixture
def offers(tmp_path) -> list[Path]:
    return [
        write(tmp_path, "bedrock.json", offer("AmazonBedrock", BEDROCK_SKUS)),
        write(tmp_path, "service.json", offer("AmazonBedrockService", SERVICE_SKUS, "2026-08-02T09:00:00Z")),
    ]


def rows_by_key(result) -> dict[tuple, Decimal]:
    return {(r.price_key, r.region, r.meter, r.tier, r.scope): r.usd_per_1m for r in result.rows}


def test_prices_per_1k_and_per_1m_tokens_become_exact_usd_per_1m(offers):
    got = rows_by_key(refresh_files(offers))
    assert got[("nova-pro", "ap-northeast-1", "input", "standard", "regional")] == Decimal("0.96")
    assert got[("titan-embed-text-v2", "us-east-1", "input", "batch", "regional")] == Decimal("0.01")
    assert got[("claude-sonnet-4-6", "us-east-1", "input", "standard", "global")] == Decimal("3")
    assert got[("claude-sonnet-4-6", "us-east-1", "cache_write_1h", "standard", "regional")] == Decimal("6.6")
    assert all(isinstance(v, Decimal) and "E" not in str(v) for v in got.values())


def test_several_offers_are_merged_each_row_naming_its_offer_and_term_date(offers):
    result = refresh_files(offers)
    sources = {r.source for r in result.rows}
    assert sources == {
        f"AWS Price List AmazonBedrock {PUBLISHED}",
        "AWS Price List AmazonBedrockService 2026-08-02T09:00:00Z",
    }
    assert {r.effective_date for r in result.rows} == {"2026-07-01"}
    assert result.version == "2026-08-02T09:00:00Z"
    assert len(result.rows) == len(BEDROCK_SKUS) + len(SERVICE_SKUS) - 2  # GLM 5 pascal = mantle twice
    assert result.same_rate_twice == 2


def test_a_price_of_one_region_is_a_row_of_that_region_only(offers):
    table = refresh_files(offers).table()
    assert table.rate_per_million("nova-pro", "ap-northeast-1", "output", "standard", "geo") == Decimal(
        "3.84"
    )
    assert table.rate_per_million("nova-pro", "us-east-1", "output", "standard", "in_region") is None


def test_the_refreshed_file_is_a_price_table_in_the_shipped_format(offers, tmp_path):
    result = refresh_files(offers)
    path = tmp_path / "prices.csv"
    path.write_text(result.csv_text())
    table = PriceTable.load(path)
    assert table.version == "2026-08-02T09:00:00Z"
    assert table.rows == result.rows


def test_skus_it_cannot_use_are_counted_and_listed_never_dropped(tmp_path):
    skus = {
        "OK1": sku("USE1-NovaPro-input-tokens", "0.0008"),
        "UNK": sku("USE1-Claude9Magnum-input-tokens", "0.1", model="Claude Magnum 9"),
        "BAD": sku("USE1-DataTransfer-Out-Bytes", "0.09", "GB"),
        "SRC": sku("USE1-cohere.rerank-english-v3-search-units", "2.0", "Units"),
        "IMG": sku("USE1-Nova2.0Pro-input-image-token-count-cross-region-global", "1.0", "1M tokens"),
        "LCX": sku("USE1-Claude4Sonnet-input-tokens-long-context-cross-region-global", "0.006"),
        "QTY": sku("USE1-NovaLite-input-tokens", "0.06", "Requests"),
        "CNY": sku("USE1-NovaMicro-input-tokens", "0.00035"),
    }
    skus["CNY"]["term"]["priceDimensions"]["R1"]["pricePerUnit"] = {"CNY": "0.00035"}
    result = refresh_files([write(tmp_path, "o.json", offer("AmazonBedrock", skus))])
    assert [r.price_key for r in result.rows] == ["nova-pro"]
    assert result.left_out == {
        price_list.UNKNOWN_MODEL: ["USE1-Claude9Magnum-input-tokens (UNK)"],
        price_list.UNMAPPED: ["USE1-DataTransfer-Out-Bytes (BAD)"],
        price_list.NOT_TOKENS: [
            "USE1-Nova2.0Pro-input-image-token-count-cross-region-global (IMG)",
            "USE1-cohere.rerank-english-v3-search-units (SRC)",
        ],
        price_list.FLAGGED: ["USE1-Claude4Sonnet-input-tokens-long-context-cross-region-global (LCX)"],
        price_list.UNIT: ["USE1-NovaLite-input-tokens (QTY)"],
        price_list.NO_USD: ["USE1-NovaMicro-input-tokens (CNY)"],
    }
    assert result.skus == len(skus) == len(result.rows) + result.skipped()


def test_a_sku_repeated_identically_counts_once_and_two_rates_for_one_row_are_both_left_out(tmp_path):
    first = write(
        tmp_path, "a.json", offer("AmazonBedrock", {"NP1": BEDROCK_SKUS["NP1"], "NP2": BEDROCK_SKUS["NP2"]})
    )
    again = write(tmp_path, "b.json", offer("AmazonBedrock", {"NP1": BEDROCK_SKUS["NP1"]}))
    # a geo usage type at another rate than the in-region one: the table has one 'regional' row for both
    geo = sku("APN1-NovaPro-output-tokens-cross-region-geo", "0.0040000000")
    other = write(tmp_path, "c.json", offer("AmazonBedrockService", {"GEO": geo}))
    result = refresh_files([first, again, other])
    assert result.duplicate_skus == 1 and result.skus == 3
    assert [(r.meter, r.usd_per_1m) for r in result.rows] == [("input", Decimal("0.96"))]
    assert result.left_out == {
        price_list.CONFLICT: [
            "APN1-NovaPro-output-tokens (NP2) 3.84; APN1-NovaPro-output-tokens-cross-region-geo (GEO) 4"
        ]
    }


def test_two_terms_of_one_sku_are_a_price_history(tmp_path):
    old = sku("USE1-NovaPro-input-tokens", "0.0008", effective="2026-01-01T00:00:00Z")
    new = sku("USE1-NovaPro-input-tokens", "0.0007", effective="2026-09-01T00:00:00Z")
    path = write(tmp_path, "o.json", offer("AmazonBedrock", {"NP": old}))
    later = write(tmp_path, "p.json", offer("AmazonBedrock", {"NP": new}, "2026-09-02T00:00:00Z"))
    table = refresh_files([path, later]).table()
    rate = lambda day: table.rate_per_million("nova-pro", "us-east-1", "input", "standard", "in_region", day)  # noqa: E731
    assert (rate("2025-12-31"), rate("2026-08-31"), rate("2026-09-01")) == (
        None,
        Decimal("0.8"),
        Decimal("0.7"),
    )


def test_a_marketplace_sku_is_mapped_by_the_model_it_names(tmp_path):
    mp = sku(
        "USE1-MP:USE1_InputTokenCount_Global-Units",
        "3.0",
        "Units",
        servicename="Claude Sonnet 4.6 (Amazon Bedrock Edition)",
        d="USD 3.00 per million input tokens",
    )
    unknown = sku(
        "USE1-MP:USE1_OutputTokenCount-Units",
        "15",
        "Units",
        servicename="Somebody Else (Amazon Bedrock Edition)",
    )
    result = refresh_files(
        [write(tmp_path, "mp.json", offer("AmazonBedrockFoundationModels", {"MP1": mp, "MP2": unknown}))]
    )
    assert rows_by_key(result) == {
        ("claude-sonnet-4-6", "us-east-1", "input", "standard", "global"): Decimal("3")
    }
    assert result.left_out == {price_list.UNKNOWN_MODEL: ["USE1-MP:USE1_OutputTokenCount-Units (MP2)"]}


# --- the refreshed table against the shipped one ----------------------------------------------------------


def test_the_refreshed_table_agrees_with_the_shipped_table_wherever_both_have_a_rate(offers):
    refreshed = refresh_files(offers).table()
    comparison = compare(refreshed, PriceTable.load())
    assert comparison.disagree == []
    assert comparison.agree == len(refreshed.rows) and comparison.unmatched == 0


def test_a_price_list_rate_the_shipped_table_does_not_have_is_reported_as_a_disagreement(tmp_path):
    changed = {**BEDROCK_SKUS, "NP2": sku("APN1-NovaPro-output-tokens", "0.0040000000")}
    refreshed = refresh_files([write(tmp_path, "o.json", offer("AmazonBedrock", changed))]).table()
    comparison = compare(refreshed, PriceTable.load())
    assert [(d.price_key, d.region, d.meter, d.scope, d.rate, d.other_rate) for d in comparison.disagree] == [
        ("nova-pro", "ap-northeast-1", "output", "in_region", Decimal("4"), Decimal("3.84"))
    ]
    assert comparison.disagree[0].line() == (
        "nova-pro ap-northeast-1 output standard in_region: 4 here, 3.84 "
        "(inferplane/inferplane@939db89 pricing_sync_test.go (Price List rows in 1K tokens; undated: table date))"
    )


# --- the command -------------------------------------------------------------------------------------------

runner = CliRunner()


def test_prices_refresh_writes_the_table_and_says_what_it_left_out_and_how_it_compares(offers, tmp_path):
    out = tmp_path / "new-prices.csv"
    result = runner.invoke(app, ["prices", "refresh", *map(str, offers), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert PriceTable.load(out).rows == refresh_files(offers).rows
    err = result.stderr
    assert f"{len(refresh_files(offers).rows)} rates from 16 SKUs in 2 offer files" in err
    assert (
        "against the shipped table (version 2026.11.1): 14 rates agree, 0 disagree, 0 have no counterpart"
        in err
    )


def test_prices_refresh_lists_the_skus_of_unknown_models(tmp_path):
    skus = {
        "UNK": sku("USE1-Claude9Magnum-input-tokens", "0.1"),
        "SRC": sku("USE1-cohere.rerank-english-v3-search-units", "2.0", "Units"),
    }
    path = write(tmp_path, "o.json", offer("AmazonBedrock", skus))
    result = runner.invoke(app, ["prices", "refresh", str(path), "-o", str(tmp_path / "p.csv")])
    assert result.exit_code == 0, result.output
    assert (
        f"left out, {price_list.UNKNOWN_MODEL}: 1 SKU\n    USE1-Claude9Magnum-input-tokens (UNK)"
        in result.stderr
    )
    assert f"left out, {price_list.NOT_TOKENS}: 1 SKU\n" in result.stderr
    assert "search-units (SRC)" not in result.stderr  # counted, not listed: every offer has them


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            '{"offerCode": "AmazonEC2", "publicationDate": "2026-08-01T00:00:00Z", "products": {}}',
            "is not a Bedrock offer",
        ),
        ('{"offerCode": "AmazonBedrock", "products": {}}', "has no publicationDate"),
        ("[1, 2]", "expected a JSON object"),
        ('{"products": {,}}', "o.json:1:15: not valid JSON"),
    ],
)
def test_a_file_that_is_not_a_bedrock_offer_is_one_line_naming_it(tmp_path, text, fragment):
    path = tmp_path / "o.json"
    path.write_text(text)
    result = runner.invoke(app, ["prices", "refresh", str(path), "-o", str(tmp_path / "p.csv")])
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and fragment in result.stderr, result.stderr
    assert "AWS Price List offer file" in result.stderr and not (tmp_path / "p.csv").exists()


def test_a_missing_offer_file_is_one_line(tmp_path):
    result = runner.invoke(app, ["prices", "refresh", str(tmp_path / "none.json")])
    assert result.exit_code == 2 and "none.json does not exist" in result.stderr
