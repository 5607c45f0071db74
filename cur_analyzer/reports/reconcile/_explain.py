"""Explaining a bucket's gap (billed − estimated): each cause takes its share, in ``CAUSES`` order, and what
is left goes to ``token counts differ`` or ``price table differs from bill``."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from cur_analyzer.bedrock.pricing import ONE_MILLION, PriceTable
from cur_analyzer.reports.estimate import PROFILE_NOT_RESOLVED
from cur_analyzer.reports.reconcile._buckets import LogSide
from cur_analyzer.reports.reconcile._model import NEVER_LOGGED_TIERS, ZERO, BilledPart, Bucket


def _explain(b: Bucket, logs: LogSide, prices: PriceTable, tolerance: Decimal) -> None:
    if b.not_compared:
        # another currency than the estimate's, or a meter the logs never count: nothing to explain
        b.explained = {}
        return
    account = b.key[1]
    gap = b.billed_cost - b.estimated_cost
    if b.billed and account not in logs.accounts:
        b.explained = {"logging off": gap}
        return
    # insertion order matters: a row's cause is the first of the largest amounts
    explained: dict[str, Decimal] = defaultdict(lambda: ZERO)
    remaining = _set_aside_unlogged(b, explained, b.key[:4] in logs.unresolved_profiles)
    _explain_remaining(b, remaining, explained, prices)
    _explain_residual(b, remaining, explained, gap, tolerance)
    b.explained = _without_offsets({c: a for c, a in explained.items() if a}, gap, b, tolerance)


def _set_aside_unlogged(
    b: Bucket, explained: dict[str, Decimal], unresolved_profiles: bool
) -> list[BilledPart]:
    """Charges billed parts at a tier the logs never show, in a period (the line's hour, day or month)
    without logs, or through an
    application inference profile the logs could not resolve to this model; returns the rest."""
    remaining = []
    logged_tiers = {p.tier for p in b.logged}
    for part in b.billed:
        if part.tier in NEVER_LOGGED_TIERS or (b.logged and part.tier not in logged_tiers):
            explained["tier not in logs"] += part.cost
        elif not part.period_logged:
            explained["log gap"] += part.cost
        elif part.aip and unresolved_profiles:
            # the same calls are in the logs under the profile's ARN, unpriced: the counts agree
            explained[PROFILE_NOT_RESOLVED] += part.cost
        else:
            remaining.append(part)
    return remaining


def _without_offsets(
    explained: dict[str, Decimal], gap: Decimal, b: Bucket, tolerance: Decimal
) -> dict[str, Decimal]:
    """A bucket within tolerance has nothing to explain: causes that cancel out (a log gap in one period
    and as many tokens too many in the next) are not a gap, so they are dropped."""
    signs = {a > 0 for a in explained.values()}
    if len(signs) > 1 and abs(gap) <= _allowed(b, tolerance):
        return {}
    return explained


def _explain_remaining(
    b: Bucket, remaining: list[BilledPart], explained: dict[str, Decimal], prices: PriceTable
) -> None:
    """The causes of the logged periods' gap: no logged tokens, an unpriced model, or a rate the log cannot
    show."""
    meter = b.key[5]
    remaining_cost = sum((p.cost for p in remaining), ZERO)
    if remaining and not b.logged:
        cause = (
            "cache tokens missing from logs"
            if meter in ("cache_read", "cache_write")
            else "token counts differ"
        )
        explained[cause] += remaining_cost
    elif b.logged and any(p.cost is None for p in b.logged):
        explained["model missing from price table"] += remaining_cost - b.estimated_cost
    elif remaining and b.price_key:
        _explain_rates(b, remaining, explained, prices)


def _explain_rates(
    b: Bucket, remaining: list[BilledPart], explained: dict[str, Decimal], prices: PriceTable
) -> None:
    """Re-prices each billed part at the logged scope: the difference is the 1-hour or cross-region rate."""
    bucket_day, _account, region, _principal, _model, meter = b.key
    logged_scopes = {p.scope for p in b.logged}
    logged_scope = max(logged_scopes, key=lambda s: sum(p.tokens for p in b.logged if p.scope == s))
    for part in remaining:
        # a monthly bucket's key holds the month: the line's own usage day says which rates were in force
        day = part.day or bucket_day
        at_logged = _rate(prices, b.price_key, day, region, meter, part.tier, logged_scope)
        if at_logged is None:
            continue
        expected = part.tokens * at_logged / ONE_MILLION
        if part.one_hour:
            explained["1-hour cache-write rate"] += part.cost - expected
        elif part.scope not in logged_scopes:
            explained["cross-region rate"] += part.cost - expected


def _explain_residual(
    b: Bucket,
    remaining: list[BilledPart],
    explained: dict[str, Decimal],
    gap: Decimal,
    tolerance: Decimal,
) -> None:
    """What no cause explains, beyond the tolerance: tokens that disagree, else a price that does."""
    residual = gap - sum(explained.values(), ZERO)
    if abs(residual) > _allowed(b, tolerance):
        remaining_tokens = sum((p.tokens for p in remaining), ZERO)
        cause = (
            "token counts differ"
            if remaining_tokens != b.estimated_tokens
            else "price table differs from bill"
        )
        explained[cause] += residual


def _allowed(b: Bucket, tolerance: Decimal) -> Decimal:
    """The gap a bucket may have and still match: the tolerance, and never less than rounding."""
    return max(tolerance * b.billed_cost / 100, Decimal("0.000001"))


def _rate(
    prices: PriceTable, price_key: str, day: str, region: str, meter: str, tier: str, scope: str
) -> Decimal | None:
    # the rate in force on the bucket's day, as the estimate priced it
    return prices.rate_per_million(price_key, region or "*", meter, tier, scope, day)
