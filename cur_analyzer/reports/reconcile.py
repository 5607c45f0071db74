"""Estimated vs billed: invocation-log estimates against CUR Bedrock lines, with the cause of every gap.

A bucket is (day, account, region, principal, model, meter). The billed side comes from
``athena/reconcile_billed.sql`` (usage type parsed into model, meter, tier and scope by
``bedrock.usage_types``; usage amounts normalised by ``pricing_unit``), the estimated side from
``reports.estimate`` (log tokens x the price table at the logged tier and scope). Each bucket's gap
(billed − estimated) is split into the causes that explain it, in this order, so that a summary can say how
much of the gap each cause explains:

1. ``logging off``: the account wrote no invocation logs at all in the month;
2. ``log gap``: billed hours for which the account/region has no log records;
3. ``tier not in logs``: billed at a tier (batch, …) the logs never show for this bucket;
4. ``cache tokens missing from logs``: a cache meter billed while the logs carry no cache tokens;
5. ``model missing from price table``: logged tokens the price table cannot price;
6. ``1-hour cache-write rate``: 1-hour cache writes, which the log records as ordinary cache writes;
7. ``cross-region rate``: billed at a scope (geo, global) other than the one logged;
8. what is left: ``token counts differ`` when tokens disagree, else ``price table differs from bill``.

Status: ``billed-only`` / ``logged-only`` when one side is empty, ``match`` within ``tolerance`` % of the
bill, else ``over`` (estimate above bill) or ``under``; a mismatch in a month that is not final yet
(no invoice id) is ``pending``, as the bill may still change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cur_analyzer.attribution import UNALLOCATED, Dimension, parse_dimension
from cur_analyzer.bedrock.models import ProfileMap, by_billing_name
from cur_analyzer.bedrock.pricing import ONE_MILLION, PriceTable
from cur_analyzer.bedrock.usage_types import parse_usage_type
from cur_analyzer.engines import Engine
from cur_analyzer.errors import UserInputError
from cur_analyzer.reports._view import ReportModel
from cur_analyzer.reports.chargeback import check_month, month_is_final
from cur_analyzer.reports.estimate import LogWindow, malformed_note, price_buckets, usable_rows
from cur_analyzer.rules import LinePlan, Rules

if TYPE_CHECKING:
    from cur_analyzer.reports._view import Tabular

ZERO = Decimal(0)
BUCKET_FIELDS = ("day", "account", "region", "principal", "model", "meter")
RECONCILE_DIMS = ("day", "account", "region", "principal", "role", "session", "model", "meter")
CAUSES = (
    "logging off",
    "log gap",
    "tier not in logs",
    "cache tokens missing from logs",
    "model missing from price table",
    "1-hour cache-write rate",
    "cross-region rate",
    "token counts differ",
    "price table differs from bill",
)
#: Batch inference jobs write their output to S3, never to the model invocation log.
NEVER_LOGGED_TIERS = frozenset({"batch"})
STATUSES = ("match", "over", "under", "billed-only", "logged-only", "pending")
_UNIT_TOKENS = {"1k tokens": 1_000, "1m tokens": 1_000_000, "tokens": 1, "1 tokens": 1}


def tokens_per_unit(pricing_unit: str | None) -> int | None:
    """Tokens in one ``line_item_usage_amount`` unit, from ``pricing_unit`` ('1K tokens' -> 1000)."""
    return _UNIT_TOKENS.get((pricing_unit or "").strip().lower())


@dataclass
class BilledPart:
    hour_logged: bool  # the logs hold some record of this account and region in the line's hour
    tier: str
    scope: str
    one_hour: bool
    tokens: Decimal
    cost: Decimal


@dataclass
class LoggedPart:
    tier: str
    scope: str
    tokens: int
    cost: Decimal | None  # None: unpriced


@dataclass
class Bucket:
    key: tuple[str, ...]  # BUCKET_FIELDS
    price_key: str | None
    billed: list[BilledPart] = field(default_factory=list)
    logged: list[LoggedPart] = field(default_factory=list)
    tags: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    explained: dict[str, Decimal] = field(default_factory=dict)

    @property
    def billed_cost(self) -> Decimal:
        return sum((p.cost for p in self.billed), ZERO)

    @property
    def billed_tokens(self) -> Decimal:
        return sum((p.tokens for p in self.billed), ZERO)

    @property
    def estimated_cost(self) -> Decimal:
        return sum((p.cost for p in self.logged if p.cost is not None), ZERO)

    @property
    def estimated_tokens(self) -> int:
        return sum(p.tokens for p in self.logged)


@dataclass
class ReconcileRow:
    values: dict[str, str]
    estimated_tokens: Decimal
    billed_tokens: Decimal
    estimated_cost: Decimal
    billed_cost: Decimal
    explained: dict[str, Decimal]
    status: str
    cause: str

    @property
    def delta(self) -> Decimal:
        return self.estimated_cost - self.billed_cost

    @property
    def delta_pct(self) -> Decimal | None:
        return None if not self.billed_cost else (self.delta / self.billed_cost * 100)


@dataclass
class Reconciliation(ReportModel):
    month: str
    by: tuple[str, ...]
    tolerance_pct: Decimal
    final: bool
    rows: list[ReconcileRow]
    buckets: list[Bucket]
    notes: list[str] = field(default_factory=list)
    #: invocation-log records set aside as malformed, by reason (never estimated)
    malformed_log_records: dict[str, int] = field(default_factory=dict)

    @property
    def billed_cost(self) -> Decimal:
        return sum((b.billed_cost for b in self.buckets), ZERO)

    @property
    def estimated_cost(self) -> Decimal:
        return sum((b.estimated_cost for b in self.buckets), ZERO)

    def explained_by_cause(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for b in self.buckets:
            for cause, amount in b.explained.items():
                out[cause] += amount
        return {c: out[c] for c in CAUSES if c in out}

    def status_counts(self) -> dict[str, int]:
        out = dict.fromkeys(STATUSES, 0)
        for r in self.rows:
            out[r.status] += 1
        return out

    @property
    def mismatched(self) -> list[ReconcileRow]:
        return [r for r in self.rows if r.status != "match"]

    def as_table(self) -> Tabular:
        return tabular(self)


# --- building buckets ---------------------------------------------------------------------------------
def _billed_buckets(records: list[dict], plan: LinePlan, buckets: dict, notes: list[str]) -> None:
    unknown_units: set[str] = set()
    for r in records:
        ut = parse_usage_type(r["usage_type"])
        if not ut.mapped or not ut.is_token_meter:
            meter, price_key, model = "other", None, r["usage_type"]
            tier, scope, one_hour = ut.tier, ut.scope, False
        else:
            m = by_billing_name(ut.billing_name)
            price_key = m.price_key if m else None
            model = price_key or (ut.billing_name or r["usage_type"])
            meter = "cache_write" if ut.meter == "cache_write_1h" else ut.meter
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


# --- explaining a bucket's gap --------------------------------------------------------------------------
def _explain(b: Bucket, accounts_with_logs: set, prices: PriceTable, tolerance: Decimal) -> None:
    day, account, region, _principal, _model, meter = b.key
    gap = b.billed_cost - b.estimated_cost
    explained: dict[str, Decimal] = defaultdict(lambda: ZERO)
    if b.billed and account not in accounts_with_logs:
        explained["logging off"] = gap
        b.explained = dict(explained)
        return
    remaining = []
    logged_tiers = {p.tier for p in b.logged}
    for part in b.billed:
        if part.tier in NEVER_LOGGED_TIERS or (b.logged and part.tier not in logged_tiers):
            explained["tier not in logs"] += part.cost
        elif not part.hour_logged:
            explained["log gap"] += part.cost
        else:
            remaining.append(part)
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
        logged_scopes = {p.scope for p in b.logged}
        logged_scope = max(logged_scopes, key=lambda s: sum(p.tokens for p in b.logged if p.scope == s))
        for part in remaining:
            at_logged = _rate(prices, b.price_key, region, meter, part.tier, logged_scope)
            if at_logged is None:
                continue
            expected = part.tokens * at_logged / ONE_MILLION
            if part.one_hour:
                explained["1-hour cache-write rate"] += part.cost - expected
            elif part.scope not in logged_scopes:
                explained["cross-region rate"] += part.cost - expected
    residual = gap - sum(explained.values(), ZERO)
    if abs(residual) > max(tolerance * b.billed_cost / 100, Decimal("0.000001")):
        remaining_tokens = sum((p.tokens for p in remaining), ZERO)
        cause = (
            "token counts differ"
            if remaining_tokens != b.estimated_tokens
            else "price table differs from bill"
        )
        explained[cause] += residual
    b.explained = {c: a for c, a in explained.items() if a}


def _rate(
    prices: PriceTable, price_key: str, region: str, meter: str, tier: str, scope: str
) -> Decimal | None:
    return prices.rate_per_million(price_key, region or "*", meter, tier, scope)


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


def _cause(explained: dict[str, Decimal], status: str) -> str:
    if status == "match":
        return ""
    if not explained:
        return "month not final" if status == "pending" else ""
    return max(explained, key=lambda c: abs(explained[c]))


# --- the report ---------------------------------------------------------------------------------------
def build_reconciliation(
    engine: Engine,
    month: str,
    by: Sequence[str] = ("principal", "model"),
    tolerance_pct: Decimal | float | str = 1,
    prices: PriceTable | None = None,
    profiles: ProfileMap | None = None,
    rules: Rules | None = None,
) -> Reconciliation:
    tolerance = Decimal(str(tolerance_pct))
    if tolerance < 0:
        raise UserInputError("the tolerance must be a percentage >= 0")
    dims = [_parse_by(spec, rules) for spec in (by or ("principal", "model"))]
    plan = LinePlan([d for d in dims if d.kind in ("tag", "rules")], rules)
    check_month(engine, month)
    prices = prices or PriceTable.load()
    slots = plan.params(month, "bedrock")
    window = LogWindow(month).params
    params = {k: v for k, v in slots.items() if k.startswith("slot")} | {
        "month": month,
        "log_month": month,
        "dt_from": window["dt_from"],
        "dt_to": window["dt_to"],
    }
    notes: list[str] = []
    buckets: dict[tuple, Bucket] = {}
    _billed_buckets(engine.query("reconcile_billed", params).to_pylist(), plan, buckets, notes)
    malformed: dict[str, int] = {}
    usage = usable_rows(engine.query("estimate_usage", window).to_pylist(), malformed)
    priced = price_buckets(usage, prices, profiles)
    if note := malformed_note(malformed, month):
        notes.append(note)
    accounts = _logged_buckets(priced, buckets)
    final = month_is_final(engine, month)
    for b in buckets.values():
        _explain(b, accounts, prices, tolerance)
    rows = _roll_up(list(buckets.values()), dims, plan, tolerance, final)
    if not final:
        notes.append(f"{month} is not final: mismatches are 'pending' until AWS closes the month")
    notes.append(f"price table {prices.version}; tolerance {tolerance}% of the billed cost")
    return Reconciliation(
        month,
        tuple(d.spec for d in dims),
        tolerance,
        final,
        rows,
        list(buckets.values()),
        notes + engine.notes,
        malformed,
    )


def _parse_by(spec: str, rules: Rules | None) -> Dimension:
    if spec in RECONCILE_DIMS:
        return Dimension(spec, spec)
    dim = parse_dimension(spec, tuple(rules.dimensions) if rules else ())
    if dim.kind not in ("tag", "rules"):
        raise UserInputError(
            f"--by {spec!r}: reconcile groups by {', '.join(RECONCILE_DIMS)}, tag or rules-file dimensions"
        )
    return dim


def _value(b: Bucket, d: Dimension, plan: LinePlan) -> str:
    if d.kind in ("tag", "rules"):
        values = b.tags.get(d.spec) or set()
        if not values and d.kind == "rules" and not b.billed:
            # a logged-only bucket has no CUR line: only the account and the caller can decide
            values = {v} if (v := plan.value(d, {"account": b.key[1], "principal": b.key[3]})[0]) else set()
        return next(iter(values)) if len(values) == 1 else ("mixed" if values else UNALLOCATED)
    if d.kind in ("role", "session"):
        from cur_analyzer.bedrock.principals import principal_key

        principal = b.key[3]
        return principal if principal == UNALLOCATED else principal_key(principal, d.kind)
    return b.key[BUCKET_FIELDS.index(d.kind)] or UNALLOCATED


def _roll_up(
    buckets: list[Bucket], dims: list[Dimension], plan: LinePlan, tolerance: Decimal, final: bool
) -> list[ReconcileRow]:
    groups: dict[tuple[str, ...], list[Bucket]] = defaultdict(list)
    for b in buckets:
        groups[tuple(_value(b, d, plan) for d in dims)].append(b)
    rows = []
    for values, members in groups.items():
        explained: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for b in members:
            for c, a in b.explained.items():
                explained[c] += a
        est_t = sum((Decimal(b.estimated_tokens) for b in members), ZERO)
        bil_t = sum((b.billed_tokens for b in members), ZERO)
        est = sum((b.estimated_cost for b in members), ZERO)
        bil = sum((b.billed_cost for b in members), ZERO)
        status = _status(est_t, bil_t, est, bil, tolerance, final)
        rows.append(
            ReconcileRow(
                dict(zip([d.spec for d in dims], values, strict=True)),
                est_t,
                bil_t,
                est,
                bil,
                {c: a for c, a in explained.items() if a},
                status,
                _cause(explained, status),
            )
        )
    rows.sort(key=lambda r: (r.status == "match", -abs(r.delta), tuple(r.values.values())))
    return rows


def document(rec: Reconciliation) -> dict[str, Any]:
    gap = rec.billed_cost - rec.estimated_cost
    causes = rec.explained_by_cause()
    return {
        "report": "reconcile",
        "month": rec.month,
        "final": rec.final,
        "by": list(rec.by),
        "tolerance_pct": rec.tolerance_pct,
        "rows": [
            {
                **r.values,
                "estimated_tokens": r.estimated_tokens,
                "billed_tokens": r.billed_tokens,
                "estimated_cost": r.estimated_cost,
                "billed_cost": r.billed_cost,
                "delta": r.delta,
                "delta_pct": r.delta_pct,
                "status": r.status,
                "cause": r.cause,
                "explained": r.explained,
            }
            for r in rec.rows
        ],
        "summary": {
            "estimated_cost": rec.estimated_cost,
            "billed_cost": rec.billed_cost,
            "gap": gap,
            "explained": causes,
            "unexplained": gap - sum(causes.values(), ZERO),
            "statuses": rec.status_counts(),
        },
        "malformed_log_records": rec.malformed_log_records,
        "notes": rec.notes,
    }


def tabular(rec: Reconciliation) -> Tabular:
    from cur_analyzer.reports._view import Tabular

    dims = list(rec.by)
    columns = [
        *dims,
        "estimated_tokens",
        "billed_tokens",
        "estimated_cost",
        "billed_cost",
        "delta",
        "delta_pct",
        "status",
        "cause",
    ]
    rows = [
        {
            **r.values,
            "estimated_tokens": int(r.estimated_tokens),
            "billed_tokens": int(r.billed_tokens),
            "estimated_cost": r.estimated_cost,
            "billed_cost": r.billed_cost,
            "delta": r.delta,
            "delta_pct": "" if r.delta_pct is None else f"{r.delta_pct:.1f}%",
            "status": r.status,
            "cause": r.cause,
        }
        for r in rec.rows
    ]
    gap = rec.billed_cost - rec.estimated_cost
    causes = rec.explained_by_cause()
    footer = [
        f"{rec.month}: billed {rec.billed_cost:.2f}, estimated {rec.estimated_cost:.2f}, gap {gap:.2f} "
        f"(billed − estimated); {sum(1 for r in rec.rows if r.status == 'match')} of {len(rec.rows)} rows match"
    ]
    footer += [f"  {cause}: explains {amount:.4f}" for cause, amount in causes.items()]
    footer.append(f"  unexplained: {gap - sum(causes.values(), ZERO):.4f}")
    footer += rec.notes
    return Tabular(
        title=f"Reconciliation {rec.month}: invocation-log estimate vs bill, by {', '.join(dims)}",
        columns=columns,
        rows=rows,
        money_columns=("estimated_cost", "billed_cost", "delta"),
        summary_rows=[
            {
                dims[0]: "Total",
                "estimated_cost": rec.estimated_cost,
                "billed_cost": rec.billed_cost,
                "delta": rec.estimated_cost - rec.billed_cost,
            }
        ],
        footer=footer,
        document=document(rec),
    )
