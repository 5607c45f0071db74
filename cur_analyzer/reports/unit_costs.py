"""Unit costs from the bill alone: what a million tokens cost per model and meter (or any dimension), and
what prompt caching bought.

Read from ``athena/attribution_lines.sql`` (the path chargeback reads, with the usage type, product name
and pricing unit kept whatever the dimensions), Bedrock lines only. A usage line at a text-token meter
(``bedrock.usage_types.TOKEN_METERS``) whose pricing unit says how many tokens one unit is (``1K tokens``)
counts ``usage_amount x tokens per unit`` tokens; every other usage line (images, model units, search
units, a Marketplace line billed in raw units...) is listed on its own rows with the reason, and the
adjustments (tax, credits, discounts) on theirs, so token rows + other rows + adjustments == the month's
Bedrock total per currency. The cache view (``_unit_costs_cache``) compares cache-read and cache-write
tokens with the model's billed input rate. No I/O beyond the one query, no rendering
(``_unit_costs_view`` builds the table).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cur_analyzer import schema
from cur_analyzer.attribution import (
    DAY,
    PRINCIPAL_GRAINS,
    USAGE_LINE_TYPES,
    Dimension,
    label,
    meter_of,
    parse_dimension,
)
from cur_analyzer.choices import UnitCostView
from cur_analyzer.engines import query_rows
from cur_analyzer.errors import UserInputError
from cur_analyzer.reports._lines import MonthLines
from cur_analyzer.reports._view import ReportModel
from cur_analyzer.reports.chargeback import AdjustmentRow, check_month, check_scope

if TYPE_CHECKING:
    from cur_analyzer.engines import Engine
    from cur_analyzer.reports._unit_costs_cache import CacheRow
    from cur_analyzer.reports._view import Tabular
    from cur_analyzer.rules import Rules

ZERO = Decimal(0)
ONE_MILLION = Decimal(1_000_000)
#: The scope of the unit costs: Bedrock's lines (a token means nothing on an EC2 line).
SERVICE = "bedrock"


#: What each view breaks the spend down by when the caller names nothing.
DEFAULT_BY = {UnitCostView.TOKENS: ("model", "meter"), UnitCostView.CACHE: ("model",)}
#: Why a usage line has no token count: a meter that bills something else, or a unit that does not say
#: how many tokens it is (a Marketplace line billed in raw ``Units``).
NOT_A_TOKEN_METER = "other meter"
UNKNOWN_UNIT = "unknown unit"


@dataclass(frozen=True)
class TokenLine:
    """Usage lines at one token meter of one usage type, with their values per dimension: what both views
    group (the cache view matches a cache line with the input of the same model, region, tier, routing)."""

    values: tuple[str, ...]
    currency: str
    model: str
    region: str
    tier: str
    scope: str
    flags: tuple[str, ...]
    meter: str  # input, output, cache_read, cache_write (1-hour writes included)
    tokens: Decimal
    cost: Decimal
    lines: int


@dataclass(frozen=True)
class TokenRow:
    """Everything one value (per dimension) was billed at the token meters, in one currency."""

    values: tuple[str, ...]
    currency: str
    tokens: Decimal
    cost: Decimal
    lines: int

    @property
    def per_million(self) -> Decimal | None:
        """Cost per 1M tokens, unrounded; None without tokens."""
        return self.cost * ONE_MILLION / self.tokens if self.tokens else None


@dataclass(frozen=True)
class OtherRow:
    """Usage of one value that counts no tokens, with the reason (``NOT_A_TOKEN_METER``, ``UNKNOWN_UNIT``)."""

    values: tuple[str, ...]
    reason: str
    currency: str
    cost: Decimal
    lines: int


@dataclass
class UnitCosts(ReportModel):
    month: str
    cost_basis: str
    view: str
    dimensions: tuple[str, ...]
    token_lines: list[TokenLine]
    tokens: list[TokenRow]
    others: list[OtherRow]
    adjustments: list[AdjustmentRow]
    final: bool
    notes: list[str] = field(default_factory=list)

    @property
    def currencies(self) -> list[str]:
        found = {r.currency for r in self.tokens} | {r.currency for r in self.others}
        return sorted(found | {a.currency for a in self.adjustments})

    def _sum(self, rows: Sequence[TokenRow | OtherRow | AdjustmentRow]) -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for r in rows:
            out[r.currency] += r.cost
        return dict(out)

    def token_totals(self) -> dict[str, Decimal]:
        return self._sum(self.tokens)

    def other_totals(self) -> dict[str, Decimal]:
        return self._sum(self.others)

    def adjustment_totals(self) -> dict[str, Decimal]:
        return self._sum(self.adjustments)

    def totals(self) -> dict[str, Decimal]:
        """The month's Bedrock total per currency: token rows + other rows + adjustments."""
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for part in (self.token_totals(), self.other_totals(), self.adjustment_totals()):
            for currency, amount in part.items():
                out[currency] += amount
        return dict(out)

    @property
    def total(self) -> Decimal | None:
        """The month's Bedrock total when it is in one currency (else see ``totals()``)."""
        totals = self.totals()
        return next(iter(totals.values())) if len(totals) == 1 else (ZERO if not totals else None)

    def cache(self) -> list[CacheRow]:
        """Per value (per dimension) and currency: input and cache tokens, and what the cache saved."""
        from cur_analyzer.reports._unit_costs_cache import cache_rows

        return cache_rows(self.token_lines)[0]

    def cache_notes(self) -> list[str]:
        """How the cache view matched input rates: the tokens compared at a wider match, or with none."""
        from cur_analyzer.reports._unit_costs_cache import cache_rows

        return cache_rows(self.token_lines)[1]

    def as_table(self) -> Tabular:
        from cur_analyzer.reports._unit_costs_view import tabular

        return tabular(self)


def check_view(view: str) -> UnitCostView:
    try:
        return UnitCostView(view)
    except ValueError:
        choices = ", ".join(v.value for v in UnitCostView)
        raise UserInputError(f"view must be one of {choices} (got {view!r})", option="view") from None


def build_unit_costs(
    engine: Engine,
    month: str,
    by: Sequence[str] | None = None,
    view: str = UnitCostView.TOKENS,
    cost_basis: str = "unblended",
    rules: Rules | None = None,
) -> UnitCosts:
    chosen = check_view(view)
    check_scope(SERVICE, cost_basis)
    rules_names = tuple(rules.dimensions) if rules else ()
    dims = [parse_dimension(spec, rules_names) for spec in (by or DEFAULT_BY[chosen])]
    check_month(engine, month)
    if any(d.kind in PRINCIPAL_GRAINS for d in dims) and not engine.capabilities().iam_principal:
        raise UserInputError(schema.IAM_OPTION_HINT)
    lines = read_lines(engine, month, dims, rules, cost_basis)
    if any(d.kind == DAY.kind for d in dims) and not lines.tells_days:
        from cur_analyzer.granularity import refuse_days

        raise refuse_days(month)
    return unit_costs_of(lines, dims, chosen)


#: What every unit cost reads besides the dimensions asked for: the usage type (meter, tier, region,
#: routing) and the model (a Marketplace line names it only in its product name).
_ALWAYS = (Dimension("model", "model"), Dimension("usage-type", "usage-type"))


def read_lines(
    engine: Engine, month: str, dims: Sequence[Dimension], rules: Rules | None, cost_basis: str
) -> MonthLines:
    """The month's Bedrock lines at the grain of ``dims``, the usage type and the pricing unit."""
    from cur_analyzer.rules import LinePlan

    caps = engine.capabilities()
    read = [*dims, *(d for d in _ALWAYS if d not in dims)]
    plan = LinePlan(read, rules, has_resource_ids=caps.has("resource_id"))
    params = plan.params(month, SERVICE, cost_basis, pricing_unit=True)
    records = query_rows(engine, "attribution_lines", params)
    return MonthLines(engine, month, SERVICE, cost_basis, plan, caps, records)


def unit_costs_of(lines: MonthLines, dims: Sequence[Dimension], view: UnitCostView) -> UnitCosts:
    """The unit costs by ``dims`` (some of the dimensions the lines were read for)."""
    plan = lines.plan.cut(dims)
    token_lines: list[TokenLine] = []
    others: dict[tuple[tuple[str, ...], str, str], list] = defaultdict(lambda: [ZERO, 0])
    adjust: dict[tuple[str, str], list] = defaultdict(lambda: [ZERO, 0])
    unknown_units: set[str] = set()
    for rec in lines.records:
        cost = rec["cost"] if rec["cost"] is not None else ZERO
        if rec["line_item_type"] not in USAGE_LINE_TYPES:
            acc = adjust[(rec["line_item_type"] or "(blank)", rec["currency"])]
        else:
            values = plan.resolve(rec)[0]
            token_line, reason = _token_line(rec, values, cost)
            if token_line is not None:
                token_lines.append(token_line)
                continue
            if reason == UNKNOWN_UNIT:
                unknown_units.add(str(rec.get("pricing_unit")))
            acc = others[(values, reason, rec["currency"])]
        acc[0] += cost
        acc[1] += int(rec["line_count"])
    report = UnitCosts(
        lines.month,
        lines.cost_basis,
        view.value,
        tuple(d.spec for d in dims),
        token_lines,
        _token_rows(token_lines),
        sorted(
            (OtherRow(v, why, cur, c, n) for (v, why, cur), (c, n) in others.items()),
            key=lambda r: (r.currency, -r.cost, r.values, r.reason),
        ),
        sorted(
            (AdjustmentRow(t, cur, c, n) for (t, cur), (c, n) in adjust.items()),
            key=lambda a: (a.currency, a.line_item_type),
        ),
        lines.final,
    )
    report.notes += _notes(lines, unknown_units)
    return report


def _token_line(
    rec: dict[str, Any], values: tuple[str, ...], cost: Decimal
) -> tuple[TokenLine | None, str | None]:
    """The token line of a usage row, or None and why it counts no tokens."""
    from cur_analyzer.bedrock.usage_types import parse_usage_type

    parsed = parse_usage_type(rec["usage_type"])
    if not parsed.is_token_meter:
        return None, NOT_A_TOKEN_METER
    # the reconciliation's reading of a pricing unit: both count the same tokens in a line
    from cur_analyzer.reports.reconcile._model import tokens_per_unit

    per_unit = tokens_per_unit(rec.get("pricing_unit"))
    if per_unit is None:
        return None, UNKNOWN_UNIT
    model = label(_ALWAYS[0], rec["usage_type"], rec.get("product_name")) or rec["usage_type"]
    line = TokenLine(
        values,
        rec["currency"],
        model,
        parsed.region or parsed.region_code or "",
        parsed.tier,
        parsed.scope,
        parsed.flags,
        meter_of(parsed),
        _count((rec["usage_amount"] or ZERO) * per_unit),
        cost,
        int(rec["line_count"]),
    )
    return line, None


def _count(tokens: Decimal) -> Decimal:
    """A token count without the trailing zeros of the SQL's scale (``381173``, not ``381173.0000000000``)."""
    whole = tokens.to_integral_value()
    return whole if tokens == whole else tokens.normalize()


def _token_rows(token_lines: Sequence[TokenLine]) -> list[TokenRow]:
    acc: dict[tuple[tuple[str, ...], str], list] = defaultdict(lambda: [ZERO, ZERO, 0])
    for t in token_lines:
        a = acc[(t.values, t.currency)]
        a[0] += t.tokens
        a[1] += t.cost
        a[2] += t.lines
    rows = [TokenRow(v, cur, tokens, cost, n) for (v, cur), (tokens, cost, n) in acc.items()]
    rows.sort(key=lambda r: (r.currency, -r.cost, r.values))
    return rows


def _notes(lines: MonthLines, unknown_units: set[str]) -> list[str]:
    notes = []
    if unknown_units:
        notes.append(
            f"token meters billed in units that do not say how many tokens they are "
            f"({', '.join(sorted(unknown_units))}): their cost is on the '{UNKNOWN_UNIT}' rows, not in a rate"
        )
    if lines.cost_basis.startswith("net-") and not lines.caps.net:
        notes.append(f"the export has no net columns: {lines.cost_basis} falls back to the gross values")
    if not lines.final:
        notes.append(
            f"{lines.month} is not final (no invoice id yet): figures will change until AWS closes the month"
        )
    return notes + lines.engine.notes
