"""Is every report right on every export AWS writes, at scale? The generator writes each variant
(Marketplace Bedrock models, AgentCore, non-token meters, a stale file, a second currency, RI and Savings
Plan net columns, tag values and session names at the edges, a flat export) at each time granularity, with
ground truth; the library's reports must equal it to the cent."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pyarrow.parquet as pq
import pytest

from cur_analyzer import Analyzer
from cur_analyzer.granularity import Granularity
from cur_analyzer.synth import EXPORT_NAME, GRANULARITIES, VARIANTS, GroundTruth, generate

MONTH = "2026-10"
BASES = ("unblended", "net-unblended", "amortized", "net-amortized")
# A flat export has no manifest to leave a file out of: it gets an export of its own.
PARTITIONED = tuple(v for v in VARIANTS if v != "flat-layout")


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, GroundTruth]:
    """One month of every partitioned variant at each granularity."""
    return {
        g: generate(
            tmp_path_factory.mktemp(g), MONTH, rows=1500, months=1, granularity=g, variants=PARTITIONED
        )
        for g in GRANULARITIES
    }


@pytest.fixture(scope="module")
def flat(tmp_path_factory: pytest.TempPathFactory) -> GroundTruth:
    return generate(
        tmp_path_factory.mktemp("flat"), MONTH, rows=1500, months=2, granularity="daily",
        variants=["flat-layout", "marketplace", "edge-values"],
    )  # fmt: skip


def _analyzer(gt: GroundTruth) -> Analyzer:
    return Analyzer(cur=gt.path.parent / EXPORT_NAME, rules=None)


def _money(values: dict[str, str]) -> dict[str, Decimal]:
    return {k: Decimal(v) for k, v in values.items()}


def _per_currency(truth: dict[str, Any], key: str, basis: str) -> dict[str, Decimal]:
    return {c: Decimal(t[key][basis]) for c, t in truth["by_currency"].items()}


def _rows(cb, currency: str = "USD") -> dict[str, Decimal]:
    return {r.values[0]: r.cost for r in cb.rows if r.currency == currency and not r.unallocated}


@pytest.mark.parametrize("granularity", GRANULARITIES)
@pytest.mark.parametrize("basis", BASES)
def test_the_bedrock_chargeback_and_the_whole_bill_equal_the_truth_in_each_currency(
    exports, granularity, basis
):
    gt = exports[granularity]
    truth, analyzer = gt.month(MONTH), _analyzer(gt)
    bedrock = analyzer.chargeback(MONTH, by=["principal"], cost_basis=basis)
    everything = analyzer.chargeback(MONTH, by=["service"], service="all", cost_basis=basis)
    assert set(truth["by_currency"]) == {"USD", "EUR"}
    assert bedrock.totals() == _per_currency(truth, "bedrock_total", basis)
    assert everything.totals() == _per_currency(truth, "invoice_total", basis)
    assert bedrock.totals()["USD"] == Decimal(truth["bedrock_total"][basis])


@pytest.mark.parametrize("granularity", GRANULARITIES)
def test_by_meter_class_puts_every_bedrock_dollar_in_the_class_it_was_written_for(exports, granularity):
    gt = exports[granularity]
    truth = gt.month(MONTH)
    cb = _analyzer(gt).chargeback(MONTH, by=["meter-class"])
    assert _rows(cb) == _money(truth["bedrock_by_meter_class"])
    written = set(truth["non_token_meters"]["usage_types"].values()) | set(
        truth["agentcore"]["by_meter_class"]
    )
    assert written <= set(_rows(cb))


@pytest.mark.parametrize("granularity", GRANULARITIES)
def test_marketplace_models_are_bedrock_by_their_name_and_the_saas_product_is_not(exports, granularity):
    gt = exports[granularity]
    truth, analyzer = gt.month(MONTH)["marketplace"], _analyzer(gt)
    by_model = _rows(analyzer.chargeback(MONTH, by=["model"]))
    assert {m: by_model[m] for m in truth["bedrock_by_model"]} == _money(truth["bedrock_by_model"])
    by_service = _rows(analyzer.chargeback(MONTH, by=["service"]))
    assert not set(truth["not_bedrock"]) & set(by_service)
    everything = _rows(analyzer.chargeback(MONTH, by=["service"], service="all"))
    assert {c: everything[c] for c in truth["not_bedrock"]} == _money(truth["not_bedrock"])


@pytest.mark.parametrize("granularity", GRANULARITIES)
def test_a_team_tag_reading_unallocated_is_a_team_and_one_of_spaces_is_no_team(exports, granularity):
    gt = exports[granularity]
    truth = gt.month(MONTH)["bedrock_by_team"]
    cb = _analyzer(gt).chargeback(MONTH, by=["iamPrincipal/team"])
    assert _rows(cb) == _money(truth["values"])
    assert "Unallocated" in truth["values"]
    assert cb.unallocated()["USD"] == Decimal(truth["no_value"])


@pytest.mark.parametrize("granularity", GRANULARITIES)
def test_role_sessions_named_with_a_space_or_non_ascii_fold_into_their_role(exports, granularity):
    gt = exports[granularity]
    truth, analyzer = gt.month(MONTH)["edge_values"], _analyzer(gt)
    by_role = _rows(analyzer.chargeback(MONTH, by=["role"]))
    assert {r: by_role[r] for r in truth["by_role"]} == _money(truth["by_role"])
    by_session = _rows(analyzer.chargeback(MONTH, by=["session"]))
    assert {s: by_session[s] for s in truth["by_session"]} == _money(truth["by_session"])
    assert {"José Pérez", "Ana María", "李雷"} == set(truth["by_session"])


def test_coverage_counts_a_principal_team_tag_only_where_it_has_a_value(exports):
    gt = exports["hourly"]
    truth = gt.month(MONTH)["bedrock_by_team"]
    coverage = _analyzer(gt).coverage(MONTH, ["team"])
    (principal,) = [r for r in coverage.totals() if r.source == "principal" and r.currency == "USD"]
    assert principal.total == sum(_money(truth["values"]).values()) + Decimal(truth["no_value"])
    assert principal.tagged == sum(_money(truth["values"]).values())


@pytest.mark.parametrize("granularity", GRANULARITIES)
def test_a_file_the_manifest_does_not_list_is_left_out_of_the_month(exports, granularity):
    gt = exports[granularity]
    stale = gt.month(MONTH)["stale_file"]
    partition = gt.path.parent / EXPORT_NAME / "data" / f"BILLING_PERIOD={MONTH}"
    assert (partition / stale["file"]).is_file() and Decimal(stale["bedrock_total"]) > 0
    analyzer = _analyzer(gt)
    cb = analyzer.chargeback(MONTH)
    assert cb.totals()["USD"] == Decimal(gt.month(MONTH)["bedrock_total"]["unblended"])
    assert any(stale["file"] in n for n in analyzer.engine.notes)


@pytest.mark.parametrize("granularity", GRANULARITIES)
def test_the_export_is_cut_at_its_granularity_and_says_so(exports, granularity):
    gt = exports[granularity]
    root = gt.path.parent / EXPORT_NAME
    manifest = json.loads(next((root / "metadata").rglob("*Manifest.json")).read_text())
    assert manifest["timeGranularity"] == granularity.upper()
    assert manifest["tableConfigurations"]["COST_AND_USAGE_REPORT"]["TIME_GRANULARITY"] == granularity.upper()
    assert gt.month(MONTH)["export"]["granularity"] == granularity
    assert _analyzer(gt).granularity(MONTH) is Granularity(granularity)
    data = gt.path.parent / gt.month(MONTH)["export"]["data_files"][0]
    lines = pq.read_table(data).to_pylist()
    assert len(lines) == gt.month(MONTH)["lines"]
    keys = [(x["identity_time_interval"], x["line_item_line_item_type"], x["line_item_usage_type"],
             x["line_item_iam_principal"], x["line_item_usage_account_id"], x["line_item_product_code"],
             x["line_item_resource_id"], x["line_item_operation"]) for x in lines]  # fmt: skip
    assert len(set(keys)) == len(keys)  # one line per attributes and period


def test_every_granularity_bills_the_same_money(exports):
    truths = [exports[g].month(MONTH) for g in GRANULARITIES]
    for key in ("invoice_total", "bedrock_total", "bedrock_by_meter_class", "bedrock_by_team"):
        assert all(t[key] == truths[0][key] for t in truths), key
    money = [
        {c: (v["invoice_total"], v["bedrock_total"]) for c, v in t["by_currency"].items()} for t in truths
    ]
    assert all(m == money[0] for m in money)
    assert truths[0]["lines"] > truths[1]["lines"] > truths[2]["lines"]


def test_a_flat_export_puts_lines_without_a_billing_period_in_their_usage_month(flat):
    analyzer = _analyzer(flat)
    assert [str(p) for p in analyzer.periods()] == list(flat["months"])
    undated = 0
    for month, truth in flat["months"].items():
        assert truth["export"]["layout"] == "flat"
        assert analyzer.chargeback(month).totals()["USD"] == Decimal(truth["bedrock_total"]["unblended"])
        assert analyzer.chargeback(month, service="all").totals() == _per_currency(
            truth, "invoice_total", "unblended"
        )
        undated += truth["flat_layout"]["undated_lines"]
    assert undated > 0
    assert any(f"{undated} CUR lines have no billing period start date" in n for n in analyzer.engine.notes)
    assert not (flat.path.parent / EXPORT_NAME / "metadata").exists()
