"""Filling buckets: the billed side from CUR Bedrock lines, the logged side from priced invocation-log
records, each keyed by the export's period (a monthly export's buckets are months on both sides)."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from cur_analyzer.attribution import OTHER_METER, UNALLOCATED, meter_of
from cur_analyzer.bedrock.meter_classes import marketplace_model
from cur_analyzer.bedrock.models import Resolved, by_billing_name, by_display_name
from cur_analyzer.bedrock.usage_types import UsageType, parse_usage_type
from cur_analyzer.reports.estimate import PROFILE_NOT_RESOLVED
from cur_analyzer.reports.reconcile._model import ZERO, BilledPart, Bucket, LoggedPart, tokens_per_unit
from cur_analyzer.rules import LinePlan


@dataclass
class LogSide:
    """What the logs say beyond their buckets: who logged at all, and where calls went through application
    inference profiles nobody resolved (day, account, region, caller: a bucket key's first four fields)."""

    accounts: set[str] = field(default_factory=set)
    unresolved_profiles: set[tuple] = field(default_factory=set)
    unresolved_calls: int = 0


#: the last field of an AWS Marketplace bucket's key: its lines never share a bucket with AWS-billed ones
MARKETPLACE = "marketplace"


def _model_of(ut: UsageType, usage_type: str, product_name: str | None) -> tuple[str | None, str]:
    """The bucket's price key and model: the catalogue's price key when it knows the model, else the name
    the bill gives it (an AWS Marketplace line's product name, the usage type's billing name); the usage
    type itself for a meter the logs never count."""
    if ut.style == "marketplace":
        name = marketplace_model(product_name)
        m = by_display_name(name)
        return (m.price_key, m.price_key) if m else (None, name or usage_type)
    if not ut.is_token_meter:
        return None, usage_type
    m = by_billing_name(ut.billing_name)
    price_key = m.price_key if m else None
    return price_key, price_key or (ut.billing_name or usage_type)


def _bucket_for(buckets: dict, key: tuple, price_key: str | None, currency: str, ut: UsageType) -> Bucket:
    """The bucket of ``key``. Lines of the same key billed in a second currency get a bucket of their own,
    so no bucket adds two currencies; so do AWS Marketplace lines, never compared, beside the same model
    billed by AWS."""
    marketplace = ut.style == "marketplace"
    where = (*key, MARKETPLACE) if marketplace else key
    bucket = buckets.get(where)
    if bucket is None:
        bucket = buckets[where] = Bucket(key, price_key, currency, ut.is_token_meter, marketplace)
    elif bucket.currency != currency:
        other = (*where, currency)
        bucket = buckets.get(other) or buckets.setdefault(
            other, Bucket(key, price_key, currency, ut.is_token_meter, marketplace)
        )
    return bucket


def _billed_buckets(
    records: Iterable[dict], plan: LinePlan, buckets: dict, notes: list[str], period: Callable[[str], str]
) -> None:
    """Adds the billed side; ``period`` turns a usage day into the bucket's (the month on a monthly
    export)."""
    unknown_units: set[str] = set()
    # hundreds of thousands of rows name a few hundred days, accounts, regions and callers: every bucket and
    # part keeps the one (interned) copy of each
    tagged = any(d.kind in ("tag", "rules") for d in plan.dims)
    for r in records:
        ut = parse_usage_type(r["usage_type"])
        # the meter a chargeback by meter shows: the one the invocation logs count tokens in, else "other"
        meter = meter_of(ut)
        price_key, model = _model_of(ut, r["usage_type"], r.get("product_name"))
        per_unit = tokens_per_unit(r["pricing_unit"])
        if per_unit is None and meter != OTHER_METER and ut.style != "marketplace":
            unknown_units.add(str(r["pricing_unit"]))
        tokens = (r["usage_amount"] or ZERO) * (per_unit or 1)
        day = _interned(r["day"])
        key = tuple(
            _interned(v)
            for v in (period(day), r["account_id"], r["region"], r["principal"] or UNALLOCATED, model, meter)
        )
        # a line without a currency is not taken for the estimate's: it is shown, not compared
        currency = r["currency"] or "(no currency)"
        bucket = _bucket_for(buckets, key, price_key, currency, ut)
        bucket.billed.append(
            BilledPart(
                bool(r["period_logged"]),
                ut.tier,
                ut.scope,
                ut.meter == "cache_write_1h",
                tokens,
                r["billed_cost"] or ZERO,
                r["resource_kind"] == "aip",
                day,
            )
        )
        if tagged:
            _add_tags(bucket, plan, {**r, "account": r["account_id"]})
    if unknown_units:
        notes.append(f"usage amounts in unknown pricing units {sorted(unknown_units)} were taken as tokens")


def _interned(value: str | None) -> str | None:
    return value if value is None else sys.intern(value)


#: a bucket whose billed lines carry more than one value of a tag or rules dimension
MIXED = "mixed"


def bucket_tag(bucket: Bucket, spec: str) -> str | None:
    """A tag's or rules dimension's value on a bucket's billed lines: the one value, MIXED when they carry
    several, None when none."""
    values = bucket.tags.get(spec) or set()
    return next(iter(values)) if len(values) == 1 else (MIXED if values else None)


def _add_tags(bucket: Bucket, plan: LinePlan, line: dict) -> None:
    for d in plan.dims:
        if d.kind not in ("tag", "rules"):
            continue  # the bucket's key holds the others
        value, _via = plan.value(d, line)
        if value:
            bucket.tags.setdefault(d.spec, set()).add(value)


def logged_model(resolved: Resolved, model_id: str | None) -> str:
    """The model a log record's bucket is keyed by: its price key when the catalogue knows the model, else
    the base model id, else the id as logged."""
    return resolved.model.price_key if resolved.model else (resolved.base_model_id or model_id or "")


def _logged_buckets(priced: list, buckets: dict, period: Callable[[str], str]) -> LogSide:
    """Adds the logged side (``period``: as for the billed side); returns who logged and where application
    inference profiles went unresolved."""
    side = LogSide()
    for b in priced:
        side.accounts.add(b.account_id)
        if b.error_code:
            continue
        day = period(b.day)
        if b.unpriced_reason == PROFILE_NOT_RESOLVED:
            side.unresolved_profiles.add((day, b.account_id, b.region, b.principal or UNALLOCATED))
            side.unresolved_calls += b.invocations
        model = logged_model(b.resolved, b.model_id)
        for meter, n in b.tokens.items():
            if not n:
                continue
            key = (day, b.account_id, b.region, b.principal or UNALLOCATED, model, meter)
            # calls to a model AWS Marketplace bills stay beside its bill: shown, not compared
            bucket = buckets.get((*key, MARKETPLACE)) or buckets.setdefault(
                key, Bucket(key, b.resolved.model.price_key if b.resolved.model else None)
            )
            cost = b.costs.get(meter)
            reason = b.unpriced_reason if cost is None else None
            bucket.logged.append(LoggedPart(b.service_tier, b.resolved.scope, n, cost, reason, b.meta))
    return side
