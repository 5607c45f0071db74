"""The monthly pack: one report model holding every view FinOps sends to finance and team leads.

Built by calling the existing report builders once per view (no SQL or money maths of its own beyond
grouping rows they return): ``build_chargeback`` by team, principal, model and token type (plus once per
other budgeted dimension of the rules file), ``athena/bedrock_daily.sql`` for the daily trend,
``build_coverage`` for the required keys, ``build_reconciliation`` by day when invocation logs are given,
and ``run_checks`` for the data-quality summary. No I/O, no rendering: ``views()`` turns the model into the
tables both renderers (``render.html``, ``render._pack_xlsx``) show; money stays exact ``Decimal`` here.

A section that needs an input the user did not give (logs, a rules file with budgets) is still listed, with
a sentence saying what is missing (``MonthlyReport.omitted``); nothing is left out silently.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cur_analyzer.attribution import UNALLOCATED, USAGE_LINE_TYPES, validate_month
from cur_analyzer.engines import Engine
from cur_analyzer.render import Tabular

if TYPE_CHECKING:
    from cur_analyzer.bedrock.models import ProfileMap
    from cur_analyzer.bedrock.pricing import PriceTable
    from cur_analyzer.checks import CheckReport
    from cur_analyzer.reports.chargeback import AdjustmentRow, Chargeback
    from cur_analyzer.reports.coverage import Coverage
    from cur_analyzer.reports.reconcile import Reconciliation
    from cur_analyzer.rules import BudgetStatus, Rules

ZERO = Decimal(0)
HUNDRED = Decimal(100)
DEFAULT_REQUIRE = ("team", "cost-center")
#: The four chargeback cuts of the pack, by their ``--by`` (the team one is decided at build time).
SPEND_CUTS = ("team", "principal", "model", "token-type")
SECTIONS = (
    "summary",
    "team",
    "budgets",
    "principal",
    "model",
    "daily",
    "token-type",
    "coverage",
    "untagged",
    "reconciliation",
    "checks",
    "notes",
)


# --- the model -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SpendRow:
    """One value of a chargeback cut, summed over the rows of that value (all ``attributed_via`` sources)."""

    value: str
    currency: str
    cost: Decimal
    #: the part of ``cost`` that came from shared-cost splits of the rules file
    shared: Decimal
    lines: int
    #: the rules-file sources that decided (``principal_tag:team, aip_tag:team``), empty without rules
    via: tuple[str, ...] = ()

    @property
    def attributed(self) -> Decimal:
        return self.cost - self.shared


@dataclass
class Spend:
    """One chargeback cut of the month: its values, its adjustment rows and its totals."""

    dimension: str
    rows: list[SpendRow]
    adjustments: list[AdjustmentRow]
    totals: dict[str, Decimal]
    usage_totals: dict[str, Decimal]
    unallocated: dict[str, Decimal]
    notes: list[str]

    @classmethod
    def of(cls, cb: Chargeback) -> Spend:
        acc: dict[tuple[str, str], list] = {}
        for r in cb.rows:
            a = acc.setdefault((r.values[0], r.currency), [ZERO, ZERO, 0, []])
            a[0] += r.cost
            if r.via is not None and "split:" in r.via:
                a[1] += r.cost
            elif r.via is not None and r.via not in a[3]:
                a[3].append(r.via)
            a[2] += r.lines
        rows = [
            SpendRow(value, cur, cost, shared, lines, tuple(via))
            for (value, cur), (cost, shared, lines, via) in acc.items()
        ]
        rows.sort(key=lambda r: (r.value == UNALLOCATED, r.currency, -r.cost, r.value))
        return cls(
            cb.dimensions[0],
            rows,
            list(cb.adjustments),
            cb.totals(),
            cb.usage_totals(),
            cb.unallocated(),
            list(cb.notes),
        )

    def share_pct(self, row: SpendRow) -> Decimal | None:
        base = self.usage_totals.get(row.currency) or ZERO
        return row.cost / base * HUNDRED if base else None


@dataclass(frozen=True)
class DayRow:
    day: str
    currency: str
    billed: Decimal  # usage lines of the day (unblended)
    lines: int
    estimated: Decimal | None = None  # invocation-log estimate of the day (with logs)


@dataclass(frozen=True)
class DayAdjustment:
    day: str
    line_item_type: str
    currency: str
    cost: Decimal
    lines: int


@dataclass
class Budgets:
    dimension: str
    statuses: list[BudgetStatus]


@dataclass
class MonthlyReport:
    month: str
    generated_at: dt.datetime
    final: bool
    team_dimension: str
    spend: dict[str, Spend]  # SPEND_CUTS -> the cut
    daily: list[DayRow]
    daily_adjustments: list[DayAdjustment]
    budgets: list[Budgets]
    coverage: Coverage
    reconciliation: Reconciliation | None
    checks: CheckReport
    #: what the report was built from (shown in its header): cur, logs, rules, profiles, engine
    inputs: dict[str, str] = field(default_factory=dict)
    #: section -> the sentence shown instead of it (a missing input, never a silent gap)
    omitted: dict[str, str] = field(default_factory=dict)
    #: (report, note), every note of every report, once each, in the order they were built
    notes: list[tuple[str, str]] = field(default_factory=list)
    cost_basis: str = "unblended"

    @property
    def team(self) -> Spend:
        return self.spend["team"]

    @property
    def totals(self) -> dict[str, Decimal]:
        """The month's Bedrock total per currency (every cut has the same; tests hold them to it)."""
        return self.team.totals

    @property
    def currencies(self) -> list[str]:
        return sorted(self.totals)

    @property
    def currency(self) -> str:
        return self.currencies[0] if self.currencies else "USD"

    @property
    def usage_total(self) -> Decimal:
        return self.spend["principal"].usage_totals.get(self.currency, ZERO)

    @property
    def total(self) -> Decimal:
        return self.totals.get(self.currency, ZERO)

    def headline_coverage(self) -> list[tuple[str, str, Decimal | None]]:
        """Per required key: (key, source, coverage %) — the rules dimension of that name when the rules
        file defines one, else ``any`` tag source."""
        out = []
        for key in self.coverage.keys:
            source = "rules" if key in self.coverage.rules_keys else "any"
            row = next(
                (
                    r
                    for r in self.coverage.totals()
                    if r.key == key and r.source == source and r.currency == self.currency
                ),
                None,
            )
            out.append((key, source, row.pct if row else None))
        return out

    @property
    def over_budget(self) -> list[BudgetStatus]:
        return [s for b in self.budgets for s in b.statuses if s.over]


# --- building it -----------------------------------------------------------------------------------------
def build_monthly(
    engine: Engine,
    month: str,
    *,
    rules: Rules | None = None,
    require: Sequence[str] = DEFAULT_REQUIRE,
    logs: bool = False,
    prices: PriceTable | None = None,
    profiles: ProfileMap | None = None,
    tolerance_pct: Decimal | float | str = 1,
    inputs: dict[str, str] | None = None,
    generated_at: dt.datetime | None = None,
    on_step: Callable[[str], None] | None = None,
) -> MonthlyReport:
    """The month's pack. ``logs``: invocation logs are available to the engine (adds the reconciliation
    and the daily estimate); ``rules``: team from its ``team`` dimension, budgets from its budgets."""
    from cur_analyzer.checks import run_checks
    from cur_analyzer.reports.chargeback import build_chargeback, check_month
    from cur_analyzer.reports.chargeback import tabular as chargeback_tabular
    from cur_analyzer.reports.coverage import build_coverage
    from cur_analyzer.reports.reconcile import build_reconciliation

    step = on_step or (lambda _text: None)
    validate_month(month)
    check_month(engine, month)
    generated_at = generated_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    omitted: dict[str, str] = {}
    notes: list[tuple[str, str]] = []

    def note(source: str, texts: Sequence[str]) -> None:
        for t in texts:
            if (source, t) not in notes and t not in {n for _, n in notes}:
                notes.append((source, t))

    team_dim = "team" if rules is not None and "team" in rules.dimensions else "iamPrincipal/team"
    if team_dim != "team":
        note(
            "report",
            [
                "team is the IAM principal tag iamPrincipal/team: "
                + (
                    "no rules file was given (--rules FILE)"
                    if rules is None
                    else "the rules file defines no `team` dimension"
                )
            ],
        )
    chargebacks: dict[str, Chargeback] = {}
    for cut, by in zip(SPEND_CUTS, (team_dim, "principal", "model", "token-type"), strict=True):
        step(f"chargeback by {by}")
        chargebacks[cut] = build_chargeback(engine, month, [by], "bedrock", "unblended", rules=rules)
        note(f"chargeback by {by}", chargeback_tabular(chargebacks[cut]).footer)
    spend = {cut: Spend.of(cb) for cut, cb in chargebacks.items()}

    budgets: list[Budgets] = []
    if rules is None:
        omitted["budgets"] = (
            "No rules file was given (--rules FILE), so there are no budgets to compare the spend with."
        )
    elif not rules.budgets:
        omitted["budgets"] = f"The rules file {rules.path or ''} defines no budgets (its budgets: section)."
    else:
        by_dim = {cb.dimensions[0]: cb for cb in chargebacks.values()}
        for dim in rules.budgets:
            cb = by_dim.get(dim)
            if cb is None:
                step(f"chargeback by {dim} (budgets)")
                cb = by_dim[dim] = build_chargeback(engine, month, [dim], "bedrock", "unblended", rules=rules)
                note(f"chargeback by {dim}", chargeback_tabular(cb).footer)
            budgets.append(Budgets(dim, list(cb.budgets)))

    step("daily trend")
    daily_usage: dict[tuple[str, str], list] = defaultdict(lambda: [ZERO, 0])
    daily_adjustments: list[DayAdjustment] = []
    for r in engine.query("bedrock_daily", {"month": month}).to_pylist():
        cost = r["cost"] if r["cost"] is not None else ZERO
        if r["line_item_type"] in USAGE_LINE_TYPES:
            acc = daily_usage[(r["day"], r["currency"])]
            acc[0] += cost
            acc[1] += int(r["line_count"])
        else:
            daily_adjustments.append(
                DayAdjustment(
                    r["day"], r["line_item_type"] or "(blank)", r["currency"], cost, int(r["line_count"])
                )
            )

    step(f"coverage of {', '.join(require)}")
    coverage = build_coverage(engine, month, list(require), "bedrock", "unblended", rules=rules)
    note("coverage", coverage.notes)

    reconciliation = None
    estimated: dict[str, Decimal] = {}
    if logs:
        step("reconciliation against the invocation logs")
        reconciliation = build_reconciliation(engine, month, ["day"], tolerance_pct, prices, profiles)
        note("reconciliation", reconciliation.notes)
        estimated = {r.values["day"]: r.estimated_cost for r in reconciliation.rows}
    else:
        omitted["reconciliation"] = (
            "Invocation logs were not given (--logs PATH), so there is no estimate to reconcile the bill "
            "with and no gap by cause."
        )
    for day in estimated:  # a day with log records and no bill still shows its estimate
        if not any(d == day for d, _ in daily_usage):
            daily_usage[(day, "USD")]  # the price table is in USD
    daily = [
        DayRow(day, cur, cost, lines, estimated.get(day, ZERO) if logs else None)
        for (day, cur), (cost, lines) in sorted(daily_usage.items())
    ]

    step("data checks")
    checks = run_checks(engine, month, ("cur", "logs") if logs else ("cur",), service="bedrock")
    note("checks", checks.notes)
    if not logs:
        note("checks", ["the invocation-log checks did not run: no --logs given"])

    return MonthlyReport(
        month=month,
        generated_at=generated_at,
        final=chargebacks["team"].final,
        team_dimension=team_dim,
        spend=spend,
        daily=daily,
        daily_adjustments=daily_adjustments,
        budgets=budgets,
        coverage=coverage,
        reconciliation=reconciliation,
        checks=checks,
        inputs=dict(inputs or {}),
        omitted=omitted,
        notes=notes,
    )


# --- the views both renderers show ------------------------------------------------------------------------
@dataclass
class PackView(Tabular):
    """One table of the pack (a chart in HTML, a sheet in xlsx). ``omitted``: the sentence shown instead
    when an input is missing. ``labels``: column headings. Percent columns hold numbers (16.9 = 16.9 %)."""

    key: str = ""
    intro: str = ""
    omitted: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    percent_columns: tuple[str, ...] = ()

    def label(self, column: str) -> str:
        return self.labels.get(column, column.replace("_", " "))


def _pct(value: Decimal | None) -> Decimal | None:
    return None if value is None or not value.is_finite() else value


def _adjustment_rows(spend: Spend, first: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        {
            first: a.line_item_type,
            "currency": a.currency,
            "cost": a.cost,
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


def _spend_view(report: MonthlyReport, cut: str) -> PackView:
    from cur_analyzer.bedrock.principals import parse_principal

    spend = report.spend[cut]
    first = {"team": "team", "principal": "caller", "model": "model", "token-type": "meter"}[cut]
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
        }
        if cut == "principal":
            p = parse_principal(r.value) if r.value != UNALLOCATED else None
            row[first] = _short_principal(r.value) if p else r.value
            row["account"] = p.account if p else ""
            row["principal"] = r.value if p else ""
        if has_shared:
            row |= {"attributed": r.attributed, "shared": r.shared}
        if has_via:
            row["via"] = ", ".join(r.via)
        rows.append(row)
    columns = [first]
    if cut == "principal":
        columns += ["account", "principal"]
    columns += (["currency"] if len(report.currencies) > 1 else []) + ["cost"]
    columns += ["attributed", "shared"] if has_shared else []
    columns += ["share", "lines"] + (["via"] if has_via else [])
    titles = {
        "team": "Spend by team" + ("" if report.team_dimension == "team" else f" ({report.team_dimension})"),
        "principal": "Spend by IAM principal",
        "model": "Spend by model",
        "token-type": "Input, output and cache",
    }
    intros = {
        "team": (
            "Bedrock spend per team"
            + (
                ", from the rules file's team dimension (the first source that gives a line a value "
                "decides; 'attributed via' names it). Shared costs (Unallocated, tax…) are split across the "
                "teams as the rules file says."
                if report.team_dimension == "team"
                else " from the IAM principal tag iamPrincipal/team; lines without it are Unallocated."
            )
        ),
        "principal": "Bedrock spend per caller (IAM user, role session, federated user); "
        "Unallocated: lines with no caller identity.",
        "model": "Bedrock spend per model, from the usage type.",
        "token-type": "Billed spend per meter (input, output, cache read, cache write 5-minute and 1-hour).",
    }
    return PackView(
        title=titles[cut],
        columns=columns,
        rows=rows,
        money_columns=("cost", "attributed", "shared"),
        summary_rows=_adjustment_rows(spend, first),
        footer=list(spend.notes),
        key=cut,
        intro=intros[cut],
        labels={"share": "share %", "via": "attributed via", "meter": "meter"},
        percent_columns=("share",),
        document={"dimension": spend.dimension},
    )


def _summary_view(report: MonthlyReport) -> PackView:
    cur = report.currency
    adjustments = report.total - report.usage_total
    rows: list[dict[str, Any]] = [
        {"metric": "Bedrock total (as invoiced)", "value": report.total, "unit": cur, "kind": "money"},
        {"metric": "Usage", "value": report.usage_total, "unit": cur, "kind": "money"},
        {
            "metric": "Adjustments (tax, credits, discounts…)",
            "value": adjustments,
            "unit": cur,
            "kind": "money",
        },
        {
            "metric": "Unallocated by team"
            + ("" if report.team_dimension == "team" else f" ({report.team_dimension})"),
            "value": report.team.unallocated.get(cur, ZERO),
            "unit": cur,
            "kind": "money",
        },
        {
            "metric": "Unallocated by principal (no caller identity)",
            "value": report.spend["principal"].unallocated.get(cur, ZERO),
            "unit": cur,
            "kind": "money",
        },
    ]
    for key, source, pct in report.headline_coverage():
        rows.append(
            {"metric": f"Coverage of {key} ({source})", "value": _pct(pct), "unit": "%", "kind": "percent"}
        )
    if report.budgets:
        over = report.over_budget
        rows.append(
            {
                "metric": "Over budget",
                "value": len(over),
                "unit": ", ".join(s.value for s in over) or "nobody",
                "kind": "count",
            }
        )
    if report.reconciliation is not None:
        rec = report.reconciliation
        rows += [
            {
                "metric": "Estimated from invocation logs",
                "value": rec.estimated_cost,
                "unit": cur,
                "kind": "money",
            },
            {
                "metric": "Gap (billed − estimated)",
                "value": rec.billed_cost - rec.estimated_cost,
                "unit": cur,
                "kind": "money",
            },
        ]
    rows += [
        {
            "metric": "Data checks failed",
            "value": len(report.checks.errors),
            "unit": "errors",
            "kind": "count",
        },
        {
            "metric": "Data check warnings",
            "value": len(report.checks.warnings),
            "unit": "warnings",
            "kind": "count",
        },
        {
            "metric": "Month status",
            "value": "final" if report.final else "NOT final",
            "unit": "" if report.final else "no invoice id yet: figures will change",
            "kind": "text",
        },
    ]
    return PackView(
        title=f"Amazon Bedrock {report.month}: summary",
        columns=["metric", "value", "unit"],
        rows=rows,
        money_columns=(),
        key="summary",
        intro=f"Amazon Bedrock, {report.cost_basis} cost, billing period {report.month}.",
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
        title="Budget use",
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
        key="budgets",
        intro=f"Monthly budgets of the rules file against this month's spend per {dim} "
        "(shared costs included, as charged back).",
        omitted=report.omitted.get("budgets"),
        labels={"value": dim if not multi else "value", "used": "used %"},
        percent_columns=("used",),
    )


def _daily_view(report: MonthlyReport) -> PackView:
    logs = report.reconciliation is not None
    rows = []
    for d in report.daily:
        row: dict[str, Any] = {"day": d.day, "currency": d.currency, "billed": d.billed, "lines": d.lines}
        if logs:
            row |= {"estimated": d.estimated, "gap": d.billed - (d.estimated or ZERO)}
        rows.append(row)
    summary: list[dict[str, Any]] = [
        {"day": "Usage", "currency": c, "billed": t}
        for c, t in report.spend["principal"].usage_totals.items()
    ]
    summary += [
        {"day": f"{a.line_item_type} ({a.day})", "currency": a.currency, "billed": a.cost, "lines": a.lines}
        for a in report.daily_adjustments
    ]
    summary += [{"day": "Total", "currency": c, "billed": t} for c, t in report.totals.items()]
    if logs:
        rec = report.reconciliation
        summary[0] |= {"estimated": rec.estimated_cost, "gap": rec.billed_cost - rec.estimated_cost}
    return PackView(
        title="Daily trend",
        columns=[
            "day",
            *(["currency"] if len(report.currencies) > 1 else []),
            "billed",
            "lines",
            *(["estimated", "gap"] if logs else []),
        ],
        rows=rows,
        money_columns=("billed", "estimated", "gap"),
        summary_rows=summary,
        key="daily",
        intro="Billed Bedrock usage per usage day"
        + (
            ", with the invocation-log estimate (tokens × the price table) beside it."
            if logs
            else " (no invocation logs given: no estimate beside it)."
        )
        + " Adjustments are not usage of a day: they are listed under the table.",
        labels={"billed": "billed usage", "estimated": "estimated (logs)", "gap": "gap (billed − est.)"},
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
        title="Tag coverage",
        columns=[
            "key",
            "source",
            *(["currency"] if len(report.currencies) > 1 else []),
            "tagged",
            "untagged",
            "coverage",
        ],
        rows=rows,
        money_columns=("tagged", "untagged"),
        footer=[p.describe() for p in cov.hygiene]
        or ["hygiene: no spelling variants, empty or disallowed values"],
        key="coverage",
        intro=f"Share of the month's Bedrock usage that carries each required key ({', '.join(cov.keys)}), per "
        "source: resource/AIP tag, principal tag, account tag, the rules dimension of that name, and any tag.",
        labels={"tagged": "tagged cost", "untagged": "untagged cost", "coverage": "coverage %"},
        percent_columns=("coverage",),
    )


def _untagged_view(report: MonthlyReport) -> PackView:
    rows = [
        {
            "key": o.key,
            "kind": o.kind,
            "id": o.id,
            "account": o.account or "",
            "untagged": o.untagged,
            "uncovered": o.uncovered,
            "lines": o.lines,
        }
        for o in report.coverage.untagged
    ]
    return PackView(
        title="Who is untagged",
        columns=["key", "kind", "id", "account", "untagged", "uncovered", "lines"],
        rows=rows,
        money_columns=("untagged", "uncovered"),
        key="untagged",
        intro="Principals, inference profiles and resources whose spend lacks a required key at their own "
        "source; uncovered: the part no source tags at all.",
        labels={"untagged": "untagged cost", "uncovered": "uncovered cost"},
    )


def _reconciliation_view(report: MonthlyReport) -> PackView:
    rec = report.reconciliation
    if rec is None:
        return PackView(
            title="Estimated vs billed: the gap by cause",
            columns=["cause", "amount", "share"],
            rows=[],
            key="reconciliation",
            omitted=report.omitted.get("reconciliation"),
        )
    gap = rec.billed_cost - rec.estimated_cost
    causes = rec.explained_by_cause()
    unexplained = gap - sum(causes.values(), ZERO)
    rows = [
        {"cause": c, "amount": a, "share": _pct(a / gap * HUNDRED) if gap else None}
        for c, a in causes.items()
    ]
    rows.append(
        {
            "cause": "unexplained",
            "amount": unexplained,
            "share": _pct(unexplained / gap * HUNDRED) if gap else None,
        }
    )
    counts = rec.status_counts()
    return PackView(
        title="Estimated vs billed: the gap by cause",
        columns=["cause", "amount", "share"],
        rows=rows,
        money_columns=("amount",),
        summary_rows=[
            {"cause": "Billed (CUR usage)", "amount": rec.billed_cost},
            {"cause": "Estimated (invocation logs)", "amount": rec.estimated_cost},
            {"cause": "Gap (billed − estimated)", "amount": gap},
        ],
        footer=[
            "days: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n),
            f"tolerance {rec.tolerance_pct}% of the billed cost",
        ],
        key="reconciliation",
        intro="What the invocation logs priced with the price table leave unexplained in the bill, split into "
        "the causes that explain it (logging off, batch tier, 1-hour cache writes, cross-region rates…).",
        labels={"amount": "explains", "share": "share of gap %"},
        percent_columns=("share",),
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
    verdict = "all error checks pass" if c.ok else f"{len(c.errors)} error check(s) failed"
    return PackView(
        title="Data quality",
        columns=["suite", "check", "status", "severity", "failing", "checked", "rule", "examples"],
        rows=rows,
        footer=[
            f"{', '.join(c.suites)}: {verdict}, {len(c.warnings)} warning(s); "
            + ", ".join(f"{k}: {v:,} rows" for k, v in c.frames.items())
        ],
        key="checks",
        intro="The great-expectations checks (checks/*.json) on the month's Bedrock CUR lines"
        + (" and invocation-log records." if "logs" in c.suites else " (no invocation logs given)."),
        labels={"failing": "failing %"},
        percent_columns=("failing",),
    )


def _notes_view(report: MonthlyReport) -> PackView:
    rows = [{"report": src, "note": text} for src, text in report.notes]
    rows += [{"report": section, "note": text} for section, text in report.omitted.items()]
    return PackView(
        title="Notes",
        columns=["report", "note"],
        rows=rows,
        key="notes",
        intro="Every note of every report in this pack, and every section left out with why.",
    )


def views(report: MonthlyReport) -> list[PackView]:
    """The pack's tables in reading order (``SECTIONS``)."""
    return [
        _summary_view(report),
        _spend_view(report, "team"),
        _budget_view(report),
        _spend_view(report, "principal"),
        _spend_view(report, "model"),
        _daily_view(report),
        _spend_view(report, "token-type"),
        _coverage_view(report),
        _untagged_view(report),
        _reconciliation_view(report),
        _checks_view(report),
        _notes_view(report),
    ]
