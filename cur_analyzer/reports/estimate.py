"""Estimated spend from the Bedrock model invocation logs: tokens x the price table.

The SQL (``athena/estimate_*.sql``) only counts tokens; pricing happens here, once, per bucket of
(hour, account, region, caller, model id), so every engine prices the same way and every model in the
logs is either priced or listed as unpriced with the reason — never guessed. A log record that cannot be
used (``malformed_reason``, the rule in ``athena/log_health.sql``: not JSON, no timestamp, a token count that
is not a whole number from 0 to 10^9...) is never priced either: the estimate says how many were set aside
and why, and strict mode fails on any.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cur_analyzer.attribution import REQUEST_METADATA, request_metadata_key, validate_month
from cur_analyzer.bedrock.models import ProfileMap, Resolved, resolve
from cur_analyzer.bedrock.pricing import ONE_MILLION, PriceTable
from cur_analyzer.choices import EstimateView
from cur_analyzer.engines import Engine, query_rows
from cur_analyzer.errors import UserInputError
from cur_analyzer.period import BillingPeriod
from cur_analyzer.reports._view import ReportModel

if TYPE_CHECKING:
    from cur_analyzer.reports._view import Tabular

ZERO = Decimal(0)
#: Log token counters -> price-table meters. The log has one cache-write counter: it is priced at the
#: 5-minute rate (a 1-hour write bills more; reconcile names that cause).
LOG_METERS = {
    "input_tokens": "input",
    "output_tokens": "output",
    "cache_read_tokens": "cache_read",
    "cache_write_tokens": "cache_write",
}
VIEWS = tuple(view.value for view in EstimateView)
#: Why a call through an application inference profile has no price: the profile's model is unknown until
#: the profiles are given. Estimate lists it as the unpriced reason, reconcile as the cause of the gap.
PROFILE_NOT_RESOLVED = "application inference profile not in the profiles file"


def unresolved_profiles_note(calls: int) -> str | None:
    """One line saying how many calls went through application inference profiles nobody resolved, and
    what resolves them; None when there were none."""
    if not calls:
        return None
    word = "call" if calls == 1 else "calls"
    return (
        f"{calls:,} {word} through application inference profiles not priced ({PROFILE_NOT_RESOLVED}): "
        "give the profiles file, or live to ask Bedrock for them"
    )


@dataclass(frozen=True)
class LogWindow:
    """The log partitions (``dt``) to read for a month: a day of slack after it, as logs land late."""

    month: str
    by_hour: bool = False

    @property
    def params(self) -> dict[str, Any]:
        period = BillingPeriod.parse(self.month)
        return period.log_partitions() | {"month": str(period), "by_hour": self.by_hour}


@dataclass
class PricedBucket:
    day: str
    hour: str | None  # None unless the hourly view asked for it
    account_id: str | None
    region: str | None
    principal: str | None
    model_id: str | None
    operation: str | None
    error_code: str | None
    service_tier: str
    invocations: int
    no_token_calls: int
    tokens: dict[str, int]  # meter -> tokens
    max_call_tokens: int
    resolved: Resolved
    costs: dict[str, Decimal]  # meter -> cost, for priced meters
    unpriced_reason: str | None = None
    meta: str | None = None  # the value the calls sent under the request metadata key asked for

    @property
    def model(self) -> str:
        if self.resolved.model:
            return self.resolved.model.display_name
        return self.resolved.base_model_id or self.model_id or "(unknown)"

    @property
    def model_key(self) -> str:
        """The catalogue's key of the model (its price key): what reconcile's ``model_key`` holds, so the
        two reports join; empty for a model the catalogue does not know."""
        return self.resolved.model.price_key if self.resolved.model else ""

    @property
    def cost(self) -> Decimal:
        return sum(self.costs.values(), ZERO)


def price_buckets(
    records: Iterable[dict], prices: PriceTable, profiles: ProfileMap | None
) -> list[PricedBucket]:
    out = []
    for r in records:
        resolved = resolve(r["model_id"], profiles)
        tokens = {meter: int(r[col] or 0) for col, meter in LOG_METERS.items()}
        costs: dict[str, Decimal] = {}
        reason = None
        if any(tokens.values()):
            if resolved.model is None:
                reason = (
                    PROFILE_NOT_RESOLVED
                    if resolved.via == "unknown profile"
                    else "model not in the model map"
                )
            else:
                for meter, n in tokens.items():
                    if not n:
                        continue
                    # the rate in force on the usage day: a price change mid-month splits the month
                    rate = prices.rate_per_million(
                        resolved.model.price_key,
                        r["region"] or "*",
                        meter,
                        r["service_tier"],
                        resolved.scope,
                        r["day"],
                    )
                    if rate is None:
                        reason = f"no {meter} price for {resolved.model.price_key} ({r['service_tier']}, {resolved.scope})"
                        continue
                    costs[meter] = Decimal(n) * rate / ONE_MILLION
        out.append(
            PricedBucket(
                day=r["day"],
                hour=r["hour"],
                account_id=r["account_id"],
                region=r["region"],
                principal=r["principal"],
                model_id=r["model_id"],
                operation=r["operation"],
                error_code=r["error_code"],
                service_tier=r["service_tier"],
                invocations=int(r["invocations"]),
                no_token_calls=int(r["no_token_calls"] or 0),
                tokens=tokens,
                max_call_tokens=int(r["max_call_tokens"] or 0),
                resolved=resolved,
                costs=costs,
                unpriced_reason=reason,
                meta=r.get("meta"),
            )
        )
    return out


# --- records that cannot be used -------------------------------------------------------------------------
# The SQL classifies every record (malformed_reason, the rule of athena/log_health.sql): one that cannot be
# used is counted under its reason and never priced. These helpers turn that into what a report says.


def log_health(table: Any) -> dict[str, Any]:
    """``log_health.sql``'s rows (one per malformed reason, NULL for the usable records) as one summary."""
    rows = [{k: int(v) if isinstance(v, Decimal) else v for k, v in r.items()} for r in table.to_pylist()]
    usable = next((r for r in rows if r["malformed_reason"] is None), None)
    reasons = {r["malformed_reason"]: int(r["records"]) for r in rows if r["malformed_reason"] is not None}
    return {
        "lines": sum(int(r["records"]) for r in rows),
        "records": int(usable["records"]) if usable else 0,
        "malformed": sum(reasons.values()),
        "malformed_reasons": dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))),
        "failed_calls": int(usable["failed_calls"]) if usable else 0,
        "first_call": usable["first_call"] if usable else None,
        "last_call": usable["last_call"] if usable else None,
    }


def usable_rows(rows: list[dict[str, Any]], reasons: dict[str, int] | None = None) -> list[dict[str, Any]]:
    """The ``estimate_usage.sql`` rows of usable records; the malformed ones are counted into ``reasons``."""
    out = []
    for r in rows:
        reason = r.get("malformed_reason")
        if reason is None:
            out.append(r)
        elif reasons is not None:
            reasons[reason] = reasons.get(reason, 0) + int(r["invocations"])
    return out


def malformed_note(reasons: dict[str, int], month: str) -> str | None:
    """One line saying how many log records were set aside and why, or None when none was."""
    total = sum(reasons.values())
    if not total:
        return None
    listed = ", ".join(
        f"{reason}: {n:,}" for reason, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    records = "record" if total == 1 else "records"
    return f"{total:,} malformed log {records} of {month} set aside, not in the estimate ({listed})"


@dataclass
class Estimate(ReportModel):
    month: str
    view: str
    columns: list[str]
    rows: list[dict[str, Any]]
    total: Decimal
    invocations: int
    unpriced: list[dict[str, Any]]
    log_health: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    def as_table(self) -> Tabular:
        return tabular(self)


def _empty_row(names: list[str], key: tuple) -> dict[str, Any]:
    """A row of ``_group`` before any call is counted in it: every counter 0, the cost 0."""
    return {
        **dict(zip(names, key, strict=True)),
        "invocations": 0,
        "input_tokens": 0,
        "output_tokens": 0,
        "cache_read_tokens": 0,
        "cache_write_tokens": 0,
        "estimated_cost": ZERO,
        "unpriced_invocations": 0,
    }


def _group(buckets: list[PricedBucket], key: Callable[[PricedBucket], tuple], names: list[str]) -> list[dict]:
    acc: dict[tuple, dict[str, Any]] = {}
    for b in buckets:
        k = key(b)
        row = acc.get(k)
        if row is None:
            row = acc[k] = _empty_row(names, k)
        row["invocations"] += b.invocations
        for col, meter in LOG_METERS.items():
            row[col] += b.tokens[meter]
        row["estimated_cost"] += b.cost
        if b.unpriced_reason:
            row["unpriced_invocations"] += b.invocations
    return sorted(acc.values(), key=lambda r: (-r["estimated_cost"], tuple(str(r[n]) for n in names)))


def build_estimate(
    engine: Engine,
    month: str,
    view: str = "spend",
    prices: PriceTable | None = None,
    profiles: ProfileMap | None = None,
    *,
    show_prompts: bool = False,
    min_repeats: int = 3,
    waste_min_input: int = 10_000,
    waste_max_output: int = 100,
    strict: bool = False,
    by: Sequence[str] = (),
) -> Estimate:
    validate_month(month)
    if view not in VIEWS:
        raise UserInputError(
            f"the estimate view must be one of {', '.join(VIEWS)} (got {view!r})", option="view"
        )
    meta_dim = _metadata_dimension(by, view)
    prices = prices or PriceTable.load()
    window = LogWindow(month, by_hour=view == "hourly").params
    health = log_health(engine.query("log_health", {k: window[k] for k in ("dt_from", "dt_to", "month")}))
    notes = []
    if note := malformed_note(health["malformed_reasons"], month):
        if strict:
            raise UserInputError(f"{note}; strict mode fails on any")
        notes.append(note)
    meta_key = request_metadata_key(meta_dim) if meta_dim else None
    usage = query_rows(engine, "estimate_usage", window | {"meta_key": meta_key})
    buckets = price_buckets(usable_rows(usage), prices, profiles)
    if not buckets and not health["lines"]:
        raise UserInputError(f"no invocation logs for {month} in the logs given", option="logs")
    unpriced = _group(
        [b for b in buckets if b.unpriced_reason], lambda b: (b.model, b.unpriced_reason), ["model", "reason"]
    )
    total = sum((b.cost for b in buckets), ZERO)
    invocations = sum(b.invocations for b in buckets)
    columns, rows = _view(
        view, buckets, engine, window, show_prompts, min_repeats, waste_min_input, waste_max_output
    )
    if meta_dim:
        columns, rows = _by_metadata(view, buckets, meta_dim, columns)
    if unpriced:
        notes.append(
            "unpriced: "
            + "; ".join(f"{u['model']} ({u['reason']}, {u['invocations']} calls)" for u in unpriced)
        )
    through_profiles = sum(u["invocations"] for u in unpriced if u["reason"] == PROFILE_NOT_RESOLVED)
    if note := unresolved_profiles_note(through_profiles):
        notes.append(note)
    notes.append(f"price table {prices.version}; cache writes priced at the 5-minute rate")
    return Estimate(month, view, columns, rows, total, invocations, unpriced, health, notes + engine.notes)


def _metadata_dimension(by: Sequence[str], view: str) -> str | None:
    """The one ``request-metadata/<key>`` the estimate is cut by, or None."""
    if not by:
        return None
    wrong = [spec for spec in by if request_metadata_key(spec) is None]
    if wrong or len(by) > 1:
        raise UserInputError(
            f"the estimate groups by one {REQUEST_METADATA}<key> at most (got {', '.join(by)})", option="by"
        )
    if view not in _VIEW_KEYS:
        raise UserInputError(
            f"the {view} view is not cut by request metadata; the {', '.join(_VIEW_KEYS)} views are",
            option="by",
        )
    return by[0]


def _by_metadata(
    view: str, buckets: list[PricedBucket], dim: str, columns: list[str]
) -> tuple[list[str], list[dict]]:
    """The view's rows cut once more by what the calls sent under the key (None where they sent none)."""
    names, key = _VIEW_KEYS[view]
    cut = _group(buckets, lambda b: (*key(b), b.meta), [*names, dim])
    if view in ("daily", "hourly"):
        cut = sorted(cut, key=lambda r: (r["period"], str(r[dim])))
    return [*names, dim, *columns[len(names) :]], cut


def _spender(b: PricedBucket) -> tuple[str, str]:
    """The caller's role (or the caller as logged) and session."""
    from cur_analyzer.bedrock.principals import parse_principal

    p = parse_principal(b.principal or "")
    return (p.role_key if p.kind != "unknown" else (b.principal or "(unknown)"), p.session or "")


#: the views that add money up per a key of each bucket: their key columns and how a bucket gives them
_VIEW_KEYS: dict[str, tuple[list[str], Callable[[PricedBucket], tuple]]] = {
    "spend": ([], lambda b: ()),
    "models": (["model", "model_key"], lambda b: (b.model, b.model_key)),
    "spenders": (["role", "session"], _spender),
    "daily": (["period"], lambda b: (b.day,)),
    "hourly": (["period"], lambda b: (f"{b.day} {b.hour}:00",)),
}


TOKEN_COLUMNS = [
    "invocations",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "estimated_cost",
]


def _view(
    view: str,
    buckets: list[PricedBucket],
    engine: Engine,
    window: dict,
    show_prompts: bool,
    min_repeats: int,
    waste_min_input: int,
    waste_max_output: int,
) -> tuple[list[str], list[dict]]:
    if view in ("spend", "models", "spenders"):
        names, key = _VIEW_KEYS[view]
        return [*names, *TOKEN_COLUMNS], _group(buckets, key, names)
    if view == "cache":
        split: dict[str, list] = defaultdict(lambda: [0, ZERO])
        for b in buckets:
            for meter, n in b.tokens.items():
                split[meter][0] += n
                split[meter][1] += b.costs.get(meter, ZERO)
        rows = [
            {"meter": m, "tokens": split[m][0], "estimated_cost": split[m][1]} for m in LOG_METERS.values()
        ]
        return ["meter", "tokens", "estimated_cost"], rows
    if view in ("daily", "hourly"):
        rows = _group(buckets, _VIEW_KEYS[view][1], ["period"])
        if view == "daily":
            rows += _days_without_calls(rows, window["month"])
        return ["period", *TOKEN_COLUMNS], sorted(rows, key=lambda r: r["period"])
    if view == "failed":
        rows = _group(
            [b for b in buckets if b.error_code], lambda b: (b.error_code, b.model), ["error_code", "model"]
        )
        return ["error_code", "model", *TOKEN_COLUMNS], rows
    if view == "prompts":
        found = query_rows(engine, "estimate_prompt_repeats", {**window, "min_repeats": min_repeats})
        rows = [
            {
                "prompt_hash": r["prompt_hash"][:16],
                "principal": r["principal"],
                "model_id": r["model_id"],
                "calls": int(r["calls"]),
                "input_tokens": int(r["input_tokens"]),
                **({"prompt": (r["prompt"] or "")[:200]} if show_prompts else {}),
            }
            for r in found
        ]
        cols = ["prompt_hash", "principal", "model_id", "calls", "input_tokens"] + (
            ["prompt"] if show_prompts else []
        )
        return cols, rows
    found = query_rows(
        engine,
        "estimate_token_waste",
        {**window, "min_input_tokens": waste_min_input, "max_output_tokens": waste_max_output},
    )
    rows = [
        {
            "principal": r["principal"],
            "model_id": r["model_id"],
            "region": r["region"],
            "calls": int(r["calls"]),
            "input_tokens": int(r["input_tokens"]),
            "output_tokens": int(r["output_tokens"]),
        }
        for r in found
    ]
    return ["principal", "model_id", "region", "calls", "input_tokens", "output_tokens"], rows


def _days_without_calls(rows: list[dict[str, Any]], month: str) -> list[dict[str, Any]]:
    """A zero row for each day of the month with no call, so a quiet day (a weekend, an outage) reads as
    0 rather than vanishing from the daily table; an open month is filled up to today."""
    period = BillingPeriod.parse(month)
    last = min(period.last_day, dt.datetime.now(dt.UTC).date())
    called = {r["period"] for r in rows}
    days = (period.start + dt.timedelta(days=i) for i in range((last - period.start).days + 1))
    return [_empty_row(["period"], (d.isoformat(),)) for d in days if d.isoformat() not in called]


def tabular(est: Estimate) -> Tabular:
    from cur_analyzer.reports._view import Tabular

    money = ("estimated_cost",)
    summary = (
        [{est.columns[0]: "Total", "estimated_cost": est.total, "invocations": est.invocations}]
        if ("estimated_cost" in est.columns and est.view != "spend")
        else []
    )
    return Tabular(
        title=f"Estimated Bedrock spend {est.month} ({est.view}) from invocation logs",
        columns=est.columns,
        rows=est.rows,
        money_columns=money,
        summary_rows=summary,
        footer=est.notes,
        document={
            "report": "estimate",
            "month": est.month,
            "view": est.view,
            "rows": est.rows,
            "total": est.total,
            "invocations": est.invocations,
            "unpriced": est.unpriced,
            "log_health": est.log_health,
            "notes": est.notes,
        },
    )
