"""The billed side of the allocation and its meeting with the logs.

An entry is one bucket's bill at one service tier and cross-region scope: the reconciliation's bucket (period,
account, region, caller, model, meter; ``reports.reconcile._buckets``) cut by what else the usage type says
and the log record says too. Each log record's caller group meets the entries of its key, per meter it has
tokens in; an entry no record meets stays unlogged, with the reason in the reconciliation's words.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np

from cur_analyzer.attribution import UNALLOCATED
from cur_analyzer.bedrock.models import ProfileMap, resolve
from cur_analyzer.reports.allocate._records import Records
from cur_analyzer.reports.allocate._split import to_quanta
from cur_analyzer.reports.estimate import PROFILE_NOT_RESOLVED
from cur_analyzer.reports.reconcile._buckets import logged_model
from cur_analyzer.reports.reconcile._model import NEVER_LOGGED_TIERS, ZERO, BilledPart, Bucket

#: why an entry's bill has no record: the calls of that caller, model and tier went through another scope
SCOPE_NOT_IN_LOGS = "cross-region scope not in logs"


@dataclass
class Entry:
    bucket: Bucket
    tier: str
    scope: str
    parts: list[BilledPart] = field(default_factory=list)

    @property
    def cost(self) -> Decimal:
        return sum((p.cost for p in self.parts), ZERO)


@dataclass
class LogFacts:
    """What the logs say beyond their tokens, per bucket key: who logged at all, at which tiers and scopes,
    and where calls went through application inference profiles nobody resolved."""

    accounts: set[str] = field(default_factory=set)
    tiers: dict[tuple, set[str]] = field(default_factory=lambda: defaultdict(set))
    scopes: dict[tuple, set[str]] = field(default_factory=lambda: defaultdict(set))
    unresolved_callers: set[tuple] = field(default_factory=set)


@dataclass
class Pairs:
    """Every (record, entry) the bill is split over, as columns, and the entries no record met."""

    record: np.ndarray
    entry: np.ndarray
    tokens: np.ndarray
    unlogged: list[int]
    unbilled_records: int


def entries_of(buckets: list[Bucket]) -> list[Entry]:
    out: list[Entry] = []
    for b in buckets:
        cut: dict[tuple[str, str], Entry] = {}
        for part in b.billed:
            entry = cut.get((part.tier, part.scope))
            if entry is None:
                entry = cut[(part.tier, part.scope)] = Entry(b, part.tier, part.scope)
            entry.parts.append(part)
        out += cut.values()
    return out


def entry_quanta(entries: list[Entry]) -> np.ndarray:
    quanta = [to_quanta(e.cost) for e in entries]
    return np.array(quanta, dtype=np.int64 if max(map(abs, quanta), default=0) < 2**62 else object)


def meet(entries: list[Entry], records: Records, profiles: ProfileMap | None) -> tuple[Pairs, LogFacts]:
    """The (record, entry) pairs, in record order within each entry; and the log facts the reasons need."""
    where = _where(entries)
    facts = LogFacts()
    keys = _group_keys(records, profiles, facts)
    record_parts, entry_parts, token_parts = [], [], []
    unbilled = np.zeros(records.count, dtype=bool)
    for meter, tokens in records.tokens.items():
        has_tokens = tokens > 0
        with_tokens = np.zeros(len(keys), dtype=bool)
        with_tokens[records.group_of[has_tokens]] = True
        slots: list[np.ndarray] = []
        for g, (caller, model, tier, scope) in enumerate(keys):
            if not with_tokens[g]:
                continue
            key = (*caller, model, meter)
            facts.tiers[key].add(tier)
            facts.scopes[(key, tier)].add(scope)
            for k, i in enumerate(where.get((key, tier, scope)) or where.get((key, tier, None), ())):
                if k == len(slots):
                    slots.append(np.full(len(keys), -1, dtype=np.int64))
                slots[k][g] = i
        if not slots:
            unbilled |= has_tokens
            continue
        unbilled |= has_tokens & (slots[0][records.group_of] < 0)
        for slot in slots:  # one per currency a key is billed in: each bill is split over the same records
            entry_of_record = slot[records.group_of]
            chosen = np.flatnonzero(has_tokens & (entry_of_record >= 0))
            record_parts.append(chosen)
            entry_parts.append(entry_of_record[chosen])
            token_parts.append(tokens[chosen])
    pairs = _pairs(
        record_parts, entry_parts, token_parts, records.request_rank, len(entries), int(unbilled.sum())
    )
    return pairs, facts


def _where(entries: list[Entry]) -> dict[tuple, list[int]]:
    """The entries a record can go to, by (bucket key, tier, scope). Where the bill has one scope for a key
    and tier, the scope tells nothing apart, and a log can name a model in-region while the call was
    routed and billed cross-region (the reconciliation's "cross-region rate"): all that key and tier's
    records go to it, under scope None as well."""
    where: dict[tuple, list[int]] = defaultdict(list)
    scopes: dict[tuple, set[str]] = defaultdict(set)
    for i, e in enumerate(entries):
        if e.bucket.log_meter and not e.bucket.marketplace:
            where[(e.bucket.key, e.tier, e.scope)].append(i)
            scopes[(e.bucket.key, e.tier)].add(e.scope)
    for (key, tier), billed in scopes.items():
        if len(billed) == 1:
            where[(key, tier, None)] = where[(key, tier, next(iter(billed)))]
    return where


def _group_keys(records: Records, profiles: ProfileMap | None, facts: LogFacts) -> list[tuple]:
    """Per caller group: (caller key, model, tier, scope), the caller key being the bucket key's first four
    fields; fills who logged and the callers through unresolved profiles."""
    keys = []
    for g in records.groups:
        resolved = resolve(g["model_id"], profiles)
        caller = (g["period"], g["account_id"], g["region"], g["principal"] or UNALLOCATED)
        facts.accounts.add(g["account_id"])
        if resolved.model is None and resolved.via == "unknown profile":
            facts.unresolved_callers.add(caller)
        keys.append((caller, logged_model(resolved, g["model_id"]), g["service_tier"], resolved.scope))
    return keys


def _pairs(records, entries, tokens, request_rank: np.ndarray, entry_count: int, unbilled: int) -> Pairs:
    record = np.concatenate(records) if records else np.zeros(0, dtype=np.int64)
    entry = np.concatenate(entries) if entries else np.zeros(0, dtype=np.int64)
    # by entry, and within each entry by request id: the order the split breaks ties in, the same every run
    order = np.argsort(entry * (len(request_rank) + 1) + request_rank[record], kind="stable")
    met = np.zeros(entry_count, dtype=bool)
    met[entry] = True
    return Pairs(
        record[order],
        entry[order],
        (np.concatenate(tokens) if tokens else np.zeros(0, dtype=np.int64))[order],
        [int(i) for i in np.flatnonzero(~met)],
        unbilled,
    )


def unlogged_reason(e: Entry, facts: LogFacts) -> str:
    """Why an entry's bill has no record with tokens, in the reconciliation's words for its causes."""
    b = e.bucket
    if not b.log_meter:
        return "meter not in logs"
    if b.marketplace:
        return "marketplace units"
    if b.key[1] not in facts.accounts:
        return "logging off"
    logged_tiers = facts.tiers.get(b.key)
    if e.tier in NEVER_LOGGED_TIERS or (logged_tiers and e.tier not in logged_tiers):
        return "tier not in logs"
    if not any(p.period_logged for p in e.parts):
        return "log gap"
    if any(p.aip for p in e.parts) and b.key[:4] in facts.unresolved_callers:
        return PROFILE_NOT_RESOLVED
    logged_scopes = facts.scopes.get((b.key, e.tier))
    if logged_scopes and e.scope not in logged_scopes:
        return SCOPE_NOT_IN_LOGS
    return (
        "cache tokens missing from logs"
        if b.key[5] in ("cache_read", "cache_write")
        else "token counts differ"
    )
