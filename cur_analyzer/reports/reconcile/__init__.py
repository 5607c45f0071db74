"""Estimated vs billed: invocation-log estimates against CUR Bedrock lines, with the cause of every gap.

A bucket is (day, account, region, principal, model, meter), at the export's grain
(``cur_analyzer.granularity``): on a monthly export both sides are keyed by the month (the day says the
month). Both sides come from one query, ``athena/reconcile.sql`` (``_sides``), which reads the invocation
logs once (and the month's Bedrock lines in one query): the billed side per day (usage type parsed into
model, meter, tier and scope by ``bedrock.usage_types``; usage amounts normalised by ``pricing_unit``),
the logged side as ``athena/estimate_usage.sql`` has it, per day, priced by
``reports.estimate`` (log tokens x the price table at the logged tier and scope). Each bucket's gap
(billed − estimated) is split into the causes that explain it, in this order, so that a summary can say how
much of the gap each cause explains:

1. ``logging off``: the account wrote no invocation logs at all in the month;
2. ``log gap``: billed lines whose own period (their hour, day or month, as the export cuts lines) holds no
   log record of the account/region;
3. ``tier not in logs``: billed at a tier (batch, …) the logs never show for this bucket;
4. ``cache tokens missing from logs``: a cache meter billed while the logs carry no cache tokens;
5. ``model missing from price table``: logged tokens the price table cannot price;
   ``application inference profile not in the profiles file``: calls through a profile the logs name only
   by its ARN, so they are unpriced (estimate's words for it);
6. ``1-hour cache-write rate``: 1-hour cache writes, which the log records as ordinary cache writes;
7. ``cross-region rate``: billed at a scope (geo, global) other than the one logged;
8. what is left: ``token counts differ`` when tokens disagree, else ``price table differs from bill``.

Status: ``billed-only`` / ``logged-only`` when one side is empty, ``match`` within ``tolerance`` % of the
bill, else ``over`` (estimate above bill) or ``under``; a mismatch in a month that is not final yet
(no invoice id) is ``pending``, as the bill may still change. Three kinds of bucket are shown but never
compared, nor counted in the gap: ``other-currency`` (billed in another currency than the price table's
USD; money keeps its currency, the summary totals the bill per currency) and ``not-a-log-meter`` (model
units, images, search units, AgentCore…: meters the invocation logs never count) and
``marketplace-units``, an AWS Marketplace model's bill, counted in raw Marketplace units that no token
count of the logs can honestly be set beside. The estimate prices each record at the rate in force on its
usage day. A row names its model as estimate and chargeback do (the catalogue's display name) and carries
the price key as ``model_key``.

The package splits by job: ``_model`` (vocabulary and types), ``_buckets`` (billed and logged sides),
``_explain`` (the causes of a bucket's gap), ``_rollup`` (rows, status and cause), ``_build`` (options,
queries, notes) and ``_render`` (the JSON document and the renderers' table).
"""

from __future__ import annotations

from cur_analyzer.reports.reconcile._build import build_reconciliation
from cur_analyzer.reports.reconcile._model import (
    BUCKET_FIELDS,
    CAUSES,
    LOGGED_KINDS,
    NEVER_LOGGED_TIERS,
    STATUSES,
    BilledPart,
    Bucket,
    LoggedPart,
    ReconcileRow,
    Reconciliation,
    tokens_per_unit,
)
from cur_analyzer.reports.reconcile._render import document, tabular

__all__ = [
    "BUCKET_FIELDS",
    "CAUSES",
    "LOGGED_KINDS",
    "NEVER_LOGGED_TIERS",
    "STATUSES",
    "BilledPart",
    "Bucket",
    "LoggedPart",
    "ReconcileRow",
    "Reconciliation",
    "build_reconciliation",
    "document",
    "tabular",
    "tokens_per_unit",
]
