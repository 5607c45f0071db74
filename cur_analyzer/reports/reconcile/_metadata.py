"""The reconciliation cut by a request metadata key (``--by request-metadata/<key>``): the bill never
carries request metadata, so each bucket is cut into one part per value its calls sent, before its gap is
explained. A part holds the logged calls that sent that value, and the share of each billed line that the
allocation gives them: the line's cost in proportion to those calls' tokens among the bucket's calls at the
line's service tier and scope, split exactly (``rules._splits.allocate``). A billed line whose tier no call logged
goes whole to the part of calls that sent nothing (value None), as the allocation keeps it unlogged. Each
part is then explained and rolled up like any bucket, so the rows still add up to the bill.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from decimal import Decimal

from cur_analyzer.reports.reconcile._model import ZERO, BilledPart, Bucket
from cur_analyzer.rules._splits import allocate


def cut_by_metadata(buckets: list[Bucket]) -> list[Bucket]:
    out: list[Bucket] = []
    for b in buckets:
        values = list(dict.fromkeys(p.meta for p in b.logged))
        if len(values) <= 1:
            b.meta = values[0] if values else None
            out.append(b)
            continue
        parts = {
            v: replace(b, billed=[], logged=[p for p in b.logged if p.meta == v], meta=v) for v in values
        }
        parts.setdefault(None, replace(b, billed=[], logged=[], meta=None))
        for part in b.billed:
            for v, share in _shares(part, b).items():
                parts[v].billed.append(share)
        out += [p for p in parts.values() if p.billed or p.logged]
    return out


def _tokens(b: Bucket, part: BilledPart, *, same_scope: bool) -> dict[str | None, Decimal]:
    tokens: dict[str | None, Decimal] = defaultdict(lambda: ZERO)
    for logged in b.logged:
        if logged.tier == part.tier and logged.tokens > 0 and (logged.scope == part.scope or not same_scope):
            tokens[logged.meta] += Decimal(logged.tokens)
    return tokens


def _shares(part: BilledPart, b: Bucket) -> dict[str | None, BilledPart]:
    """A billed line's share per value: by the tokens of the calls at its tier (and cross-region scope,
    where any call logged it; a log can name a model in-region while the call was billed cross-region)
    that sent each value."""
    tokens = _tokens(b, part, same_scope=True) or _tokens(b, part, same_scope=False)
    if not tokens:
        return {None: part}
    keys = list(tokens)
    named = {str(i): tokens[k] for i, k in enumerate(keys)}
    costs = allocate(part.cost, named)
    amounts = allocate(part.tokens, named) if part.tokens else dict.fromkeys(named, ZERO)
    return {k: replace(part, cost=costs[str(i)], tokens=amounts[str(i)]) for i, k in enumerate(keys)}
