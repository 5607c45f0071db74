"""Filling buckets: the billed side from CUR Bedrock lines, the logged side from priced invocation-log
records."""

from __future__ import annotations

from cur_analyzer.attribution import OTHER_METER, UNALLOCATED, meter_of
from cur_analyzer.bedrock.models import by_billing_name
from cur_analyzer.bedrock.usage_types import parse_usage_type
from cur_analyzer.reports.reconcile._model import ZERO, BilledPart, Bucket, LoggedPart, tokens_per_unit
from cur_analyzer.rules import LinePlan


def _billed_buckets(records: list[dict], plan: LinePlan, buckets: dict, notes: list[str]) -> None:
    unknown_units: set[str] = set()
    for r in records:
        ut = parse_usage_type(r["usage_type"])
        # the meter a chargeback by meter shows: the one the invocation logs count tokens in
        meter = meter_of(ut)
        if meter == OTHER_METER:
            price_key, model = None, r["usage_type"]
        else:
            m = by_billing_name(ut.billing_name)
            price_key = m.price_key if m else None
            model = price_key or (ut.billing_name or r["usage_type"])
        tier, scope, one_hour = ut.tier, ut.scope, ut.meter == "cache_write_1h"
        per_unit = tokens_per_unit(r["pricing_unit"])
        if per_unit is None:
            unknown_units.add(str(r["pricing_unit"]))
        tokens = (r["usage_amount"] or ZERO) * (per_unit or 1)
        key = (r["day"], r["account_id"], r["region"], r["principal"] or UNALLOCATED, model, meter)
        bucket = buckets.setdefault(key, Bucket(key, price_key))
        bucket.billed.append(
            BilledPart(bool(r["hour_logged"]), tier, scope, one_hour, tokens, r["billed_cost"] or ZERO)
        )
        line = {**r, "account": r["account_id"]}
        for d in plan.dims:
            if d.kind not in ("tag", "rules"):
                continue  # the bucket's key holds the others
            value, _via = plan.value(d, line)
            if value:
                bucket.tags[d.spec].add(value)
    if unknown_units:
        notes.append(f"usage amounts in unknown pricing units {sorted(unknown_units)} were taken as tokens")


def _logged_buckets(priced: list, buckets: dict) -> set[str]:
    """Adds the logged side; returns the accounts that wrote any log record."""
    accounts: set[str] = set()
    for b in priced:
        accounts.add(b.account_id)
        if b.error_code:
            continue
        model = b.resolved.model.price_key if b.resolved.model else (b.resolved.base_model_id or b.model_id)
        for meter, n in b.tokens.items():
            if not n:
                continue
            key = (b.day, b.account_id, b.region, b.principal or UNALLOCATED, model, meter)
            bucket = buckets.setdefault(
                key, Bucket(key, b.resolved.model.price_key if b.resolved.model else None)
            )
            cost = b.costs.get(meter)
            bucket.logged.append(LoggedPart(b.service_tier, b.resolved.scope, n, cost))
    return accounts
