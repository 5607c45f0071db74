"""The chargeback report model: who spent what in a month, summing to the month's total to the cent.

Built from the rows of ``athena/chargeback.sql`` (whichever engine ran it); no I/O, no rendering.
When a ``--by`` names a rules-file dimension, the rows come from ``athena/attribution_lines.sql`` and
``cur_analyzer.rules`` resolves them (each row then carries ``attributed_via``) and applies the shared-cost
splits. Conservation: attributed rows + the Unallocated row + adjustment rows == the month's total per
currency, before and after splits. Budgets from the rules file add budget, spend and % used.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from cur_analyzer import schema
from cur_analyzer.attribution import (
    PRINCIPAL_GRAINS,
    UNALLOCATED,
    USAGE_LINE_TYPES,
    Dimension,
    label,
    parse_dimension,
    validate_month,
)
from cur_analyzer.choices import CostBasis, ServiceScope
from cur_analyzer.engines import Engine
from cur_analyzer.errors import UserInputError
from cur_analyzer.reports._view import ReportModel

if TYPE_CHECKING:
    from cur_analyzer.reports._view import Tabular
    from cur_analyzer.rules import BudgetStatus, Rules, SplitResult

COST_BASES = tuple(basis.value for basis in CostBasis)
SERVICES = tuple(scope.value for scope in ServiceScope)
MAX_TAG_DIMENSIONS = 4
ZERO = Decimal(0)


@dataclass(frozen=True)
class ChargebackRow:
    values: tuple[str, ...]  # one per dimension; UNALLOCATED where the lines have no value
    currency: str
    cost: Decimal
    lines: int
    #: which rules-file source decided (``aip_tag:team``, ``split:proportional``…); None without rules dims
    via: str | None = None

    @property
    def unallocated(self) -> bool:
        return all(v == UNALLOCATED for v in self.values)


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

    @property
    def has_via(self) -> bool:
        return any(r.via is not None for r in self.rows)

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


def _tag_params(dims: Sequence[Dimension]) -> dict[str, object]:
    tag_dims = [d for d in dims if d.kind == "tag"]
    if len(tag_dims) > MAX_TAG_DIMENSIONS:
        raise UserInputError(f"at most {MAX_TAG_DIMENSIONS} tag dimensions per report (got {len(tag_dims)})")
    params: dict[str, object] = {}
    for i in range(MAX_TAG_DIMENSIONS):
        d = tag_dims[i] if i < len(tag_dims) else None
        params[f"tag{i + 1}_on"] = d is not None
        # NULL, not '': DuckDB folds a lookup of a NULL key away and then never reads that map
        params[f"tag{i + 1}_key"] = d.tags_key if d else None
        params[f"tag{i + 1}_resource_key"] = (d.resource_key or None) if d else None
    return params


def check_month(engine: Engine, month: str) -> str:
    validate_month(month)
    months = engine.months()
    if month not in months:
        held = ", ".join(months) if months else "no months at all"
        raise UserInputError(f"no CUR data for {month}; the export holds {held}")
    return month


def month_is_final(engine: Engine, month: str) -> bool:
    status = engine.query("month_status", {"month": month}).to_pylist()[0]
    return bool(status["lines"]) and status["lines"] == status["invoiced_lines"]


def build_chargeback(
    engine: Engine,
    month: str,
    by: Sequence[str] = ("principal",),
    service: str = "bedrock",
    cost_basis: str = "unblended",
    rules: Rules | None = None,
) -> Chargeback:
    if cost_basis not in COST_BASES:
        raise UserInputError(f"--cost-basis must be one of {', '.join(COST_BASES)} (got {cost_basis!r})")
    if service not in SERVICES:
        raise UserInputError(f"--service must be bedrock or all (got {service!r})")
    rules_names = tuple(rules.dimensions) if rules else ()
    dims = [parse_dimension(spec, rules_names) for spec in (by or ("principal",))]
    check_month(engine, month)
    caps = engine.capabilities()
    notes: list[str] = []
    if any(d.kind in PRINCIPAL_GRAINS for d in dims) and not caps.iam_principal:
        raise UserInputError(schema.IAM_OPTION_HINT)
    if any(d.kind == "tag" for d in dims) and not caps.tags:
        notes.append("the export has no `tags` column: principal and account tags read as Unallocated")
    if cost_basis.startswith("net-") and not caps.net:
        notes.append(f"the export has no net columns: {cost_basis} falls back to the gross values")

    splits: list[SplitResult] = []
    if any(d.kind == "rules" for d in dims):
        rows, adjustments, splits, rule_notes = _rules_roll_up(
            engine, month, dims, rules, service, cost_basis, caps
        )
        notes += rule_notes
        final = month_is_final(engine, month)
    else:
        needed = {d.engine_column for d in dims}
        params = {
            "by_account": "account" in needed,
            "by_principal": "principal" in needed,
            "by_service": "service" in needed,
            "by_usage_type": "usage_type" in needed,
            **_tag_params(dims),
            "cost_basis": cost_basis,
            "month": month,
            "service": service,
        }
        records = engine.query("chargeback", params).to_pylist()
        rows, adjustments = _roll_up(records, dims)
        lines = sum(r["line_count"] for r in records)
        final = bool(lines) and lines == sum(int(r["invoiced_lines"]) for r in records)
    if not final:
        notes.append(
            f"{month} is not final (no invoice id yet): figures will change until AWS closes the month"
        )
    cb = Chargeback(
        month,
        cost_basis,
        service,
        tuple(d.spec for d in dims),
        rows,
        adjustments,
        final,
        notes + engine.notes,
        splits,
    )
    if rules is not None:
        _add_budgets(cb, rules)
    return cb


def _rules_roll_up(
    engine: Engine,
    month: str,
    dims: Sequence[Dimension],
    rules: Rules | None,
    service: str,
    cost_basis: str,
    caps: schema.Capabilities,
) -> tuple[list[ChargebackRow], list[AdjustmentRow], list[SplitResult], list[str]]:
    """Rows for ``--by`` lists with a rules dimension: resolved and split by ``cur_analyzer.rules``."""
    from cur_analyzer.rules import LinePlan, apply_shared_costs, attribute, format_via

    plan = LinePlan(dims, rules, has_resource_ids=caps.has("resource_id"))
    records = engine.query("attribution_lines", plan.params(month, service, cost_basis)).to_pylist()
    items, splits, notes = apply_shared_costs(attribute(records, plan), plan)
    acc = _Accumulator()
    for item in items:
        if item.usage:
            acc.usage(item.values, format_via(dims, item.vias), item.currency, item.cost, item.lines)
        else:
            acc.adjustment(item.line_item_type, item.currency, item.cost, item.lines)
    rows, adjustments = acc.result()
    return rows, adjustments, splits, plan.notes(caps) + notes


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


class _Accumulator:
    """Sums cost and line counts per row (dimension values, provenance, currency) and per adjustment."""

    def __init__(self) -> None:
        self._usage: dict[tuple[tuple[str, ...], str | None, str], list] = defaultdict(lambda: [ZERO, 0])
        self._adjust: dict[tuple[str, str], list] = defaultdict(lambda: [ZERO, 0])

    def usage(
        self, values: tuple[str, ...], via: str | None, currency: str, cost: Decimal, lines: int
    ) -> None:
        acc = self._usage[(values, via, currency)]
        acc[0] += cost
        acc[1] += lines

    def adjustment(self, line_item_type: str, currency: str, cost: Decimal, lines: int) -> None:
        acc = self._adjust[(line_item_type or "(blank)", currency)]
        acc[0] += cost
        acc[1] += lines

    def result(self) -> tuple[list[ChargebackRow], list[AdjustmentRow]]:
        rows = [ChargebackRow(v, cur, c, n, via) for (v, via, cur), (c, n) in self._usage.items()]
        rows.sort(key=lambda r: (r.unallocated, r.currency, -r.cost, r.values, r.via or ""))
        adjustments = [AdjustmentRow(t, cur, c, n) for (t, cur), (c, n) in self._adjust.items()]
        adjustments.sort(key=lambda a: (a.currency, a.line_item_type))
        return rows, adjustments


def _roll_up(
    records: list[dict], dims: Sequence[Dimension]
) -> tuple[list[ChargebackRow], list[AdjustmentRow]]:
    acc = _Accumulator()
    for rec in records:
        cost = rec["cost"] if rec["cost"] is not None else ZERO
        if rec["line_item_type"] not in USAGE_LINE_TYPES:
            acc.adjustment(rec["line_item_type"], rec["currency"], cost, rec["line_count"])
            continue
        tag_values = iter((rec["tag1"], rec["tag2"], rec["tag3"], rec["tag4"]))
        values = tuple(
            label(d, next(tag_values) if d.kind == "tag" else rec[d.engine_column]) or UNALLOCATED
            for d in dims
        )
        acc.usage(values, None, rec["currency"], cost, rec["line_count"])
    return acc.result()


def _kind(r: ChargebackRow) -> str:
    if r.via is not None and "split:" in r.via:
        return "split"
    return "unallocated" if r.unallocated else "attributed"


def tabular(cb: Chargeback) -> Tabular:
    """The rows a renderer shows: attributed, then Unallocated, then adjustments (and a Total line)."""
    from cur_analyzer.reports._view import Tabular

    multi = len(cb.currencies) > 1
    dims = list(cb.dimensions)
    via = ["attributed_via"] if cb.has_via else []
    budget_cols = ["budget", "budget_spend", "budget_used"] if cb.budgets else []
    columns = [*dims, *via, *(["currency"] if multi else []), "cost", "share", "lines", "kind", *budget_cols]
    usage_total = cb.usage_totals()
    budgets = {b.value: b for b in cb.budgets}
    k = dims.index(cb.budget_dimension) if cb.budget_dimension else None
    shown: set[str] = set()
    rows: list[dict] = []
    for r in cb.rows:
        base = usage_total.get(r.currency) or ZERO
        row = {
            **dict(zip(dims, r.values, strict=True)),
            "attributed_via": r.via,
            "currency": r.currency,
            "cost": r.cost,
            "share": f"{(r.cost / base * 100):.1f}%" if base else "",
            "lines": r.lines,
            "kind": _kind(r),
        }
        if (
            k is not None
            and (b := budgets.get(r.values[k]))
            and r.values[k] not in shown
            and b.budget is not None
        ):
            # budget, spend and % used go on the first (largest) row of each budgeted value
            shown.add(r.values[k])
            used = b.used_pct
            row |= {
                "budget": b.budget,
                "budget_spend": b.spend,
                "budget_used": f"{used:.1f}%" if used is not None and used.is_finite() else "",
            }
        rows.append(row)
    for a in cb.adjustments:
        rows.append(
            {
                dims[0]: a.line_item_type,
                "currency": a.currency,
                "cost": a.cost,
                "lines": a.lines,
                "kind": "adjustment",
            }
        )
    totals = cb.totals()
    summary = [
        {dims[0]: "Total", "currency": cur, "cost": amount, "kind": "total"} for cur, amount in totals.items()
    ]
    status = "final" if cb.final else "NOT final (no invoice id yet)"
    scope = "Amazon Bedrock" if cb.service == "bedrock" else "all services"
    footer = [
        f"{cb.month} · {scope} · {cb.cost_basis} cost · month {status}",
        *[
            f"{cur}: total {totals[cur]:f} = attributed {usage_total.get(cur, ZERO) - cb.unallocated().get(cur, ZERO):f}"
            f" + Unallocated {cb.unallocated().get(cur, ZERO):f}"
            f" + adjustments {totals[cur] - usage_total.get(cur, ZERO):f}"
            for cur in totals
        ],
        *cb.notes,
    ]
    footer += [
        f"split {s.currency} {s.amount:f} of {s.pool} ({s.lines} lines) {s.method} over {s.dimension}: "
        + ", ".join(f"{v} {a:f}" for v, a in sorted(s.shares.items()))
        for s in cb.splits
    ]
    if cb.budgets:
        over = cb.over_budget()
        footer.append(
            f"budgets by {cb.budget_dimension}: "
            + ("; ".join(f"OVER {b.describe()}" for b in over) if over else "nobody is over budget")
        )
        footer += [f"{b.describe()} (no spend this month)" for b in cb.budgets if not b.spend and b.budget]
    return Tabular(
        title=f"Chargeback {cb.month} by {', '.join(dims)}",
        columns=columns,
        rows=rows,
        money_columns=("cost", "budget", "budget_spend"),
        summary_rows=summary,
        footer=footer,
        document=document(cb),
    )


def document(cb: Chargeback) -> dict:
    """The ``--format json`` object (money as decimal strings by the renderer)."""
    totals = cb.totals()
    single = cb.currencies[0] if len(cb.currencies) == 1 else None
    return {
        "report": "chargeback",
        "month": cb.month,
        "cost_basis": cb.cost_basis,
        "service": cb.service,
        "by": list(cb.dimensions),
        "currency": single,
        "final": cb.final,
        "rows": [
            {
                **dict(zip(cb.dimensions, r.values, strict=True)),
                **({"attributed_via": r.via} if cb.has_via else {}),
                "cost": r.cost,
                "lines": r.lines,
                "currency": r.currency,
            }
            for r in cb.rows
        ],
        "unallocated": cb.unallocated().get(single, ZERO) if single else cb.unallocated(),
        "adjustments": [
            {"line_item_type": a.line_item_type, "cost": a.cost, "lines": a.lines, "currency": a.currency}
            for a in cb.adjustments
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
    used = b.used_pct
    return {
        "dimension": b.dimension,
        "value": b.value,
        "currency": b.currency,
        "budget": b.budget,
        "spend": b.spend,
        "used_pct": used.quantize(Decimal("0.01")) if used is not None and used.is_finite() else None,
        "over": b.over,
    }
