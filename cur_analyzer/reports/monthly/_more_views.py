"""The views of the two sections the pack takes from other reports: why the bill changed since the
previous month per team (``reports.explain``), and the bill allocated by role, application and end user
(``reports.allocate``). Money stays exact ``Decimal``; no words (see ``_views``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from cur_analyzer.reports.monthly._change import ALLOCATION_BY, previous_month
from cur_analyzer.reports.monthly._model import ZERO, Phrase

if TYPE_CHECKING:
    from decimal import Decimal

    from cur_analyzer.reports.allocate import Allocation
    from cur_analyzer.reports.monthly._model import MonthlyReport
    from cur_analyzer.reports.monthly._views import PackView

#: the change's money columns, in the order of its chain: last month, this month, the change, its parts
CHANGE_MONEY = ("billed_vs", "billed", "change", "volume", "mix", "cache", "price", "other", "attribution")
#: each allocation cut by the column that names its value and the key of its words
ALLOCATION_CUTS = {
    "role": ("role", "allocation"),
    "request-metadata/app": ("app", "allocation.app"),
    "request-metadata/user": ("user", "allocation.user"),
}


def _pack_view(**fields: Any) -> PackView:
    from cur_analyzer.reports.monthly._views import PackView

    return PackView(**fields)


def change_view(report: MonthlyReport) -> PackView:
    """One row per team (and Unallocated, and each adjustment) with its change split into parts, then the
    Total per currency: the change of the whole bill, from which the waterfall is drawn."""
    change = report.change
    facts = {
        "team_dimension": report.team_dimension,
        "month": report.month,
        "vs": change.vs if change else previous_month(report.month),
    }
    currency = ["currency"] if change is not None and len(change.currencies) > 1 else []
    columns = ["team", *currency, "kind", *CHANGE_MONEY, "sentence"]
    if change is None:
        return _pack_view(
            key="change", columns=columns, rows=[], facts=facts, omitted=report.omitted["change"]
        )
    rows = [
        {
            "team": r.value,
            "currency": r.currency,
            "kind": Phrase(f"change.kind.{r.kind}"),
            **r.cells(),
            "sentence": r.sentence,
            "no_value": r.kind == "unallocated",
        }
        for r in change.rows
    ]
    return _pack_view(
        key="change",
        columns=columns,
        rows=rows,
        money_columns=CHANGE_MONEY,
        summary_rows=[{"team": "Total", "currency": c, **cells} for c, cells in change.totals().items()],
        footer=[Phrase("change.footer.parts", facts), *change.notes],
        facts=facts,
    )


def _rolled_up(allocation: Allocation, by: str) -> list[dict[str, Any]]:
    """The allocation's rows summed per value of one of its cuts, method, reason and currency, largest
    first. A record is on one row of the split, so its count adds up too."""
    first = ALLOCATION_CUTS[by][0]
    sums: dict[tuple, list] = defaultdict(lambda: [0, 0, ZERO])
    for r in allocation.rows:
        acc = sums[(r[by], r["method"], r["reason"], r["currency"])]
        acc[0] += r["records"]
        acc[1] += r["tokens"]
        acc[2] += r["cost"]
    rows = [
        {
            # a record that sent no value under the key, told apart from billed usage no record logged
            first: value if value is not None or method == "unlogged" else Phrase("allocation.not_sent"),
            "method": Phrase(f"allocation.method.{method}"),
            "reason": reason,
            "currency": currency,
            "records": records,
            "tokens": tokens,
            "cost": cost,
        }
        for (value, method, reason, currency), (records, tokens, cost) in sums.items()
    ]
    return sorted(rows, key=lambda r: (r["currency"], -r["cost"], str(r[first])))


def _cut_view(allocation: Allocation, by: str, currency: list[str], **extra: Any) -> PackView:
    first, key = ALLOCATION_CUTS[by]
    totals = allocation.totals()
    return _pack_view(
        key=key,
        columns=[first, "method", "reason", *currency, "records", "tokens", "cost"],
        rows=_rolled_up(allocation, by),
        money_columns=("cost",),
        summary_rows=[{first: "Total", "currency": c, "cost": t} for c, t in totals.items()],
        **extra,
    )


def _keys_sent(allocation: Allocation) -> list[str]:
    """The request-metadata cuts some record sent a value under."""
    return [by for by in ALLOCATION_BY[1:] if any(r[by] is not None for r in allocation.rows)]


def allocation_view(report: MonthlyReport) -> PackView:
    """The bill by role, with the unlogged rows and their reason; then by application and by end user, for
    the keys some record sent. Each table's Total is the allocation's: the month's billed Bedrock usage."""
    allocation = report.allocation
    columns = ["role", "method", "reason", "records", "tokens", "cost"]
    if allocation is None:
        return _pack_view(
            key="allocation",
            columns=columns,
            rows=[],
            facts={"keys": []},
            omitted=report.omitted["allocation"],
        )
    currency = ["currency"] if len(allocation.totals()) > 1 else []
    totals: list[tuple[str, Decimal]] = sorted(allocation.totals().items())
    unlogged = sorted(allocation.unlogged_by_reason.items())
    return _cut_view(
        allocation,
        "role",
        currency,
        footer=[
            Phrase("allocation.footer.total", {"totals": totals, "month": report.month}),
            Phrase("allocation.footer.unlogged", {"unlogged": unlogged}),
        ],
        facts={"keys": [ALLOCATION_CUTS[by][0] for by in _keys_sent(allocation)]},
        more=[_cut_view(allocation, by, currency) for by in _keys_sent(allocation)],
    )
