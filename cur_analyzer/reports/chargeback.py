"""The chargeback report: who spent what in a month, summing to the month's total to the cent.

Built from the rows of ``athena/attribution_lines.sql`` (whichever engine ran it), read once by
``reports._lines.MonthLines`` at the grain the dimensions need and resolved by ``cur_analyzer.rules``:
a principal grain, a model, a day, a tag or a rules-file dimension (each row of one then carries
``attributed_via``), with the rules file's shared-cost splits applied. Conservation: attributed rows + the
Unallocated row + adjustment rows == the month's total per currency, before and after splits. Budgets
from the rules file add budget, spend and % used. No I/O beyond the one query, no rendering.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from cur_analyzer import schema
from cur_analyzer.attribution import (
    DAY,
    PRINCIPAL_GRAINS,
    UNALLOCATED,
    Dimension,
    parse_dimension,
    validate_month,
)
from cur_analyzer.choices import CostBasis, ServiceScope
from cur_analyzer.engines import Engine
from cur_analyzer.errors import UserInputError
from cur_analyzer.granularity import refuse_days
from cur_analyzer.reports._lines import MonthLines

# api and doctor ask whether a month is final here; the rule lives in reports._lines
from cur_analyzer.reports._lines import month_is_final as month_is_final
from cur_analyzer.reports._view import ReportModel
from cur_analyzer.text import money

if TYPE_CHECKING:
    from cur_analyzer.reports._view import Tabular
    from cur_analyzer.rules import BudgetStatus, Item, LinePlan, Provenance, Rules, SplitResult

COST_BASES = tuple(basis.value for basis in CostBasis)
SERVICES = tuple(scope.value for scope in ServiceScope)
ZERO = Decimal(0)
#: Zero at the SQL money scale: a source that brought a value nothing reads 0.0000000000 like the others
NO_MONEY = ZERO.scaleb(-10)


@dataclass(frozen=True)
class ChargebackRow:
    values: tuple[str, ...]  # one per dimension; UNALLOCATED where the lines have no value
    currency: str
    cost: Decimal
    lines: int
    #: which rules-file source decided (``aip_tag:team``, ``split:proportional``…); None without rules dims
    via: str | None = None
    #: per dimension, True where the lines have no value (see ``Item.no_value``)
    no_value: tuple[bool, ...] = ()
    #: per dimension, the source that decided (None outside rules dimensions): what ``via`` says
    vias: tuple[str | None, ...] = ()

    @property
    def unallocated(self) -> bool:
        """The lines have no value for any dimension: a value whose text is "Unallocated" is not this row."""
        return bool(self.no_value) and all(self.no_value)


@dataclass(frozen=True)
class ValueRow:
    """Everything one value (per dimension) was charged in one currency, whichever source or split brought
    it: the chargeback's rows of that value summed."""

    values: tuple[str, ...]
    currency: str
    cost: Decimal
    lines: int
    no_value: tuple[bool, ...]
    #: the cost per provenance column (``via_principal_tag``, ``shared``…, see ``Chargeback.sources``)
    provenance: dict[str, Decimal]

    @property
    def unallocated(self) -> bool:
        return bool(self.no_value) and all(self.no_value)


@dataclass(frozen=True)
class AdjustmentRow:
    line_item_type: str
    currency: str
    cost: Decimal
    lines: int


@dataclass
class Chargeback(ReportModel):
    month: str
    cost_basis: str
    service: str
    dimensions: tuple[str, ...]
    rows: list[ChargebackRow]
    adjustments: list[AdjustmentRow]
    final: bool
    notes: list[str] = field(default_factory=list)
    splits: list[SplitResult] = field(default_factory=list)
    #: budget vs spend per value of ``budget_dimension`` (the first ``--by`` with a budget)
    budgets: list[BudgetStatus] = field(default_factory=list)
    budget_dimension: str | None = None
    #: the provenance columns of each rules dimension of ``dimensions``, from the rules file
    sources: tuple[Provenance, ...] = ()

    @property
    def has_via(self) -> bool:
        return any(r.via is not None for r in self.rows)

    def provenance_columns(self) -> list[str]:
        """The money columns beside a value's cost saying where it came from: ``via_<source>`` per source
        of the rules dimension and ``shared``, named ``<dimension>:<column>`` with several."""
        return [self._column(p, c) for p in self.sources for c in p.columns]

    def _column(self, p: Provenance, column: str) -> str:
        return f"{p.dimension}:{column}" if len(self.sources) > 1 else column

    def by_value(self) -> list[ValueRow]:
        """One row per value (per dimension) and currency, its provenance beside its cost; with the
        adjustment rows they sum to the month's total, as ``rows`` do."""
        acc: dict[tuple[tuple[str, ...], tuple[bool, ...], str], list] = {}
        for r in self.rows:
            a = acc.setdefault((r.values, r.no_value, r.currency), [ZERO, 0, defaultdict(lambda: ZERO)])
            a[0] += r.cost
            a[1] += r.lines
            for p in self.sources:
                column = p.column_of(r.vias[self.dimensions.index(p.dimension)])
                if column is not None:
                    a[2][self._column(p, column)] += r.cost
        rows = [ValueRow(v, cur, c, n, unset, dict(by)) for (v, unset, cur), (c, n, by) in acc.items()]
        rows.sort(key=lambda r: (r.unallocated, r.currency, -r.cost, r.values))
        return rows

    def over_budget(self) -> list[BudgetStatus]:
        return [b for b in self.budgets if b.over]

    @property
    def currencies(self) -> list[str]:
        return sorted({r.currency for r in self.rows} | {a.currency for a in self.adjustments})

    def totals(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for r in self.rows:
            out[r.currency] += r.cost
        for a in self.adjustments:
            out[a.currency] += a.cost
        return dict(out)

    def usage_totals(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for r in self.rows:
            out[r.currency] += r.cost
        return dict(out)

    def unallocated(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for r in self.rows:
            if r.unallocated:
                out[r.currency] += r.cost
        return dict(out)

    @property
    def total(self) -> Decimal | None:
        """The month's total when it is in one currency (else see ``totals()``)."""
        totals = self.totals()
        return next(iter(totals.values())) if len(totals) == 1 else (ZERO if not totals else None)

    def as_table(self) -> Tabular:
        return tabular(self)


def check_scope(service: str, cost_basis: str) -> None:
    """The service scope and cost basis a report sums over, or the error that says what they can be."""
    if cost_basis not in COST_BASES:
        raise UserInputError(
            f"cost basis must be one of {', '.join(COST_BASES)} (got {cost_basis!r})", option="cost_basis"
        )
    if service not in SERVICES:
        raise UserInputError(f"service must be bedrock or all (got {service!r})", option="service")


def check_month(engine: Engine, month: str) -> str:
    validate_month(month)
    months = engine.months()
    if month not in months:
        held = ", ".join(months) if months else "no months at all"
        raise UserInputError(f"no CUR data for {month}; the export holds {held}")
    return month


def _check_dimensions(dims: Sequence[Dimension], caps: schema.Capabilities) -> None:
    if any(d.kind in PRINCIPAL_GRAINS for d in dims) and not caps.iam_principal:
        raise UserInputError(schema.IAM_OPTION_HINT)


def build_chargeback(
    engine: Engine,
    month: str,
    by: Sequence[str] = ("principal",),
    service: str = "bedrock",
    cost_basis: str = "unblended",
    rules: Rules | None = None,
) -> Chargeback:
    check_scope(service, cost_basis)
    rules_names = tuple(rules.dimensions) if rules else ()
    dims = [parse_dimension(spec, rules_names) for spec in (by or ("principal",))]
    check_month(engine, month)
    _check_dimensions(dims, engine.capabilities())
    lines = MonthLines.read(engine, month, dims, rules, service, cost_basis)
    if any(d.kind == DAY.kind for d in dims) and not lines.tells_days:
        raise refuse_days(month)
    return lines.chargeback(dims)


def chargeback_of(lines: MonthLines, plan: LinePlan) -> Chargeback:
    """The chargeback by ``plan``'s dimensions, grouped from the month's lines: THE grouping every
    chargeback (and every spend cut of the monthly pack) goes through."""
    from cur_analyzer.rules import apply_shared_costs, attribute, provenance

    dims, caps = plan.dims, lines.caps
    _check_dimensions(dims, caps)
    notes: list[str] = []
    if any(d.kind == "tag" for d in dims) and not caps.tags:
        notes.append("the export has no `tags` column: principal and account tags read as Unallocated")
    if lines.cost_basis.startswith("net-") and not caps.net:
        notes.append(f"the export has no net columns: {lines.cost_basis} falls back to the gross values")
    items, splits, split_notes = apply_shared_costs(attribute(lines.records, plan), plan)
    if blank := plan.blank_tag_lines(lines.records):
        notes.append(
            f"{blank:,} lines carry a tag whose value is only whitespace: read as no value (Unallocated)"
        )
    rows, adjustments = _group(items, dims)
    notes += plan.notes(caps) + split_notes
    if not lines.final:
        notes.append(
            f"{lines.month} is not final (no invoice id yet): figures will change until AWS closes the month"
        )
    cb = Chargeback(
        lines.month,
        lines.cost_basis,
        lines.service,
        tuple(d.spec for d in dims),
        rows,
        adjustments,
        lines.final,
        notes + lines.engine.notes,
        splits,
        sources=tuple(provenance(plan.rules, d.spec) for d in plan.rules_dims),
    )
    _add_budgets(cb, plan.rules)
    return cb


def _group(
    items: Sequence[Item], dims: Sequence[Dimension]
) -> tuple[list[ChargebackRow], list[AdjustmentRow]]:
    """Usage items summed per (values, provenance, currency), adjustment items per (line type, currency)."""
    from cur_analyzer.rules import format_via

    usage: dict[tuple[tuple[str, ...], tuple[bool, ...], tuple[str | None, ...], str], list] = defaultdict(
        lambda: [ZERO, 0]
    )
    adjust: dict[tuple[str, str], list] = defaultdict(lambda: [ZERO, 0])
    for item in items:
        if item.usage:
            # a split's share (no mask) goes to a value in the split's dimension; it keeps the pool's
            # values (and their absence) in the others
            no_value = item.no_value or tuple(v == UNALLOCATED for v in item.values)
            acc = usage[(item.values, no_value, item.vias, item.currency)]
        else:
            acc = adjust[(item.line_item_type, item.currency)]
        acc[0] += item.cost
        acc[1] += item.lines
    rows = [
        ChargebackRow(v, cur, c, n, format_via(dims, vias), unset, vias)
        for (v, unset, vias, cur), (c, n) in usage.items()
    ]
    rows.sort(key=lambda r: (r.unallocated, r.currency, -r.cost, r.values, r.via or ""))
    adjustments = [AdjustmentRow(t, cur, c, n) for (t, cur), (c, n) in adjust.items()]
    adjustments.sort(key=lambda a: (a.currency, a.line_item_type))
    return rows, adjustments


def _add_budgets(cb: Chargeback, rules: Rules) -> None:
    from cur_analyzer.rules import budget_status

    budget = rules.budget_for(cb.dimensions)
    if budget is None:
        return
    k = cb.dimensions.index(budget.dimension)
    spend: dict[str, Decimal] = defaultdict(lambda: ZERO)
    other = sorted({r.currency for r in cb.rows} - {budget.currency})
    for r in cb.rows:
        if r.currency == budget.currency:
            spend[r.values[k]] += r.cost
    cb.budgets = budget_status(budget, spend)
    cb.budget_dimension = budget.dimension
    if other:
        cb.notes.append(f"budgets are in {budget.currency}: spend in {', '.join(other)} is not counted")


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
