"""Does every gap between invocation logs and bill have a synthetic month with a known answer? (synth.Gaps)

Each knob of :class:`cur_analyzer.synth.Gaps` injects one cause. Here the buckets (day, account, region,
principal, model, meter) are recomputed independently from the written Parquet and log files with pyarrow,
gzip/json, the usage-type parser, the model map and the price table, and compared with the ``reconcile`` part of
``ground_truth.json``: a clean month estimates every bucket to the last digit of its bill, and each knob changes
exactly what it says, with an injected amount equal to the gap recomputed here.
"""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from cur_analyzer.bedrock import models as model_map
from cur_analyzer.bedrock.models import ProfileMap, resolve
from cur_analyzer.bedrock.pricing import PriceTable
from cur_analyzer.bedrock.usage_types import parse_usage_type
from cur_analyzer.synth import (
    EXPORT_NAME,
    RECONCILE_CAUSES,
    Gaps,
    GroundTruth,
    generate,
)

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo"
MONTH = "2026-10"
ROWS, SEED = 600, 7
EIGHT = Decimal("1e-8")
UNIT_TOKENS = {"1K tokens": 1000, "1M tokens": 1_000_000}
LOG_COUNTS = (
    ("input", "inputTokenCount"),
    ("cache_read", "cacheReadInputTokenCount"),
    ("cache_write", "cacheWriteInputTokenCount"),
)
PRICES = PriceTable.load()

Key = tuple[str, str, str, str, str, str]  # day, account, region, principal, model, meter


# --- reading what was written, independently of synth ---------------------------------------------------


def _data_file(root: Path, month: str = MONTH) -> Path:
    return root / EXPORT_NAME / "data" / f"BILLING_PERIOD={month}" / f"{EXPORT_NAME}-00001.snappy.parquet"


def _lines(root: Path, month: str = MONTH) -> list[dict[str, Any]]:
    return pq.read_table(_data_file(root, month)).to_pylist()


def _bedrock_usage(root: Path, month: str = MONTH) -> list[dict[str, Any]]:
    """The month's Bedrock usage lines, Bedrock as the generator declared it: the product codes of the
    ground truth's Bedrock usage."""
    truth = json.loads((root / "ground_truth.json").read_text())
    codes = set(truth["months"][month]["bedrock_usage"]["by_product"])
    return [
        x
        for x in _lines(root, month)
        if x["line_item_product_code"] in codes and x["line_item_line_item_type"] == "Usage"
    ]


def _log_files(root: Path, month: str = MONTH) -> dict[str, bytes]:
    year, mon = month.split("-")
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted((root / "logs").rglob("*.json.gz"))
        if p.parent.parent.parent.parent.name == year and p.parent.parent.parent.name == mon
    }


def _records(root: Path, month: str = MONTH) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for blob in _log_files(root, month).values()
        for line in gzip.decompress(blob).splitlines()
    ]


def _model_key(billing_name: str) -> str:
    known = model_map.by_billing_name(billing_name)
    return known.price_key if known else billing_name


def _dec(x: float) -> Decimal:
    return Decimal(repr(x)).quantize(EIGHT)


def _billed(root: Path, month: str = MONTH) -> dict[Key, list[Any]]:
    """Bucket -> [tokens, cost] from the CUR Bedrock usage lines (usage amount normalised by pricing unit)."""
    out: dict[Key, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for x in _bedrock_usage(root, month):
        ut = parse_usage_type(x["line_item_usage_type"])
        assert ut.mapped and ut.is_token_meter, ut.raw
        meter = "cache_write" if ut.meter == "cache_write_1h" else ut.meter
        key = (
            x["line_item_usage_start_date"].strftime("%Y-%m-%d"),
            x["line_item_usage_account_id"],
            x["product_region_code"],
            x["line_item_iam_principal"] or "Unallocated",
            _model_key(ut.billing_name),
            meter,
        )
        tokens = Decimal(repr(x["line_item_usage_amount"])) * UNIT_TOKENS[x["pricing_unit"]]
        assert tokens == tokens.to_integral_value()
        out[key][0] += int(tokens)
        out[key][1] += _dec(x["line_item_unblended_cost"])
    return dict(out)


def _estimated(root: Path, month: str = MONTH) -> dict[Key, list[Any]]:
    """Bucket -> [tokens, cost] from successful log records x price table (model, scope from modelId; tier from
    inputBodyJson.serviceTier, standard when absent; cache writes at the 5-minute rate; unpriced -> 0)."""
    profiles = ProfileMap.load(root / "inference-profiles.json")
    out: dict[Key, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
    for r in _records(root, month):
        if "errorCode" in r or "inputTokenCount" not in r["input"]:
            continue
        res = resolve(r["modelId"], profiles)
        model = res.model.price_key if res.model else res.base_model_id
        tier = r["input"]["inputBodyJson"].get("serviceTier", {}).get("type", "standard")
        counts = [(m, r["input"].get(f, 0)) for m, f in LOG_COUNTS] + [
            ("output", r["output"]["outputTokenCount"])
        ]
        for meter, n in counts:
            if not n:
                continue
            key = (
                r["timestamp"][:10],
                r["accountId"],
                r["region"],
                r["identity"]["arn"] or "Unallocated",
                model,
                meter,
            )
            rate = PRICES.rate_per_million(model, r["region"], meter, tier, res.scope) if res.model else None
            out[key][0] += n
            out[key][1] += Decimal(n) * rate / 1_000_000 if rate is not None else Decimal(0)
    return dict(out)


def _status(est: list[Any], billed: list[Any], final: bool) -> str:
    if not est[0] and billed[0]:
        status = "billed-only"
    elif est[0] and not billed[0]:
        status = "logged-only"
    elif abs(est[1] - billed[1]) <= abs(billed[1]) / 100:
        return "match"
    else:
        status = "over" if est[1] > billed[1] else "under"
    return status if final else "pending"


class Recomputed:
    """Both sides of every bucket, recomputed from the files."""

    def __init__(self, root: Path, final: bool, month: str = MONTH) -> None:
        self.billed = _billed(root, month)
        self.estimated = _estimated(root, month)
        zero = [0, Decimal(0)]
        self.keys = set(self.billed) | set(self.estimated)
        self.est = {k: self.estimated.get(k, zero) for k in self.keys}
        self.bil = {k: self.billed.get(k, zero) for k in self.keys}
        self.status = {k: _status(self.est[k], self.bil[k], final) for k in self.keys}

    @property
    def differing(self) -> set[Key]:
        return {k for k in self.keys if self.est[k] != self.bil[k]}

    def gap(self, keys: set[Key] | None = None) -> Decimal:
        return sum(
            (self.bil[k][1] - self.est[k][1] for k in (self.keys if keys is None else keys)), Decimal(0)
        )


def _gen(tmp_path_factory: pytest.TempPathFactory, *names: str, months: int = 1) -> GroundTruth:
    folder = tmp_path_factory.mktemp("-".join(names) or "gaps")
    return generate(folder, month=MONTH, rows=ROWS, seed=SEED, months=months, gaps=Gaps.from_names(names))


def _root(gt: GroundTruth) -> Path:
    return gt.path.parent


def _recon(gt: GroundTruth, month: str = MONTH) -> dict[str, Any]:
    return gt.month(month)["reconcile"]


def _assert_truth_matches_files(gt: GroundTruth, month: str = MONTH) -> Recomputed:
    """Totals, per-cause buckets and statuses of the ground truth against the independent recomputation."""
    rec = Recomputed(_root(gt), gt.month(month)["final"], month)
    truth = _recon(gt, month)
    assert Decimal(truth["billed_cost"]) == sum((v[1] for v in rec.billed.values()), Decimal(0))
    assert Decimal(truth["estimated_cost"]) == sum((v[1] for v in rec.estimated.values()), Decimal(0))
    assert truth["bucket_count"] == len(rec.keys)
    assert truth["statuses"] == dict(sorted(Counter(rec.status.values()).items()))
    injected = truth["injected"]
    assert list(injected) == [c for c in RECONCILE_CAUSES if c in injected]
    caused = {tuple(b) for entry in injected.values() for b in entry["buckets"]}
    assert caused >= rec.differing  # every bucket with a gap has a cause
    assert sum((Decimal(e["amount"]) for e in injected.values()), Decimal(0)) == rec.gap()
    for cause, entry in injected.items():
        statuses = {rec.status[tuple(b)] for b in entry["buckets"]}
        assert statuses == {entry["status"]}, cause
    assert truth["clean"] == (not injected)
    return rec


# --- the default is untouched ---------------------------------------------------------------------------


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_without_gaps_generate_writes_the_committed_demo_fixture_byte_for_byte(tmp_path: Path) -> None:
    committed = json.loads((DEMO / "ground_truth.json").read_text())
    gt = generate(
        tmp_path, month="2026-10", rows=committed["rows_requested"], seed=committed["seed"], months=2
    )
    assert _tree(tmp_path) == _tree(DEMO)
    assert "gaps" not in gt.data and all("reconcile" not in m for m in gt["months"].values())


def test_gaps_are_named_as_the_cli_will_pass_them() -> None:
    gaps = Gaps.from_names(["clean", "lose-log-hour", " unpriced_model "])
    assert gaps == Gaps(clean=True, lose_log_hour=True, unpriced_model=True)
    assert gaps.names() == ["clean", "lose_log_hour", "unpriced_model"]
    assert Gaps.from_names(Gaps.NAMES) == Gaps(**dict.fromkeys(Gaps.NAMES, True))
    assert Gaps.from_names([]) == Gaps()
    with pytest.raises(ValueError, match="unknown gap lose_a_day"):
        Gaps.from_names(["lose_a_day"])


# --- clean: every bucket matches to the last digit ------------------------------------------------------


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> GroundTruth:
    return _gen(tmp_path_factory, "clean", months=2)


@pytest.mark.parametrize("month", ["2026-10", "2026-11"])
def test_clean_data_estimates_every_bucket_exactly_at_its_billed_cost(clean: GroundTruth, month: str) -> None:
    rec = _assert_truth_matches_files(clean, month)
    assert set(rec.billed) == set(rec.estimated) and len(rec.keys) > 100
    for key in rec.keys:
        assert rec.estimated[key] == rec.billed[key], key  # tokens and cost, to the last digit
    truth = _recon(clean, month)
    assert truth["clean"] is True and truth["injected"] == {}
    assert truth["estimated_cost"] == truth["billed_cost"] == clean.month(month)["bedrock_usage"]["total"]
    assert truth["statuses"] == {"match": len(rec.keys)}


def test_clean_data_has_no_batch_no_unlogged_account_and_no_one_hour_cache_writes(clean: GroundTruth) -> None:
    usage = [parse_usage_type(x["line_item_usage_type"]) for x in _bedrock_usage(_root(clean))]
    assert {u.tier for u in usage} == {"standard", "flex", "priority"}
    assert {u.meter for u in usage} == {"input", "output", "cache_read", "cache_write"}
    accounts = {x["line_item_usage_account_id"] for x in _bedrock_usage(_root(clean))}
    assert {r["accountId"] for r in _records(_root(clean))} == accounts
    assert "456789012345" in accounts  # acme-analytics logs its calls when clean
    assert ["456789012345", "us-east-1"] in clean["logging_enabled"]
    assert clean.month("2026-10")["final"] and clean.month("2026-11")["final"]
    assert clean["gaps"] == {name: name == "clean" for name in Gaps.NAMES}


# --- each knob, on top of clean -------------------------------------------------------------------------


def _content(x: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """A CUR line without its random id (a knob that adds lines renumbers the ids), hashable."""
    return tuple(
        (k, tuple(map(tuple, v)) if isinstance(v, list) else v)
        for k, v in sorted(x.items())
        if k != "identity_line_item_id"
    )


def _usage(root: Path) -> Counter:
    return Counter(_content(x) for x in _lines(root) if x["line_item_line_item_type"] == "Usage")


def _only_these_lines_changed(
    baseline: GroundTruth, gt: GroundTruth, changed: Callable[[dict], bool]
) -> None:
    """Usage lines are as in ``baseline`` except the ``changed`` ones, which keep their hours and usage amounts."""
    before = [x for x in _lines(_root(baseline)) if x["line_item_line_item_type"] == "Usage"]
    after = [x for x in _lines(_root(gt)) if x["line_item_line_item_type"] == "Usage"]
    assert Counter(_content(x) for x in before if not changed(x)) == Counter(
        _content(x) for x in after if not changed(x)
    )

    def when_and_how_much(lines: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        return sorted(
            (x["line_item_usage_start_date"], x["line_item_operation"], x["line_item_usage_amount"])
            for x in lines
            if changed(x)
        )

    assert when_and_how_much(before) == when_and_how_much(after) != []


def _single_cause(gt: GroundTruth, cause: str, status: str) -> tuple[Recomputed, dict[str, Any]]:
    rec = _assert_truth_matches_files(gt)
    truth = _recon(gt)
    assert list(truth["injected"]) == [cause]
    entry = truth["injected"][cause]
    assert {tuple(b) for b in entry["buckets"]} == rec.differing and rec.differing
    assert Decimal(entry["amount"]) == rec.gap(rec.differing) == rec.gap()
    assert entry["status"] == status
    assert Decimal(truth["billed_cost"]) - Decimal(truth["estimated_cost"]) == Decimal(entry["amount"])
    return rec, entry


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> GroundTruth:
    return _gen(tmp_path_factory, "clean")


def test_dropped_cache_tokens_leave_the_cache_meters_billed_only(
    baseline: GroundTruth, tmp_path_factory: pytest.TempPathFactory
) -> None:
    gt = _gen(tmp_path_factory, "clean", "drop_cache_tokens_from_logs")
    rec, _ = _single_cause(gt, "cache tokens missing from logs", "billed-only")
    assert {k[5] for k in rec.differing} == {"cache_read", "cache_write"}
    assert all(rec.est[k][0] == 0 for k in rec.differing)
    # The bill is untouched; the log records are the same calls without their cache counts.
    assert _data_file(_root(gt)).read_bytes() == _data_file(_root(baseline)).read_bytes()
    before, after = _records(_root(baseline)), _records(_root(gt))
    assert any(r["input"].get("cacheReadInputTokenCount") for r in before)
    stripped = []
    for r in before:
        for _, field in LOG_COUNTS[1:]:
            r["input"].pop(field, None)
        stripped.append(r)
    assert sorted(after, key=lambda r: r["requestId"]) == sorted(stripped, key=lambda r: r["requestId"])


def test_a_lost_log_hour_leaves_that_hours_lines_without_logs(
    baseline: GroundTruth, tmp_path_factory: pytest.TempPathFactory
) -> None:
    gt = _gen(tmp_path_factory, "clean", "lose_log_hour")
    rec, entry = _single_cause(gt, "log gap", "billed-only")
    lost = entry["lost"]
    folder = f"logs/AWSLogs/{lost['account']}/BedrockModelInvocationLogs/{lost['region']}/" + re.sub(
        r"(\d{4})-(\d\d)-(\d\d)T(\d\d)", r"\1/\2/\3/\4/", lost["hour"]
    )
    before, after = _log_files(_root(baseline)), _log_files(_root(gt))
    missing = {k for k in before if k.startswith(folder)}
    assert missing and after == {k: v for k, v in before.items() if k not in missing}
    assert _data_file(_root(gt)).read_bytes() == _data_file(_root(baseline)).read_bytes()
    hour = [
        x
        for x in _bedrock_usage(_root(gt))
        if x["line_item_usage_account_id"] == lost["account"]
        and x["product_region_code"] == lost["region"]
        and x["line_item_usage_start_date"].strftime("%Y-%m-%dT%H") == lost["hour"]
    ]
    assert hour and all(k[1:3] == (lost["account"], lost["region"]) for k in rec.differing)
    assert sum((_dec(x["line_item_unblended_cost"]) for x in hour), Decimal(0)) == Decimal(entry["amount"])


def test_an_unlogged_tier_adds_batch_lines_and_nothing_else(
    baseline: GroundTruth, tmp_path_factory: pytest.TempPathFactory
) -> None:
    gt = _gen(tmp_path_factory, "clean", "unlogged_tier")
    rec, entry = _single_cause(gt, "tier not in logs", "billed-only")
    added = _usage(_root(gt)) - _usage(_root(baseline))
    assert _usage(_root(baseline)) - _usage(_root(gt)) == Counter()
    assert added and {parse_usage_type(dict(c)["line_item_usage_type"]).tier for c in added} == {"batch"}
    assert _log_files(_root(gt)) == _log_files(_root(baseline))
    assert "Unallocated" in {k[3] for k in rec.differing}  # batch jobs without a caller


def test_an_unpriced_model_is_billed_at_a_rate_the_price_table_does_not_have(
    baseline: GroundTruth, tmp_path_factory: pytest.TempPathFactory
) -> None:
    gt = _gen(tmp_path_factory, "clean", "unpriced_model")
    rec, entry = _single_cause(gt, "model missing from price table", "under")
    model_id = entry["model_id"]
    assert model_map.by_model_id(model_id) is None
    assert not [r for r in PRICES.rows if r.price_key in (model_id, "qwen3-32b")]
    lines = [
        x
        for x in _bedrock_usage(_root(gt))
        if parse_usage_type(x["line_item_usage_type"]).billing_name == model_id
    ]
    assert lines and all(parse_usage_type(x["line_item_usage_type"]).mapped for x in lines)
    assert {x["line_item_unblended_rate"] for x in lines} == {"0.0001500000", "0.0006000000"}
    assert {k[4] for k in rec.differing} == {model_id}
    assert all(rec.est[k][0] == rec.bil[k][0] and rec.est[k][1] == 0 for k in rec.differing)
    # Everything else is as in the clean month: the model's lines and log records are added.
    assert _usage(_root(baseline)) - _usage(_root(gt)) == Counter()
    before = {r["requestId"]: r for r in _records(_root(baseline))}
    after = {r["requestId"]: r for r in _records(_root(gt))}
    assert {k: after[k] for k in before} == before
    assert {r["modelId"] for k, r in after.items() if k not in before} == {model_id}


def test_one_hour_cache_writes_are_billed_at_the_one_hour_rate_the_log_cannot_show(
    baseline: GroundTruth, tmp_path_factory: pytest.TempPathFactory
) -> None:
    gt = _gen(tmp_path_factory, "clean", "one_hour_cache_writes")
    rec, _ = _single_cause(gt, "1-hour cache-write rate", "under")
    assert {k[5] for k in rec.differing} == {"cache_write"}
    principals = {k[3] for k in rec.differing}
    assert all(rec.est[k][0] == rec.bil[k][0] for k in rec.differing)  # same tokens, other rate
    assert _log_files(_root(gt)) == _log_files(_root(baseline))
    one_hour = [
        x
        for x in _bedrock_usage(_root(gt))
        if parse_usage_type(x["line_item_usage_type"]).meter == "cache_write_1h"
    ]
    assert one_hour
    for x in one_hour:
        ut = parse_usage_type(x["line_item_usage_type"])
        rate = PRICES.rate_per_million(
            _model_key(ut.billing_name), ut.region, "cache_write_1h", ut.tier, ut.scope
        )
        assert Decimal(x["line_item_unblended_rate"]) == rate / 1000
    assert {x["line_item_iam_principal"] for x in one_hour} == principals

    def cache_write_of_those(x: dict[str, Any]) -> bool:
        meter = parse_usage_type(x["line_item_usage_type"]).meter
        return x["line_item_iam_principal"] in principals and meter in ("cache_write", "cache_write_1h")

    _only_these_lines_changed(baseline, gt, cache_write_of_those)


def test_a_cross_region_rate_bills_global_what_the_log_shows_in_region(
    baseline: GroundTruth, tmp_path_factory: pytest.TempPathFactory
) -> None:
    gt = _gen(tmp_path_factory, "clean", "cross_region_rate")
    rec, _ = _single_cause(gt, "cross-region rate", "over")
    principals = {k[3] for k in rec.differing}
    assert all(rec.est[k][0] == rec.bil[k][0] for k in rec.differing)
    changed = [x for x in _bedrock_usage(_root(gt)) if x["line_item_iam_principal"] in principals]
    assert {parse_usage_type(x["line_item_usage_type"]).scope for x in changed} == {"global"}
    logged = {r["modelId"] for r in _records(_root(gt)) if r["identity"]["arn"] in principals}
    assert logged and all(not m.startswith(("arn:", "global.", "us.", "eu.")) for m in logged)
    assert _log_files(_root(gt)) == _log_files(_root(baseline))
    _only_these_lines_changed(baseline, gt, lambda x: x["line_item_iam_principal"] in principals)


def test_a_month_that_is_not_final_has_blank_invoice_ids_and_pending_gaps(
    baseline: GroundTruth, tmp_path_factory: pytest.TempPathFactory
) -> None:
    alone = _gen(tmp_path_factory, "clean", "not_final")
    assert not alone.month(MONTH)["final"] and alone.month(MONTH)["invoice_id"] == ""
    table, base = pq.read_table(_data_file(_root(alone))), pq.read_table(_data_file(_root(baseline)))
    assert set(table.column("bill_invoice_id").to_pylist()) == {""}
    assert set(base.column("bill_invoice_id").to_pylist()) == {baseline.month(MONTH)["invoice_id"]} != {""}
    assert table.drop_columns(["bill_invoice_id"]).equals(base.drop_columns(["bill_invoice_id"]))
    assert _log_files(_root(alone)) == _log_files(_root(baseline))
    _assert_truth_matches_files(alone)
    assert _recon(alone)["injected"] == {}  # nothing to be pending about: every bucket still matches

    with_gap = _gen(tmp_path_factory, "clean", "not_final", "cross_region_rate")
    rec, entry = _single_cause(with_gap, "cross-region rate", "pending")
    assert set(rec.status.values()) == {"match", "pending"}


# --- all together, and the default's own gaps -----------------------------------------------------------


def test_every_cause_at_once_explains_the_whole_gap(tmp_path_factory: pytest.TempPathFactory) -> None:
    gt = _gen(tmp_path_factory, *Gaps.NAMES, months=2)
    for month in ("2026-10", "2026-11"):
        rec = _assert_truth_matches_files(gt, month)
        injected = _recon(gt, month)["injected"]
        # 1-hour cache writes are in cache_write buckets whose cache tokens the logs no longer carry: the
        # earlier cause explains them.
        assert set(injected) == set(RECONCILE_CAUSES) - {"logging off", "1-hour cache-write rate"}
        assert {e["status"] for e in injected.values()} == {"pending"}
        caused = {tuple(b) for e in injected.values() for b in e["buckets"]}
        assert {rec.status[k] for k in rec.keys - caused} == {"match"}


def test_without_clean_the_defaults_gaps_are_reported_as_injected(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    gt = _gen(tmp_path_factory)
    rec = _assert_truth_matches_files(gt)
    injected = _recon(gt)["injected"]
    assert {c: e["status"] for c, e in injected.items()} == {
        "logging off": "billed-only",
        "tier not in logs": "billed-only",
        "1-hour cache-write rate": "under",
    }
    by_status = gt.month(MONTH)["bedrock_usage"]["by_log_status"]
    assert Decimal(injected["logging off"]["amount"]) == Decimal(by_status["logging-disabled"])
    assert Decimal(injected["tier not in logs"]["amount"]) == Decimal(by_status["batch"])
    assert {k[1] for k in injected["logging off"]["buckets"]} == {"456789012345"}
    assert rec.gap() == sum((Decimal(e["amount"]) for e in injected.values()), Decimal(0))
