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
        from cur_analyzer.reports._chargeback_view import tabular

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
    lines = MonthLines.read(engine, month, dims, rules, service, cost_basis, cost_only=True)
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
