"""The views both renderers show (``render.html``, ``render._pack_xlsx``): the pack's tables in reading
order, with the facts their words need. Money stays exact ``Decimal``; no words here — a heading, an intro
or a caption is looked up by the renderers from the view's key and facts, a sentence in a cell is a
``Phrase``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cur_analyzer.reports.monthly._model import HUNDRED, ZERO, Phrase
from cur_analyzer.reports.monthly._more_views import allocation_view, change_view

if TYPE_CHECKING:
    from cur_analyzer.reports.monthly._model import MonthlyReport, Spend

#: The first column of each spend cut's table.
SPEND_LABEL_COLUMN = {"team": "team", "principal": "caller", "model": "model", "token-type": "meter"}


@dataclass
class PackView:
    """One view of the pack (a chart over its table in HTML, a sheet in xlsx). ``facts``: the values its
    title, intro and column headings need; ``omitted``: the phrase shown instead of the view when an input
    is missing. A cell or a footer line is a value or a ``Phrase``. Percent columns hold numbers (16.9 =
    16.9 %)."""

    key: str
    columns: list[str]
    rows: list[dict[str, Any]]
    money_columns: tuple[str, ...] = ()
    percent_columns: tuple[str, ...] = ()
    #: rows shown after a rule (adjustments and the Total)
    summary_rows: list[dict[str, Any]] = field(default_factory=list)
    #: lines shown under the table
    footer: list[str | Phrase] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    omitted: Phrase | None = None
    #: more tables of the same section, each a view of its own words, shown after this one's (the
    #: allocation by application and by end user, under the allocation by role)
    more: list[PackView] = field(default_factory=list)


def _pct(value: Decimal | None) -> Decimal | None:
    return None if value is None or not value.is_finite() else value


def _currency_column(report: MonthlyReport) -> list[str]:
    """A currency column only when the month was billed in more than one."""
    return ["currency"] if len(report.currencies) > 1 else []


def _adjustment_rows(spend: Spend, first: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {
            first: a.line_item_type,
            "currency": a.currency,
            "cost": a.cost,
            "share": _pct(spend.share_pct(a)),
            "lines": a.lines,
            "kind": "adjustment",
        }
        for a in spend.adjustments
    ]
    rows += [{first: "Total", "currency": c, "cost": t, "kind": "total"} for c, t in spend.totals.items()]
    return rows


def _short_principal(arn: str) -> str:
    """``arn:aws:sts::123:assumed-role/Chat/s1`` -> ``assumed-role/Chat/s1`` (the chart label)."""
    return arn.split(":", 5)[5] if arn.count(":") >= 5 else arn


def _principal_columns(row: dict[str, Any], value: str, no_value: bool) -> None:
    """The caller shortened for the chart, with its account and full ARN beside it."""
    from cur_analyzer.bedrock.principals import parse_principal

    p = parse_principal(value) if not no_value else None
    row["caller"] = _short_principal(value) if p else value
    row["account"] = p.account if p else ""
    row["principal"] = value if p else ""


def _spend_view(report: MonthlyReport, cut: str) -> PackView:
    spend = report.spend[cut]
    first = SPEND_LABEL_COLUMN[cut]
    has_shared = any(r.shared for r in spend.rows)
    has_via = any(r.via for r in spend.rows)
    rows = []
    for r in spend.rows:
        row: dict[str, Any] = {
            first: r.value,
            "currency": r.currency,
            "cost": r.cost,
            "share": _pct(spend.share_pct(r)),
            "lines": r.lines,
            # not a column: the Unallocated row, told apart from a tag value that reads "Unallocated"
            "no_value": r.no_value,
        }
        if cut == "principal":
            _principal_columns(row, r.value, r.no_value)
        if has_shared:
            row |= {"attributed": r.attributed, "shared": r.shared}
        if has_via:
            row["via"] = ", ".join(r.via)
        rows.append(row)
    columns = [first, *(["account", "principal"] if cut == "principal" else [])]
    columns += [*_currency_column(report), "cost", *(["attributed", "shared"] if has_shared else [])]
    columns += ["share", "lines", *(["via"] if has_via else [])]
    return PackView(
        key=cut,
        columns=columns,
        rows=rows,
        money_columns=("cost", "attributed", "shared"),
        percent_columns=("share",),
        summary_rows=_adjustment_rows(spend, first),
        footer=list(spend.notes),
        facts={"team_dimension": report.team_dimension, "dimension": spend.dimension},
    )


def _metric(name: str, value: Any, unit: str | Phrase, kind: str, **facts: Any) -> dict[str, Any]:
    """A headline figure: ``name`` says which (its words and how a card is toned), ``kind`` how to show
    its value (money, percent, count or text)."""
    return {
        "name": name,
        "metric": Phrase(f"summary.metric.{name}", facts),
        "value": value,
        "unit": unit,
        "kind": kind,
    }


def _summary_view(report: MonthlyReport) -> PackView:
    cur = report.currency
    rows = [
        _metric("total", report.total, cur, "money"),
        _metric("usage", report.usage_total, cur, "money"),
        _metric("adjustments", report.total - report.usage_total, cur, "money"),
        _metric(
            "unallocated_team",
            report.team.unallocated.get(cur, ZERO),
            cur,
            "money",
            team_dimension=report.team_dimension,
        ),
        _metric("unallocated_principal", report.spend["principal"].unallocated.get(cur, ZERO), cur, "money"),
    ]
    for key, source, pct in report.headline_coverage():
        rows.append(_metric("coverage", _pct(pct), "%", "percent", key=key, source=source))
    if report.budgets:
        over = [s.value for s in report.over_budget]
        rows.append(
            _metric("over_budget", len(over), Phrase("summary.unit.over_budget", {"over": over}), "count")
        )
    if report.reconciliation is not None:
        rec = report.reconciliation
        rows.append(_metric("estimated", rec.estimated_cost, cur, "money"))
        rows.append(_metric("gap", rec.billed_cost - rec.estimated_cost, cur, "money"))
    status = "final" if report.final else "not_final"
    rows += [
        _metric("check_errors", len(report.checks.errors), Phrase("summary.unit.errors"), "count"),
        _metric("check_warnings", len(report.checks.warnings), Phrase("summary.unit.warnings"), "count"),
        _metric(
            "status",
            Phrase(f"summary.status.{status}"),
            Phrase(f"summary.unit.status_{status}"),
            "text",
        ),
    ]
    return PackView(
        key="summary",
        columns=["metric", "value", "unit"],
        rows=rows,
        facts={"month": report.month, "cost_basis": report.cost_basis},
    )


def _budget_view(report: MonthlyReport) -> PackView:
    multi = len(report.budgets) > 1
    rows = []
    for b in report.budgets:
        for s in b.statuses:
            rows.append(
                {
                    "dimension": b.dimension,
                    "value": s.value,
                    "currency": s.currency,
                    "budget": s.budget,
                    "spend": s.spend,
                    "used": _pct(s.used_pct),
                    "remaining": None if s.budget is None else s.budget - s.spend,
                    "status": "OVER" if s.over else ("no budget" if s.budget is None else "within"),
                }
            )
    dim = report.budgets[0].dimension if report.budgets else report.team_dimension
    return PackView(
        key="budgets",
        columns=[
            *(["dimension"] if multi else []),
            "value",
            "budget",
            "spend",
            "used",
            "remaining",
            "status",
        ],
        rows=rows,
        money_columns=("budget", "spend", "remaining"),
        percent_columns=("used",),
        facts={"dimension": dim, "multi": multi},
        omitted=report.omitted.get("budgets"),
    )


def _daily_summary(report: MonthlyReport) -> list[dict[str, Any]]:
    """Usage, then each adjustment line of a day, then the Total (with the estimate beside the usage)."""
    summary: list[dict[str, Any]] = [
        {"day": "Usage", "currency": c, "billed": t}
        for c, t in report.spend["principal"].usage_totals.items()
    ]
    summary += [
        {"day": f"{a.line_item_type} ({a.day})", "currency": a.currency, "billed": a.cost, "lines": a.lines}
        for a in report.daily_adjustments
    ]
    summary += [{"day": "Total", "currency": c, "billed": t} for c, t in report.totals.items()]
    rec = report.reconciliation
    if rec is not None:
        summary[0] |= {"estimated": rec.estimated_cost, "gap": rec.billed_cost - rec.estimated_cost}
    return summary


def _daily_view(report: MonthlyReport) -> PackView:
    logs = report.reconciliation is not None
    rows = []
    for d in report.daily:
        row: dict[str, Any] = {"day": d.day, "currency": d.currency, "billed": d.billed, "lines": d.lines}
        if logs:
            row |= {"estimated": d.estimated, "gap": d.billed - (d.estimated or ZERO)}
        rows.append(row)
    return PackView(
        key="daily",
        columns=[
            "day",
            *_currency_column(report),
            "billed",
            "lines",
            *(["estimated", "gap"] if logs else []),
        ],
        rows=rows,
        money_columns=("billed", "estimated", "gap"),
        summary_rows=[] if "daily" in report.omitted else _daily_summary(report),
        facts={"logs": logs},
        omitted=report.omitted.get("daily"),
    )


def _coverage_view(report: MonthlyReport) -> PackView:
    cov = report.coverage
    rows = [
        {
            "key": r.key,
            "source": r.source,
            "currency": r.currency,
            "tagged": r.tagged,
            "untagged": r.untagged,
            "coverage": _pct(r.pct),
        }
        for r in cov.totals()
    ]
    return PackView(
        key="coverage",
        columns=["key", "source", *_currency_column(report), "tagged", "untagged", "coverage"],
        rows=rows,
        money_columns=("tagged", "untagged"),
        percent_columns=("coverage",),
        footer=[p.describe() for p in cov.hygiene] or [Phrase("coverage.footer.clean")],
        facts={"keys": list(cov.keys)},
    )


def _untagged_view(report: MonthlyReport) -> PackView:
    """The offenders per key (those past the top as one "N more" row per kind), then per key and currency
    the untagged total they add up to."""
    coverage = report.coverage
    offenders = [*coverage.untagged, *coverage.not_listed]
    keys = sorted({(o.key, o.currency) for o in offenders})
    totals = [
        {"key": "Total", "id": f"{key}, {currency}", "uncovered_cost": coverage.untagged_total(key, currency)}
        for key, currency in keys
    ]
    return PackView(
        key="untagged",
        columns=["key", "kind", "id", "account", "untagged_cost", "uncovered_cost", "lines"],
        rows=[o.as_row() for o in offenders],
        money_columns=("untagged_cost", "uncovered_cost"),
        summary_rows=totals,
    )


def _reconciliation_view(report: MonthlyReport) -> PackView:
    rec = report.reconciliation
    columns = ["cause", "amount", "share"]
    if rec is None:
        return PackView(
            key="reconciliation",
            columns=columns,
            rows=[],
            facts={"logs": False},
            omitted=report.omitted.get("reconciliation"),
        )
    gap = rec.billed_cost - rec.estimated_cost
    causes = rec.explained_by_cause()
    unexplained = gap - sum(causes.values(), ZERO)
    rows = [
        {"cause": cause, "amount": amount, "share": _pct(amount / gap * HUNDRED) if gap else None}
        for cause, amount in [*causes.items(), ("unexplained", unexplained)]
    ]
    days = [(status, n) for status, n in rec.status_counts().items() if n]
    return PackView(
        key="reconciliation",
        columns=columns,
        rows=rows,
        money_columns=("amount",),
        percent_columns=("share",),
        summary_rows=[
            {"name": "billed", "cause": Phrase("reconciliation.caption.billed"), "amount": rec.billed_cost},
            {
                "name": "estimated",
                "cause": Phrase("reconciliation.caption.estimated"),
                "amount": rec.estimated_cost,
            },
            {"name": "gap", "cause": Phrase("reconciliation.caption.gap"), "amount": gap},
        ],
        footer=[
            Phrase("reconciliation.footer.days", {"days": days, "period": rec.granularity.period}),
            Phrase("reconciliation.footer.tolerance", {"tolerance_pct": rec.tolerance_pct}),
        ],
        facts={"logs": True},
    )


def _checks_view(report: MonthlyReport) -> PackView:
    c = report.checks
    rows = [
        {
            "suite": r.suite,
            "check": r.check,
            "status": r.status,
            "severity": r.severity,
            "failing": _pct(Decimal(str(r.failing_pct))) if r.failing_pct is not None else None,
            "checked": r.checked,
            "rule": r.description,
            "examples": ", ".join(r.examples) if r.examples else (r.note or ""),
        }
        for r in c.results
    ]
    verdict = {
        "suites": list(c.suites),
        "ok": c.ok,
        "errors": len(c.errors),
        "warnings": len(c.warnings),
        "frames": dict(c.frames),
    }
    return PackView(
        key="checks",
        columns=["suite", "check", "status", "severity", "failing", "checked", "rule", "examples"],
        rows=rows,
        percent_columns=("failing",),
        footer=[Phrase("checks.footer.verdict", verdict)],
        facts={"logs": "logs" in c.suites},
    )


def _notes_view(report: MonthlyReport) -> PackView:
    rows: list[dict[str, Any]] = [{"report": src, "note": text} for src, text in report.notes]
    rows += [{"report": section, "note": phrase} for section, phrase in report.omitted.items()]
    return PackView(key="notes", columns=["report", "note"], rows=rows)


def views(report: MonthlyReport) -> list[PackView]:
    """The pack's views in reading order (``SECTIONS``)."""
    return [
        _summary_view(report),
        _spend_view(report, "team"),
        change_view(report),
        _budget_view(report),
        _spend_view(report, "principal"),
        _spend_view(report, "model"),
        _daily_view(report),
        _spend_view(report, "token-type"),
        _coverage_view(report),
        _untagged_view(report),
        _reconciliation_view(report),
        allocation_view(report),
        _checks_view(report),
        _notes_view(report),
    ]
