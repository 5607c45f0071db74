"""The coverage report as renderers see it: the JSON document (every row, offender and problem) and the
table of overall, per-account and per-service coverage with offenders and hygiene in the footer."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from cur_analyzer.reports.coverage._model import OFFENDER_KINDS, PCT_QUANTUM, Coverage, CoverageRow

if TYPE_CHECKING:
    from cur_analyzer.reports._view import Tabular


def _pct(value: Decimal | None) -> Decimal | None:
    return value.quantize(PCT_QUANTUM) if value is not None else None


def _row_doc(r: CoverageRow) -> dict:
    return {
        "key": r.key,
        "source": r.source,
        "tagged_cost": r.tagged,
        "untagged_cost": r.untagged,
        "coverage_pct": _pct(r.pct),
        "currency": r.currency,
    }


def document(cov: Coverage) -> dict:
    currencies = sorted({r.currency for r in cov.rows})
    return {
        "report": "coverage",
        "month": cov.month,
        "service": cov.service,
        "cost_basis": cov.cost_basis,
        "currency": currencies[0] if len(currencies) == 1 else None,
        "keys": list(cov.keys),
        "final": cov.final,
        "rows": [_row_doc(r) for r in cov.totals()],
        "by_account": [{"account": r.scope_value, **_row_doc(r)} for r in cov.rows if r.scope == "account"],
        "by_service": [{"service": r.scope_value, **_row_doc(r)} for r in cov.rows if r.scope == "service"],
        "untagged": [
            {
                "key": o.key,
                "kind": o.kind,
                "id": o.id,
                "account": o.account,
                "untagged_cost": o.untagged,
                "uncovered_cost": o.uncovered,
                "lines": o.lines,
                "currency": o.currency,
            }
            for o in cov.untagged
        ],
        "hygiene": [
            {
                "key": p.key,
                "problem": p.problem,
                "source": p.source,
                "spelling": p.spelling,
                "value": p.value,
                "cost": p.cost,
                "lines": p.lines,
            }
            for p in cov.hygiene
        ],
        "adjustments_excluded": cov.adjustments,
        "notes": cov.notes,
    }


def _table_rows(cov: Coverage) -> list[dict]:
    """Every overall row; of the breakdowns only ``any`` and ``rules`` (the rest is in the document)."""
    rows = []
    for r in cov.rows:
        if r.scope != "total" and r.source not in ("any", "rules"):
            continue
        pct = _pct(r.pct)
        rows.append(
            {
                "key": r.key,
                "scope": "total" if r.scope == "total" else f"{r.scope} {r.scope_value}",
                "source": r.source,
                "currency": r.currency,
                "tagged_cost": r.tagged,
                "untagged_cost": r.untagged,
                "coverage": f"{pct}%" if pct is not None else "",
            }
        )
    return rows


def _footer(cov: Coverage, top: int) -> list[str]:
    """What was measured, the ``top`` offenders per key and kind, hygiene problems, then the notes."""
    scope = "Amazon Bedrock" if cov.service == "bedrock" else "all services"
    footer = [f"{cov.month} · {scope} · {cov.cost_basis} cost · usage lines · keys {', '.join(cov.keys)}"]
    for key in cov.keys:
        for kind in OFFENDER_KINDS:
            offs = [o for o in cov.untagged if o.key == key and o.kind == kind][:top]
            if offs:
                footer.append(
                    f"{kind}s without {key}: "
                    + "; ".join(f"{o.id} {o.untagged:,.2f} (uncovered {o.uncovered:,.2f})" for o in offs)
                )
    if cov.hygiene:
        footer += [f"hygiene: {p.describe()}" for p in cov.hygiene]
    else:
        footer.append("hygiene: no spelling variants, empty or disallowed values")
    footer += cov.notes
    return footer


def tabular(cov: Coverage, top: int = 5) -> Tabular:
    """Overall coverage per key and source, then by account and by service (``any`` and ``rules``
    only); offenders and hygiene problems in the footer (all of it is in ``--format json``)."""
    from cur_analyzer.reports._view import Tabular

    multi = len({r.currency for r in cov.rows}) > 1
    columns = [
        "key",
        "scope",
        "source",
        *(["currency"] if multi else []),
        "tagged_cost",
        "untagged_cost",
        "coverage",
    ]
    return Tabular(
        title=f"Tag coverage {cov.month}",
        columns=columns,
        rows=_table_rows(cov),
        money_columns=("tagged_cost", "untagged_cost"),
        footer=_footer(cov, top),
        document=document(cov),
    )
