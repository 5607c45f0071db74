"""The bill split down to the invocation-log records behind it: a ledger of every billed Bedrock usage dollar.

A bucket is what the bill and the logs both know: the reconciliation's (``reports.reconcile``: the period —
the day, or the month on a monthly export —, account, region, caller, model, meter) and the service tier.
Its billed cost (``athena/reconcile_billed.sql``, read into buckets as the reconciliation reads it) is split
over the bucket's records (``athena/allocate_records.sql``) in proportion to their tokens of that meter, at
the SQL money scale with the remainder to the largest share (``rules._splits.allocate``), so each bucket's
shares sum to its billed cost exactly and the ledger's total is the month's Bedrock usage. A bucket whose
records logged no tokens stays one ``unlogged`` row charged to the billed caller, with the reason in the
reconciliation's words (logging off, tier not in logs, log gap…). Records no billed line matches cost
nothing and are counted in a note; failed calls are never charged, as the reconciliation never counts them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cur_analyzer.attribution import UNALLOCATED
from cur_analyzer.bedrock.models import ProfileMap, resolve
from cur_analyzer.bedrock.principals import principal_key
from cur_analyzer.engines import Engine
from cur_analyzer.errors import UserInputError
from cur_analyzer.granularity import Granularity, granularity_of
from cur_analyzer.reports._lines import month_is_final
from cur_analyzer.reports._view import ReportModel
from cur_analyzer.reports.chargeback import check_month
from cur_analyzer.reports.estimate import LOG_METERS, PROFILE_NOT_RESOLVED, LogWindow, malformed_note
from cur_analyzer.reports.reconcile._buckets import _billed_buckets
from cur_analyzer.reports.reconcile._build import _period_of
from cur_analyzer.reports.reconcile._model import NEVER_LOGGED_TIERS, ZERO, BilledPart, Bucket
from cur_analyzer.reports.reconcile._rollup import model_label
from cur_analyzer.rules import LinePlan
from cur_analyzer.rules._splits import allocate

if TYPE_CHECKING:
    from cur_analyzer.reports._view import Tabular

#: What the ledger groups by: a record's request id, the caller at its three grains, and the bucket's fields.
BY_DIMS = ("request", "session", "principal", "role", "account", "region", "model", "meter", "tier", "day")
METHODS = ("tokens", "unlogged")
LEDGER_COLUMNS = (
    "request_id", "day", "account", "region", "principal", "model", "model_key", "meter", "tier",
    "tokens", "cost", "currency", "method", "reason",
)  # fmt: skip


@dataclass(frozen=True)
class LedgerRow:
    """One record's share of one meter's bill, or a bucket's bill no record logged (``unlogged``)."""

    request_id: str | None  # None on an unlogged row
    day: str  # the bucket's period: the day, or the month on a monthly export
    account: str
    region: str
    principal: str  # the record's caller; on an unlogged row the billed one
    model: str
    model_key: str
    meter: str
    tier: str
    tokens: int | None  # the record's tokens of the meter; None on an unlogged row
    cost: Decimal
    currency: str
    method: str  # METHODS
    reason: str | None = None  # why the bill has no record to go to


@dataclass
class _Logs:
    """The usable, successful records by (bucket key, tier), each with its tokens of the key's meter."""

    records: dict[tuple, list[tuple[dict, int]]] = field(default_factory=lambda: defaultdict(list))
    tiers: dict[tuple, set[str]] = field(default_factory=lambda: defaultdict(set))
    accounts: set[str] = field(default_factory=set)
    unresolved_profiles: set[tuple] = field(default_factory=set)
    malformed: dict[str, int] = field(default_factory=dict)


@dataclass
class Allocation(ReportModel):
    month: str
    by: tuple[str, ...]
    ledger: list[LedgerRow]
    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    granularity: Granularity = Granularity.HOURLY

    def totals(self) -> dict[str, Decimal]:
        """The ledger's cost per currency: the month's billed Bedrock usage."""
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for r in self.ledger:
            out[r.currency] += r.cost
        return dict(sorted(out.items()))

    @property
    def total(self) -> Decimal | None:
        """The ledger's total when it is in one currency (None when it holds several: see ``totals``)."""
        totals = self.totals()
        return next(iter(totals.values())) if len(totals) == 1 else (ZERO if not totals else None)

    def document(self) -> dict[str, Any]:
        unlogged: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for r in self.ledger:
            if r.reason:
                unlogged[r.reason] += r.cost
        return {
            "report": "allocate",
            "month": self.month,
            "by": list(self.by),
            "granularity": self.granularity.value,
            "rows": self.rows,
            "total": self.total,
            "totals": self.totals(),
            "unlogged_by_reason": dict(sorted(unlogged.items())),
            "ledger_rows": len(self.ledger),
            "notes": self.notes,
        }

    def as_table(self) -> Tabular:
        """The ledger grouped by ``by``: one row per value, method, reason and currency."""
        from cur_analyzer.reports._view import Tabular

        columns = [*self.by, "method", "reason", "currency", "records", "tokens", "cost"]
        summary = [{columns[0]: "Total", "cost": self.total}] if self.total is not None else []
        return Tabular(
            title=f"Bedrock bill {self.month} allocated to invocation-log records by {', '.join(self.by)}",
            columns=columns,
            rows=self.rows,
            money_columns=("cost",),
            summary_rows=summary,
            footer=self.notes,
            document=self.document(),
        )

    def ledger_table(self) -> Tabular:
        """The full ledger: one row per record and meter, plus the unlogged rows."""
        from cur_analyzer.reports._view import Tabular

        return Tabular(
            title=f"Bedrock bill {self.month} allocated to invocation-log records (ledger)",
            columns=list(LEDGER_COLUMNS),
            rows=[asdict(r) for r in self.ledger],
            money_columns=("cost",),
            footer=self.notes,
            document={k: v for k, v in self.document().items() if k != "rows"},
        )


def build_allocation(
    engine: Engine, month: str, by: Sequence[str] = ("principal",), profiles: ProfileMap | None = None
) -> Allocation:
    dims = _parse_by(by or ("principal",))
    check_month(engine, month)
    window = LogWindow(month).params
    params = LinePlan([], None).slot_params() | {
        "month": month,
        "log_month": month,
        "dt_from": window["dt_from"],
        "dt_to": window["dt_to"],
    }
    notes: list[str] = []
    billed = engine.query("reconcile_billed", params).to_pylist()
    grain = granularity_of(engine, month, (r["shortest_span_seconds"] for r in billed))
    period = _period_of(grain)
    buckets: dict[tuple, Bucket] = {}
    _billed_buckets(billed, LinePlan([], None), buckets, notes, period)
    records = engine.query("allocate_records", {k: window[k] for k in ("dt_from", "dt_to", "month")})
    logs = _read_logs(records.to_pylist(), profiles, period)
    ledger, matched = _split(buckets.values(), logs)
    if note := malformed_note(logs.malformed, month):
        notes.append(note)
    if note := _unbilled_note(logs, matched):
        notes.append(note)
    lines, invoiced = sum(int(r["line_count"]) for r in billed), sum(int(r["invoiced_lines"]) for r in billed)
    if not month_is_final(engine, month, lines, invoiced):
        notes.append(f"{month} is not final: the bill, and so the ledger, may still change")
    per = "month" if grain is Granularity.MONTHLY else "day"
    notes.append(f"each {per}'s bill per account, region, caller, model, meter and tier is split by tokens")
    rows = _group(ledger, dims)
    return Allocation(month, dims, ledger, rows, notes + engine.notes, grain)


def _parse_by(by: Sequence[str]) -> tuple[str, ...]:
    for spec in by:
        if spec not in BY_DIMS:
            raise UserInputError(
                f"allocate cannot group by {spec!r}; it groups by {', '.join(BY_DIMS)}", option="by"
            )
    return tuple(dict.fromkeys(by))


def _read_logs(records: list[dict], profiles: ProfileMap | None, period) -> _Logs:
    """The records by bucket and tier, keyed as the reconciliation keys its logged side."""
    logs = _Logs()
    resolved_ids: dict[str | None, Any] = {}
    for r in records:
        if reason := r["malformed_reason"]:
            logs.malformed[reason] = logs.malformed.get(reason, 0) + 1
            continue
        logs.accounts.add(r["account_id"])
        if r["error_code"]:
            continue
        if r["model_id"] not in resolved_ids:
            resolved_ids[r["model_id"]] = resolve(r["model_id"], profiles)
        resolved = resolved_ids[r["model_id"]]
        caller = (period(r["day"]), r["account_id"], r["region"], r["principal"] or UNALLOCATED)
        if resolved.model is None and resolved.via == "unknown profile":
            logs.unresolved_profiles.add(caller)
        model = resolved.model.price_key if resolved.model else (resolved.base_model_id or r["model_id"])
        for column, meter in LOG_METERS.items():
            tokens = int(r[column] or 0)
            if tokens > 0:
                key = (*caller, model, meter)
                logs.records[(key, r["service_tier"])].append((r, tokens))
                logs.tiers[key].add(r["service_tier"])
    return logs


def _split(buckets, logs: _Logs) -> tuple[list[LedgerRow], set[tuple]]:
    """Every bucket's bill over its records (per tier), or one unlogged row; and the (key, tier) matched."""
    ledger: list[LedgerRow] = []
    matched: set[tuple] = set()
    for b in buckets:
        by_tier: dict[str, list[BilledPart]] = defaultdict(list)
        for part in b.billed:
            by_tier[part.tier].append(part)
        for tier, parts in by_tier.items():
            cost = sum((p.cost for p in parts), ZERO)
            found = logs.records.get((b.key, tier), []) if b.log_meter and not b.marketplace else []
            if not found:
                ledger.append(
                    _row(b, tier, None, None, cost, "unlogged", _unlogged_reason(b, tier, parts, logs))
                )
                continue
            matched.add((b.key, tier))
            shares = allocate(cost, {i: Decimal(n) for i, (_r, n) in enumerate(found)})
            ledger += [_row(b, tier, r, n, shares[i], "tokens") for i, (r, n) in enumerate(found)]
    return ledger, matched


def _row(
    b: Bucket,
    tier: str,
    record: dict | None,
    tokens: int | None,
    cost: Decimal,
    method: str,
    reason: str | None = None,
) -> LedgerRow:
    day, account, region, principal, model, meter = b.key
    label = model_label(b.price_key, model) or model
    request = record["request_id"] if record else None
    row = (request, day, account, region, principal, label, b.price_key or "", meter, tier, tokens, cost)
    return LedgerRow(*row, b.currency, method, reason)


def _unlogged_reason(b: Bucket, tier: str, parts: list[BilledPart], logs: _Logs) -> str:
    """Why a billed bucket has no record with tokens, in the reconciliation's words for its causes."""
    if not b.log_meter:
        return "meter not in logs"
    if b.marketplace:
        return "marketplace units"
    if b.key[1] not in logs.accounts:
        return "logging off"
    logged_tiers = logs.tiers.get(b.key)
    if tier in NEVER_LOGGED_TIERS or (logged_tiers and tier not in logged_tiers):
        return "tier not in logs"
    if not any(p.period_logged for p in parts):
        return "log gap"
    if any(p.aip for p in parts) and b.key[:4] in logs.unresolved_profiles:
        return PROFILE_NOT_RESOLVED
    return (
        "cache tokens missing from logs"
        if b.key[5] in ("cache_read", "cache_write")
        else "token counts differ"
    )


def _unbilled_note(logs: _Logs, matched: set[tuple]) -> str | None:
    """Records with tokens no billed line matches: they cost nothing in the ledger, said here."""
    left = {id(r) for where, found in logs.records.items() if where not in matched for r, _n in found}
    if not left:
        return None
    word = "record" if len(left) == 1 else "records"
    return (
        f"{len(left):,} log {word} with tokens no billed line matches (model, caller, tier or period): cost 0"
    )


def _value(dim: str, row: LedgerRow) -> str | None:
    if dim == "request":
        return row.request_id
    if dim in ("principal", "role", "session"):
        return row.principal if row.principal == UNALLOCATED else principal_key(row.principal, dim)
    return getattr(row, dim)


def _group(ledger: list[LedgerRow], by: tuple[str, ...]) -> list[dict[str, Any]]:
    acc: dict[tuple, dict[str, Any]] = {}
    for r in ledger:
        values = tuple(_value(d, r) for d in by)
        key = (*values, r.method, r.reason, r.currency)
        row = acc.get(key)
        if row is None:
            row = acc[key] = {
                **dict(zip(by, values, strict=True)),
                "method": r.method,
                "reason": r.reason,
                "currency": r.currency,
                "records": set(),
                "tokens": 0,
                "cost": ZERO,
            }
        if r.request_id is not None:
            row["records"].add(r.request_id)
        row["tokens"] += r.tokens or 0
        row["cost"] += r.cost
    rows = [{**row, "records": len(row["records"])} for row in acc.values()]
    return sorted(rows, key=lambda row: (-row["cost"], tuple(str(row[c]) for c in (*by, "method", "reason"))))
