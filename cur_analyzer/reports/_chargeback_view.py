"""How a chargeback is shown: its table (one row per value, or per value and source with provenance; the
budget, share and source columns; the Total and adjustment rows), its footer and its JSON document. Reads
the ``Chargeback`` model; computes nothing but shares of the total and budget percentages."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from cur_analyzer.reports.chargeback import NO_MONEY, ZERO, ChargebackRow, ValueRow
from cur_analyzer.text import money

if TYPE_CHECKING:
    from cur_analyzer.reports._view import Tabular
    from cur_analyzer.reports.chargeback import Chargeback
    from cur_analyzer.rules import BudgetStatus, SplitResult

__all__ = ["document", "tabular"]


def _kind(r: ChargebackRow | ValueRow) -> str:
    if isinstance(r, ChargebackRow) and r.via is not None and "split:" in r.via:
        return "split"
    return "unallocated" if r.unallocated else "attributed"


def _used_pct(b: BudgetStatus) -> Decimal | None:
    """% of the budget used, in percentage points at 0.01 (None without a budget or for a budget of 0)."""
    from cur_analyzer.rules import PERCENT_QUANTUM

    used = b.used_pct
    return used.quantize(PERCENT_QUANTUM) if used is not None and used.is_finite() else None


def _budget_cells(cb: Chargeback) -> dict[str, dict]:
    """Budget, spend and % used per budgeted value, shown on the first (largest) row of that value."""
    return {
        b.value: {"budget": b.budget, "budget_spend": b.spend, "budget_used": _used_pct(b)}
        for b in cb.budgets
        if b.budget is not None
    }


def _add_shares(rows: list[dict], totals: dict[str, Decimal]) -> None:
    """Each row's share of its currency's total, which the rows sum to: the shares sum to 100."""
    from cur_analyzer.rules import percentages

    by_currency: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by_currency[row["currency"]].append(row)
    for currency, group in by_currency.items():
        shares = percentages([row["cost"] for row in group], totals[currency]) or [None] * len(group)
        for row, share in zip(group, shares, strict=True):
            row["share"] = share


def _cells(labels: Sequence[str], values: Sequence[str], currency: str, cost: Decimal) -> dict:
    # the share is filled in once every row of the currency is known
    return {**dict(zip(labels, values, strict=True)), "currency": currency, "cost": cost, "share": None}


def _row_cells(cb: Chargeback, provenance: bool) -> list[dict]:
    """One row per value with its provenance columns (per value and source with ``provenance``), then the
    adjustment rows no rule shared out, each with its share of the month's total."""
    dims = list(cb.dimensions)
    budgets = _budget_cells(cb)
    k = dims.index(cb.budget_dimension) if cb.budget_dimension else None
    columns = cb.provenance_columns()
    rows: list[dict] = []
    for r in cb.rows if provenance else cb.by_value():
        row = _cells(dims, r.values, r.currency, r.cost)
        if isinstance(r, ValueRow):
            row |= {c: r.provenance.get(c, NO_MONEY) for c in columns}
        elif cb.has_via:
            row["attributed_via"] = r.via
        row |= {"lines": r.lines, "kind": _kind(r)}
        if k is not None and r.values[k] in budgets:
            row |= budgets.pop(r.values[k])
        rows.append(row)
    for a in cb.adjustments:
        rows.append(
            _cells(dims[:1], (a.line_item_type,), a.currency, a.cost)
            | {"lines": a.lines, "kind": "adjustment"}
        )
    _add_shares(rows, cb.totals())
    return rows


def _footer(cb: Chargeback) -> list[str]:
    """Scope and status, the conservation line per currency, the notes, the splits and the budgets."""
    totals, usage_total, unallocated = cb.totals(), cb.usage_totals(), cb.unallocated()
    status = "final" if cb.final else "NOT final (no invoice id yet)"
    scope = "Amazon Bedrock" if cb.service == "bedrock" else "all services"
    footer = [
        f"{cb.month} · {scope} · {cb.cost_basis} cost · month {status}",
        *[
            f"total {money(totals[cur], cur)} = attributed "
            f"{money(usage_total.get(cur, ZERO) - unallocated.get(cur, ZERO))}"
            f" + Unallocated {money(unallocated.get(cur, ZERO))}"
            f" + adjustments {money(totals[cur] - usage_total.get(cur, ZERO))}"
            for cur in totals
        ],
        *cb.notes,
    ]
    footer += [
        f"split {money(s.amount, s.currency)} of {s.pool} ({s.lines} lines) {s.method} over {s.dimension}: "
        + ", ".join(f"{v} {money(a)}" for v, a in sorted(s.shares.items()))
        for s in cb.splits
    ]
    if cb.budgets:
        over = cb.over_budget()
        footer.append(
            f"budgets by {cb.budget_dimension}: "
            + ("; ".join(f"OVER {b.describe()}" for b in over) if over else "nobody is over budget")
        )
        footer += [f"{b.describe()} (no spend this month)" for b in cb.budgets if not b.spend and b.budget]
    return footer


def tabular(cb: Chargeback, provenance: bool = False) -> Tabular:
    """The rows a renderer shows: one per value with its provenance columns (with ``provenance``: one per
    value and source, today's breakdown), the Unallocated row, the adjustment rows no rule shared out (and
    a Total line). Shares are of the month's total in each currency, so they sum to 100."""
    from cur_analyzer.reports._view import Tabular

    dims = list(cb.dimensions)
    via = ["attributed_via"] if provenance and cb.has_via else []
    sources = [] if provenance else cb.provenance_columns()
    budget_cols = ["budget", "budget_spend", "budget_used"] if cb.budgets else []
    currency = ["currency"] if len(cb.currencies) > 1 else []
    columns = [*dims, *via, *currency, "cost", "share", *sources, "lines", "kind", *budget_cols]
    rows = _row_cells(cb, provenance)
    summary = [
        {dims[0]: "Total", "currency": cur, "cost": amount, "kind": "total"}
        for cur, amount in cb.totals().items()
    ]
    return Tabular(
        title=f"Chargeback {cb.month} by {', '.join(dims)}",
        columns=columns,
        rows=rows,
        money_columns=("cost", *sources, "budget", "budget_spend"),
        percent_columns=("share", "budget_used"),
        summary_rows=summary,
        footer=_footer(cb),
        document=document(cb, rows),
    )


#: Row cells the JSON document keeps elsewhere (the budgets list) or says by where a row is.
_TABLE_ONLY = ("kind", "budget", "budget_spend", "budget_used")


def document(cb: Chargeback, rows: list[dict] | None = None) -> dict:
    """The JSON document of the report (money as decimal strings by the renderer); ``rows``: the table's
    rows (one per value unless given the breakdown by source)."""
    totals = cb.totals()
    single = cb.currencies[0] if len(cb.currencies) == 1 else None
    rows = _row_cells(cb, provenance=False) if rows is None else rows
    return {
        "report": "chargeback",
        "month": cb.month,
        "cost_basis": cb.cost_basis,
        "service": cb.service,
        "by": list(cb.dimensions),
        "currency": single,
        "final": cb.final,
        "rows": [
            {k: v for k, v in row.items() if k not in _TABLE_ONLY}
            for row in rows
            if row["kind"] != "adjustment"
        ],
        "unallocated": cb.unallocated().get(single, ZERO) if single else cb.unallocated(),
        "adjustments": [
            {
                "line_item_type": row[cb.dimensions[0]],
                "cost": row["cost"],
                "share": row["share"],
                "lines": row["lines"],
                "currency": row["currency"],
            }
            for row in rows
            if row["kind"] == "adjustment"
        ],
        "total": totals.get(single, ZERO) if single else None,
        "totals": totals,
        **({"splits": [_split_doc(s) for s in cb.splits]} if cb.splits else {}),
        **({"budgets": [_budget_doc(b) for b in cb.budgets]} if cb.budgets else {}),
        "notes": cb.notes,
    }


def _split_doc(s: SplitResult) -> dict:
    return {
        "dimension": s.dimension,
        "pool": s.pool,
        "method": s.method,
        "currency": s.currency,
        "amount": s.amount,
        "lines": s.lines,
        "shares": s.shares,
    }


def _budget_doc(b: BudgetStatus) -> dict:
    return {
        "dimension": b.dimension,
        "value": b.value,
        "currency": b.currency,
        "budget": b.budget,
        "spend": b.spend,
        "used_pct": _used_pct(b),
        "over": b.over,
    }
