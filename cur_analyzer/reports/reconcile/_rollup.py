"""Rolling buckets up into report rows by the ``--by`` dimensions, with each row's status and main cause."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from functools import cache

from cur_analyzer.attribution import DAY, UNALLOCATED, Dimension
from cur_analyzer.bedrock.models import catalog
from cur_analyzer.reports.estimate import PROFILE_NOT_RESOLVED
from cur_analyzer.reports.reconcile._buckets import bucket_tag
from cur_analyzer.reports.reconcile._model import (
    BUCKET_FIELDS,
    CAUSES,
    METADATA_KIND,
    ZERO,
    Bucket,
    ReconcileRow,
)
from cur_analyzer.rules import LinePlan


def _status(
    est_tokens: Decimal,
    billed_tokens: Decimal,
    est: Decimal,
    billed: Decimal,
    tolerance: Decimal,
    final: bool,
) -> str:
    if not est_tokens and billed_tokens:
        status = "billed-only"
    elif est_tokens and not billed_tokens:
        status = "logged-only"
    elif abs(est - billed) <= tolerance * abs(billed) / 100:
        return "match"
    else:
        status = "over" if est > billed else "under"
    return status if final else "pending"


def _cause(explained: dict[str, Decimal], status: str, members: list[Bucket]) -> str:
    if status == "match":
        return ""
    if not explained:
        return _unpriced_cause(members) or ("month not final" if status == "pending" else "")
    return max(explained, key=lambda c: abs(explained[c]))


def _unpriced_cause(members: list[Bucket]) -> str:
    """Why logged tokens have no estimate: the unresolved profile when that is the reason, else the model
    missing from the price table; "" when every logged token is priced."""
    reasons = {p.unpriced_reason for b in members for p in b.logged if p.cost is None}
    if not reasons:
        return ""
    return PROFILE_NOT_RESOLVED if PROFILE_NOT_RESOLVED in reasons else "model missing from price table"


@cache
def _display_names() -> dict[str, str]:
    return {m.price_key: m.display_name for m in catalog()}


def model_label(price_key: str | None, model: str | None) -> str | None:
    """A model as estimate and chargeback show it: the catalogue's display name (``Claude Sonnet 4``) of
    its price key, else the name the bucket holds (the billing name, model id or Marketplace model)."""
    return _display_names().get(price_key or "") or model


def _model_key(members: list[Bucket], dims: list[Dimension]) -> str:
    """The price key of a row's model: its buckets' one key; "" when the catalogue knows none or the rows
    are not by model."""
    if not any(d.kind == "model" for d in dims):
        return ""
    keys = {b.price_key for b in members if b.price_key}
    return keys.pop() if len(keys) == 1 else ""


def _line_of(b: Bucket) -> dict[str, str | None]:
    """The bucket's day, account, region and caller as the ``attribution_lines.sql`` columns a dimension
    reads them from (``Dimension.engine_column``)."""
    day, account, region, principal = b.key[:4]
    return {
        DAY.engine_column: day,
        "account": account,
        "region": region,
        "principal": None if principal == UNALLOCATED else principal,
    }


def _value(b: Bucket, d: Dimension, plan: LinePlan) -> str | None:
    if d.kind == METADATA_KIND:
        return b.meta  # what the calls sent; None where they sent nothing (or no call logged)
    if d.kind in ("tag", "rules"):
        value = bucket_tag(b, d.spec)
        if value is None and d.kind == "rules" and not b.billed:
            # a logged-only bucket has no CUR line: only the account and the caller can decide
            value = plan.value(d, _line_of(b))[0]
        return value or UNALLOCATED
    if d.kind == "model":
        # the logs have no usage type: a bucket holds the model's price key, shown as chargeback shows it
        return model_label(b.price_key, b.key[BUCKET_FIELDS.index("model")]) or UNALLOCATED
    if d.kind == "meter":
        return b.key[BUCKET_FIELDS.index(d.kind)] or UNALLOCATED
    return plan.value(d, _line_of(b))[0] or UNALLOCATED


def _roll_up(
    buckets: list[Bucket], dims: list[Dimension], plan: LinePlan, tolerance: Decimal, final: bool
) -> list[ReconcileRow]:
    # a row adds money of one currency, and compared buckets only with compared ones
    groups: dict[tuple, list[Bucket]] = defaultdict(list)
    for b in buckets:
        groups[(tuple(_value(b, d, plan) for d in dims), b.currency, b.not_compared)].append(b)
    rows = []
    for (values, currency, not_compared), members in groups.items():
        summed: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for b in members:
            for c, a in b.explained.items():
                summed[c] += a
        # in the order of CAUSES, not of the rows the engine returned: the same causes read the same way
        explained = {c: summed[c] for c in CAUSES if c in summed}
        est_t = sum((Decimal(b.estimated_tokens) for b in members), ZERO)
        bil_t = sum((b.billed_tokens for b in members), ZERO)
        est = sum((b.estimated_cost for b in members), ZERO)
        bil = sum((b.billed_cost for b in members), ZERO)
        status = not_compared or _status(est_t, bil_t, est, bil, tolerance, final)
        rows.append(
            ReconcileRow(
                dict(zip([d.spec for d in dims], values, strict=True)),
                est_t,
                bil_t,
                est,
                bil,
                {c: a for c, a in explained.items() if a},
                status,
                "" if not_compared else _cause(explained, status, members),
                currency,
                _model_key(members, dims),
            )
        )
    rows.sort(
        key=lambda r: (
            (r.status == "match", not r.compared),
            -abs(r.billed_cost if r.delta is None else r.delta),
            tuple(str(v) for v in r.values.values()),
            r.currency,
        )
    )
    return rows
