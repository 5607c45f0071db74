"""FOCUS 1.3 rows: the columns 1.3 adds, and the Bedrock usage lines split down to the invocation-log
records behind them (FOCUS "data generator-calculated split cost allocation"), from the allocation ledger.

The origin charge is the CUR line. In the dataset its allocated charges stand in its place (the origin is
derived from them, so BilledCost still sums to the bill): each carries every dimension of the origin
unchanged (``x_LineItemId``, ResourceId, SkuPriceId, Tags...), the origin's unit prices, and a share of
each summable metric (the costs, PricingQuantity, ConsumedQuantity) such that the shares sum to the
origin's value exactly. Grouping the rows with an AllocatedMethodId by ``x_LineItemId`` gives the origin
back. A line the ledger does not split (no logs given, an adjustment, a line no ledger bucket matches) stays
one row with the allocation columns null.

A ledger bucket (period x account x region x caller x model x meter x tier x scope) holds several CUR lines (a
Usage and a DiscountedUsage line, lines of two inference profiles). Each line of a bucket is split over all
of the bucket's ledger rows in proportion to their ledger cost, with the largest-remainder split at the money
scale (``rules._splits.allocate``): a line's allocated charges sum to the line exactly, and a record's charges
over the bucket's lines sum to its ledger cost up to that rounding (1e-10 per line).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cur_analyzer.attribution import UNALLOCATED, meter_of
from cur_analyzer.bedrock.principals import principal_key
from cur_analyzer.bedrock.usage_types import parse_usage_type
from cur_analyzer.reports.focus._columns import ALL_COLUMNS_13, PROVIDER
from cur_analyzer.reports.focus._values import ZERO
from cur_analyzer.reports.reconcile._buckets import _model_of
from cur_analyzer.rules._splits import allocate

if TYPE_CHECKING:
    from cur_analyzer.reports.allocate import LedgerRow

#: The line item types the ledger splits (the billed side of the reconciliation reads only these).
SPLIT_LINE_TYPES = frozenset({"Usage", "DiscountedUsage", "SavingsPlanCoveredUsage"})
#: The summable metrics an allocated charge holds a share of; every other column is the origin's.
SUMMABLE_COLUMNS = (
    "BilledCost",
    "EffectiveCost",
    "ListCost",
    "ContractedCost",
    "PricingCurrencyEffectiveCost",
    "PricingQuantity",
    "ConsumedQuantity",
)
#: What 1.3 adds to a row no split applies to: AWS is the service and host provider, no contract applies.
_UNSPLIT_13: dict[str, Any] = {
    "AllocatedMethodDetails": None,
    "AllocatedMethodId": None,
    "AllocatedResourceId": None,
    "AllocatedResourceName": None,
    "AllocatedTags": None,
    "ContractApplied": None,
    "HostProviderName": PROVIDER,
    "ServiceProviderName": PROVIDER,
}
_NAMES_13 = tuple(name for name, _ in ALL_COLUMNS_13)
#: The ledger rows of one bucket and the weight each gets (its cost; all alike when the bucket cost is 0).
_Weights = dict[int, Decimal]


def as_13(row: Mapping[str, Any]) -> dict[str, Any]:
    """A 1.2 row with the 1.3 columns, unsplit, in the 1.3 column order."""
    merged = {**row, **_UNSPLIT_13}
    return {name: merged[name] for name in _NAMES_13}


def split_rows(
    rows: Sequence[dict[str, Any]], records: Sequence[Mapping[str, Any]], ledger: Sequence[LedgerRow]
) -> tuple[list[dict[str, Any]], list[str]]:
    """The 1.3 ``rows`` (one per ``records`` line) with each usage line the ledger splits replaced by its
    allocated charges; and the notes saying what was not split and why."""
    if not ledger:
        return list(rows), ["the allocation ledger is empty: no line is split"]
    by_key: dict[tuple, list[LedgerRow]] = defaultdict(list)
    for entry in ledger:
        by_key[_ledger_key(entry)].append(entry)
    origins = _origins(records, len(ledger[0].period))
    allocated: dict[int, list[dict[str, Any]]] = {}
    unmatched: dict[str, list] = {"lines": [], "mismatched": []}
    for key, indexes in origins.items():
        entries = by_key.pop(key, [])
        billed = sum((rows[i]["BilledCost"] for i in indexes), ZERO)
        if not entries or sum((e.cost for e in entries), ZERO) != billed:
            unmatched["mismatched" if entries else "lines"].extend(rows[i] for i in indexes)
            continue
        weights = _weights(entries)
        ratios = allocate(Decimal(1), weights)
        for i in indexes:
            allocated[i] = _allocated_rows(rows[i], entries, weights, ratios)
    out = [charge for i, row in enumerate(rows) for charge in allocated.get(i, [row])]
    return out, _notes(unmatched, [e for entries in by_key.values() for e in entries])


def _origins(records: Sequence[Mapping[str, Any]], period_length: int) -> dict[tuple, list[int]]:
    """The indexes of the lines the ledger splits, by the ledger bucket each belongs to."""
    origins: dict[tuple, list[int]] = defaultdict(list)
    for i, rec in enumerate(records):
        if rec["line_item_type"] in SPLIT_LINE_TYPES and rec["usage_type"] and rec["usage_start"]:
            origins[_line_key(rec, period_length)].append(i)
    return origins


def _utc_hour(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H")


def _line_key(rec: Mapping[str, Any], period_length: int) -> tuple:
    """The ledger bucket of a CUR line, keyed as the ledger keys it: its period cut to the ledger's grain
    (``YYYY-MM-DDTHH`` is the hour, its first 10 characters the day, its first 7 the month)."""
    ut = parse_usage_type(rec["usage_type"])
    price_key, model = _model_of(ut, rec["usage_type"], rec["product_name"])
    return (
        _utc_hour(rec["usage_start"])[:period_length],
        rec["account"],
        rec["region_code"] or "",
        rec["principal"] or UNALLOCATED,
        price_key or model,
        meter_of(ut),
        ut.tier,
        ut.scope,
        rec["currency"] or "(no currency)",
    )


def _ledger_key(entry: LedgerRow) -> tuple:
    model = entry.model_key or entry.model  # a model the catalogue knows is keyed by its price key
    return (
        entry.period,
        entry.account,
        entry.region or "",
        entry.principal,
        model,
        entry.meter,
        entry.tier,
        entry.scope,
        entry.currency,
    )


def _weights(entries: Sequence[LedgerRow]) -> _Weights:
    total = sum((e.cost for e in entries), ZERO)
    if total > 0:
        return {j: e.cost for j, e in enumerate(entries)}
    return {j: Decimal(1) for j in range(len(entries))}  # a bucket billed 0: its lines split evenly


def _allocated_rows(
    origin: Mapping[str, Any], entries: Sequence[LedgerRow], weights: _Weights, ratios: _Weights
) -> list[dict[str, Any]]:
    """The allocated charges of ``origin``, one per ledger row of its bucket: the origin's dimensions and
    unit prices, a share of each summable metric, and the allocation columns."""
    shares = {c: allocate(origin[c], weights) for c in SUMMABLE_COLUMNS if origin[c] is not None}
    return [
        {**origin, **{c: split[j] for c, split in shares.items()}, **_allocation_columns(e, ratios[j])}
        for j, e in enumerate(entries)
    ]


def _allocation_columns(entry: LedgerRow, ratio: Decimal) -> dict[str, Any]:
    logged = entry.method != "unlogged"
    return {
        "AllocatedMethodId": entry.method,
        "AllocatedMethodDetails": method_details(entry, ratio),
        # FOCUS: the unallocated portion of an origin charge has no allocated resource
        "AllocatedResourceId": entry.request_id if logged else None,
        "AllocatedResourceName": entry.principal if logged else None,
        "AllocatedTags": _allocated_tags(entry.principal) if logged else None,
    }


def method_details(entry: LedgerRow, ratio: Decimal) -> str:
    """AllocatedMethodDetails: the charge's ratio of its origin and, for a record, its tokens of the meter;
    then the basis in ``x_`` keys (the bucket's period, meter, tier, model; why a bill went unlogged)."""
    element: dict[str, Any] = {"AllocatedRatio": "__ratio__"}
    if entry.tokens is not None:
        element |= {"UsageUnit": "Tokens", "UsageQuantity": entry.tokens}
    details: dict[str, Any] = {
        "Elements": [element],
        "x_Meter": entry.meter,
        "x_Tier": entry.tier,
        "x_Scope": entry.scope,
        "x_Model": entry.model,
        "x_Period": entry.period,
    }
    if entry.reason:
        details["x_Reason"] = entry.reason
    text = json.dumps(details, ensure_ascii=False, separators=(",", ":"))
    # the ratio is a JSON number written from its Decimal, so the ratios of an origin sum to exactly 1
    return text.replace('"__ratio__"', _number(ratio), 1)


def _number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if text not in ("-0", "") else "0"


def _allocated_tags(principal: str) -> str | None:
    """The caller's session (``request/session``: the role session or user name) and, for an assumed
    role, the role (``request/role``): what the CUR line's Tags do not already say about who called."""
    if principal == UNALLOCATED:
        return None
    tags = {"request/session": principal_key(principal, "session")}
    if (role := principal_key(principal, "role")) != principal:
        tags["request/role"] = role
    return json.dumps(tags, ensure_ascii=False, separators=(",", ":"))


def _notes(unmatched: Mapping[str, list], leftover: Iterable[LedgerRow]) -> list[str]:
    """What the split left as it was, with the cost: nothing is dropped, the rows stay unsplit."""
    notes = []
    if lines := unmatched["lines"]:
        cost = sum((r["BilledCost"] for r in lines), ZERO)
        notes.append(f"{len(lines)} usage lines ({cost} billed) match no ledger bucket: left unsplit")
    if lines := unmatched["mismatched"]:
        cost = sum((r["BilledCost"] for r in lines), ZERO)
        notes.append(
            f"{len(lines)} usage lines ({cost} billed) are in ledger buckets of another cost: left unsplit"
        )
    leftover = list(leftover)
    if leftover:
        cost = sum((e.cost for e in leftover), ZERO)
        notes.append(f"{len(leftover)} ledger rows ({cost}) match no usage line of the export: not in it")
    return notes
