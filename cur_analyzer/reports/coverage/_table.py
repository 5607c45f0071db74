"""The coverage report as renderers see it: the JSON document (every row, offender and problem) and one of
two tables, the ``coverage`` view (overall, per-account and per-service coverage) or the ``offenders``
view (who answers for the untagged spend, adding up to it)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from cur_analyzer.errors import UserInputError
from cur_analyzer.reports.coverage._model import (
    OFFENDER_KINDS,
    PCT_QUANTUM,
    Coverage,
    CoverageRow,
    CoverageView,
    Offender,
)
from cur_analyzer.text import money

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


def _offender_doc(o: Offender) -> dict:
    return {
        "key": o.key,
        "kind": o.kind,
        "id": o.id,
        "account": o.account,
        "untagged_cost": o.untagged,
        "uncovered_cost": o.uncovered,
        "lines": o.lines,
        "currency": o.currency,
    }


def document(cov: Coverage) -> dict:
    """The whole report, whichever view the table shows: coverage rows, offenders and hygiene."""
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
        "untagged": [_offender_doc(o) for o in cov.untagged],
        "untagged_not_listed": [{**_offender_doc(o), "offenders": o.count} for o in cov.not_listed],
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
                "coverage": pct,
            }
        )
    return rows


def _measured(cov: Coverage) -> str:
    scope = "Amazon Bedrock" if cov.service == "bedrock" else "all services"
    return f"{cov.month} · {scope} · {cov.cost_basis} cost · usage lines · keys {', '.join(cov.keys)}"


def _hygiene_lines(cov: Coverage) -> list[str]:
    if cov.hygiene:
        return [f"hygiene: {p.describe()}" for p in cov.hygiene]
    return ["hygiene: no spelling variants, empty or disallowed values"]


def _who_answers(cov: Coverage) -> list[str]:
    """Per key and currency with untagged spend: how much, and that the offenders view says who."""
    lines = []
    for key in cov.keys:
        for r in cov.totals():
            if r.key == key and r.source == "any" and r.untagged:
                found = sum(
                    o.count
                    for o in [*cov.untagged, *cov.not_listed]
                    if (o.key, o.currency) == (key, r.currency)
                )
                lines.append(
                    f"{key}: {money(r.untagged, r.currency)} untagged by every source, answered for by "
                    f"{found} offender(s): the offenders view lists them"
                )
    return lines


def _coverage_table(cov: Coverage, columns_before: list[str]) -> Tabular:
    from cur_analyzer.reports._view import Tabular

    return Tabular(
        title=f"Tag coverage {cov.month}",
        columns=[*columns_before, "tagged_cost", "untagged_cost", "coverage"],
        rows=_table_rows(cov),
        money_columns=("tagged_cost", "untagged_cost"),
        percent_columns=("coverage",),
        footer=[_measured(cov), *_who_answers(cov), *_hygiene_lines(cov), *cov.notes],
        document=document(cov),
    )


def _offender_rows(cov: Coverage) -> list[dict]:
    """Per key, the listed offenders kind by kind, each kind's ``N more`` row after them."""
    rows = []
    for key in cov.keys:
        for kind in OFFENDER_KINDS:
            rows += [o.as_row() for o in cov.untagged if (o.key, o.kind) == (key, kind)]
            rows += [o.as_row() for o in cov.not_listed if (o.key, o.kind) == (key, kind)]
    return rows


def _untagged_totals(cov: Coverage) -> list[dict]:
    """Per key and currency the untagged total the ``uncovered_cost`` above adds up to."""
    return [
        {
            "key": r.key,
            "kind": "total",
            "id": "untagged by every source",
            "currency": r.currency,
            "uncovered_cost": r.untagged,
        }
        for r in cov.totals()
        if r.source == "any"
    ]


def _offenders_table(cov: Coverage, multi: bool) -> Tabular:
    from cur_analyzer.reports._view import Tabular

    return Tabular(
        title=f"Untagged spend by offender {cov.month}",
        columns=[
            "key",
            "kind",
            "id",
            "account",
            *(["currency"] if multi else []),
            "untagged_cost",
            "uncovered_cost",
            "lines",
        ],
        rows=_offender_rows(cov),
        money_columns=("untagged_cost", "uncovered_cost"),
        summary_rows=_untagged_totals(cov),
        footer=[
            _measured(cov),
            "untagged_cost: the offender's spend without the key at its own source (its principal tags, its "
            "resource or profile tags)",
            "uncovered_cost: the part no source tags, each dollar once: under its caller, else its resource, "
            "else no-caller-no-resource (usage of an account and service with neither); per key they add "
            "up to the total",
            *cov.notes,
        ],
        document=document(cov),
    )


def tabular(cov: Coverage, view: str = CoverageView.COVERAGE) -> Tabular:
    """The ``coverage`` view: overall coverage per key and source, then by account and by service (``any``
    and ``rules`` only), hygiene in the footer. The ``offenders`` view: the offenders listed per key and
    kind, a row for the rest of each kind, and the untagged total they add up to. Both carry the whole
    report as their document."""
    multi = len({r.currency for r in cov.rows}) > 1
    if view == CoverageView.COVERAGE:
        return _coverage_table(cov, ["key", "scope", "source", *(["currency"] if multi else [])])
    if view == CoverageView.OFFENDERS:
        return _offenders_table(cov, multi)
    views = ", ".join(v.value for v in CoverageView)
    raise UserInputError(f"the coverage view must be one of {views} (got {view!r})", option="view")
