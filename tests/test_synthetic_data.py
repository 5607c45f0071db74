"""Can the synthetic bill be trusted as ground truth? (cur_analyzer.synth)

Every total in ``ground_truth.json`` is recomputed here independently from the written Parquet and log files
with pyarrow + Decimal, so the other tests can compare reports against it.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import defaultdict
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from cur_analyzer import schema
from cur_analyzer.bedrock import models as model_map
from cur_analyzer.bedrock.pricing import PriceTable
from cur_analyzer.bedrock.usage_types import parse_usage_type
from cur_analyzer.synth import (
    EXPORT_NAME,
    GroundTruth,
    arrow_schema,
    generate,
    generate_logs,
)

EIGHT = Decimal("1e-8")
USAGE_TYPES = {"Usage", "DiscountedUsage", "SavingsPlanCoveredUsage"}
MONTHS = ("2026-10", "2026-11")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> GroundTruth:
    return generate(tmp_path_factory.mktemp("demo"), month="2026-10", rows=3000, seed=7, months=2)


def _root(gt: GroundTruth) -> Path:
    return gt.path.parent


def _data_file(gt: GroundTruth, month: str) -> Path:
    return (
        _root(gt) / EXPORT_NAME / "data" / f"BILLING_PERIOD={month}" / f"{EXPORT_NAME}-00001.snappy.parquet"
    )


_CACHE: dict[tuple[Path, str], list[dict[str, Any]]] = {}


def _lines(gt: GroundTruth, month: str) -> list[dict[str, Any]]:
    key = (gt.path, month)
    if key not in _CACHE:
        _CACHE[key] = pq.read_table(_data_file(gt, month)).to_pylist()
    return _CACHE[key]


def _d(x: float | None) -> Decimal | None:
    # Costs are written as the double nearest to an 8-place decimal; repr() round-trips it.
    return None if x is None else Decimal(repr(x)).quantize(EIGHT)


def _tags(line: dict[str, Any], column: str) -> dict[str, str]:
    return dict(line[column] or [])


def _cost(line: dict[str, Any], basis: str) -> Decimal:
    """The standard CUR cost-basis CASE, from the raw columns."""
    t = line["line_item_line_item_type"]
    unb = _d(line["line_item_unblended_cost"])
    net = _d(line["line_item_net_unblended_cost"])
    net = unb if net is None else net
    if basis == "unblended":
        return unb
    if basis == "net-unblended":
        return net
    if t == "SavingsPlanCoveredUsage":
        col = (
            "savings_plan_savings_plan_effective_cost"
            if basis == "amortized"
            else "savings_plan_net_savings_plan_effective_cost"
        )
        return _d(line[col])
    if t == "SavingsPlanRecurringFee":
        return _d(line["savings_plan_total_commitment_to_date"]) - _d(line["savings_plan_used_commitment"])
    if t in ("SavingsPlanNegation", "SavingsPlanUpfrontFee"):
        return Decimal(0)
    return unb if basis == "amortized" else net


def _total(values: Iterator[Decimal]) -> str:
    return f"{sum(values, Decimal(0)):.8f}"


def _by(lines: list[dict[str, Any]], key: Any) -> dict[str, str]:
    acc: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        acc[key(line) or "Unallocated"] += _d(line["line_item_unblended_cost"])
    return {k: f"{v:.8f}" for k, v in sorted(acc.items())}


def _is_bedrock(gt: GroundTruth, line: dict[str, Any]) -> bool:
    """Bedrock as the generator declared it: the product codes of the ground truth's Bedrock usage (its
    adjustments carry the same codes)."""
    codes = {code for m in gt["months"].values() for code in m["bedrock_usage"]["by_product"]}
    return line["line_item_product_code"] in codes


# --- determinism ----------------------------------------------------------------------------------------


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_the_same_seed_gives_byte_identical_files_and_another_seed_does_not(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", rows=1200, seed=11, months=2)
    b = generate(tmp_path / "b", rows=1200, seed=11, months=2)
    c = generate(tmp_path / "c", rows=1200, seed=12, months=2)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert a.data == b.data
    parquet = f"{EXPORT_NAME}/data/BILLING_PERIOD=2026-10/{EXPORT_NAME}-00001.snappy.parquet"
    assert _files(tmp_path / "a")[parquet] != _files(tmp_path / "c")[parquet]
    assert a.month("2026-10")["invoice_total"] != c.month("2026-10")["invoice_total"]


def test_regenerating_into_the_same_folder_replaces_the_month(tmp_path: Path) -> None:
    generate(tmp_path, rows=1200, seed=1, months=1)
    gt = generate(tmp_path, rows=1200, seed=2, months=1)
    logs = [p for p in (tmp_path / "logs").rglob("*.json.gz")]
    assert len(logs) == gt.month("2026-10")["logs"]["files"]


# --- layout and schema ----------------------------------------------------------------------------------

LOG_KEY = re.compile(
    r"^logs/AWSLogs/(?P<acct>\d{12})/BedrockModelInvocationLogs/(?P<region>[a-z]{2}-[a-z]+-\d)/"
    r"(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/(?P<h>\d{2})/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    r"_invocation\.json\.gz$"
)


def test_the_files_are_in_the_real_s3_layout(demo: GroundTruth) -> None:
    root = _root(demo)
    for month in MONTHS:
        assert _data_file(demo, month).is_file()
        assert list((root / EXPORT_NAME / "data" / f"BILLING_PERIOD={month}").iterdir()) == [
            _data_file(demo, month)
        ]
        manifest_path = (
            root / EXPORT_NAME / "metadata" / f"BILLING_PERIOD={month}" / f"{EXPORT_NAME}-Manifest.json"
        )
        manifest = json.loads(manifest_path.read_text())
        assert {
            "executionId",
            "billingPeriod",
            "dataFiles",
            "columns",
            "reportName",
            "bucket",
            "exportArn",
        } <= set(manifest)
        assert manifest["reportName"] == EXPORT_NAME
        assert manifest["columns"] == [{"name": c.name, "type": c.type} for c in schema.CUR_COLUMNS]
        assert manifest["dataFiles"] == [
            f"s3://{manifest['bucket']}/{EXPORT_NAME}/data/BILLING_PERIOD={month}/{EXPORT_NAME}-00001.snappy.parquet"
        ]
        assert manifest["exportArn"].startswith("arn:aws:bcm-data-exports:us-east-1:")
    logs = [p.relative_to(root).as_posix() for p in (root / "logs").rglob("*") if p.is_file()]
    assert logs and all(LOG_KEY.match(key) for key in logs), [k for k in logs if not LOG_KEY.match(k)][:3]
    assert sum(demo.month(m)["logs"]["files"] for m in MONTHS) == len(logs)
    profiles = json.loads((root / "inference-profiles.json").read_text())["inferenceProfileSummaries"]
    tags = json.loads((root / "inference-profile-tags.json").read_text())
    assert {p["inferenceProfileArn"] for p in profiles} == set(tags) == set(demo["aips"])
    for p in profiles:
        assert p["type"] == "APPLICATION" and p["status"] == "ACTIVE" and p["models"]
        assert re.fullmatch(
            r"arn:aws:bedrock:[a-z0-9-]+:\d{12}:application-inference-profile/[a-z0-9]{12}",
            p["inferenceProfileArn"],
        )
        assert p["inferenceProfileArn"].endswith("/" + p["inferenceProfileId"])


def test_the_parquet_has_exactly_the_schema_columns_and_types_without_pandas_metadata(
    demo: GroundTruth,
) -> None:
    expected = arrow_schema()
    for month in MONTHS:
        got = pq.read_schema(_data_file(demo, month))
        assert got.names == [c.name for c in schema.CUR_COLUMNS]
        assert "billing_period" not in got.names
        for field in expected:
            assert got.field(field.name).type == field.type, field.name
        assert got.metadata is not None and b"pandas" not in got.metadata
        meta = pq.ParquetFile(_data_file(demo, month)).metadata
        assert meta.row_group(0).column(0).compression == "SNAPPY"
        assert meta.num_rows == demo.month(month)["lines"]


def test_the_schema_maps_athena_types_to_arrow() -> None:
    kinds = {c.type: str(arrow_schema().field(c.name).type) for c in schema.CUR_COLUMNS}
    assert kinds == {
        "string": "string",
        "double": "double",
        "timestamp": "timestamp[ms]",
        "map<string,string>": "map<string, string>",
        "map<string,double>": "map<string, double>",
    }


# --- ground truth against the parquet -------------------------------------------------------------------


@pytest.mark.parametrize("month", MONTHS)
def test_ground_truth_totals_equal_sums_recomputed_from_the_parquet(demo: GroundTruth, month: str) -> None:
    truth = demo.month(month)
    lines = _lines(demo, month)
    assert len(lines) == truth["lines"]
    bases = ("unblended", "net-unblended", "amortized", "net-amortized")
    bedrock = [x for x in lines if _is_bedrock(demo, x)]
    assert truth["bedrock_lines"] == len(bedrock)
    for basis in bases:
        assert truth["invoice_total"][basis] == _total(_cost(x, basis) for x in lines), basis
        assert truth["bedrock_total"][basis] == _total(_cost(x, basis) for x in bedrock), basis

    adjustments = [x for x in lines if x["line_item_line_item_type"] not in USAGE_TYPES]
    assert truth["adjustments"]["all"] == _by(adjustments, lambda x: x["line_item_line_item_type"])
    assert truth["adjustments"]["bedrock"] == _by(
        [x for x in adjustments if _is_bedrock(demo, x)], lambda x: x["line_item_line_item_type"]
    )

    usage = [x for x in bedrock if x["line_item_line_item_type"] in USAGE_TYPES]
    bu = truth["bedrock_usage"]
    assert bu["total"] == _total(_d(x["line_item_unblended_cost"]) for x in usage)
    assert bu["by_principal"] == _by(usage, lambda x: x["line_item_iam_principal"])
    assert bu["by_account"] == _by(usage, lambda x: x["line_item_usage_account_id"])
    assert bu["by_usage_type"] == _by(usage, lambda x: x["line_item_usage_type"])
    assert bu["by_model"] == _by(usage, lambda x: parse_usage_type(x["line_item_usage_type"]).billing_name)
    assert bu["by_meter"] == _by(usage, lambda x: parse_usage_type(x["line_item_usage_type"]).meter)
    assert bu["by_tier"] == _by(usage, lambda x: parse_usage_type(x["line_item_usage_type"]).tier)
    assert bu["by_scope"] == _by(usage, lambda x: parse_usage_type(x["line_item_usage_type"]).scope)
    for key, values in bu["by_principal_tag"].items():
        assert values == _by(usage, lambda x, k=key: _tags(x, "tags").get(f"iamPrincipal/{k}")), key
    for key, values in bu["by_aip_tag"].items():
        from_tags = _by(usage, lambda x, k=key: _tags(x, "tags").get(f"resourceTags/{k}"))
        normalised = "user_" + re.sub(r"[^0-9a-z]", "_", key.lower())
        from_resource_tags = _by(usage, lambda x, k=normalised: _tags(x, "resource_tags").get(k))
        assert values == from_tags == from_resource_tags, key

    all_usage = [x for x in lines if x["line_item_line_item_type"] in USAGE_TYPES]
    for key, values in truth["all_usage"]["by_tag"].items():
        normalised = "user_" + re.sub(r"[^0-9a-z]", "_", key.lower())
        assert values == _by(all_usage, lambda x, k=normalised: _tags(x, "resource_tags").get(k)), key
        assert values == _by(all_usage, lambda x, k=key: _tags(x, "tags").get(f"resourceTags/{k}")), key
    assert truth["all_usage"]["by_product"] == _by(all_usage, lambda x: x["line_item_product_code"])


@pytest.mark.parametrize("month", MONTHS)
def test_every_breakdown_sums_exactly_to_its_total_and_the_invoice_is_conserved(
    demo: GroundTruth, month: str
) -> None:
    truth = demo.month(month)

    def check(section: dict[str, Any]) -> None:
        total = Decimal(section["total"])
        for name, values in section.items():
            if not name.startswith("by_"):
                continue
            nested = values.values() if all(isinstance(v, dict) for v in values.values()) else [values]
            for cut in nested:
                assert sum(map(Decimal, cut.values()), Decimal(0)) == total, name

    check(truth["bedrock_usage"])
    check(truth["all_usage"])
    adjustments = sum(map(Decimal, truth["adjustments"]["all"].values()), Decimal(0))
    assert Decimal(truth["all_usage"]["total"]) + adjustments == Decimal(truth["invoice_total"]["unblended"])
    # The EDP discount lines carry net 0 while usage lines carry the discounted net: both bases agree in total.
    assert truth["invoice_total"]["net-unblended"] == truth["invoice_total"]["unblended"]
    assert truth["bedrock_total"]["net-unblended"] == truth["bedrock_total"]["unblended"]
    # Partial-upfront Savings Plan: amortized and unblended differ at the invoice level.
    assert truth["invoice_total"]["amortized"] != truth["invoice_total"]["unblended"]


def test_every_line_cost_is_usage_times_rate_and_bedrock_rates_come_from_the_price_table(
    demo: GroundTruth,
) -> None:
    prices = PriceTable.load()
    for x in _lines(demo, "2026-10"):
        if x["line_item_line_item_type"] not in ("Usage", "SavingsPlanCoveredUsage"):
            continue
        rate = Decimal(x["line_item_unblended_rate"])
        expected = (Decimal(repr(x["line_item_usage_amount"])) * rate).quantize(EIGHT, ROUND_HALF_UP)
        assert _d(x["line_item_unblended_cost"]) == expected
        if x["line_item_line_item_type"] == "Usage":
            net = (expected * Decimal("0.95")).quantize(EIGHT, ROUND_HALF_UP)
            assert _d(x["line_item_net_unblended_cost"]) == net
        if _is_bedrock(demo, x):
            ut = parse_usage_type(x["line_item_usage_type"])
            model = model_map.by_billing_name(ut.billing_name)
            assert ut.mapped and model is not None and x["pricing_unit"] == "1K tokens"
            per_million = prices.rate_per_million(
                model.price_key, x["product_region_code"], ut.meter, ut.tier, ut.scope
            )
            assert rate == per_million / 1000
            assert x["line_item_operation"] in ("InvokeModelInference", "InvokeModelStreamingInference")
            expected_code = "AmazonBedrockService" if model.provider == "Anthropic" else "AmazonBedrock"
            assert x["line_item_product_code"] == x["product_servicecode"] == expected_code


# --- CUR lines against the invocation logs --------------------------------------------------------------


def _log_records(gt: GroundTruth, month: str) -> list[dict[str, Any]]:
    out = []
    for path in sorted((_root(gt) / "logs").rglob("*.json.gz")):
        m = LOG_KEY.match(path.relative_to(_root(gt)).as_posix())
        if m and f"{m['y']}-{m['m']}" == month:
            out.extend(json.loads(line) for line in gzip.decompress(path.read_bytes()).splitlines())
    return out


def _billing_name(model_id: str, aips: dict[str, Any]) -> str:
    if model_id in aips:
        return aips[model_id]["billing_name"]
    model = model_map.by_model_id(model_id.split("inference-profile/")[-1])
    assert model is not None, model_id
    return model.billing_name


def _scope(model_id: str, aips: dict[str, Any]) -> str:
    if model_id in aips:
        return aips[model_id]["scope"]
    if ":inference-profile/global." in model_id:
        return "global"
    return "geo" if ":inference-profile/" in model_id else "in_region"


def _log_buckets(gt: GroundTruth, records: list[dict[str, Any]]) -> dict[tuple[Any, ...], int]:
    """Successful records' tokens per (account, principal, region, model, scope, tier, AIP, hour, meter)."""
    out: dict[tuple[Any, ...], int] = defaultdict(int)
    for r in records:
        if "errorCode" in r or "inputTokenCount" not in r["input"]:
            assert "outputTokenCount" not in r.get("output", {})
            continue
        model_id = r["modelId"]
        tier = r["input"]["inputBodyJson"].get("serviceTier", {}).get("type", "standard")
        aip = model_id if model_id in gt["aips"] else None
        model = _billing_name(model_id, gt["aips"])
        key = (
            r["accountId"],
            r["identity"]["arn"],
            r["region"],
            model,
            _scope(model_id, gt["aips"]),
            tier,
            aip,
        )
        inp = r["input"]
        for meter, count in (
            ("input", inp["inputTokenCount"]),
            ("output", r["output"]["outputTokenCount"]),
            ("cache_read", inp.get("cacheReadInputTokenCount", 0)),
            ("cache_write", inp.get("cacheWriteInputTokenCount", 0)),
        ):
            if count:
                out[(*key, r["timestamp"][:13], meter)] += count
    return dict(out)


def _cur_buckets(
    demo: GroundTruth, lines: list[dict[str, Any]], logged: set[tuple[str, str]]
) -> tuple[dict[tuple[Any, ...], int], int]:
    """Bedrock usage lines' tokens by the same key (both cache-write TTLs are one log count); batch lines counted."""
    out: dict[tuple[Any, ...], int] = defaultdict(int)
    batch = 0
    for x in lines:
        if not _is_bedrock(demo, x) or x["line_item_line_item_type"] != "Usage":
            continue
        ut = parse_usage_type(x["line_item_usage_type"])
        if ut.tier == "batch":
            batch += 1
            continue
        account = x["line_item_usage_account_id"]
        if (account, ut.region) not in logged:
            continue
        assert x["product_region_code"] == ut.region
        meter = "cache_write" if ut.meter == "cache_write_1h" else ut.meter
        hour = x["line_item_usage_start_date"].strftime("%Y-%m-%dT%H")
        key = (account, x["line_item_iam_principal"], ut.region, ut.billing_name, ut.scope, ut.tier)
        out[(*key, x["line_item_resource_id"], hour, meter)] += round(x["line_item_usage_amount"] * 1000)
    return dict(out), batch


@pytest.mark.parametrize("month", MONTHS)
def test_bedrock_lines_are_the_aggregated_log_tokens_except_batch_and_unlogged_accounts(
    demo: GroundTruth, month: str
) -> None:
    records = _log_records(demo, month)
    logged = {tuple(x) for x in demo.month(month)["logs"]["logging_enabled"]}
    operations = {"InvokeModel", "Converse", "ConverseStream", "InvokeModelWithResponseStream"}
    for r in records:
        assert r["schemaType"] == "ModelInvocationLog" and r["schemaVersion"] == "1.0"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["timestamp"])
        assert r["timestamp"].startswith(month) and r["operation"] in operations
        assert (r["accountId"], r["region"]) in logged
    from_logs = _log_buckets(demo, records)
    from_cur, batch = _cur_buckets(demo, _lines(demo, month), logged)
    assert batch > 0
    assert len(from_cur) > 500 and {k[4] for k in from_cur} == {"in_region", "geo", "global"}
    assert from_cur == from_logs

    truth = demo.month(month)["logs"]
    assert truth["records"] == len(records)
    assert truth["errors"] == sum("errorCode" in r for r in records) > 0
    blocked = [r for r in records if "errorCode" not in r and "inputTokenCount" not in r["input"]]
    assert truth["no_token_calls"] == len(blocked) > 0
    assert all(r["output"]["outputBodyJson"]["stopReason"] == "guardrail_intervened" for r in blocked)
    totals: dict[str, int] = defaultdict(int)
    for (*_, meter), count in from_logs.items():
        totals[meter] += count
    assert truth["tokens"] == {m: totals[m] for m in ("input", "output", "cache_read", "cache_write")}
    assert Decimal(truth["billed_cost"]) == Decimal(
        demo.month(month)["bedrock_usage"]["by_log_status"]["logged"]
    )


def test_log_records_show_every_model_id_form_and_cross_region_routing(demo: GroundTruth) -> None:
    records = _log_records(demo, "2026-10")
    ids = {r["modelId"] for r in records}
    assert any(
        re.fullmatch(r"arn:aws:bedrock:[a-z0-9-]+:\d{12}:application-inference-profile/[a-z0-9]{12}", i)
        for i in ids
    )
    assert any(re.search(r":inference-profile/us\.", i) for i in ids)
    assert any(re.search(r":inference-profile/global\.", i) for i in ids)
    assert any(not i.startswith("arn:") for i in ids)
    routed = [r for r in records if "inferenceRegion" in r]
    assert routed and all(r["modelId"].startswith("arn:") for r in routed)
    assert {r["inferenceRegion"] for r in routed} >= {"us-east-2", "eu-west-1", "ap-southeast-2"}
    assert any("requestMetadata" in r for r in records)
    tiers = {r["input"]["inputBodyJson"].get("serviceTier", {}).get("type") for r in records}
    assert {"flex", "priority"} <= tiers
    # inputTokenCount excludes cache tokens: some cached calls bill far more cache reads than fresh input.
    assert any(
        r["input"].get("cacheReadInputTokenCount", 0) > r["input"].get("inputTokenCount", 0) for r in records
    )


# --- coverage -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("month", MONTHS)
def test_every_kind_of_principal_meter_tier_scope_and_adjustment_is_present(
    demo: GroundTruth, month: str
) -> None:
    lines = _lines(demo, month)
    bedrock_usage = [x for x in lines if _is_bedrock(demo, x) and x["line_item_line_item_type"] == "Usage"]
    principals = {x["line_item_iam_principal"] for x in bedrock_usage}
    assert re.compile(r"arn:aws:iam::\d{12}:user/alice").fullmatch(
        next(p for p in principals if p and p.endswith("/alice"))
    )
    assert any(p and ":user/BedrockAPIKey-" in p for p in principals)
    assert any(p and p.endswith(":assumed-role/ChatApp/session-1") for p in principals)
    assert any(p and p.endswith(":assumed-role/ChatApp/session-2") for p in principals)
    assert any(p and p.endswith(":assumed-role/DocProcessor/batch-7") for p in principals)
    assert any(p and p.endswith(":assumed-role/ClaudeCode/alice@acme.org") for p in principals)
    assert any(p and ":federated-user/" in p for p in principals)
    assert None in principals  # batch job lines without a caller -> Unallocated

    parsed = [parse_usage_type(x["line_item_usage_type"]) for x in bedrock_usage]
    assert all(p.mapped for p in parsed)
    assert {p.meter for p in parsed} == {"input", "output", "cache_read", "cache_write", "cache_write_1h"}
    assert {p.tier for p in parsed} == {"standard", "batch", "flex", "priority"}
    assert {p.scope for p in parsed} == {"in_region", "geo", "global"}
    assert {p.style for p in parsed} == {"pascal", "mantle"}
    usage_types = {p.raw for p in parsed}
    for wanted in (
        "USE1-Claude4.6Sonnet-input-tokens",
        "USE1-Claude4.6Sonnet-cache-read-input-token-count",
        "USE1-Claude4.6Sonnet-cache-write-input-token-count",
        "USE1-Claude4.6Sonnet-cache-write-input-token-count-1h-cross-region-global",
        "USE1-Claude4.6Sonnet-output-tokens-cross-region-global",
        "USW2-NovaPro-input-tokens-batch",
        "USE1-Nova2.0Lite-input-tokens-flex",
        "USW2-anthropic.claude-opus-4-8-mantle-cache-write-tokens-standard",
        "USE1-openai.gpt-oss-120b-mantle-input-tokens-priority",
    ):
        assert wanted in usage_types, wanted

    types = {x["line_item_line_item_type"] for x in lines}
    assert {
        "Usage",
        "Tax",
        "Credit",
        "Refund",
        "Fee",
        "EdpDiscount",
        "SavingsPlanCoveredUsage",
        "SavingsPlanNegation",
        "SavingsPlanRecurringFee",
    } <= types
    by_type = defaultdict(list)
    for x in lines:
        by_type[x["line_item_line_item_type"]].append(x)
    assert all(x["line_item_tax_type"] and x["line_item_unblended_cost"] > 0 for x in by_type["Tax"])
    for negative in ("Credit", "Refund", "EdpDiscount", "SavingsPlanNegation"):
        assert all(x["line_item_unblended_cost"] < 0 for x in by_type[negative]), negative
    assert all(x["line_item_net_unblended_cost"] == 0 for x in by_type["EdpDiscount"])
    assert {"Tax", "Credit"} <= {x["line_item_line_item_type"] for x in lines if _is_bedrock(demo, x)}
    assert all(
        x["savings_plan_savings_plan_effective_cost"] is not None for x in by_type["SavingsPlanCoveredUsage"]
    )
    for fee in by_type["SavingsPlanRecurringFee"]:
        assert fee["savings_plan_total_commitment_to_date"] >= fee["savings_plan_used_commitment"] > 0
    assert any(x["line_item_product_code"] == "AWSSupportBusiness" for x in by_type["Fee"])
    assert len({x["identity_line_item_id"] for x in lines}) == len(lines)
    assert {x["line_item_usage_account_id"] for x in lines} >= {
        "123456789012",
        "234567890123",
        "345678901234",
    }
    assert len({x["bill_payer_account_id"] for x in lines}) == 1
    assert all(x["line_item_currency_code"] == "USD" and x["bill_billing_entity"] == "AWS" for x in lines)


def test_tags_principal_session_overrides_aips_and_other_services(demo: GroundTruth) -> None:
    lines = _lines(demo, "2026-10")
    tags_of = {x["line_item_iam_principal"]: _tags(x, "tags") for x in lines if x["line_item_iam_principal"]}
    s1 = next(v for k, v in tags_of.items() if k.endswith("ChatApp/session-1"))
    s2 = next(v for k, v in tags_of.items() if k.endswith("ChatApp/session-2"))
    assert s1["iamPrincipal/team"] == "chat" and s2["iamPrincipal/team"] == "chat-eu"  # session tag wins
    assert s1["iamPrincipal/cost-center"] == s2["iamPrincipal/cost-center"] == "CC-2001"  # from the role
    assert s1["iamPrincipal/project"] != s2["iamPrincipal/project"]
    assert not any(
        k.startswith("iamPrincipal/") for k in tags_of[next(k for k in tags_of if "BedrockAPIKey" in k)]
    )
    bob = tags_of[next(k for k in tags_of if k.endswith(":user/bob"))]
    assert bob["iamPrincipal/team"] == "research" and "iamPrincipal/cost-center" not in bob

    aip_lines = [x for x in lines if _is_bedrock(demo, x) and x["line_item_resource_id"]]
    assert aip_lines
    for x in aip_lines:
        arn = x["line_item_resource_id"]
        expected = demo["aips"][arn]["tags"]
        assert {k: v for k, v in _tags(x, "tags").items() if k.startswith("resourceTags/")} == {
            f"resourceTags/{k}": v for k, v in expected.items()
        }
        assert _tags(x, "resource_tags") == {
            "user_" + re.sub(r"[^0-9a-z]", "_", k.lower()): v for k, v in expected.items()
        }
    assert any("user_cost_center" in _tags(x, "resource_tags") for x in aip_lines)
    assert any("user_application" in _tags(x, "resource_tags") for x in aip_lines)
    assert not any(
        _tags(x, "resource_tags") for x in lines if _is_bedrock(demo, x) and not x["line_item_resource_id"]
    )

    others = [x for x in lines if not _is_bedrock(demo, x) and x["line_item_line_item_type"] == "Usage"]
    assert {x["line_item_iam_principal"] for x in others} == {None, ""}
    assert any("user_team" in _tags(x, "resource_tags") for x in others)
    assert any(not _tags(x, "resource_tags") for x in others)


def test_only_the_last_month_is_open(demo: GroundTruth) -> None:
    october, november = demo.month("2026-10"), demo.month("2026-11")
    assert october["final"] and re.fullmatch(r"EUINUS26-\d{6}", october["invoice_id"])
    assert not november["final"] and november["invoice_id"] == ""
    assert {x["bill_invoice_id"] for x in _lines(demo, "2026-10")} == {october["invoice_id"]}
    assert {x["bill_invoice_id"] for x in _lines(demo, "2026-11")} == {""}
    for month, line in (("2026-10", _lines(demo, "2026-10")[0]), ("2026-11", _lines(demo, "2026-11")[0])):
        assert line["bill_billing_period_start_date"].strftime("%Y-%m") == month
        assert re.fullmatch(
            r"\d{4}-\d\d-\d\dT\d\d:00:00Z/\d{4}-\d\d-\d\dT\d\d:00:00Z", line["identity_time_interval"]
        )


# --- scale ----------------------------------------------------------------------------------------------


def test_fifty_thousand_rows_are_written_in_several_row_groups(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    gt = generate(tmp_path, rows=50_000, months=1, progress=lambda done, total: seen.append((done, total)))
    truth = gt.month("2026-10")
    assert 45_000 <= truth["lines"] <= 55_000
    meta = pq.ParquetFile(_data_file(gt, "2026-10")).metadata
    assert meta.num_rows == truth["lines"] and meta.num_row_groups == truth["row_groups"] > 1
    assert seen and seen[-1] == (truth["lines"], truth["lines"])


def test_generate_logs_streams_the_requested_number_of_records(tmp_path: Path) -> None:
    summary = generate_logs(tmp_path, month="2026-10", records=3000, seed=3)
    files = list((tmp_path / "logs").rglob("*.json.gz"))
    assert len(files) == summary["files"]
    lines = [json.loads(x) for f in files for x in gzip.decompress(f.read_bytes()).splitlines()]
    assert len(lines) == summary["records"] == 3000
    assert sum(r["input"].get("inputTokenCount", 0) for r in lines) == summary["tokens"]["input"]
    assert all(LOG_KEY.match(f.relative_to(tmp_path).as_posix()) for f in files)
