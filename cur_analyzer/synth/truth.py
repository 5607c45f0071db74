"""Ground truth of a month: exact totals by cost basis, adjustments, Bedrock usage by every dimension, the
log tally and the estimate from the logs; and the notes that explain them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from cur_analyzer.bedrock.pricing import PriceTable
from cur_analyzer.synth.book import DEFAULT_CURRENCY, FrozenBook, TemplateMeta
from cur_analyzer.synth.calls import LOG_COUNTS
from cur_analyzer.synth.catalogue import Aip, Catalogue, Workload
from cur_analyzer.synth.gaps import RECONCILE_TOLERANCE_PCT, Gaps
from cur_analyzer.synth.logs import LogTally
from cur_analyzer.synth.money import to_decimal
from cur_analyzer.synth.parquet import PartitionWriter
from cur_analyzer.synth.period import Period
from cur_analyzer.synth.scenario import CUR_BUCKET, EXPORT_NAME, LOG_BUCKET, UNPRICED_MODEL, estimate_rate
from cur_analyzer.synth.variant_templates import variant_accounts
from cur_analyzer.synth.variants import ExportShape


@dataclass(frozen=True)
class GroundTruth:
    """What :func:`~cur_analyzer.synth.generate` wrote, with exact totals (``data`` is the content of ``ground_truth.json``)."""

    path: Path
    data: dict[str, Any]

    def month(self, month: str) -> dict[str, Any]:
        return self.data["months"][month]

    def __getitem__(self, key: str) -> Any:
        return self.data[key]


_BASES = ("unblended", "net-unblended", "amortized", "net-amortized")
_BASE_FIELDS = dict(zip(_BASES, ("unblended", "net_unblended", "amortized", "net_amortized"), strict=True))
_PRINCIPAL_TAG_KEYS = ("team", "cost-center", "project")
_AIP_TAG_KEYS = ("team", "cost-center", "Application")
_RESOURCE_TAG_KEYS = ("team", "cost-center")
UNALLOCATED = "Unallocated"

_NOTES = [
    "Money is USD; every line cost is rounded to 8 decimal places and every total here is the exact sum.",
    "Usage lines: Usage, DiscountedUsage, SavingsPlanCoveredUsage; all other line item types are adjustments.",
    "Batch-tier Bedrock lines (by_log_status 'batch') are billed but batch jobs write no invocation-log records.",
    "Account acme-analytics (456789012345) has invocation logging off: its Bedrock lines are 'logging-disabled'.",
    "Every other Bedrock usage line is the exact sum, per (account, principal, region, usage type, operation, "
    "hour, AIP), of the successful log records of that hour; cache_write_1h lines come from the records' "
    "cacheWriteInputTokenCount (the log does not say which TTL).",
    "Failed calls (errorCode) and guardrail-blocked calls (no token counts) bill nothing.",
    "logs.estimated_cost = tokens x price table at the model/region/scope of the record, the tier in its "
    "inputBodyJson.serviceTier (standard when absent), cache writes at the 5-minute rate; exact, unrounded.",
    "EdpDiscount lines have net_unblended_cost 0; Usage lines carry net = unblended x 95 %.",
    "Tax, Credit, Refund and Fee lines have no net_unblended_cost (readers fall back to unblended).",
]


SHAPE_NOTES = [
    "export: the granularity and variants of this export. Daily and monthly lines are the hourly lines "
    "summed per (template, day or month); every money total is the same at every granularity.",
    "Keys outside months.<m>.by_currency are in the month's currency (USD); by_currency has each currency.",
    "bedrock_by_meter_class and bedrock_by_team are over Bedrock usage lines in USD; bedrock_by_team splits "
    "the principal tag team into values (the text 'Unallocated' is a value) and no_value (absent or only "
    "whitespace).",
]


def money_text(units: int) -> str:
    """1e-8 USD units as the truth writes money: a decimal string with 8 places."""
    return f"{to_decimal(units):.8f}"


def _bases(sums: dict[str, int]) -> dict[str, str]:
    return {b: money_text(sums[f]) for b, f in _BASE_FIELDS.items()}


def _grouped(pairs: Iterable[tuple[str, int]]) -> dict[str, str]:
    acc: dict[str, int] = defaultdict(int)
    for key, v in pairs:
        acc[key] += v
    return {k: money_text(acc[k]) for k in sorted(acc)}


def dataset_truth(
    cat: Catalogue,
    prices: PriceTable,
    rows: int,
    seed: int,
    gaps: Gaps | None,
    months: dict[str, Any],
    shape: ExportShape | None = None,
) -> dict[str, Any]:
    """The content of ``ground_truth.json``: the company as generated, the notes, and each month's truth;
    an export of another shape than the default says which (``export``) and adds the accounts it bills."""
    data = {
        "seed": seed,
        "rows_requested": rows,
        "export_name": EXPORT_NAME,
        "bucket": CUR_BUCKET,
        "log_bucket": LOG_BUCKET,
        "payer_account_id": cat.payer.id,
        "payer_account_name": cat.payer.name,
        "accounts": {a.id: a.name for a in cat.accounts + variant_accounts(shape.variants if shape else ())},
        "principals": {
            c.arn: {"kind": c.kind, "account": c.account.id, "tags": dict(c.tags)} for c in cat.callers
        },
        "aips": {a.arn: _aip_truth(a) for a in cat.aips},
        "logging_enabled": sorted([acct, region] for acct, region in cat.logging_enabled),
        "price_table_version": prices.version,
        "notes": _NOTES if gaps is None else _gap_notes(cat, gaps),
        "months": months,
    }
    if gaps is not None:
        data["gaps"] = gaps.as_dict()
    if shape is not None and not shape.default:
        data["export"] = {"granularity": shape.granularity, "variants": list(shape.variants)}
        data["notes"] = data["notes"] + SHAPE_NOTES
    return data


def _aip_truth(a: Aip) -> dict[str, Any]:
    return {
        "name": a.name,
        "account": a.account.id,
        "region": a.region,
        "source": a.source_id,
        "model_id": a.model.model_id,
        "billing_name": a.model.billing_name,
        "scope": a.scope,
        "tags": dict(a.tags),
    }


class Billed:
    """The month's written lines as exact per-template sums (1e-8 USD), totalled and grouped for the truth."""

    def __init__(self, book: FrozenBook, sums: dict[str, np.ndarray]) -> None:
        self.book = book
        self.sums = sums
        self.used = [int(t) for t in np.nonzero(sums["lines"])[0]]
        self.unb = {t: int(sums["unblended"][t]) for t in self.used}

    def count(self, ts: list[int]) -> int:
        return int(sum(int(self.sums["lines"][t]) for t in ts))

    def total(self, ts: list[int]) -> str:
        return money_text(sum(self.unb[t] for t in ts))

    def bases(self, ts: list[int]) -> dict[str, str]:
        return _bases({f: int(sum(int(self.sums[f][t]) for t in ts)) for f in _BASE_FIELDS.values()})

    def by(self, ts: list[int], key: Callable[[TemplateMeta], str | None]) -> dict[str, str]:
        return _grouped((key(self.book.meta[t]) or UNALLOCATED, self.unb[t]) for t in ts)

    def adjustments(self, ts: list[int]) -> dict[str, str]:
        meta = self.book.meta
        return _grouped((meta[t].line_type, self.unb[t]) for t in ts if not meta[t].is_usage)

    def usage(self, ts: list[int]) -> list[int]:
        return [t for t in ts if self.book.meta[t].is_usage]


def month_truth(
    book: FrozenBook,
    writer: PartitionWriter,
    period: Period,
    tally: LogTally,
    cat: Catalogue,
    prices: PriceTable,
) -> dict[str, Any]:
    """The ``months.<m>`` part of the ground truth, from the writer's exact sums and the log tally."""
    billed = Billed(book, writer.acc.sums)
    # Every key here is in the month's currency; lines billed in another are in ``by_currency``.
    used = [t for t in billed.used if book.meta[t].currency == DEFAULT_CURRENCY]
    bedrock_t = [t for t in used if book.meta[t].bedrock]
    bedrock_usage = _bedrock_usage(billed, billed.usage(bedrock_t))
    return {
        "final": period.final,
        "invoice_id": period.invoice_id,
        "billing_period_start": f"{period.start:%Y-%m-%d}",
        "billing_period_end": f"{period.end:%Y-%m-%d}",
        "lines": writer.lines,
        "row_groups": writer.row_groups,
        "bedrock_lines": billed.count(bedrock_t),
        "currency": DEFAULT_CURRENCY,
        "invoice_total": billed.bases(used),
        "bedrock_total": billed.bases(bedrock_t),
        "adjustments": {"all": billed.adjustments(used), "bedrock": billed.adjustments(bedrock_t)},
        "bedrock_usage": bedrock_usage,
        "all_usage": _all_usage(billed, billed.usage(used)),
        "logs": _logs_truth(tally, cat, prices, bedrock_usage),
    }


def _bedrock_usage(billed: Billed, bu: list[int]) -> dict[str, Any]:
    by = billed.by
    return {
        "total": billed.total(bu),
        "lines": billed.count(bu),
        "by_principal": by(bu, lambda m: m.principal),
        "by_principal_tag": {k: by(bu, lambda m, k=k: m.principal_tags.get(k)) for k in _PRINCIPAL_TAG_KEYS},
        "by_aip_tag": {k: by(bu, lambda m, k=k: m.resource_tags.get(k)) for k in _AIP_TAG_KEYS},
        "by_account": by(bu, lambda m: m.account),
        "by_product": by(bu, lambda m: m.product),
        "by_model": by(bu, lambda m: m.billing_name),
        "by_meter": by(bu, lambda m: m.meter),
        "by_tier": by(bu, lambda m: m.tier),
        "by_scope": by(bu, lambda m: m.scope),
        "by_usage_type": by(bu, lambda m: m.usage_type),
        "by_log_status": by(bu, lambda m: m.log_status),
        "tokens_by_meter": _token_sums(billed.book, billed.sums, bu),
    }


def _all_usage(billed: Billed, au: list[int]) -> dict[str, Any]:
    by = billed.by
    return {
        "total": billed.total(au),
        "by_tag": {k: by(au, lambda m, k=k: m.resource_tags.get(k)) for k in _RESOURCE_TAG_KEYS},
        "by_product": by(au, lambda m: m.product),
        "by_account": by(au, lambda m: m.account),
    }


def _logs_truth(
    tally: LogTally, cat: Catalogue, prices: PriceTable, bedrock_usage: dict[str, Any]
) -> dict[str, Any]:
    return {
        "logging_enabled": sorted([a, r] for a, r in cat.logging_enabled),
        **tally.as_dict(),
        "estimated_cost": f"{_estimate(tally, cat.log_workloads, prices):f}",
        "billed_cost": bedrock_usage["by_log_status"].get("logged", money_text(0)),
    }


def _token_sums(book: FrozenBook, sums: dict[str, np.ndarray], ts: list[int]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for t in ts:
        out[book.meta[t].meter or "other"] += int(sums["qty"][t])
    return dict(sorted(out.items()))


def _estimate(tally: LogTally, workloads: tuple[Workload, ...], prices: PriceTable) -> Decimal:
    total = Decimal(0)
    for wi, tokens in sorted(tally.by_workload.items()):
        w = workloads[wi]
        for j, meter in enumerate(LOG_COUNTS):
            if tokens[j]:
                rate = estimate_rate(w, meter, prices)
                if rate is None:
                    if w.model == UNPRICED_MODEL:
                        continue  # Gaps.unpriced_model: an estimate cannot price it
                    raise ValueError(f"no {meter} rate for {w.model.price_key}")
                total += Decimal(int(tokens[j])) * rate / 1_000_000
    return total


def _gap_notes(cat: Catalogue, gaps: Gaps) -> list[str]:
    notes = [
        n
        for n in _NOTES
        if not (n.startswith("Batch-tier") and not cat.batch)
        and not (n.startswith("Account acme-analytics") and cat.filler_logged)
    ]
    notes += [
        f"Gaps: {', '.join(gaps.names()) or 'none'} (see 'gaps'); every month is "
        + ("open (blank invoice id)." if gaps.not_final else "final."),
        "Token counts are multiples that make every Bedrock line cost exact at 8 places: a bucket with no gap "
        "cause is estimated to the last digit of its bill.",
        "months.<m>.reconcile: buckets are [day, account, region, principal ('Unallocated' when none), model "
        "(price key, or the billing name of a model the model map does not know), meter (cache_write_1h folded "
        "into cache_write)] over every Bedrock usage line; injected.<cause>.amount is the part of billed - "
        "estimated the cause explains (each line's gap goes to its first cause in RECONCILE_CAUSES order), and "
        "the amounts add up to billed_cost - estimated_cost exactly.",
        f"Statuses are at a tolerance of {RECONCILE_TOLERANCE_PCT} % of the billed cost; in a month that is not "
        "final every status but match is 'pending'.",
    ]
    return notes
