"""Deterministic synthetic AWS CUR 2.0 export and Bedrock invocation logs, with exact ground truth.

Tests, golden files and benchmarks need a bill whose every total is known in advance. :func:`generate` writes
``months`` billing periods in the real S3 layouts (Data Exports ``data/BILLING_PERIOD=YYYY-MM`` + manifest,
``AWSLogs/<acct>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH``), the AIP listing a user would fetch with
``aws bedrock list-inference-profiles``, and ``ground_truth.json`` computed from what was written.

How it stays exact and small in memory at 10M lines a month:

* every line is a *template* (its static attributes: account, principal, tags, usage type, rate...) plus an
  hour and an integer quantity; templates are built once, rows are numpy draws of template indices, and
  Arrow columns are dictionary arrays / ``take`` over the template arrays, written one row group at a time;
* money is integer 1e-8 USD (costs are rounded to 8 places per line), accumulated per template with int64,
  and turned into ``Decimal`` strings only at the end, so the ground truth is exact;
* Bedrock usage lines are drawn as *calls* grouped into (workload, hour, streaming) slots: a CUR line is the
  sum of its slot's calls for one meter, and for accounts/regions with invocation logging on, the same calls
  are written as log records, so CUR lines are exact aggregates of the logs. Batch jobs are billed but never
  logged, and one account (``acme-analytics``, the bulk of the volume at scale) has logging off.

:class:`Gaps` switches the scenario to one built for reconciliation tests: ``clean`` removes every gap between
the logs and the bill, and each knob injects one cause of a gap; ``ground_truth.json`` then says, per month,
which buckets each cause touches, with what status, and how much of the gap (billed - estimated) it explains.

Prices come only from :class:`~cur_analyzer.bedrock.pricing.PriceTable`, usage types only from
:func:`~cur_analyzer.bedrock.usage_types.format_usage_type`, columns only from :mod:`cur_analyzer.schema`.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import shutil
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cur_analyzer import schema
from cur_analyzer.attribution import USAGE_LINE_TYPES, resource_tags_key
from cur_analyzer.bedrock import models as model_map
from cur_analyzer.bedrock.pricing import PriceTable
from cur_analyzer.bedrock.usage_types import format_usage_type

__all__ = [
    "BEDROCK_PRODUCT_CODES",
    "EXPORT_NAME",
    "RECONCILE_CAUSES",
    "Gaps",
    "GroundTruth",
    "arrow_schema",
    "generate",
    "generate_logs",
]

EXPORT_NAME = "cur2-bedrock"
CUR_BUCKET = "acme-cur-exports"
LOG_BUCKET = "acme-bedrock-invocation-logs"
BEDROCK_PRODUCT_CODES = frozenset({"AmazonBedrock", "AmazonBedrockService", "AmazonBedrockFoundationModels"})
ROW_GROUP_ROWS = 250_000

_UNITS = 10**8  # money is carried as integer 1e-8 USD: every line cost is rounded to 8 places
_RATE_SCALE = 10**13  # template rates: integer 1e-13 USD per quantity unit, exact for every listed price
_ROUND_DIV = _RATE_SCALE // _UNITS
_NULL = np.iinfo(np.int64).min  # "no value" in int64 money arrays
_EDP_PERCENT = 5  # Enterprise discount on Usage lines: net = unblended x 95 %
_TAX_RATE = Decimal("0.17")  # Luxembourg VAT on an EMEA SARL invoice
_CENT = Decimal("0.01")
_LOG_COUNTS = ("input", "output", "cache_read", "cache_write")  # the four token counts a log record carries
# Share of calls of a caching workload that read from / write to the prompt cache.
_P_CACHE_READ, _P_CACHE_WRITE = 0.6, 0.3

_REGIONS: dict[str, tuple[str, str]] = {
    "us-east-1": ("USE1", "US East (N. Virginia)"),
    "us-west-2": ("USW2", "US West (Oregon)"),
    "eu-central-1": ("EUC1", "EU (Frankfurt)"),
}
# Where a cross-region profile may route a call (shows up as ``inferenceRegion`` in the log record).
_ROUTES = {
    "us": ("us-east-1", "us-east-2", "us-west-2"),
    "eu": ("eu-central-1", "eu-west-1", "eu-west-3"),
    "global": ("us-east-1", "us-west-2", "eu-west-1", "ap-northeast-1", "ap-southeast-2"),
}
_OPERATIONS = ("InvokeModel", "Converse", "InvokeModelWithResponseStream", "ConverseStream")

# Gaps.unpriced_model: a real model the price table does not list. Its mantle usage type parses
# (``USW2-qwen.qwen3-32b-mantle-input-tokens-standard``; the ``qwen.qwen3-32b-mantle-...`` form is observed, facts
# 4.2) and, as for ``anthropic.claude-opus-4-8``, the mantle billing name is the model id the log records.
# These rates are the only prices in this module that do not come from the PriceTable, on purpose: the gap the
# knob injects is "the price table has no row for this model", so the bill's rate cannot live in that table.
# USD per 1M tokens, on-demand standard: input 0.15 (facts 7.1, QWEN-TABLE); output 0.60 assumed (4x input, the
# ratio of the table's other open-weight rows, e.g. gpt-oss-120b 0.15 / 0.60).
_UNPRICED_MODEL = model_map.Model(
    price_key="qwen3-32b",
    model_id="qwen.qwen3-32b",
    billing_name="qwen.qwen3-32b",
    style="mantle",
    display_name="Qwen3 32B",
    provider="Qwen",
)
_UNPRICED_RATES = {"input": Decimal("0.15"), "output": Decimal("0.60")}
_ERROR_CODES = ("ThrottlingException", "ValidationException", "ModelTimeoutException")
_PROMPTS = (
    "Summarise the attached quarterly report in five bullet points.",
    "Write a unit test for the parse_usage_type function.",
    "Translate the customer reply into German, keep the tone formal.",
    "Classify this support ticket: billing, outage or feature request?",
    "Explain the difference between unblended and amortized cost.",
    "Draft a short release note for version 2.3 of the mobile app.",
)

ProgressFn = Callable[[int, int], None]


# ================================================================================================
# Public API
# ================================================================================================


#: Causes a :class:`Gaps` scenario can build in, in the order a bucket's gap is attributed to them (the first
#: that applies to a line wins), spelled as the reconciliation report spells them.
RECONCILE_CAUSES = (
    "logging off",
    "tier not in logs",
    "log gap",
    "cache tokens missing from logs",
    "model missing from price table",
    "1-hour cache-write rate",
    "cross-region rate",
)
#: Tolerance (percent of the billed cost) behind the expected statuses in ``reconcile`` ground truth.
RECONCILE_TOLERANCE_PCT = Decimal(1)


@dataclass(frozen=True)
class Gaps:
    """Which gaps between invocation logs and bill a generated scenario has (``generate(..., gaps=...)``).

    ``clean``: no batch lines, invocation logging on in every account (``acme-analytics`` too) and no 1-hour cache
    writes, so every Bedrock usage line has logs priced at its billed rate and reconciliation is all ``match``.
    Without ``clean`` the scenario keeps the default's gaps (batch, ``acme-analytics`` logging off, 1-hour cache
    writes), each reported as injected. Each knob adds one cause, alone or together, with or without ``clean``:

    * ``drop_cache_tokens_from_logs``: log records lose their cache read/write counts; the bill still has them;
    * ``lose_log_hour``: the log files of one hour of one account/region are not written; the bill keeps it;
    * ``unlogged_tier``: batch-tier lines, billed with no logs (already there without ``clean``);
    * ``unpriced_model``: calls to a real model the price table does not list, billed at a rate kept here;
    * ``not_final``: every month has a blank ``bill_invoice_id`` (expected statuses become ``pending``);
    * ``one_hour_cache_writes``: cache writes billed as ``cache_write_1h`` that the log shows as ordinary ones
      (already there without ``clean``);
    * ``cross_region_rate``: calls billed at the global rate while the log shows a plain in-region model id.

    With any ``Gaps`` (even ``Gaps()``) every month is final unless ``not_final``, and token counts are drawn as
    multiples that make each line's cost exact at 8 places, so estimates and bills compare to the last digit.
    """

    clean: bool = False
    drop_cache_tokens_from_logs: bool = False
    lose_log_hour: bool = False
    unlogged_tier: bool = False
    unpriced_model: bool = False
    not_final: bool = False
    one_hour_cache_writes: bool = False
    cross_region_rate: bool = False

    NAMES: ClassVar[tuple[str, ...]] = (
        "clean",
        "drop_cache_tokens_from_logs",
        "lose_log_hour",
        "unlogged_tier",
        "unpriced_model",
        "not_final",
        "one_hour_cache_writes",
        "cross_region_rate",
    )

    @classmethod
    def from_names(cls, names: Iterable[str]) -> Gaps:
        """``["clean", "lose_log_hour"]`` -> ``Gaps(clean=True, lose_log_hour=True)``; hyphens work too."""
        wanted = {n.strip().lower().replace("-", "_") for n in names if n.strip()}
        unknown = sorted(wanted - set(cls.NAMES))
        if unknown:
            raise ValueError(f"unknown gap {', '.join(unknown)}; choose from {', '.join(cls.NAMES)}")
        return cls(**dict.fromkeys(wanted, True))

    def names(self) -> list[str]:
        """The switched-on flags, in :attr:`NAMES` order (inverse of :meth:`from_names`)."""
        return [n for n in self.NAMES if getattr(self, n)]

    def as_dict(self) -> dict[str, bool]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class GroundTruth:
    """What :func:`generate` wrote, with exact totals (``data`` is the content of ``ground_truth.json``)."""

    path: Path
    data: dict[str, Any]

    def month(self, month: str) -> dict[str, Any]:
        return self.data["months"][month]

    def __getitem__(self, key: str) -> Any:
        return self.data[key]


def arrow_schema() -> pa.Schema:
    """The Arrow schema the written Parquet files read back as: ``schema.CUR_COLUMNS``, Athena types mapped."""
    return pa.schema([pa.field(c.name, _arrow_type(c.type)) for c in schema.CUR_COLUMNS])


def generate(
    out: Path,
    month: str = "2026-10",
    rows: int = 3000,
    seed: int = 7,
    months: int = 2,
    progress: ProgressFn | None = None,
    *,
    gaps: Gaps | None = None,
) -> GroundTruth:
    """Write ``months`` consecutive CUR 2.0 billing periods from ``month`` (about ``rows`` lines each), the
    matching invocation logs, the AIP listing and ``ground_truth.json`` under ``out``; return the truth.

    Every month but the last is final (invoice id set). Same arguments give byte-identical files. Existing
    partitions and log folders of the generated months are replaced, as an ``OVERWRITE_REPORT`` export does.

    ``gaps`` builds the reconciliation scenario described in :class:`Gaps` instead (months final unless
    ``not_final``) and adds ``reconcile`` to each month's ground truth; ``None`` is the default scenario.
    """
    _check_month(month)
    if rows < 1 or months < 1:
        raise ValueError("rows and months must be at least 1")
    out = Path(out)
    prices = PriceTable.load()
    plan = _Plan.for_rows(rows)
    cat = _catalogue(plan, seed, gaps)
    book = _build_book(cat, prices)
    if gaps is None:
        periods = [
            _Period.of(_add_months(month, i), i, final=i < months - 1, seed=seed) for i in range(months)
        ]
    else:
        final = not gaps.not_final
        periods = [_Period.of(_add_months(month, i), i, final=final, seed=seed) for i in range(months)]
    ticker = _Ticker(progress, plan.estimated_total * months)
    recon = None if gaps is None else _ReconBook.of(cat, book, prices, gaps)

    truth_months: dict[str, Any] = {}
    for period in periods:
        truth_months[period.month] = _write_month(
            out, period, cat, book, prices, plan, seed, ticker, gaps, recon
        )
    ticker.finish()

    _write_json(out / "inference-profiles.json", _aip_listing(cat))
    _write_json(out / "inference-profile-tags.json", {a.arn: dict(a.tags) for a in cat.aips})
    data = {
        "seed": seed,
        "rows_requested": rows,
        "export_name": EXPORT_NAME,
        "bucket": CUR_BUCKET,
        "log_bucket": LOG_BUCKET,
        "payer_account_id": cat.payer.id,
        "payer_account_name": cat.payer.name,
        "accounts": {a.id: a.name for a in cat.accounts},
        "principals": {
            c.arn: {"kind": c.kind, "account": c.account.id, "tags": dict(c.tags)} for c in cat.callers
        },
        "aips": {
            a.arn: {
                "name": a.name,
                "account": a.account.id,
                "region": a.region,
                "source": a.source_id,
                "model_id": a.model.model_id,
                "billing_name": a.model.billing_name,
                "scope": a.scope,
                "tags": dict(a.tags),
            }
            for a in cat.aips
        },
        "logging_enabled": sorted([acct, region] for acct, region in cat.logging_enabled),
        "price_table_version": prices.version,
        "notes": _NOTES if gaps is None else _gap_notes(cat, gaps),
        "months": truth_months,
    }
    if gaps is not None:
        data["gaps"] = gaps.as_dict()
    path = out / "ground_truth.json"
    _write_json(path, data)
    return GroundTruth(path, data)


def generate_logs(
    out: Path,
    month: str = "2026-10",
    records: int = 5_000_000,
    seed: int = 7,
    progress: ProgressFn | None = None,
) -> dict[str, Any]:
    """Stream ``records`` invocation-log records for one month under ``out/logs/AWSLogs/...`` (benchmarks).

    Same callers, models, routes, error and guardrail shares as :func:`generate`'s logged scenario, but these
    records are not billed in any CUR: point ``out`` at a folder of its own. Returns a summary (counts, tokens).
    """
    _check_month(month)
    out = Path(out)
    cat = _catalogue(_Plan.for_rows(3000), seed)
    period = _Period.of(month, 0, final=False, seed=seed)
    group = _Group.of(cat.logged)
    rng = np.random.default_rng([seed, 0x10C5])
    renderer = _LogRenderer(cat.logged, period)
    _clear_log_month(out, cat, period)
    hours = np.sort(rng.integers(0, period.hours, size=records))
    bounds = np.searchsorted(hours, np.arange(period.hours + 1))
    summary = _LogTally()
    done = 0
    for hour in range(period.hours):
        n = int(bounds[hour + 1] - bounds[hour])
        if n == 0:
            continue
        batch = _bulk_log_batch(rng, group, hour, n)
        summary.add(batch, cat.logged)
        _write_log_files(out, batch, cat.logged, renderer, period, rng, compresslevel=1, tally=summary)
        done += n
        if progress:
            progress(done, records)
    return {"month": month, "seed": seed, **summary.as_dict()}


# ================================================================================================
# Catalogue: accounts, callers, application inference profiles, workloads, resources
# ================================================================================================


@dataclass(frozen=True)
class _Account:
    id: str
    name: str
    tags: dict[str, str]  # account tags -> tags['accountTag/<key>']


@dataclass(frozen=True)
class _Caller:
    arn: str
    kind: str  # user | assumed-role | federated-user
    account: _Account
    tags: dict[str, str]  # effective principal tags (session tags already override the role's tags)


@dataclass(frozen=True)
class _Aip:
    name: str
    id: str
    account: _Account
    region: str
    model: model_map.Model
    scope: str  # routing of the source it was copied from: in_region | geo | global
    tags: dict[str, str]

    @property
    def arn(self) -> str:
        return f"arn:aws:bedrock:{self.region}:{self.account.id}:application-inference-profile/{self.id}"

    @property
    def source_id(self) -> str:
        prefix = {"in_region": "", "geo": f"{_geo(self.region)}.", "global": "global."}[self.scope]
        return prefix + self.model.model_id


@dataclass(frozen=True)
class _Workload:
    """One caller using one model one way; its calls are drawn per hour slot."""

    caller: _Caller | None
    account: _Account
    region: str
    model: model_map.Model
    route: str  # direct | geo | global | aip
    tier: str = "standard"
    cache: str = "none"  # none | read | 5m | 1h
    aip: _Aip | None = None
    streaming: bool = True
    converse: bool = True  # False: InvokeModel only (embeddings)
    input_scale: float = 5000.0
    output_scale: float = 900.0  # 0: no output tokens (embeddings)
    metadata: dict[str, str] | None = None  # requestMetadata the application sends
    # Billed at this scope's rate while the log shows the routed one (Gaps.cross_region_rate).
    bill_scope: str | None = None

    @property
    def scope(self) -> str:
        """Routing scope: what the log record's ``modelId`` says."""
        if self.aip is not None:
            return self.aip.scope
        return {"direct": "in_region", "geo": "geo", "global": "global"}[self.route]

    @property
    def billed_scope(self) -> str:
        return self.bill_scope or self.scope

    @property
    def meters(self) -> tuple[str, ...]:
        out = ["input"]
        if self.output_scale > 0:
            out.append("output")
        if self.cache in ("read", "5m", "1h"):
            out.append("cache_read")
        if self.cache in ("5m", "1h"):
            out.append("cache_write_1h" if self.cache == "1h" else "cache_write")
        return tuple(out)

    @property
    def model_id_logged(self) -> str:
        """``modelId`` as the invocation log records it: model id, system-profile ARN or AIP ARN."""
        if self.aip is not None:
            return self.aip.arn
        if self.route == "direct":
            return self.model.model_id
        prefix = "global" if self.route == "global" else _geo(self.region)
        return f"arn:aws:bedrock:{self.region}:{self.account.id}:inference-profile/{prefix}.{self.model.model_id}"


@dataclass(frozen=True)
class _Service:
    product: str
    usage_type: str  # without the region prefix
    operation: str
    unit: str
    rate: str  # USD per pricing unit
    div: int  # quantity units per pricing unit (usage amount = quantity / div)
    q_mean: float
    q_sigma: float
    family: str
    description: str
    resource: str | None  # instance | bucket | function | None


_SERVICES = (
    _Service("AmazonEC2", "BoxUsage:m5.xlarge", "RunInstances", "Hrs", "0.192", 1, 1, 0.0, "Compute Instance",
             "$0.192 per On Demand Linux m5.xlarge Instance Hour", "instance"),
    _Service("AmazonEC2", "BoxUsage:t3.large", "RunInstances", "Hrs", "0.0832", 1, 1, 0.0, "Compute Instance",
             "$0.0832 per On Demand Linux t3.large Instance Hour", "instance"),
    _Service("AmazonS3", "TimedStorage-ByteHrs", "StandardStorage", "GB-Mo", "0.023", 10**6, 2_000_000, 0.05,
             "Storage", "$0.023 per GB - first 50 TB / month of storage used", "bucket"),
    _Service("AmazonS3", "Requests-Tier1", "PutObject", "Requests", "0.000005", 1, 5000, 0.6, "API Request",
             "$0.005 per 1,000 PUT, COPY, POST, or LIST requests", "bucket"),
    _Service("AmazonCloudWatch", "CW:MetricMonitorUsage", "MetricStorage", "Metrics", "0.30", 10**6, 150_000, 0.1,
             "Metric", "$0.30 per metric-month - first 10,000 metrics", None),
    _Service("AWSLambda", "Lambda-GB-Second", "Invoke", "Lambda-GB-Second", "0.0000166667", 1000, 3_600_000, 0.7,
             "Serverless", "AWS Lambda - Total Compute", "function"),
    _Service("AWSDataTransfer", "DataTransfer-Out-Bytes", "", "GB", "0.09", 1000, 1500, 1.0, "Data Transfer",
             "$0.090 per GB - first 10 TB / month data transfer out beyond the global free tier", None),
)  # fmt: skip


@dataclass(frozen=True)
class _Resource:
    service: _Service
    account: _Account
    region: str
    resource_id: str | None
    tags: dict[str, str]
    principal: str | None  # never a principal: None or "" (both occur in real exports)


@dataclass(frozen=True)
class _Plan:
    """How many lines of each kind a month gets for a requested ``rows``."""

    logged_lines: int
    batch_lines: int
    sp_hours: int
    filler_bedrock_lines: int
    service_lines: int

    _ADJUSTMENT_ESTIMATE = 90

    @classmethod
    def for_rows(cls, rows: int) -> _Plan:
        # The logged scenario is capped: logs for the bulk would dominate the run time (use generate_logs).
        logged = max(200, min(rows // 2, 6000))
        batch = max(12, min(rows // 100, 2000))
        sp_hours = max(24, min(rows // 100, 672))
        fixed = logged + batch + 2 * sp_hours + cls._ADJUSTMENT_ESTIMATE
        filler_bedrock = max(0, int(rows * 0.6) - logged - batch)
        services = max(0, rows - fixed - filler_bedrock)
        return cls(logged, batch, sp_hours, filler_bedrock, services)

    @property
    def estimated_total(self) -> int:
        fixed = self.logged_lines + self.batch_lines + 2 * self.sp_hours + self._ADJUSTMENT_ESTIMATE
        return fixed + self.filler_bedrock_lines + self.service_lines

    @property
    def filler_callers(self) -> int:
        # Enough (workload, streaming) combinations that an hour's slots rarely need more than a third of them.
        slots_per_hour = self.filler_bedrock_lines / (672 * 2.5)
        return int(min(5000, max(8, math.ceil(slots_per_hour * 3 / 4))))

    @property
    def resources(self) -> int:
        return int(min(50_000, max(28, math.ceil(3 * self.service_lines / 672))))


@dataclass(frozen=True)
class _Catalogue:
    payer: _Account
    accounts: tuple[_Account, ...]
    callers: tuple[_Caller, ...]
    aips: tuple[_Aip, ...]
    logged: tuple[_Workload, ...]
    batch: tuple[_Workload, ...]
    filler: tuple[_Workload, ...]
    resources: tuple[_Resource, ...]
    sp: _SavingsPlan
    extra: tuple[_Workload, ...] = ()  # logged workloads drawn on their own (Gaps.unpriced_model)
    filler_logged: bool = False  # Gaps.clean: the analytics account logs its calls too

    @property
    def log_workloads(self) -> tuple[_Workload, ...]:
        """Every workload whose calls are written as invocation-log records (index = log record ``w``)."""
        return self.logged + self.extra + (self.filler if self.filler_logged else ())

    @property
    def logging_enabled(self) -> set[tuple[str, str]]:
        return {(w.account.id, w.region) for w in self.log_workloads}


@dataclass(frozen=True)
class _SavingsPlan:
    arn: str
    account: _Account
    instance_id: str
    od_rate: Decimal  # on-demand USD per hour of the covered instance
    sp_rate: Decimal  # Savings Plans USD per hour
    hourly_commitment: Decimal


def _geo(region: str) -> str:
    return region.split("-", 1)[0]


def _route_regions(scope: str, region: str) -> tuple[str, ...]:
    """Regions a call from ``region`` may be served in; empty when it stays in-region."""
    if scope == "in_region":
        return ()
    return _ROUTES["global"] if scope == "global" else _ROUTES[_geo(region)]


def _user(account: _Account, name: str, tags: dict[str, str]) -> _Caller:
    return _Caller(f"arn:aws:iam::{account.id}:user/{name}", "user", account, tags)


def _session(
    account: _Account, role: str, session: str, role_tags: dict[str, str], session_tags: dict[str, str]
) -> _Caller:
    # Session tags win over the role's principal tags with the same key (STS semantics, facts 2.3).
    arn = f"arn:aws:sts::{account.id}:assumed-role/{role}/{session}"
    return _Caller(arn, "assumed-role", account, {**role_tags, **session_tags})


def _federated(account: _Account, name: str, tags: dict[str, str]) -> _Caller:
    return _Caller(f"arn:aws:sts::{account.id}:federated-user/{name}", "federated-user", account, tags)


def _catalogue(plan: _Plan, seed: int, gaps: Gaps | None = None) -> _Catalogue:
    m = {x.price_key: x for x in model_map.catalog()}
    clean = gaps is not None and gaps.clean
    one_hour = not clean or gaps is None or gaps.one_hour_cache_writes
    chat_scope = "global" if gaps is not None and gaps.cross_region_rate else None
    payer = _Account("999988887777", "acme-management", {"env": "shared"})
    prod = _Account("123456789012", "acme-genai-prod", {"env": "prod"})
    dev = _Account("234567890123", "acme-genai-dev", {"env": "dev"})
    data = _Account("345678901234", "acme-data-platform", {"env": "prod", "team": "data-eng"})
    analytics = _Account("456789012345", "acme-analytics", {"env": "prod", "team": "analytics"})

    chat_role = {"team": "chat", "cost-center": "CC-2001"}
    doc_role = {"team": "docs", "cost-center": "CC-3001"}
    gw_role = {"team": "platform"}
    c = {
        "alice": _user(prod, "alice", {"team": "ml-platform", "cost-center": "CC-1001"}),
        "bob": _user(prod, "bob", {"team": "research"}),
        "apikey": _user(dev, "BedrockAPIKey-7f3k", {}),
        "chat-1": _session(prod, "ChatApp", "session-1", chat_role, {"project": "ChatBackend"}),
        "chat-2": _session(prod, "ChatApp", "session-2", chat_role, {"team": "chat-eu", "project": "ChatEU"}),
        "cc-alice": _session(dev, "ClaudeCode", "alice@acme.org", {}, {"team": "ml-platform", "cost-center": "CC-1001"}),
        "cc-bob": _session(dev, "ClaudeCode", "bob@acme.org", {}, {"team": "research"}),
        "cc-carol": _session(dev, "ClaudeCode", "carol@acme.org", {}, {}),
        "dave": _federated(dev, "dave", {"cost-center": "CC-1001"}),
        "doc-7": _session(data, "DocProcessor", "batch-7", doc_role, {"project": "DocFlow"}),
        "gw-1": _session(data, "BedrockGateway", "gw-user-1", gw_role, {"project": "gateway-a"}),
        "gw-2": _session(data, "BedrockGateway", "gw-user-2", gw_role, {"team": "analytics"}),
    }  # fmt: skip
    aips = {
        "search": _Aip("search-assistant", "q4m7x2kd9wla", prod, "us-east-1", m["claude-sonnet-4-6"], "global",
                       {"team": "search", "cost-center": "CC-4001", "Application": "SearchAssistant"}),
        "support": _Aip("support-bot", "s8b3n6rt1vpe", prod, "us-east-1", m["nova-pro"], "in_region",
                        {"team": "support"}),
        "code": _Aip("claude-code-dev", "c2d5f8h1j4kz", dev, "us-east-1", m["claude-haiku-4-5"], "geo",
                     {"team": "ml-platform", "cost-center": "CC-1001"}),
    }  # fmt: skip

    def wl(key: str, region: str, price_key: str, route: str, **kw: Any) -> _Workload:
        caller = c[key]
        model = kw.pop("model", None) or m[price_key]
        return _Workload(caller, caller.account, region, model, route, **kw)

    logged = (
        wl("alice", "us-east-1", "claude-sonnet-4-6", "direct", cache="5m", metadata={"app": "notebook"}),
        wl("alice", "us-east-1", "claude-sonnet-4-6", "aip", aip=aips["search"]),
        wl("bob", "us-east-1", "claude-opus-4-6", "geo", cache="5m", input_scale=9000),
        wl("bob", "us-east-1", "claude-sonnet-4", "geo"),
        wl("chat-1", "us-west-2", "claude-opus-4-8", "direct", cache="5m", metadata={"tenant": "t-100"},
           bill_scope=chat_scope),
        wl("chat-2", "us-east-1", "claude-sonnet-4-6", "aip", aip=aips["search"], cache="5m",
           metadata={"tenant": "t-200"}),
        wl("chat-2", "us-east-1", "nova-pro", "aip", aip=aips["support"], cache="read"),
        wl("apikey", "us-east-1", "nova-lite", "direct", input_scale=3000),
        wl("apikey", "us-east-1", "nova-micro", "direct", cache="read", input_scale=2000),
        wl("cc-alice", "us-east-1", "claude-sonnet-4-6", "global", cache="1h" if one_hour else "5m",
           input_scale=20000,
           metadata={"client": "claude-code"}),
        wl("cc-bob", "us-east-1", "claude-haiku-4-5", "aip", aip=aips["code"], cache="5m"),
        wl("cc-carol", "us-east-1", "claude-sonnet-4-5", "global", cache="5m"),
        wl("dave", "us-east-1", "titan-embed-text-v2", "direct", streaming=False, converse=False,
           input_scale=300, output_scale=0),
        wl("doc-7", "us-west-2", "claude-sonnet-4-6", "direct", input_scale=15000, output_scale=2500),
        wl("gw-1", "us-east-1", "gpt-oss-120b", "direct", tier="priority"),
        wl("gw-1", "us-east-1", "gpt-oss-120b", "direct"),
        wl("gw-2", "us-east-1", "gpt-oss-120b", "direct", tier="flex"),
        wl("gw-2", "us-east-1", "nova-2-lite", "direct", tier="flex"),
        wl("gw-2", "us-east-1", "llama4-maverick", "direct"),
    )  # fmt: skip
    big = {"input_scale": 400_000.0, "output_scale": 80_000.0, "streaming": False}
    batch = (
        wl("doc-7", "us-west-2", "nova-pro", "direct", tier="batch", **big),
        _Workload(None, data, "us-east-1", m["claude-sonnet-4-6"], "global", tier="batch", **big),
        _Workload(None, data, "us-east-1", m["llama4-maverick"], "direct", tier="batch", **big),
    )
    if clean and not gaps.unlogged_tier:
        batch = ()
    extra = ()
    if gaps is not None and gaps.unpriced_model:
        extra = (wl("doc-7", "us-west-2", "", "direct", model=_UNPRICED_MODEL, input_scale=3000),)
    filler_callers, filler = _filler_workloads(analytics, m, plan.filler_callers)
    rng = np.random.default_rng([seed, 0xCA7])
    accounts = (payer, prod, dev, data, analytics)
    resources = _resources(rng, accounts, plan.resources)
    sp = _savings_plan(rng, prod, plan)
    return _Catalogue(
        payer,
        accounts,
        (*c.values(), *filler_callers),
        tuple(aips.values()),
        logged,
        batch,
        filler,
        resources,
        sp,
        extra,
        clean,
    )


def _filler_workloads(
    account: _Account, m: dict[str, model_map.Model], n: int
) -> tuple[list[_Caller], tuple[_Workload, ...]]:
    """The analytics account's fleet: many gateway sessions and users, logging off (facts 5.2: per region)."""
    role_tags = {"team": "analytics", "cost-center": "CC-6001"}
    mix = (
        ("claude-sonnet-4-6", "global", "us-east-1", "5m"),
        ("claude-haiku-4-5", "direct", "eu-central-1", "none"),
        ("nova-micro", "direct", "us-east-1", "none"),
        ("llama4-maverick", "direct", "us-east-1", "none"),
        ("claude-opus-4-6", "geo", "eu-central-1", "5m"),
        ("nova-lite", "direct", "eu-central-1", "read"),
    )
    callers: list[_Caller] = []
    workloads: list[_Workload] = []
    for i in range(n):
        if i % 5 == 4:
            caller = _user(account, f"analyst-{i:04d}", {} if i % 2 else {"team": "bi"})
        else:
            session_tags = {"project": f"insights-{i % 7}"} if i % 3 == 0 else {}
            if i % 4 == 1:
                session_tags["team"] = "bi"
            caller = _session(account, "AnalyticsGateway", f"svc-{i:04d}", role_tags, session_tags)
        callers.append(caller)
        for j in (i % len(mix), (i + 3) % len(mix)):
            price_key, route, region, cache = mix[j]
            workloads.append(_Workload(caller, account, region, m[price_key], route, cache=cache))
    return callers, tuple(workloads)


def _resources(rng: np.random.Generator, accounts: tuple[_Account, ...], n: int) -> tuple[_Resource, ...]:
    teams = ("web", "data-eng", "platform", "ml-platform", "search")
    regions = tuple(_REGIONS)
    out = []
    for i in range(n):
        svc = _SERVICES[i % len(_SERVICES)]
        account = accounts[1 + i % (len(accounts) - 1)] if i % 11 else accounts[0]
        team = teams[i % len(teams)]
        pattern = i % 4  # both keys / team only / untagged / cost-center only
        tags: dict[str, str] = {}
        if pattern in (0, 1):
            tags["team"] = team
        if pattern in (0, 3):
            tags["cost-center"] = f"CC-{5001 + i % 3}"
        if pattern == 0:
            tags["Name"] = f"{team}-{i:05d}"
        rid = {
            "instance": f"i-0{rng.integers(0, 2**60):015x}",
            "bucket": f"acme-{team}-{i:05d}",
            "function": f"arn:aws:lambda:{regions[i % 3]}:{account.id}:function:{team}-job-{i:05d}",
            None: None,
        }[svc.resource]
        out.append(_Resource(svc, account, regions[i % 3], rid, tags, None if i % 2 else ""))
    return tuple(out)


def _savings_plan(rng: np.random.Generator, account: _Account, plan: _Plan) -> _SavingsPlan:
    # m5.2xlarge: on-demand rate and the Compute Savings Plans rate (1 yr partial upfront, 28 % off).
    od, sp = Decimal("0.384"), Decimal("0.27648")
    # Sized so the covered usage uses ~80 % of the commitment even in a 28-day month: the recurring fee's
    # amortized cost (unused commitment) stays positive.
    hourly = (sp * plan.sp_hours / (Decimal("0.8") * 672)).quantize(Decimal("0.001"), ROUND_CEILING)
    sp_id = f"{rng.integers(0, 2**62):016x}"
    arn = f"arn:aws:savingsplans::{account.id}:savingsplan/{sp_id[:8]}-{sp_id[8:12]}-{sp_id[12:]}"
    return _SavingsPlan(arn, account, f"i-0{rng.integers(0, 2**60):015x}", od, sp, hourly)


# ================================================================================================
# Templates: static attributes of a line
# ================================================================================================

# Amortization behaviour of a template's line item type.
_K_PLAIN, _K_SP_COVERED, _K_SP_FEE, _K_ZERO = 0, 1, 2, 3

# String columns that are the same on every line of a month (not template attributes).
_MONTH_CONSTANTS = (
    "bill_bill_type",
    "bill_billing_entity",
    "bill_invoice_id",
    "bill_invoicing_entity",
    "bill_payer_account_id",
    "bill_payer_account_name",
    "line_item_currency_code",
    "line_item_legal_entity",
    "pricing_currency",
)
_MAP_COLUMNS = tuple(c.name for c in schema.CUR_COLUMNS if c.type.startswith("map<"))
_TEMPLATE_STRINGS = tuple(
    c.name
    for c in schema.CUR_COLUMNS
    if c.type == "string"
    and c.name not in _MONTH_CONSTANTS + ("identity_line_item_id", "identity_time_interval")
)


@dataclass(frozen=True)
class _Meta:
    """What the ground truth groups by (never read back from the strings)."""

    account: str
    product: str
    line_type: str
    principal: str | None = None
    principal_tags: dict[str, str] = field(default_factory=dict)
    resource_tags: dict[str, str] = field(default_factory=dict)  # original keys (AIP or resource tags)
    billing_name: str | None = None
    meter: str | None = None
    tier: str | None = None
    scope: str | None = None
    usage_type: str | None = None
    log_status: str | None = None  # logged | batch | logging-disabled

    @property
    def is_bedrock(self) -> bool:
        return self.product in BEDROCK_PRODUCT_CODES

    @property
    def is_usage(self) -> bool:
        return self.line_type in USAGE_LINE_TYPES


class _Book:
    """Append-only list of templates, frozen into Arrow dictionaries / numpy arrays for row building."""

    def __init__(self) -> None:
        self.strings: list[dict[str, str | None]] = []
        self.maps: list[dict[str, dict[str, str]]] = []
        self.meta: list[_Meta] = []
        self._rate: list[int] = []
        self._div: list[int] = []
        self._edp: list[bool] = []
        self._kind: list[int] = []
        self._q: list[tuple[float, float]] = []
        self.index: dict[Any, int] = {}

    def add(
        self,
        key: Any,
        strings: dict[str, str | None],
        maps: dict[str, dict[str, str]],
        meta: _Meta,
        rate: Decimal = Decimal(0),
        div: int = 1,
        edp: bool = False,
        kind: int = _K_PLAIN,
        q: tuple[float, float] = (1.0, 0.0),
    ) -> int:
        unknown = set(strings) - set(_TEMPLATE_STRINGS)
        if unknown:
            raise ValueError(f"not template string columns: {sorted(unknown)}")
        rate_q = rate * _RATE_SCALE / div
        if rate_q != rate_q.to_integral_value():
            raise ValueError(f"rate {rate}/{div} is not a whole number of 1e-13 USD; raise _RATE_SCALE")
        self.index[key] = len(self.meta)
        self.strings.append(strings)
        self.maps.append(maps)
        self.meta.append(meta)
        self._rate.append(int(rate_q))
        self._div.append(div)
        self._edp.append(edp)
        self._kind.append(kind)
        self._q.append(q)
        return len(self.meta) - 1

    def freeze(self) -> _Frozen:
        codes: dict[str, np.ndarray] = {}
        dicts: dict[str, pa.Array] = {}
        for col in _TEMPLATE_STRINGS:
            values = [s.get(col) for s in self.strings]
            uniq = sorted({v for v in values if v is not None})
            pos = {v: i for i, v in enumerate(uniq)}
            codes[col] = np.array([pos[v] if v is not None else -1 for v in values], dtype=np.int32)
            dicts[col] = pa.array(uniq, type=pa.string())
        maps = {}
        for col in _MAP_COLUMNS:
            typ = _arrow_type(schema.CUR_COLUMN_TYPES[col])
            maps[col] = pa.array([sorted(mp.get(col, {}).items()) for mp in self.maps], type=typ)
        q = np.array(self._q, dtype=np.float64).reshape(-1, 2)
        return _Frozen(
            meta=self.meta,
            index=dict(self.index),
            codes=codes,
            dicts=dicts,
            maps=maps,
            rate=np.array(self._rate, dtype=np.int64),
            div=np.array(self._div, dtype=np.int64),
            edp=np.array(self._edp, dtype=bool),
            kind=np.array(self._kind, dtype=np.int8),
            usage=np.array([m.is_usage for m in self.meta], dtype=bool),
            q_mean=q[:, 0],
            q_sigma=q[:, 1],
        )


@dataclass(frozen=True)
class _Frozen:
    meta: list[_Meta]
    index: dict[Any, int]
    codes: dict[str, np.ndarray]
    dicts: dict[str, pa.Array]
    maps: dict[str, pa.Array]
    rate: np.ndarray
    div: np.ndarray
    edp: np.ndarray
    kind: np.ndarray
    usage: np.ndarray
    q_mean: np.ndarray
    q_sigma: np.ndarray

    def __len__(self) -> int:
        return len(self.meta)

    def priced(self, tpl: np.ndarray, hour: np.ndarray, qty: np.ndarray) -> _Rows:
        """Rows whose cost is quantity x template rate, rounded half-up to 1e-8 USD; EDP net where it applies."""
        tpl = tpl.astype(np.int32, copy=False)
        qty = qty.astype(np.int64, copy=False)
        unb = (qty * self.rate[tpl] + _ROUND_DIV // 2) // _ROUND_DIV
        net = np.where(self.edp[tpl], (unb * (100 - _EDP_PERCENT) + 50) // 100, _NULL)
        return _Rows(tpl, hour.astype(np.int32, copy=False), qty, unb, net)


def _rate_str(rate: Decimal) -> str:
    return f"{rate:.10f}"


def _sku(*parts: str) -> str:
    return hashlib.blake2b("|".join(parts).encode(), digest_size=8).hexdigest().upper()


def _tags_map(
    account: _Account, principal_tags: dict[str, str], resource_tags: dict[str, str]
) -> dict[str, str]:
    out = {f"accountTag/{k}": v for k, v in account.tags.items()}
    out.update({f"iamPrincipal/{k}": v for k, v in principal_tags.items()})
    out.update({f"resourceTags/{k}": v for k, v in resource_tags.items()})
    return out


def _region_prefix(region: str) -> str:
    # us-east-1 usage types of the older services carry no region prefix ("BoxUsage:m5.xlarge").
    return "" if region == "us-east-1" else f"{_REGIONS[region][0]}-"


def _build_book(cat: _Catalogue, prices: PriceTable) -> _Frozen:
    book = _Book()
    filler_status = "logged" if cat.filler_logged else "logging-disabled"
    for group, status in (
        (cat.logged, "logged"),
        (cat.batch, "batch"),
        (cat.filler, filler_status),
        (cat.extra, "logged"),
    ):
        for w in group:
            for stream in (False, True) if w.streaming else (False,):
                for meter in w.meters:
                    _add_bedrock(book, w, meter, stream, status, prices)
    for r in cat.resources:
        _add_resource(book, r)
    _add_savings_plan(book, cat.sp)
    _add_adjustments(book, cat)
    return book.freeze()


def _add_bedrock(
    book: _Book, w: _Workload, meter: str, stream: bool, status: str, prices: PriceTable
) -> None:
    m = w.model
    scope = w.billed_scope
    code, location = _REGIONS[w.region]
    usage_type = format_usage_type(code, m.billing_name, meter, w.tier, scope, m.style)
    per_million = prices.rate_per_million(m.price_key, w.region, meter, w.tier, scope)
    if m == _UNPRICED_MODEL:
        if per_million is not None or model_map.by_model_id(m.model_id) is not None:
            raise ValueError(f"the price table now knows {m.model_id}: pick another model for unpriced_model")
        per_million = _UNPRICED_RATES.get(meter)
    if per_million is None:
        raise ValueError(f"price table has no rate for {m.price_key} {w.region} {meter} {w.tier} {scope}")
    rate = per_million / 1000  # CUR bills Bedrock tokens per 1K (facts 4.4)
    product = "AmazonBedrockService" if m.provider == "Anthropic" else "AmazonBedrock"
    operation = "InvokeModelStreamingInference" if stream else "InvokeModelInference"
    principal_tags = dict(w.caller.tags) if w.caller else {}
    aip_tags = dict(w.aip.tags) if w.aip else {}
    words = meter.replace("_1h", " 1h").replace("_", " ")
    strings = {
        "line_item_line_item_type": "Usage",
        "line_item_usage_account_id": w.account.id,
        "line_item_usage_account_name": w.account.name,
        "line_item_product_code": product,
        "product_servicecode": product,
        "line_item_usage_type": usage_type,
        "product_usagetype": usage_type,
        "line_item_operation": operation,
        "product_operation": operation,
        "line_item_unblended_rate": _rate_str(rate),
        "line_item_blended_rate": _rate_str(rate),
        "line_item_net_unblended_rate": _rate_str(rate * (100 - _EDP_PERCENT) / 100),
        "pricing_public_on_demand_rate": _rate_str(rate),
        "line_item_line_item_description": f"${rate.normalize():f} per 1K {words} tokens for {m.display_name} "
        f"({w.tier}, {scope.replace('_', '-')}) in {location}",
        "line_item_resource_id": w.aip.arn if w.aip else None,
        "line_item_iam_principal": w.caller.arn if w.caller else None,
        "pricing_unit": "1K tokens",
        "product_pricing_unit": "1K tokens",
        "pricing_term": "OnDemand",
        "product_sku": _sku(product, usage_type, operation),
        "product_product_family": "Amazon Bedrock",
        "product_region_code": w.region,
        "product_location": location,
        "product_location_type": "AWS Region",
    }
    maps = {
        "product": {
            "product_name": "Amazon Bedrock",
            "model": m.display_name,
            "provider": m.provider,
            "feature": "Batch Inference" if w.tier == "batch" else "On-demand Inference",
        },
        "resource_tags": {resource_tags_key(k): v for k, v in aip_tags.items()},
        "tags": _tags_map(w.account, principal_tags, aip_tags),
    }
    meta = _Meta(
        account=w.account.id,
        product=product,
        line_type="Usage",
        principal=w.caller.arn if w.caller else None,
        principal_tags=principal_tags,
        resource_tags=aip_tags,
        billing_name=m.billing_name,
        meter=meter,
        tier=w.tier,
        scope=scope,
        usage_type=usage_type,
        log_status=status,
    )
    book.add((id(w), stream, meter), strings, maps, meta, rate=rate, div=1000, edp=True)


def _service_strings(
    svc: _Service, account: _Account, region: str, usage_type: str, line_type: str, rate: str
) -> dict[str, str | None]:
    return {
        "line_item_line_item_type": line_type,
        "line_item_usage_account_id": account.id,
        "line_item_usage_account_name": account.name,
        "line_item_product_code": svc.product,
        "product_servicecode": svc.product,
        "line_item_usage_type": usage_type,
        "product_usagetype": usage_type,
        "line_item_operation": svc.operation,
        "product_operation": svc.operation,
        "line_item_unblended_rate": rate,
        "line_item_blended_rate": rate,
        "pricing_public_on_demand_rate": rate,
        "line_item_line_item_description": svc.description,
        "pricing_unit": svc.unit,
        "product_pricing_unit": svc.unit,
        "pricing_term": "OnDemand",
        "product_sku": _sku(svc.product, usage_type, svc.operation, region),
        "product_product_family": svc.family,
        "product_region_code": region,
        "product_location": _REGIONS[region][1],
        "product_location_type": "AWS Region",
    }


def _add_resource(book: _Book, r: _Resource) -> None:
    svc = r.service
    usage_type = _region_prefix(r.region) + svc.usage_type
    rate = Decimal(svc.rate)
    strings = _service_strings(svc, r.account, r.region, usage_type, "Usage", _rate_str(rate))
    strings["line_item_net_unblended_rate"] = _rate_str(rate * (100 - _EDP_PERCENT) / 100)
    strings["line_item_resource_id"] = r.resource_id
    strings["line_item_iam_principal"] = r.principal
    if svc.product == "AmazonEC2":
        strings["line_item_availability_zone"] = f"{r.region}a"
        strings["product_instance_type"] = svc.usage_type.split(":", 1)[1]
        strings["product_instance_family"] = "General purpose"
    maps = {
        "product": {"product_name": svc.family if svc.product == "AWSDataTransfer" else svc.product},
        "resource_tags": {resource_tags_key(k): v for k, v in r.tags.items()},
        "tags": _tags_map(r.account, {}, r.tags),
    }
    meta = _Meta(r.account.id, svc.product, "Usage", resource_tags=dict(r.tags), usage_type=usage_type)
    book.add(
        ("resource", id(r)),
        strings,
        maps,
        meta,
        rate=rate,
        div=svc.div,
        edp=True,
        q=(svc.q_mean, svc.q_sigma),
    )


def _add_savings_plan(book: _Book, sp: _SavingsPlan) -> None:
    ec2 = _Service(
        "AmazonEC2",
        "BoxUsage:m5.2xlarge",
        "RunInstances",
        "Hrs",
        str(sp.od_rate),
        1,
        1,
        0.0,
        "Compute Instance",
        "$0.384 per On Demand Linux m5.2xlarge Instance Hour",
        "instance",
    )
    tags = {"team": "web", "cost-center": "CC-5001"}
    sp_strings = {
        "savings_plan_savings_plan_a_r_n": sp.arn,
        "savings_plan_offering_type": "ComputeSavingsPlans",
        "savings_plan_payment_option": "Partial Upfront",
        "savings_plan_purchase_term": "1yr",
        "savings_plan_start_time": "2026-10-01T00:00:00.000Z",
        "savings_plan_end_time": "2027-09-30T23:59:59.000Z",
    }
    base_maps = {
        "product": {"product_name": "Amazon Elastic Compute Cloud"},
        "resource_tags": {resource_tags_key(k): v for k, v in tags.items()},
        "tags": _tags_map(sp.account, {}, tags),
    }
    for line_type, kind in (("SavingsPlanCoveredUsage", _K_SP_COVERED), ("SavingsPlanNegation", _K_ZERO)):
        strings = _service_strings(
            ec2, sp.account, "us-east-1", ec2.usage_type, line_type, _rate_str(sp.od_rate)
        )
        strings |= {
            "line_item_resource_id": sp.instance_id,
            "line_item_availability_zone": "us-east-1a",
            "savings_plan_savings_plan_a_r_n": sp.arn,
        }
        if line_type == "SavingsPlanNegation":
            strings["line_item_line_item_description"] = (
                f"SavingsPlanNegation used by AccountId : {sp.account.id} and UsageSku : {strings['product_sku']}"
            )
        meta = _Meta(sp.account.id, "AmazonEC2", line_type, resource_tags=tags, usage_type=ec2.usage_type)
        book.add(("sp", line_type), strings, base_maps, meta, rate=sp.od_rate, kind=kind)
    for line_type, kind, desc in (
        ("SavingsPlanRecurringFee", _K_SP_FEE, "1 year Partial Upfront Compute Savings Plan recurring fee"),
        ("SavingsPlanUpfrontFee", _K_ZERO, "1 year Partial Upfront Compute Savings Plan upfront fee"),
    ):
        usage_type = "ComputeSP:1yrPartialUpfront"
        strings = {
            "line_item_line_item_type": line_type,
            "line_item_usage_account_id": sp.account.id,
            "line_item_usage_account_name": sp.account.name,
            "line_item_product_code": "ComputeSavingsPlans",
            "product_servicecode": "ComputeSavingsPlans",
            "line_item_usage_type": usage_type,
            "product_usagetype": usage_type,
            "line_item_line_item_description": desc,
            **sp_strings,
        }
        maps = {"product": {"product_name": "Savings Plans for AWS Compute usage"}}
        meta = _Meta(sp.account.id, "ComputeSavingsPlans", line_type, usage_type=usage_type)
        book.add(("sp", line_type), strings, maps, meta, kind=kind)


def _add_adjustments(book: _Book, cat: _Catalogue) -> None:
    """Tax and EDP discount templates for every (account, product) that has usage; credits, refunds, fee."""
    products: set[tuple[str, str]] = set()
    for meta in book.meta:
        products.add((meta.account, meta.product))
    products.add((cat.payer.id, "AWSSupportBusiness"))
    names = {a.id: a.name for a in cat.accounts}
    descriptions = {
        "Tax": "Tax for product code {p}",
        "EdpDiscount": "Enterprise Program Discount",
        "Credit": "AWS Promotional Credit",
        "Refund": "Refund for service event",
        "Fee": "AWS Support (Business)",
    }
    wanted = [("Tax", a, p) for a, p in sorted(products)] + [
        ("EdpDiscount", a, p) for a, p in sorted(products)
    ]
    wanted += [(t, a, p) for t, a, p, _cap, _share in _CREDITS]
    wanted.append(("Fee", cat.payer.id, "AWSSupportBusiness"))
    for line_type, account, product in wanted:
        strings: dict[str, str | None] = {
            "line_item_line_item_type": line_type,
            "line_item_usage_account_id": account,
            "line_item_usage_account_name": names[account],
            "line_item_product_code": product,
            "product_servicecode": product,
            "line_item_line_item_description": descriptions[line_type].format(p=product),
        }
        if line_type == "Tax":
            strings["line_item_tax_type"] = "VAT"
        if line_type == "Fee":
            strings |= {
                "line_item_usage_type": "Dollar",
                "product_usagetype": "Dollar",
                "pricing_unit": "Dollar",
            }
        tags = _tags_map(next(a for a in cat.accounts if a.id == account), {}, {})
        meta = _Meta(account, product, line_type)
        book.add((line_type, account, product), strings, {"tags": tags}, meta)


# Credits and refunds: (type, account, product, cap in USD, share of that product's usage in that account).
_CREDITS = (
    ("Credit", "234567890123", "AmazonBedrockService", Decimal(250), Decimal("0.4")),
    ("Credit", "123456789012", "AmazonEC2", Decimal(50), Decimal("0.1")),
    ("Refund", "123456789012", "AmazonBedrock", Decimal(25), Decimal("0.02")),
    ("Refund", "345678901234", "AmazonS3", Decimal(5), Decimal("0.05")),
)


# ================================================================================================
# Rows
# ================================================================================================


@dataclass
class _Rows:
    """Lines to write: template, hour of month (``hours`` = whole month), quantity and money in 1e-8 USD."""

    tpl: np.ndarray
    hour: np.ndarray
    qty: np.ndarray
    unb: np.ndarray
    net: np.ndarray  # _NULL = no net value (readers fall back to unblended)
    sp: dict[str, np.ndarray] = field(default_factory=dict)  # savings_plan_* doubles, _NULL = null

    def __len__(self) -> int:
        return len(self.tpl)

    @staticmethod
    def concat(parts: Iterable[_Rows]) -> _Rows:
        parts = [p for p in parts if len(p)]
        keys = sorted({k for p in parts for k in p.sp})
        sp = {k: np.concatenate([p.sp.get(k, np.full(len(p), _NULL)) for p in parts]) for k in keys}
        cat = [np.concatenate([getattr(p, a) for p in parts]) for a in ("tpl", "hour", "qty", "unb", "net")]
        return _Rows(*cat, sp=sp)


@dataclass(frozen=True)
class _Group:
    """Workloads drawn together: template index per (workload, streaming, token count) and token scales."""

    workloads: tuple[_Workload, ...]
    combos: np.ndarray  # (n, 2): workload index, streaming flag
    in_scale: np.ndarray
    out_scale: np.ndarray
    read: np.ndarray
    write: np.ndarray
    calls_lambda: float
    multiples: np.ndarray | None = None  # (workloads, 4): token counts are drawn as multiples of these

    @classmethod
    def of(cls, workloads: tuple[_Workload, ...], calls_lambda: float = 1.3) -> _Group:
        combos = [(i, s) for i, w in enumerate(workloads) for s in ((0, 1) if w.streaming else (0,))]
        return cls(
            workloads,
            np.array(combos, dtype=np.int64).reshape(-1, 2),
            np.array([w.input_scale for w in workloads]),
            np.array([w.output_scale for w in workloads]),
            np.array([w.cache in ("read", "5m", "1h") for w in workloads]),
            np.array([w.cache in ("5m", "1h") for w in workloads]),
            calls_lambda,
        )

    def templates(self, book: _Frozen) -> np.ndarray:
        """(workloads, 2, 4) template index for each token count of a log record; -1 = never billed."""
        out = np.full((len(self.workloads), 2, 4), -1, dtype=np.int32)
        for i, w in enumerate(self.workloads):
            for stream in (0, 1) if w.streaming else (0,):
                for meter in w.meters:
                    slot = _LOG_COUNTS.index("cache_write" if meter == "cache_write_1h" else meter)
                    out[i, stream, slot] = book.index[(id(w), bool(stream), meter)]
        return out

    def exact(self, book: _Frozen, prices: PriceTable) -> _Group:
        """This group drawing token counts that make every line cost exact at 8 places, at the billed rate and
        at the rate an estimate from the log uses (so a knob that changes only the billed rate keeps the draws)."""
        tpl = self.templates(book)
        out = np.ones((len(self.workloads), 4), dtype=np.int64)
        for i, w in enumerate(self.workloads):
            for j, meter in enumerate(_LOG_COUNTS):
                billed = {int(book.rate[t]) for t in tpl[i, :, j] if t >= 0}
                if not billed:
                    continue
                k = [_ROUND_DIV // math.gcd(r, _ROUND_DIV) for r in billed]
                estimate = _estimate_rate(w, meter, prices)
                if estimate is not None:
                    k.append(_ROUND_DIV // math.gcd(_per_token(estimate), _ROUND_DIV))
                out[i, j] = math.lcm(*k)
        return replace(self, multiples=out)

    def lines_per_slot(self) -> float:
        k = 1 + self.calls_lambda
        w = self.combos[:, 0]
        # A cache line exists when at least one of the slot's ~k calls read (wrote) the cache.
        read, write = 1 - (1 - _P_CACHE_READ) ** k, 1 - (1 - _P_CACHE_WRITE) ** k
        per = 1 + (self.out_scale[w] > 0) + self.read[w] * read + self.write[w] * write
        return float(per.mean())


@dataclass
class _Calls:
    """Individual calls of a draw: workload, streaming flag, hour, tokens (n, 4: the log record's counts)."""

    w: np.ndarray
    stream: np.ndarray
    hour: np.ndarray
    tokens: np.ndarray


def _draw_bedrock(
    rng: np.random.Generator,
    group: _Group,
    book: _Frozen,
    tpl: np.ndarray,
    hours: np.ndarray,
    n_slots: int,
    ensure_coverage: bool = False,
) -> tuple[_Rows, _Calls]:
    """Draw distinct (workload, streaming, hour) slots, the calls in each, and one line per slot and meter.

    Slots are distinct so a (template, hour) never appears twice and a line is exactly the sum of its calls.
    ``ensure_coverage`` gives every combination one slot whose first call uses every meter of the workload, so
    a small month still has every meter, tier and scope of the catalogue.
    """
    n_hours = len(hours)
    pop = len(group.combos) * n_hours
    pick = rng.choice(pop, size=min(n_slots, pop), replace=False)
    forced = np.empty(0, dtype=np.int64)
    if ensure_coverage:
        forced = np.arange(len(group.combos)) * n_hours + rng.integers(0, n_hours, len(group.combos))
        pick = np.union1d(pick, forced)
    combo, hour = pick // n_hours, hours[pick % n_hours]
    w, stream = group.combos[combo, 0], group.combos[combo, 1]
    k = 1 + rng.poisson(group.calls_lambda, len(pick))
    starts = np.concatenate(([0], np.cumsum(k)[:-1]))
    slot = np.repeat(np.arange(len(pick)), k)
    tokens = _draw_tokens(rng, group, w[slot])
    if ensure_coverage:
        first = starts[np.isin(pick, forced)]
        _force_meters(tokens, group, w[slot], first)
    if group.multiples is not None:
        k = group.multiples[w[slot]]
        tokens = -(-tokens // k) * k
    sums = np.add.reduceat(tokens, starts, axis=0)
    slot_i, meter_i = np.nonzero(sums > 0)
    line_tpl = tpl[w, stream][slot_i, meter_i]
    if (line_tpl < 0).any():
        raise AssertionError("a drawn token count has no billing template")
    rows = book.priced(line_tpl, hour[slot_i], sums[slot_i, meter_i])
    return rows, _Calls(w[slot], stream[slot], hour[slot], tokens)


def _lognormal_int(rng: np.random.Generator, scale: np.ndarray, sigma: float) -> np.ndarray:
    draw = rng.lognormal(np.log(np.maximum(scale, 1.0)), sigma)
    return np.clip(np.ceil(draw), 1, 5_000_000).astype(np.int64)


def _draw_tokens(rng: np.random.Generator, group: _Group, w: np.ndarray) -> np.ndarray:
    n = len(w)
    inp = _lognormal_int(rng, group.in_scale[w], 0.9)
    out = np.where(group.out_scale[w] > 0, _lognormal_int(rng, group.out_scale[w], 0.8), 0)
    read = np.where(
        group.read[w] & (rng.random(n) < _P_CACHE_READ), _lognormal_int(rng, group.in_scale[w] * 4, 0.7), 0
    )
    write = np.where(
        group.write[w] & (rng.random(n) < _P_CACHE_WRITE),
        _lognormal_int(rng, group.in_scale[w] * 1.5, 0.7),
        0,
    )
    return np.stack([inp, out, read, write], axis=1)


def _force_meters(tokens: np.ndarray, group: _Group, w: np.ndarray, rows: np.ndarray) -> None:
    wi = w[rows]
    tokens[rows, 2] = np.where(group.read[wi], np.maximum(tokens[rows, 2], 512), tokens[rows, 2])
    tokens[rows, 3] = np.where(group.write[wi], np.maximum(tokens[rows, 3], 256), tokens[rows, 3])


def _service_rows(
    rng: np.random.Generator, book: _Frozen, res_tpl: np.ndarray, hours: np.ndarray, n: int
) -> _Rows:
    """Distinct (resource, hour) lines with a quantity drawn around the resource's typical usage."""
    pop = len(res_tpl) * len(hours)
    pick = rng.choice(pop, size=min(n, pop), replace=False)
    tpl = res_tpl[pick // len(hours)]
    hour = hours[pick % len(hours)]
    noise = np.exp(book.q_sigma[tpl] * rng.standard_normal(len(pick)))
    qty = np.maximum(1, np.round(book.q_mean[tpl] * noise)).astype(np.int64)
    return book.priced(tpl, hour, qty)


def _sp_rows(book: _Frozen, sp: _SavingsPlan, period: _Period, rng: np.random.Generator, n: int) -> _Rows:
    """Covered usage + negation per covered hour, the recurring fee, and the upfront fee in the first month."""
    hours = np.sort(rng.choice(period.hours, size=min(n, period.hours), replace=False)).astype(np.int32)
    od = int(sp.od_rate * _UNITS)
    eff = int(sp.sp_rate * _UNITS)
    ones = np.ones(len(hours), dtype=np.int64)
    covered = _Rows(
        np.full(len(hours), book.index[("sp", "SavingsPlanCoveredUsage")], np.int32),
        hours,
        ones,
        ones * od,
        ones * od,
        sp={
            "savings_plan_savings_plan_effective_cost": ones * eff,
            "savings_plan_net_savings_plan_effective_cost": ones * eff,
            "savings_plan_savings_plan_rate": ones * eff,
        },
    )
    negation = _Rows(
        np.full(len(hours), book.index[("sp", "SavingsPlanNegation")], np.int32),
        hours,
        ones,
        -ones * od,
        -ones * od,
    )
    commitment = int(sp.hourly_commitment * _UNITS) * period.hours
    recurring = upfront_amortized = commitment // 2  # partial upfront: half paid upfront, half monthly
    used = eff * len(hours)
    fee_sp = {
        "savings_plan_total_commitment_to_date": recurring + upfront_amortized,
        "savings_plan_used_commitment": used,
        "savings_plan_recurring_commitment_for_billing_period": recurring,
        "savings_plan_net_recurring_commitment_for_billing_period": recurring,
        "savings_plan_amortized_upfront_commitment_for_billing_period": upfront_amortized,
        "savings_plan_net_amortized_upfront_commitment_for_billing_period": upfront_amortized,
    }
    parts = [
        covered,
        negation,
        _single(
            book.index[("sp", "SavingsPlanRecurringFee")],
            period.hours,
            recurring,
            recurring,
            {k: np.array([v]) for k, v in fee_sp.items()},
        ),
    ]
    if period.index == 0:
        upfront = int(sp.hourly_commitment * _UNITS) * 8760 // 2
        parts.append(_single(book.index[("sp", "SavingsPlanUpfrontFee")], period.hours, upfront, upfront))
    return _Rows.concat(parts)


def _single(tpl: int, hour: int, unb: int, net: int, sp: dict[str, np.ndarray] | None = None) -> _Rows:
    one = np.ones(1, dtype=np.int64)
    return _Rows(
        np.array([tpl], np.int32), np.array([hour], np.int32), one * 0, one * unb, one * net, sp or {}
    )


# ================================================================================================
# Month writing
# ================================================================================================


@dataclass(frozen=True)
class _Period:
    month: str
    index: int
    final: bool
    invoice_id: str
    start: datetime
    end: datetime

    @classmethod
    def of(cls, month: str, index: int, final: bool, seed: int) -> _Period:
        start = datetime.strptime(month + "-01", "%Y-%m-%d")
        end = datetime.strptime(_add_months(month, 1) + "-01", "%Y-%m-%d")
        number = np.random.default_rng([seed, index, 0x1D]).integers(100000, 999999)
        invoice = f"EUINUS{start:%y}-{number}" if final else ""
        return cls(month, index, final, invoice, start, end)

    @property
    def hours(self) -> int:
        return int((self.end - self.start).total_seconds() // 3600)

    def hour_ms(self) -> tuple[np.ndarray, np.ndarray]:
        """Start and end (epoch ms) per hour index; index ``hours`` is the whole billing period."""
        base = int((self.start - datetime(1970, 1, 1)).total_seconds()) * 1000
        starts = base + np.arange(self.hours + 1, dtype=np.int64) * 3_600_000
        starts[-1] = base
        ends = starts + 3_600_000
        ends[-1] = base + self.hours * 3_600_000
        return starts, ends

    def intervals(self) -> pa.Array:
        fmt = "%Y-%m-%dT%H:%M:%SZ"
        out = [
            f"{self.start + timedelta(hours=h):{fmt}}/{self.start + timedelta(hours=h + 1):{fmt}}"
            for h in range(self.hours)
        ]
        out.append(f"{self.start:{fmt}}/{self.end:{fmt}}")
        return pa.array(out, type=pa.string())

    def working_hours(self) -> np.ndarray:
        """Weekday hours 07-20 UTC: when people and their apps call Bedrock (keeps the log folders few)."""
        hours = [
            h
            for h in range(self.hours)
            if (t := self.start + timedelta(hours=h)).weekday() < 5 and 7 <= t.hour < 21
        ]
        return np.array(hours, dtype=np.int32)

    def constants(self, payer: _Account) -> dict[str, str]:
        return {
            "bill_bill_type": "Anniversary",
            "bill_billing_entity": "AWS",
            "bill_invoice_id": self.invoice_id,
            "bill_invoicing_entity": "Amazon Web Services EMEA SARL",
            "bill_payer_account_id": payer.id,
            "bill_payer_account_name": payer.name,
            "line_item_currency_code": "USD",
            "line_item_legal_entity": "Amazon Web Services EMEA SARL",
            "pricing_currency": "USD",
        }


class _Ticker:
    def __init__(self, progress: ProgressFn | None, total: int) -> None:
        self.progress, self.total, self.done = progress, max(total, 1), 0

    def tick(self, n: int) -> None:
        self.done += n
        self.total = max(self.total, self.done)
        if self.progress:
            self.progress(self.done, self.total)

    def finish(self) -> None:
        if self.progress:
            self.progress(self.done, self.done)


class _Accumulator:
    """Per-template exact sums (int64, 1e-8 USD) of the four cost bases, line counts and quantities."""

    FIELDS = ("lines", "qty", "unblended", "net_unblended", "amortized", "net_amortized")

    def __init__(self, n_templates: int) -> None:
        self.sums = {f: np.zeros(n_templates, dtype=np.int64) for f in self.FIELDS}

    def add(self, rows: _Rows, kind: np.ndarray) -> None:
        coalesced = np.where(rows.net == _NULL, rows.unb, rows.net)
        amort, namort = rows.unb.copy(), coalesced.copy()
        covered, fee, zero = kind == _K_SP_COVERED, kind == _K_SP_FEE, kind == _K_ZERO
        if covered.any():
            amort[covered] = rows.sp["savings_plan_savings_plan_effective_cost"][covered]
            namort[covered] = rows.sp["savings_plan_net_savings_plan_effective_cost"][covered]
        if fee.any():
            total = rows.sp["savings_plan_total_commitment_to_date"][fee]
            amort[fee] = namort[fee] = total - rows.sp["savings_plan_used_commitment"][fee]
        amort[zero] = namort[zero] = 0
        values = {
            "lines": np.ones(len(rows), np.int64),
            "qty": rows.qty,
            "unblended": rows.unb,
            "net_unblended": coalesced,
            "amortized": amort,
            "net_amortized": namort,
        }
        for name, v in values.items():
            np.add.at(self.sums[name], rows.tpl, v)


class _PartitionWriter:
    """One ``BILLING_PERIOD=`` Parquet file, written a row group at a time, with exact running sums."""

    def __init__(
        self, path: Path, book: _Frozen, period: _Period, payer: _Account, rng: np.random.Generator
    ) -> None:
        self.book, self.period, self.rng = book, period, rng
        self.starts, self.ends = period.hour_ms()
        self.intervals = period.intervals()
        self.constants = {k: pa.array([v], pa.string()) for k, v in period.constants(payer).items()}
        self.acc = _Accumulator(len(book))
        self.listeners: list[Callable[[_Rows], None]] = []
        self.lines = 0
        self.row_groups = 0
        self.schema = pa.schema([pa.field(c.name, _write_type(c)) for c in schema.CUR_COLUMNS])
        # store_schema=False: no ARROW:schema (dictionary types would read back as dictionaries) and no pandas
        # metadata, like files from AWS's own writer; the logical Parquet types carry everything readers need.
        self.writer = pq.ParquetWriter(path, self.schema, compression="snappy", store_schema=False)

    def write(self, rows: _Rows) -> None:
        if not len(rows):
            return
        table = pa.Table.from_arrays(self._arrays(rows), schema=self.schema)
        self.writer.write_table(table, row_group_size=len(rows))
        self.acc.add(rows, self.book.kind[rows.tpl])
        for listener in self.listeners:
            listener(rows)
        self.lines += len(rows)
        self.row_groups += 1

    def close(self) -> None:
        self.writer.add_key_value_metadata({"writer.model.name": "cur-analyzer synth"})
        self.writer.close()

    def _arrays(self, rows: _Rows) -> list[pa.Array]:
        n, book = len(rows), self.book
        tpl_arrow = pa.array(rows.tpl, type=pa.int32())
        units = _units_to_float
        sp_cols = {k: units(v) for k, v in rows.sp.items()}
        unb = units(rows.unb)
        usage_amount = pa.array(rows.qty / book.div[rows.tpl])
        doubles = {
            "line_item_usage_amount": usage_amount,
            "line_item_unblended_cost": unb,
            "line_item_blended_cost": unb,
            "line_item_net_unblended_cost": units(rows.net),
            "pricing_public_on_demand_cost": units(np.where(book.usage[rows.tpl], rows.unb, _NULL)),
        }
        out = []
        for col in schema.CUR_COLUMNS:
            name = col.name
            if name in self.constants:
                out.append(
                    pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), self.constants[name])
                )
            elif name in book.codes:
                codes = book.codes[name][rows.tpl]
                mask = codes < 0
                idx = pa.array(codes, type=pa.int32(), mask=mask if mask.any() else None)
                out.append(pa.DictionaryArray.from_arrays(idx, book.dicts[name]))
            elif name in book.maps:
                out.append(book.maps[name].take(tpl_arrow))
            elif name == "identity_line_item_id":
                out.append(_line_ids(self.rng, self.period.index, self.lines, n))
            elif name == "identity_time_interval":
                out.append(pa.DictionaryArray.from_arrays(pa.array(rows.hour, pa.int32()), self.intervals))
            elif name in ("line_item_usage_start_date", "line_item_usage_end_date"):
                ms = (self.starts if name.endswith("start_date") else self.ends)[rows.hour]
                out.append(pa.array(ms.astype("datetime64[ms]")))
            elif name in ("bill_billing_period_start_date", "bill_billing_period_end_date"):
                when = self.period.start if name.endswith("start_date") else self.period.end
                out.append(pa.array(np.full(n, np.datetime64(when, "ms"))))
            elif name in doubles:
                out.append(doubles[name])
            elif name in sp_cols:
                out.append(sp_cols[name])
            else:
                out.append(pa.nulls(n, type=self.schema.field(name).type))
        return out


def _units_to_float(units: np.ndarray) -> pa.Array:
    # int64 / 1e8 is the correctly rounded double of the 8-place decimal, the same as float(Decimal).
    mask = units == _NULL
    return pa.array(np.where(mask, 0, units) / _UNITS, mask=mask if mask.any() else None)


_B32 = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz234567", dtype=np.uint8)


def _line_ids(rng: np.random.Generator, month_index: int, first: int, n: int) -> pa.Array:
    """52-character base32 ids like CUR's, unique by construction: the tail encodes (month, line number)."""
    counter = (np.int64(month_index) << 40) + first + np.arange(n, dtype=np.int64)
    shifts = np.arange(12, -1, -1, dtype=np.int64) * 5
    tail = _B32[(counter[:, None] >> shifts) & 31]
    head = _B32[rng.integers(0, 32, size=(n, 39))]
    mat = np.ascontiguousarray(np.concatenate([head, tail], axis=1))
    return pa.array(mat.view("S52").ravel()).cast(pa.string())


def _write_month(
    out: Path,
    period: _Period,
    cat: _Catalogue,
    book: _Frozen,
    prices: PriceTable,
    plan: _Plan,
    seed: int,
    ticker: _Ticker,
    gaps: Gaps | None = None,
    recon: _ReconBook | None = None,
) -> dict[str, Any]:
    rng = np.random.default_rng([seed, period.index])
    part = out / EXPORT_NAME / "data" / f"BILLING_PERIOD={period.month}"
    if part.exists():
        shutil.rmtree(part)
    part.mkdir(parents=True)
    data_file = part / f"{EXPORT_NAME}-00001.snappy.parquet"
    # With gaps, line ids and knob-added draws use streams of their own, so a knob that adds lines leaves
    # every other line and log record of the month as it was.
    writer_rng = rng if gaps is None else np.random.default_rng([seed, period.index, 0x1D5])
    writer = _PartitionWriter(data_file, book, period, cat.payer, writer_rng)
    lines = None if recon is None else _ReconLines(recon, period)
    if lines is not None:
        writer.listeners.append(lines.add)
    exact = None if gaps is None else prices

    # 1. The logged scenario (exact aggregates of the log records), batch jobs, the Savings Plan.
    logged = _Group.of(cat.logged)
    if exact is not None:
        logged = logged.exact(book, exact)
    logged_tpl = logged.templates(book)
    n_slots = round(plan.logged_lines / logged.lines_per_slot())
    logged_rows, calls = _draw_bedrock(rng, logged, book, logged_tpl, period.working_hours(), n_slots, True)
    all_hours = np.arange(period.hours, dtype=np.int32)
    batch = _Group.of(cat.batch, calls_lambda=0.0)
    n_batch = round(plan.batch_lines / batch.lines_per_slot()) if cat.batch else 0
    if gaps is None:
        batch_rows, _ = _draw_bedrock(rng, batch, book, batch.templates(book), all_hours, n_batch, True)
        first = _Rows.concat(
            [_sorted(logged_rows), _sorted(batch_rows), _sp_rows(book, cat.sp, period, rng, plan.sp_hours)]
        )
    else:
        first = _Rows.concat([_sorted(logged_rows), _sp_rows(book, cat.sp, period, rng, plan.sp_hours)])
    writer.write(first)
    ticker.tick(len(first))

    # 2. Bulk: the analytics account (no invocation logging) and every other service, by hour ranges.
    filler_calls: list[_Calls] | None = [] if cat.filler_logged else None
    for chunk in _filler_chunks(rng, cat, book, plan, period, exact, filler_calls):
        writer.write(chunk)
        ticker.tick(len(chunk))

    # 2b. Gaps: batch jobs and the extra (unpriced-model) calls, each from a stream of its own.
    extra = _Group.of(cat.extra)
    extra_calls = None
    if exact is not None:
        parts = []
        if cat.batch:
            brng = np.random.default_rng([seed, period.index, 0xBA7C])
            batch = batch.exact(book, exact)
            parts.append(
                _sorted(_draw_bedrock(brng, batch, book, batch.templates(book), all_hours, n_batch, True)[0])
            )
        if cat.extra:
            extra = extra.exact(book, exact)
            xrng = np.random.default_rng([seed, period.index, 0xE87A])
            n_extra = max(6, plan.logged_lines // 50)
            hours = period.working_hours()
            extra_rows, extra_calls = _draw_bedrock(
                xrng, extra, book, extra.templates(book), hours, n_extra, True
            )
            parts.append(_sorted(extra_rows))
        if parts:
            added = _Rows.concat(parts)
            writer.write(added)
            ticker.tick(len(added))

    # 3. Month-end adjustments computed from what was billed.
    adjustments = _adjustment_rows(writer.acc, book, cat, period)
    writer.write(adjustments)
    ticker.tick(len(adjustments))
    writer.close()

    log_batch = _scenario_log_batch(rng, logged, calls, period)
    if gaps is not None:
        log_batch = _with_more_calls(log_batch, cat, seed, period, extra, extra_calls, filler_calls)
    lost = None
    if lines is not None and gaps is not None and gaps.lose_log_hour:
        lost = lines.choose_lost_hour()
    drop_cache = gaps is not None and gaps.drop_cache_tokens_from_logs
    if drop_cache:
        log_batch.tokens[:, 2:] = 0
    workloads = cat.log_workloads
    renderer = _LogRenderer(workloads, period, drop_cache=drop_cache)
    _clear_log_month(out, cat, period)
    tally = _LogTally()
    kept = log_batch if lost is None else log_batch.without(_lost_mask(log_batch, workloads, lost))
    tally.add(kept, workloads)
    _write_log_files(
        out, log_batch, workloads, renderer, period, rng, compresslevel=6, tally=tally, skip=lost
    )
    _write_manifest(out, period, cat, seed, data_file, writer.lines)
    truth = _month_truth(book, writer, period, tally, cat, prices)
    if lines is not None:
        truth["reconcile"] = lines.truth(lost, period.final)
        if truth["reconcile"]["estimated_cost"] != _exact(Decimal(truth["logs"]["estimated_cost"])):
            raise AssertionError("reconcile estimate and log estimate disagree")
    return truth


def _with_more_calls(
    b: _LogBatch,
    cat: _Catalogue,
    seed: int,
    period: _Period,
    extra: _Group,
    extra_calls: _Calls | None,
    filler_calls: list[_Calls] | None,
) -> _LogBatch:
    """The scenario's log batch plus log records of the extra workloads and (clean) the analytics account."""
    parts = [b]
    offset = len(cat.logged)
    sources = [(extra, extra_calls, 0xE87B)]
    if filler_calls is not None:
        joined = (
            _Calls(
                *(
                    np.concatenate([getattr(c, f) for c in filler_calls])
                    for f in ("w", "stream", "hour", "tokens")
                )
            )
            if filler_calls
            else None
        )
        sources.append((_Group.of(cat.filler), joined, 0xF11))
    for group, calls, salt in sources:
        if calls is not None and len(calls.w):
            rng = np.random.default_rng([seed, period.index, salt])
            ok = np.zeros(len(calls.w), np.int8)
            more = _log_fields(rng, group, calls.w, calls.stream, calls.hour, calls.tokens, ok)
            more.w = more.w + offset
            parts.append(more)
        offset += len(group.workloads)
    return _LogBatch(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in _LogBatch.__dataclass_fields__)
    )


def _lost_mask(b: _LogBatch, workloads: tuple[_Workload, ...], lost: tuple[str, str, int]) -> np.ndarray:
    account, region, hour = lost
    here = np.array([(w.account.id, w.region) == (account, region) for w in workloads], dtype=bool)
    return here[b.w] & (b.hour == hour)


def _sorted(rows: _Rows) -> _Rows:
    order = np.lexsort((rows.tpl, rows.hour))
    return _Rows(rows.tpl[order], rows.hour[order], rows.qty[order], rows.unb[order], rows.net[order])


def _filler_chunks(
    rng: np.random.Generator,
    cat: _Catalogue,
    book: _Frozen,
    plan: _Plan,
    period: _Period,
    exact: PriceTable | None = None,
    calls_out: list[_Calls] | None = None,
) -> Iterator[_Rows]:
    """Analytics-account Bedrock lines and other services' lines, a row group at a time. ``exact``: draw exact
    token multiples (:meth:`_Group.exact`); ``calls_out`` collects the drawn calls (to log them)."""
    total = plan.filler_bedrock_lines + plan.service_lines
    if total == 0:
        return
    n_chunks = max(1, math.ceil(total / ROW_GROUP_ROWS))
    bounds = np.linspace(0, period.hours, n_chunks + 1).astype(int)
    filler = _Group.of(cat.filler)
    if exact is not None:
        filler = filler.exact(book, exact)
    filler_tpl = filler.templates(book)
    per_slot = filler.lines_per_slot()
    res_tpl = np.array([book.index[("resource", id(r))] for r in cat.resources], dtype=np.int32)
    for c in range(n_chunks):
        hours = np.arange(bounds[c], bounds[c + 1], dtype=np.int32)
        share = len(hours) / period.hours
        parts = []
        if plan.filler_bedrock_lines:
            n_slots = round(plan.filler_bedrock_lines * share / per_slot)
            rows, calls = _draw_bedrock(rng, filler, book, filler_tpl, hours, n_slots)
            parts.append(rows)
            if calls_out is not None:
                calls_out.append(calls)
        if plan.service_lines:
            parts.append(_service_rows(rng, book, res_tpl, hours, round(plan.service_lines * share)))
        yield _Rows.concat(parts)


def _adjustment_rows(acc: _Accumulator, book: _Frozen, cat: _Catalogue, period: _Period) -> _Rows:
    """EDP discount per (account, product), credits, refunds, support fee, then tax on the result."""
    billed: dict[tuple[str, str], int] = defaultdict(int)
    discount: dict[tuple[str, str], int] = defaultdict(int)
    usage: dict[tuple[str, str], int] = defaultdict(int)
    unb, net = acc.sums["unblended"], acc.sums["net_unblended"]
    for t in np.nonzero(acc.sums["lines"])[0]:
        meta = book.meta[t]
        key = (meta.account, meta.product)
        billed[key] += int(unb[t])
        if book.edp[t]:
            discount[key] += int(unb[t] - net[t])
        if meta.line_type == "Usage":
            usage[key] += int(unb[t])
    entries: list[tuple[str, str, str, int, int]] = []  # (type, account, product, unblended, net)
    for key, amount in sorted(discount.items()):
        if amount:
            # The discount line carries net 0: the usage lines' net already has the discount in it.
            entries.append(("EdpDiscount", *key, -amount, 0))
    for line_type, account, product, cap, share in _CREDITS:
        amount = min(cap, _dec(usage[(account, product)]) * share).quantize(_CENT, ROUND_HALF_UP)
        if amount > 0:
            entries.append((line_type, account, product, -_to_units(amount), _NULL))
    total_usage = _dec(sum(usage.values()))
    fee = max(Decimal(100), total_usage * Decimal("0.1")).quantize(_CENT, ROUND_HALF_UP)
    entries.append(("Fee", cat.payer.id, "AWSSupportBusiness", _to_units(fee), _NULL))
    for _type, account, product, amount, _net in entries:
        billed[(account, product)] += amount
    for (account, product), base in sorted(billed.items()):
        tax = (_dec(base) * _TAX_RATE).quantize(_CENT, ROUND_HALF_UP)
        if tax > 0:
            entries.append(("Tax", account, product, _to_units(tax), _NULL))
    n = len(entries)
    tpl = np.array([book.index[(t, a, p)] for t, a, p, _, _ in entries], dtype=np.int32)
    return _Rows(
        tpl,
        np.full(n, period.hours, np.int32),
        np.zeros(n, np.int64),
        np.array([e[3] for e in entries], np.int64),
        np.array([e[4] for e in entries], np.int64),
    )


def _dec(units: int) -> Decimal:
    return Decimal(units).scaleb(-8)


def _to_units(amount: Decimal) -> int:
    return int(amount.scaleb(8).to_integral_value())


def _write_manifest(
    out: Path, period: _Period, cat: _Catalogue, seed: int, data_file: Path, lines: int
) -> None:
    rng = np.random.default_rng([seed, period.index, 0x3A])
    key = data_file.relative_to(out).as_posix()
    manifest = {
        "executionId": _uuid(rng.integers(0, 2**63, size=2, dtype=np.int64)),
        "billingPeriod": {
            "start": f"{period.start:%Y-%m-%dT%H:%M:%S}.000Z",
            "end": f"{period.end:%Y-%m-%dT%H:%M:%S}.000Z",
        },
        "dataFiles": [f"s3://{CUR_BUCKET}/{key}"],
        "columns": [{"name": c.name, "type": c.type} for c in schema.CUR_COLUMNS],
        "reportName": EXPORT_NAME,
        "bucket": CUR_BUCKET,
        "s3Prefix": "",
        "exportArn": _export_arn(cat, seed),
        "format": "PARQUET",
        "compression": "PARQUET",
        "timeGranularity": "HOURLY",
        "rowCount": lines,
        "tableConfigurations": {
            "COST_AND_USAGE_REPORT": {
                "TIME_GRANULARITY": "HOURLY",
                "INCLUDE_RESOURCES": "TRUE",
                "INCLUDE_IAM_PRINCIPAL_DATA": "TRUE",
                "INCLUDE_MANUAL_DISCOUNT_COMPATIBILITY": "TRUE",
                "INCLUDE_SPLIT_COST_ALLOCATION_DATA": "FALSE",
                "INCLUDE_CAPACITY_RESERVATION_DATA": "FALSE",
            }
        },
    }
    path = out / EXPORT_NAME / "metadata" / f"BILLING_PERIOD={period.month}" / f"{EXPORT_NAME}-Manifest.json"
    _write_json(path, manifest)


def _export_arn(cat: _Catalogue, seed: int) -> str:
    ident = _uuid(np.random.default_rng([seed, 0xE4]).integers(0, 2**63, size=2, dtype=np.int64))
    return f"arn:aws:bcm-data-exports:us-east-1:{cat.payer.id}:export/{EXPORT_NAME}-{ident}"


def _aip_listing(cat: _Catalogue) -> dict[str, Any]:
    """The shape of ``aws bedrock list-inference-profiles --type-equals APPLICATION`` (tags are not in it)."""
    summaries = []
    for a in cat.aips:
        regions = _route_regions(a.scope, a.region) or (a.region,)
        summaries.append(
            {
                "inferenceProfileName": a.name,
                "description": f"{a.name} ({a.tags.get('team', 'untagged')}), copied from {a.source_id}",
                "createdAt": "2026-09-01T09:00:00Z",
                "updatedAt": "2026-09-01T09:00:00Z",
                "inferenceProfileArn": a.arn,
                "models": [
                    {"modelArn": f"arn:aws:bedrock:{r}::foundation-model/{a.model.model_id}"} for r in regions
                ],
                "inferenceProfileId": a.id,
                "status": "ACTIVE",
                "type": "APPLICATION",
            }
        )
    return {"inferenceProfileSummaries": summaries}


# ================================================================================================
# Invocation logs
# ================================================================================================


@dataclass
class _LogBatch:
    """Log records as arrays. status: 0 success, 1 error (errorCode), 2 guardrail-blocked (no token counts)."""

    w: np.ndarray
    hour: np.ndarray
    second: np.ndarray
    op: np.ndarray
    status: np.ndarray
    error: np.ndarray
    tokens: np.ndarray
    route: np.ndarray  # picks the inferenceRegion (modulo the workload's choices), -1 = in-region
    rid: np.ndarray  # (n, 2) int64: request id bits
    meta: np.ndarray  # send requestMetadata

    def __len__(self) -> int:
        return len(self.w)

    def without(self, mask: np.ndarray) -> _LogBatch:
        keep = ~mask
        return _LogBatch(*(getattr(self, f)[keep] for f in _LogBatch.__dataclass_fields__))


def _log_fields(
    rng: np.random.Generator,
    group: _Group,
    w: np.ndarray,
    stream: np.ndarray,
    hour: np.ndarray,
    tokens: np.ndarray,
    status: np.ndarray,
) -> _LogBatch:
    n = len(w)
    converse = np.array([x.converse for x in group.workloads], dtype=bool)[w]
    op = stream * 2 + (converse & (rng.random(n) < 0.6))
    cross = np.array([x.scope != "in_region" for x in group.workloads], dtype=bool)[w]
    route = np.where(cross, rng.integers(0, 60, n), -1)  # 60: uniform over 3 (geo) or 5 (global) regions
    meta = np.array([x.metadata is not None for x in group.workloads], dtype=bool)[w] & (rng.random(n) < 0.7)
    return _LogBatch(
        w=w,
        hour=hour,
        second=rng.integers(0, 3600, n),
        op=op,
        status=status,
        error=rng.integers(0, len(_ERROR_CODES), n),
        tokens=tokens,
        route=route,
        rid=rng.integers(0, 2**63, size=(n, 2), dtype=np.int64),
        meta=meta,
    )


def _scenario_log_batch(rng: np.random.Generator, group: _Group, calls: _Calls, period: _Period) -> _LogBatch:
    """The billed calls, plus failed calls (about 3 %) and guardrail-blocked calls (about 1 %) that bill nothing."""
    ok = _log_fields(
        rng, group, calls.w, calls.stream, calls.hour, calls.tokens, np.zeros(len(calls.w), np.int8)
    )
    hours = period.working_hours()
    parts = [ok]
    for status, share, floor in ((1, 0.03, 5), (2, 0.01, 3)):
        n = max(floor, round(len(calls.w) * share))
        combo = group.combos[rng.integers(0, len(group.combos), n)]
        zeros = np.zeros((n, 4), np.int64)
        parts.append(
            _log_fields(
                rng, group, combo[:, 0], combo[:, 1], rng.choice(hours, n), zeros, np.full(n, status, np.int8)
            )
        )
    return _LogBatch(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in _LogBatch.__dataclass_fields__)
    )


def _bulk_log_batch(rng: np.random.Generator, group: _Group, hour: int, n: int) -> _LogBatch:
    combo = group.combos[rng.integers(0, len(group.combos), n)]
    w = combo[:, 0]
    status = np.where(rng.random(n) < 0.03, 1, 0).astype(np.int8)
    status[rng.random(n) < 0.01] = 2
    tokens = np.where(status[:, None] == 0, _draw_tokens(rng, group, w), 0)
    return _log_fields(rng, group, w, combo[:, 1], np.full(n, hour, np.int32), tokens, status)


def _uuid(bits: np.ndarray) -> str:
    h = f"{int(bits[0]) & (2**63 - 1):016x}{int(bits[1]) & (2**63 - 1):016x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:32]}"


class _LogRenderer:
    """Turns log-batch rows into JSON lines; static fragments are rendered once per workload."""

    def __init__(self, workloads: tuple[_Workload, ...], period: _Period, drop_cache: bool = False) -> None:
        self.workloads = workloads
        self.period = period
        self.heads = [
            f'"accountId":"{w.account.id}","identity":{{"arn":"{w.caller.arn if w.caller else ""}"}},'
            f'"region":"{w.region}"'
            for w in workloads
        ]
        self.model_ids = [json.dumps(w.model_id_logged) for w in workloads]
        self.routes = [_route_regions(w.scope, w.region) for w in workloads]
        self.metadata = [
            json.dumps(w.metadata, separators=(",", ":")) if w.metadata else "" for w in workloads
        ]
        # drop_cache (Gaps.drop_cache_tokens_from_logs): no record carries cache counts, as from a logger that
        # never recorded them.
        self.cache_fields = [self._caches(w) and not drop_cache for w in workloads]
        self.prefix = [f"{period.start + timedelta(hours=h):%Y-%m-%dT%H}:" for h in range(period.hours)]
        self._bodies: dict[tuple[int, int, int], tuple[str, str]] = {}

    @staticmethod
    def _caches(w: _Workload) -> bool:
        # Cache counts appear for models that can cache at all; readers must treat a missing count as 0.
        return w.model.provider in ("Anthropic", "Amazon") and not w.model.price_key.startswith("titan")

    def bodies(self, w: int, op: int, prompt: int) -> tuple[str, str]:
        key = (w, op, prompt)
        if key not in self._bodies:
            self._bodies[key] = self._make_bodies(self.workloads[w], op, prompt)
        return self._bodies[key]

    @staticmethod
    def _make_bodies(w: _Workload, op: int, prompt: int) -> tuple[str, str]:
        text = _PROMPTS[prompt]
        answer = "Here is a concise answer to your request."
        tier = {} if w.tier == "standard" else {"serviceTier": {"type": w.tier}}
        if not w.converse:
            body_in: Any = {"inputText": text}
            body_out: Any = {"embedding": [0.0123, -0.0456, 0.0789]}
        elif op % 2:  # Converse / ConverseStream
            body_in = {
                "messages": [{"role": "user", "content": [{"text": text}]}],
                "inferenceConfig": {"maxTokens": 1024},
                **tier,
            }
            body_out = {
                "output": {"message": {"role": "assistant", "content": [{"text": answer}]}},
                "stopReason": "end_turn",
            }
        elif w.model.provider == "Anthropic":
            body_in = {
                "anthropic_version": "bedrock-2023-05-31",
                "max_tokens": 1024,
                "messages": [{"role": "user", "content": text}],
                **tier,
            }
            body_out = {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "text", "text": answer}],
                "stop_reason": "end_turn",
            }
        else:
            body_in = {"messages": [{"role": "user", "content": [{"text": text}]}], **tier}
            body_out = {"output": {"message": {"content": [{"text": answer}]}}, "stopReason": "end_turn"}
        if op >= 2:  # streaming: the log keeps the stream's chunks
            body_out = [
                {"contentBlockDelta": {"delta": {"text": answer[:20]}}},
                {"messageStop": {"stopReason": "end_turn"}},
            ]
        return json.dumps(body_in, separators=(",", ":")), json.dumps(body_out, separators=(",", ":"))

    def render(self, b: _LogBatch, i: int) -> str:
        w = int(b.w[i])
        second = int(b.second[i])
        ts = f"{self.prefix[int(b.hour[i])]}{second // 60:02d}:{second % 60:02d}Z"
        op = int(b.op[i])
        body_in, body_out = self.bodies(w, op, int(b.rid[i, 0]) % len(_PROMPTS))
        parts = [
            f'{{"schemaType":"ModelInvocationLog","schemaVersion":"1.0","timestamp":"{ts}",{self.heads[w]},'
            f'"requestId":"{_uuid(b.rid[i])}","operation":"{_OPERATIONS[op]}","modelId":{self.model_ids[w]}'
        ]
        route = int(b.route[i])
        if route >= 0:
            parts.append(f',"inferenceRegion":"{self.routes[w][route % len(self.routes[w])]}"')
        status = int(b.status[i])
        if status == 1:
            parts.append(f',"errorCode":"{_ERROR_CODES[int(b.error[i])]}"')
        if b.meta[i]:
            parts.append(f',"requestMetadata":{self.metadata[w]}')
        parts.append(f',"input":{{"inputContentType":"application/json","inputBodyJson":{body_in}')
        if status == 0:
            t = b.tokens[i]
            parts.append(f',"inputTokenCount":{int(t[0])}')
            if self.cache_fields[w]:
                parts.append(
                    f',"cacheReadInputTokenCount":{int(t[2])},"cacheWriteInputTokenCount":{int(t[3])}'
                )
            parts.append(
                f'}},"output":{{"outputContentType":"application/json","outputBodyJson":{body_out},'
                f'"outputTokenCount":{int(t[1])}}}}}'
            )
        elif status == 1:
            # Throttled calls never reach the model: no counts; other failures log a zero input count.
            parts.append("}}" if int(b.error[i]) == 0 else ',"inputTokenCount":0}}')
        else:
            blocked = (
                '{"output":{"message":{"content":[{"text":"Sorry, I cannot help with that request."}]}},'
            )
            parts.append(
                f'}},"output":{{"outputContentType":"application/json","outputBodyJson":{blocked}'
                f'"stopReason":"guardrail_intervened"}}}}}}'
            )
        return "".join(parts)


class _LogTally:
    """Counts and token sums of written log records (the ``logs`` part of the ground truth)."""

    def __init__(self) -> None:
        self.records = self.errors = self.blocked = self.files = 0
        self.tokens = np.zeros(4, dtype=np.int64)
        self.by_model: dict[str, dict[str, int]] = {}
        self.by_workload: dict[int, np.ndarray] = defaultdict(lambda: np.zeros(4, dtype=np.int64))

    def add(self, b: _LogBatch, workloads: tuple[_Workload, ...]) -> None:
        self.records += len(b)
        self.errors += int((b.status == 1).sum())
        self.blocked += int((b.status == 2).sum())
        ok = b.status == 0
        self.tokens += b.tokens[ok].sum(axis=0)
        for wi in np.unique(b.w):
            sel = b.w == wi
            w = workloads[int(wi)]
            entry = self.by_model.setdefault(
                w.model_id_logged, {"records": 0, **dict.fromkeys(_LOG_COUNTS, 0)}
            )
            entry["records"] += int(sel.sum())
            sums = b.tokens[sel & ok].sum(axis=0)
            for j, meter in enumerate(_LOG_COUNTS):
                entry[meter] += int(sums[j])
            self.by_workload[int(wi)] += sums

    def as_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "errors": self.errors,
            "no_token_calls": self.blocked,
            "files": self.files,
            "tokens": {m: int(v) for m, v in zip(_LOG_COUNTS, self.tokens, strict=True)},
            "by_model_id": dict(sorted(self.by_model.items())),
        }


def _log_dir(out: Path, account: str, region: str) -> Path:
    return out / "logs" / "AWSLogs" / account / "BedrockModelInvocationLogs" / region


def _clear_log_month(out: Path, cat: _Catalogue, period: _Period) -> None:
    for account, region in cat.logging_enabled:
        folder = _log_dir(out, account, region) / f"{period.start:%Y}" / f"{period.start:%m}"
        if folder.exists():
            shutil.rmtree(folder)


def _write_log_files(
    out: Path,
    b: _LogBatch,
    workloads: tuple[_Workload, ...],
    renderer: _LogRenderer,
    period: _Period,
    rng: np.random.Generator,
    compresslevel: int,
    tally: _LogTally,
    skip: tuple[str, str, int] | None = None,
) -> None:
    """One gzip file of JSON lines per (account, region, hour), as Bedrock delivers them; ``skip`` names an
    (account, region, hour) whose file is lost (its name is still drawn, so the other files keep theirs)."""
    place = {key: i for i, key in enumerate(sorted({(w.account.id, w.region) for w in workloads}))}
    w_place = np.array([place[(w.account.id, w.region)] for w in workloads], dtype=np.int64)
    keys = w_place[b.w] * (period.hours + 1) + b.hour
    order = np.lexsort((b.rid[:, 0], b.second, keys))
    sorted_keys = keys[order]
    cuts = np.flatnonzero(np.diff(sorted_keys)) + 1
    places = sorted(place, key=place.__getitem__)
    for group in np.split(order, cuts):
        if not len(group):
            continue
        first = int(group[0])
        account, region = places[int(w_place[b.w[first]])]
        t = period.start + timedelta(hours=int(b.hour[first]))
        folder = _log_dir(out, account, region) / f"{t:%Y}" / f"{t:%m}" / f"{t:%d}" / f"{t:%H}"
        name = f"{_uuid(rng.integers(0, 2**63, size=2, dtype=np.int64))}_invocation.json.gz"
        if skip is not None and skip == (account, region, int(b.hour[first])):
            continue
        folder.mkdir(parents=True, exist_ok=True)
        text = "\n".join(renderer.render(b, int(i)) for i in group) + "\n"
        (folder / name).write_bytes(gzip.compress(text.encode(), compresslevel=compresslevel, mtime=0))
        tally.files += 1


# ================================================================================================
# Ground truth
# ================================================================================================

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


def _money(units: int) -> str:
    return f"{_dec(units):.8f}"


def _bases(sums: dict[str, int]) -> dict[str, str]:
    return {b: _money(sums[f]) for b, f in _BASE_FIELDS.items()}


def _grouped(pairs: Iterable[tuple[str, int]]) -> dict[str, str]:
    acc: dict[str, int] = defaultdict(int)
    for key, v in pairs:
        acc[key] += v
    return {k: _money(acc[k]) for k in sorted(acc)}


def _month_truth(
    book: _Frozen,
    writer: _PartitionWriter,
    period: _Period,
    tally: _LogTally,
    cat: _Catalogue,
    prices: PriceTable,
) -> dict[str, Any]:
    sums = writer.acc.sums
    used = [int(t) for t in np.nonzero(sums["lines"])[0]]
    fields = tuple(_BASE_FIELDS.values())
    invoice = {f: int(sum(int(sums[f][t]) for t in used)) for f in fields}
    bedrock_t = [t for t in used if book.meta[t].is_bedrock]
    bedrock = {f: int(sum(int(sums[f][t]) for t in bedrock_t)) for f in fields}
    unb = {t: int(sums["unblended"][t]) for t in used}
    adjustments_all = _grouped((book.meta[t].line_type, unb[t]) for t in used if not book.meta[t].is_usage)
    adjustments_bedrock = _grouped(
        (book.meta[t].line_type, unb[t]) for t in bedrock_t if not book.meta[t].is_usage
    )
    bu = [t for t in bedrock_t if book.meta[t].is_usage]
    au = [t for t in used if book.meta[t].is_usage]

    def dims(ts: list[int], key: Callable[[_Meta], str | None]) -> dict[str, str]:
        return _grouped((key(book.meta[t]) or UNALLOCATED, unb[t]) for t in ts)

    bedrock_usage = {
        "total": _money(sum(unb[t] for t in bu)),
        "lines": int(sum(int(sums["lines"][t]) for t in bu)),
        "by_principal": dims(bu, lambda m: m.principal),
        "by_principal_tag": {
            k: dims(bu, lambda m, k=k: m.principal_tags.get(k)) for k in _PRINCIPAL_TAG_KEYS
        },
        "by_aip_tag": {k: dims(bu, lambda m, k=k: m.resource_tags.get(k)) for k in _AIP_TAG_KEYS},
        "by_account": dims(bu, lambda m: m.account),
        "by_product": dims(bu, lambda m: m.product),
        "by_model": dims(bu, lambda m: m.billing_name),
        "by_meter": dims(bu, lambda m: m.meter),
        "by_tier": dims(bu, lambda m: m.tier),
        "by_scope": dims(bu, lambda m: m.scope),
        "by_usage_type": dims(bu, lambda m: m.usage_type),
        "by_log_status": dims(bu, lambda m: m.log_status),
        "tokens_by_meter": _token_sums(book, sums, bu),
    }
    all_usage = {
        "total": _money(sum(unb[t] for t in au)),
        "by_tag": {k: dims(au, lambda m, k=k: m.resource_tags.get(k)) for k in _RESOURCE_TAG_KEYS},
        "by_product": dims(au, lambda m: m.product),
        "by_account": dims(au, lambda m: m.account),
    }
    logs = {
        "logging_enabled": sorted([a, r] for a, r in cat.logging_enabled),
        **tally.as_dict(),
        "estimated_cost": f"{_estimate(tally, cat.log_workloads, prices):f}",
        "billed_cost": bedrock_usage["by_log_status"].get("logged", _money(0)),
    }
    return {
        "final": period.final,
        "invoice_id": period.invoice_id,
        "billing_period_start": f"{period.start:%Y-%m-%d}",
        "billing_period_end": f"{period.end:%Y-%m-%d}",
        "lines": writer.lines,
        "row_groups": writer.row_groups,
        "bedrock_lines": int(sum(int(sums["lines"][t]) for t in bedrock_t)),
        "currency": "USD",
        "invoice_total": _bases(invoice),
        "bedrock_total": _bases(bedrock),
        "adjustments": {"all": adjustments_all, "bedrock": adjustments_bedrock},
        "bedrock_usage": bedrock_usage,
        "all_usage": all_usage,
        "logs": logs,
    }


def _token_sums(book: _Frozen, sums: dict[str, np.ndarray], ts: list[int]) -> dict[str, int]:
    out: dict[str, int] = defaultdict(int)
    for t in ts:
        out[book.meta[t].meter or "other"] += int(sums["qty"][t])
    return dict(sorted(out.items()))


def _estimate(tally: _LogTally, workloads: tuple[_Workload, ...], prices: PriceTable) -> Decimal:
    total = Decimal(0)
    for wi, tokens in sorted(tally.by_workload.items()):
        w = workloads[wi]
        for j, meter in enumerate(_LOG_COUNTS):
            if tokens[j]:
                rate = _estimate_rate(w, meter, prices)
                if rate is None:
                    if w.model == _UNPRICED_MODEL:
                        continue  # Gaps.unpriced_model: an estimate cannot price it
                    raise ValueError(f"no {meter} rate for {w.model.price_key}")
                total += Decimal(int(tokens[j])) * rate / 1_000_000
    return total


def _estimate_rate(w: _Workload, meter: str, prices: PriceTable) -> Decimal | None:
    """USD per 1M tokens an estimate from this workload's log records uses for a log count (``_LOG_COUNTS``):
    price table at the logged model, region, tier and routing scope; cache writes at the 5-minute rate."""
    if w.model == _UNPRICED_MODEL:
        return None
    return prices.rate_per_million(w.model.price_key, w.region, meter, w.tier, w.scope)


def _per_token(per_million: Decimal) -> int:
    """A USD-per-1M rate as integer 1e-13 USD per token (the template rate unit)."""
    q = per_million * _RATE_SCALE / 1_000_000
    if q != q.to_integral_value():
        raise ValueError(f"rate {per_million}/1M is not a whole number of 1e-13 USD per token")
    return int(q)


def _exact(d: Decimal) -> str:
    """A money amount as a decimal string: 8 places when that is exact, else every digit."""
    q = d.quantize(Decimal("1e-8"))
    return f"{q:.8f}" if q == d else f"{d:f}"


# ================================================================================================
# Reconciliation ground truth (Gaps)
# ================================================================================================

_CACHE_METERS = ("cache_read", "cache_write")


@dataclass(frozen=True)
class _ReconTpl:
    """What reconciliation sees of a Bedrock usage template: its bucket (less the day), its estimate rate, and
    the cause of its gap unless its hour's logs are lost."""

    key: tuple[str, str, str, str, str]  # account, region, principal, model (price key), meter (1h folded)
    status: str  # logged | batch | logging-disabled
    # USD per 1M at the logged model/region/tier/scope; None: the logs cannot price it.
    est_rate: Decimal | None
    cause: str | None
    place: tuple[str, str] | None  # (account, region) of a logged-scenario line, whose hour may be lost


def _bucket_model(m: model_map.Model) -> str:
    """A bucket's model: the model map's price key, or the billing name (= mantle model id) it does not know."""
    known = model_map.by_billing_name(m.billing_name)
    return known.price_key if known else m.billing_name


@dataclass(frozen=True)
class _ReconBook:
    n_templates: int
    info: dict[int, _ReconTpl]

    @classmethod
    def of(cls, cat: _Catalogue, book: _Frozen, prices: PriceTable, gaps: Gaps) -> _ReconBook:
        filler_status = "logged" if cat.filler_logged else "logging-disabled"
        groups = (
            (cat.logged, "logged", True),
            (cat.extra, "logged", True),
            (cat.batch, "batch", False),
            (cat.filler, filler_status, False),
        )
        info: dict[int, _ReconTpl] = {}
        for group, status, scenario in groups:
            for w in group:
                principal = w.caller.arn if w.caller else UNALLOCATED
                for stream in (False, True) if w.streaming else (False,):
                    for meter in w.meters:
                        folded = "cache_write" if meter == "cache_write_1h" else meter
                        cause = None
                        if status == "logging-disabled":
                            cause = "logging off"
                        elif status == "batch":
                            cause = "tier not in logs"
                        elif gaps.drop_cache_tokens_from_logs and folded in _CACHE_METERS:
                            cause = "cache tokens missing from logs"
                        elif w.model == _UNPRICED_MODEL:
                            cause = "model missing from price table"
                        elif meter == "cache_write_1h":
                            cause = "1-hour cache-write rate"
                        elif w.billed_scope != w.scope:
                            cause = "cross-region rate"
                        rate = _estimate_rate(w, folded, prices) if status == "logged" else None
                        if status == "logged" and rate is None and w.model != _UNPRICED_MODEL:
                            raise ValueError(
                                f"no {folded} rate to estimate {w.model.price_key} from its logs"
                            )
                        key = (w.account.id, w.region, principal, _bucket_model(w.model), folded)
                        place = (w.account.id, w.region) if scenario else None
                        info[book.index[(id(w), stream, meter)]] = _ReconTpl(key, status, rate, cause, place)
        return cls(len(book), info)


def _bucket_status(est_tokens: int, billed_tokens: int, est: Decimal, billed: Decimal, final: bool) -> str:
    """The reconciliation status rule, at the default tolerance."""
    if not est_tokens and billed_tokens:
        status = "billed-only"
    elif est_tokens and not billed_tokens:
        status = "logged-only"
    elif abs(est - billed) <= RECONCILE_TOLERANCE_PCT * abs(billed) / 100:
        return "match"
    else:
        status = "over" if est > billed else "under"
    return status if final else "pending"


_Key = tuple[str, str, str, str, str, str]  # day, account, region, principal, model, meter


class _ReconLines:
    """Bedrock usage lines of one month as reconciliation sees them: exact quantities and costs per (template,
    hour) for the logged scenario, per (template, day) for the rest (whose hours are never lost)."""

    def __init__(self, recon: _ReconBook, period: _Period) -> None:
        self.info = recon.info
        self.period = period
        self.is_recon = np.zeros(recon.n_templates, dtype=bool)
        self.is_scenario = np.zeros(recon.n_templates, dtype=bool)
        for t, i in recon.info.items():
            self.is_recon[t] = True
            self.is_scenario[t] = i.place is not None
        self.sums: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
        self.days = [f"{period.start + timedelta(days=d):%Y-%m-%d}" for d in range(period.hours // 24 + 1)]

    def add(self, rows: _Rows) -> None:
        sel = self.is_recon[rows.tpl]
        if not sel.any():
            return
        tpl, hour, qty, unb = rows.tpl[sel], rows.hour[sel].astype(np.int64), rows.qty[sel], rows.unb[sel]
        hour = np.where(self.is_scenario[tpl], hour, hour // 24 * 24)
        key = tpl.astype(np.int64) * (self.period.hours + 1) + hour
        uniq, inv = np.unique(key, return_inverse=True)
        q, u = np.zeros(len(uniq), np.int64), np.zeros(len(uniq), np.int64)
        np.add.at(q, inv, qty)
        np.add.at(u, inv, unb)
        for k, qq, uu in zip(uniq.tolist(), q.tolist(), u.tolist(), strict=True):
            entry = self.sums[divmod(k, self.period.hours + 1)]
            entry[0] += qq
            entry[1] += uu

    def _view(
        self, tpl: int, hour: int, qty: int, unb: int, lost: tuple[str, str, int] | None
    ) -> tuple[_Key, int, Decimal, Decimal, str | None]:
        """(bucket, estimated tokens, estimated cost, billed cost, cause) of one line."""
        i = self.info[tpl]
        is_lost = lost is not None and i.place == lost[:2] and hour == lost[2]
        cause = "log gap" if is_lost else i.cause
        visible = i.status == "logged" and not is_lost and cause != "cache tokens missing from logs"
        est_tokens = qty if visible else 0
        est = Decimal(qty) * i.est_rate / 1_000_000 if visible and i.est_rate is not None else Decimal(0)
        return (self.days[hour // 24], *i.key), est_tokens, est, _dec(unb), cause

    def _aggregate(
        self, lost: tuple[str, str, int] | None
    ) -> tuple[dict[_Key, list[Any]], dict[str, list[Any]]]:
        buckets: dict[_Key, list[Any]] = {}
        causes: dict[str, list[Any]] = {}
        for (tpl, hour), (qty, unb) in self.sums.items():
            key, est_tokens, est, billed, cause = self._view(tpl, hour, qty, unb, lost)
            b = buckets.setdefault(key, [0, 0, Decimal(0), Decimal(0)])
            b[0] += est_tokens
            b[1] += qty
            b[2] += est
            b[3] += billed
            if cause is not None:
                c = causes.setdefault(cause, [Decimal(0), set()])
                c[0] += billed - est
                c[1].add(key)
            elif est != billed:
                raise AssertionError(f"a line with no gap cause is not estimated exactly: {key}")
        return buckets, causes

    def choose_lost_hour(self) -> tuple[str, str, int] | None:
        """The (account, region, hour) of the logged scenario whose log files to lose: preferably one whose
        affected buckets all become ``billed-only`` (no other logs that day), else all ``under``; then one whose
        buckets have no other cause (so a bucket's cause is unambiguous); then the most buckets."""
        buckets, causes = self._aggregate(None)
        caused = set().union(*(keys for _amount, keys in causes.values()))
        by_hour: dict[tuple[str, str, int], list[tuple[_Key, int, Decimal]]] = defaultdict(list)
        for (tpl, hour), (qty, unb) in self.sums.items():
            place = self.info[tpl].place
            if place is not None:
                key, est_tokens, est, _billed, _cause = self._view(tpl, hour, qty, unb, None)
                by_hour[(*place, hour)].append((key, est_tokens, est))
        best: tuple[Any, ...] | None = None
        for candidate, lines in by_hour.items():
            removed: dict[_Key, list[Any]] = defaultdict(lambda: [0, Decimal(0)])
            for key, est_tokens, est in lines:
                removed[key][0] += est_tokens
                removed[key][1] += est
            statuses = set()
            for key, (t, e) in removed.items():
                est_t, bil_t, est_c, bil_c = buckets[key]
                statuses.add(_bucket_status(est_t - t, bil_t, est_c - e, bil_c, final=True))
            rank = 0 if statuses == {"billed-only"} else 1 if statuses == {"under"} else 2
            score = (rank, len(caused.intersection(removed)), -len(removed), candidate)
            if best is None or score < best:
                best = score
        return None if best is None else best[-1]

    def truth(self, lost: tuple[str, str, int] | None, final: bool) -> dict[str, Any]:
        buckets, causes = self._aggregate(lost)
        status = {k: _bucket_status(b[0], b[1], b[2], b[3], final) for k, b in buckets.items()}
        counts: dict[str, int] = defaultdict(int)
        for s in status.values():
            counts[s] += 1
        injected: dict[str, Any] = {}
        for cause in RECONCILE_CAUSES:
            if cause not in causes:
                continue
            amount, keys = causes[cause]
            seen: dict[str, int] = defaultdict(int)
            for k in keys:
                seen[status[k]] += 1
            entry: dict[str, Any] = {
                "amount": _exact(amount),
                "status": next(iter(seen)) if len(seen) == 1 else "mixed",
                "buckets": sorted(list(k) for k in keys),
            }
            if len(seen) > 1:
                entry["statuses"] = dict(sorted(seen.items()))
            if cause == "log gap" and lost is not None:
                account, region, hour = lost
                t = self.period.start + timedelta(hours=hour)
                entry["lost"] = {"account": account, "region": region, "hour": f"{t:%Y-%m-%dT%H}"}
            if cause == "model missing from price table":
                entry["model_id"] = _UNPRICED_MODEL.model_id
            injected[cause] = entry
        return {
            "clean": not injected,
            "injected": injected,
            "estimated_cost": _exact(sum((b[2] for b in buckets.values()), Decimal(0))),
            "billed_cost": _exact(sum((b[3] for b in buckets.values()), Decimal(0))),
            "tolerance_pct": str(RECONCILE_TOLERANCE_PCT),
            "bucket_count": len(buckets),
            "statuses": dict(sorted(counts.items())),
        }


def _gap_notes(cat: _Catalogue, gaps: Gaps) -> list[str]:
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


# ================================================================================================
# Small helpers
# ================================================================================================


def _arrow_type(athena: str) -> pa.DataType:
    types = {
        "string": pa.string(),
        "double": pa.float64(),
        "timestamp": pa.timestamp("ms"),
        "map<string,string>": pa.map_(pa.string(), pa.string()),
        "map<string,double>": pa.map_(pa.string(), pa.float64()),
    }
    return types[athena.replace(" ", "")]


def _write_type(col: schema.Column) -> pa.DataType:
    # Strings are written as dictionary arrays (a few hundred distinct values over millions of lines); the
    # Parquet logical type is still plain UTF8, so readers see ``string``.
    if col.type == "string" and col.name != "identity_line_item_id":
        return pa.dictionary(pa.int32(), pa.string())
    return _arrow_type(col.type)


def _check_month(month: str) -> None:
    try:
        datetime.strptime(month, "%Y-%m")
    except ValueError:
        raise ValueError(f"month must be YYYY-MM, got {month!r}") from None


def _add_months(month: str, n: int) -> str:
    year, mon = map(int, month.split("-"))
    index = year * 12 + (mon - 1) + n
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")
