"""The chargeback report model: who spent what in a month, summing to the month's total to the cent.

Built from the rows of ``athena/chargeback.sql`` (whichever engine ran it); no I/O, no rendering.
Conservation: attributed rows + the Unallocated row + adjustment rows == the month's total per currency.
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
from cur_analyzer.engines import Engine
from cur_analyzer.errors import UserInputError

if TYPE_CHECKING:
    from cur_analyzer.render import Tabular

COST_BASES = ("unblended", "net-unblended", "amortized", "net-amortized")
SERVICES = ("bedrock", "all")
MAX_TAG_DIMENSIONS = 4
ZERO = Decimal(0)


@dataclass(frozen=True)
class ChargebackRow:
    values: tuple[str, ...]  # one per dimension; UNALLOCATED where the lines have no value
    currency: str
    cost: Decimal
    lines: int

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
class Chargeback:
    month: str
    cost_basis: str
    service: str
    dimensions: tuple[str, ...]
    rows: list[ChargebackRow]
    adjustments: list[AdjustmentRow]
    final: bool
    notes: list[str] = field(default_factory=list)

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


def _tag_params(dims: Sequence[Dimension]) -> dict[str, object]:
    tag_dims = [d for d in dims if d.kind == "tag"]
    if len(tag_dims) > MAX_TAG_DIMENSIONS:
        raise UserInputError(f"at most {MAX_TAG_DIMENSIONS} tag dimensions per report (got {len(tag_dims)})")
    params: dict[str, object] = {}
    for i in range(MAX_TAG_DIMENSIONS):
        d = tag_dims[i] if i < len(tag_dims) else None
        params[f"tag{i + 1}_on"] = d is not None
        params[f"tag{i + 1}_key"] = d.tags_key if d else ""
        params[f"tag{i + 1}_resource_key"] = d.resource_key if d else ""
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
) -> Chargeback:
    if cost_basis not in COST_BASES:
        raise UserInputError(f"--cost-basis must be one of {', '.join(COST_BASES)} (got {cost_basis!r})")
    if service not in SERVICES:
        raise UserInputError(f"--service must be bedrock or all (got {service!r})")
    dims = [parse_dimension(spec) for spec in (by or ("principal",))]
    check_month(engine, month)
    caps = engine.capabilities()
    notes: list[str] = []
    if any(d.kind in PRINCIPAL_GRAINS for d in dims) and not caps.iam_principal:
        raise UserInputError(schema.IAM_OPTION_HINT)
    if any(d.kind == "tag" for d in dims) and not caps.tags:
        notes.append("the export has no `tags` column: principal and account tags read as Unallocated")
    if cost_basis.startswith("net-") and not caps.net:
        notes.append(f"the export has no net columns: {cost_basis} falls back to the gross values")

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
    table = engine.query("chargeback", params)
    rows, adjustments = _roll_up(table.to_pylist(), dims)
    final = month_is_final(engine, month)
    if not final:
        notes.append(
            f"{month} is not final (no invoice id yet): figures will change until AWS closes the month"
        )
    return Chargeback(
        month,
        cost_basis,
        service,
        tuple(d.spec for d in dims),
        rows,
        adjustments,
        final,
        notes + engine.notes,
    )


def _roll_up(
    records: list[dict], dims: Sequence[Dimension]
) -> tuple[list[ChargebackRow], list[AdjustmentRow]]:
    usage: dict[tuple[tuple[str, ...], str], list] = defaultdict(lambda: [ZERO, 0])
    adjust: dict[tuple[str, str], list] = defaultdict(lambda: [ZERO, 0])
    for rec in records:
        cost = rec["cost"] if rec["cost"] is not None else ZERO
        if rec["line_item_type"] not in USAGE_LINE_TYPES:
            acc = adjust[(rec["line_item_type"] or "(blank)", rec["currency"])]
        else:
            tag_values = iter((rec["tag1"], rec["tag2"], rec["tag3"], rec["tag4"]))
            values = tuple(
                label(d, next(tag_values) if d.kind == "tag" else rec[d.engine_column]) or UNALLOCATED
                for d in dims
            )
            acc = usage[(values, rec["currency"])]
        acc[0] += cost
        acc[1] += rec["line_count"]
    rows = [ChargebackRow(v, cur, c, n) for (v, cur), (c, n) in usage.items()]
    rows.sort(key=lambda r: (r.unallocated, r.currency, -r.cost, r.values))
    adjustments = [AdjustmentRow(t, cur, c, n) for (t, cur), (c, n) in adjust.items()]
    adjustments.sort(key=lambda a: (a.currency, a.line_item_type))
    return rows, adjustments


def tabular(cb: Chargeback) -> Tabular:
    """The rows a renderer shows: attributed, then Unallocated, then adjustments (and a Total line)."""
    from cur_analyzer.render import Tabular

    multi = len(cb.currencies) > 1
    dims = list(cb.dimensions)
    columns = [*dims, *(["currency"] if multi else []), "cost", "share", "lines", "kind"]
    usage_total = cb.usage_totals()
    rows: list[dict] = []
    for r in cb.rows:
        base = usage_total.get(r.currency) or ZERO
        rows.append(
            {
                **dict(zip(dims, r.values, strict=True)),
                "currency": r.currency,
                "cost": r.cost,
                "share": f"{(r.cost / base * 100):.1f}%" if base else "",
                "lines": r.lines,
                "kind": "unallocated" if r.unallocated else "attributed",
            }
        )
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
    return Tabular(
        title=f"Chargeback {cb.month} by {', '.join(dims)}",
        columns=columns,
        rows=rows,
        money_columns=("cost",),
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
        "notes": cb.notes,
    }
