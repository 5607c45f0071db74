"""Building the monthly pack: the month's attributed lines read once, and the other report builders.

One ``attribution_lines.sql`` read (``reports._lines.MonthLines``) at the grain of every view, by day: the
chargeback by team, principal, model and token type (and by each other budgeted dimension of the rules
file), the budgets, the daily trend (a sentence instead on a monthly export, which has no days), the
rules coverage of the required keys, this month's side of the change since the previous month and
whether the month is final are all grouped from it (each cut from the lines summed up to the columns it
reads: ``_grain``).
``build_coverage`` (its tag sources), ``build_reconciliation`` by day when invocation logs are given,
``run_checks`` for the data-quality summary, ``build_explain`` (why the bill changed since the previous month,
per team: the previous month's lines, ``_change``) and ``build_allocation`` (by role, application and end
user, with logs) run their own queries. No SQL or money maths of its own beyond grouping the rows they
return.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from cur_analyzer.attribution import Dimension, parse_dimension, validate_month
from cur_analyzer.engines import Engine
from cur_analyzer.granularity import no_days
from cur_analyzer.reports._lines import DailyUsage, MonthLines
from cur_analyzer.reports.monthly._change import (
    CHANGE_GRAIN,
    LinesAhead,
    allocate,
    explain_change,
    has_previous,
    previous_month,
    team_dimension,
)
from cur_analyzer.reports.monthly._grain import cut_lines, without_days
from cur_analyzer.reports.monthly._model import (
    DEFAULT_REQUIRE,
    SPEND_CUTS,
    ZERO,
    Budgets,
    DayAdjustment,
    DayRow,
    MonthlyReport,
    Phrase,
    Spend,
)

if TYPE_CHECKING:
    from cur_analyzer.bedrock.models import ProfileMap
    from cur_analyzer.bedrock.pricing import PriceTable
    from cur_analyzer.checks import CheckReport
    from cur_analyzer.reports.allocate import Allocation
    from cur_analyzer.reports.chargeback import Chargeback
    from cur_analyzer.reports.explain import Explanation
    from cur_analyzer.reports.reconcile import Reconciliation
    from cur_analyzer.rules import Rules

#: The spend cut each of ``SPEND_CUTS`` is by, after the team one.
_OTHER_CUTS = ("principal", "model", "token-type")


@dataclass
class _Notes:
    """Every note of every report, once each (a text another report already said is not repeated)."""

    items: list[tuple[str, str | Phrase]] = field(default_factory=list)

    def add(self, source: str, texts: Sequence[str | Phrase]) -> None:
        for text in texts:
            if text not in [said for _, said in self.items]:
                self.items.append((source, text))


@dataclass
class _Build:
    """What every step of one build shares: the engine and month, the rules, the notes so far."""

    engine: Engine
    month: str
    rules: Rules | None
    step: Callable[[str], None]
    service: str = "bedrock"
    cost_basis: str = "unblended"
    #: the previous month's lines, read before this month was held (``_change.read_ahead``)
    ahead: LinesAhead = field(default_factory=dict)
    notes: _Notes = field(default_factory=_Notes)
    omitted: dict[str, Phrase] = field(default_factory=dict)

    def dimension(self, spec: str) -> Dimension:
        return parse_dimension(spec, tuple(self.rules.dimensions) if self.rules else ())

    def read_lines(self, specs: Sequence[str], coverage: Sequence[Dimension]) -> MonthLines:
        """The month's lines of the service scope at the cost basis, once, at the grain of every cut in
        ``specs`` (the change since the previous month's among them), of the rules coverage (``coverage``)
        and by day."""
        self.step("the month's Bedrock lines" if self.service == "bedrock" else "the month's lines")
        dims = list(dict.fromkeys([*(self.dimension(s) for s in specs), *coverage]))
        return MonthLines.read(
            self.engine, self.month, dims, self.rules, self.service, self.cost_basis, by_day=True
        )

    def chargeback(self, lines: MonthLines, by: str) -> Chargeback:
        """The chargeback by ``by``, from the lines summed up to the columns it reads."""
        from cur_analyzer.reports._chargeback_view import tabular as chargeback_tabular

        dims = [self.dimension(by)]
        cb = cut_lines(lines, dims).chargeback(dims)
        self.notes.add(f"chargeback by {by}", chargeback_tabular(cb).footer)
        return cb


def _team_dimension(build: _Build) -> str:
    """The rules file's ``team`` dimension, else the principal tag (and a note saying why)."""
    dim = team_dimension(build.rules)
    if dim != "team":
        why = "no_rules" if build.rules is None else "no_team_dimension"
        build.notes.add("report", [Phrase("notes.team_from_principal_tag", {"why": why})])
    return dim


def _change(build: _Build, lines: MonthLines) -> Explanation | None:
    """Why the bill changed since the previous month, per team, or why that is not told."""
    build.step(f"why the bill changed since {previous_month(build.month)}")
    change = explain_change(build.engine, lines, build.rules, build.ahead)
    if isinstance(change, Phrase):
        build.omitted["change"] = change
        return None
    build.notes.add("change since the month before", change.notes)
    return change


def _allocation(build: _Build, logs: bool, profiles: ProfileMap | None) -> Allocation | None:
    if not logs:
        build.omitted["allocation"] = Phrase("allocation.omitted.no_logs")
        return None
    build.step("allocation to the invocation-log records")
    allocation = allocate(build.engine, build.month, profiles)
    build.notes.add("allocation", allocation.notes)
    return allocation


def _spend_cuts(build: _Build, lines: MonthLines, team_dim: str) -> dict[str, Chargeback]:
    return {
        cut: build.chargeback(lines, by) for cut, by in zip(SPEND_CUTS, (team_dim, *_OTHER_CUTS), strict=True)
    }


def _budgets(build: _Build, lines: MonthLines, chargebacks: dict[str, Chargeback]) -> list[Budgets]:
    """One ``Budgets`` per budgeted dimension (a cut already built is reused), or why there are none."""
    rules = build.rules
    if rules is None:
        build.omitted["budgets"] = Phrase("budgets.omitted.no_rules")
        return []
    if not rules.budgets:
        build.omitted["budgets"] = Phrase("budgets.omitted.no_budgets", {"rules_file": rules.path or ""})
        return []
    by_dim = {cb.dimensions[0]: cb for cb in chargebacks.values()}
    budgets = []
    for dim in rules.budgets:
        cb = by_dim.get(dim)
        if cb is None:
            cb = by_dim[dim] = build.chargeback(lines, dim)
        budgets.append(Budgets(dim, list(cb.budgets)))
    return budgets


def _daily(lines: MonthLines) -> tuple[DailyUsage, list[DayAdjustment]]:
    """The month's billed usage per day and currency, and the adjustment lines per day."""
    usage, adjustments = lines.daily()
    return usage, [
        DayAdjustment(day, line_item_type, currency, cost, lines_)
        for (day, line_item_type, currency), (cost, lines_) in sorted(
            adjustments.items(), key=lambda kv: (kv[0][0] is None, kv[0][0] or "", *kv[0][1:])
        )
    ]


def _day_rows(
    usage: DailyUsage, estimated: dict[str, Decimal] | None, month: str, final: bool
) -> list[DayRow]:
    """One row per day of the month, in each currency billed: a day without usage shows 0, not a gap in
    the trend. An open month runs to its last day with usage or log records; a final one to its end. With
    logs given (``estimated`` not None), each day carries its estimate."""
    from cur_analyzer.period import BillingPeriod

    for day in estimated or {}:  # a day with log records and no bill still shows its estimate
        if not any(d == day for d, _ in usage):
            usage.setdefault((day, "USD"), [ZERO, 0])  # the price table is in USD
    if not usage:
        return []
    period = BillingPeriod.parse(month)
    last = period.last_day.isoformat() if final else max(d for d, _ in usage)
    days = [d.isoformat() for d in period.days() if d.isoformat() <= last]
    for cur in {c for _, c in usage}:
        for day in days:
            usage.setdefault((day, cur), [ZERO, 0])
    return [
        DayRow(day, cur, cost, lines, estimated.get(day, ZERO) if estimated is not None else None)
        for (day, cur), (cost, lines) in sorted(usage.items())
    ]


def _reconciliation(
    build: _Build,
    tolerance_pct: Decimal | float | str,
    prices: PriceTable | None,
    profiles: ProfileMap | None,
) -> Reconciliation:
    from cur_analyzer.reports.reconcile import build_reconciliation

    build.step("reconciliation against the invocation logs")
    rec = build_reconciliation(build.engine, build.month, ["day"], tolerance_pct, prices, profiles)
    build.notes.add("reconciliation", rec.notes)
    return rec


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
    service: str = "bedrock",
    cost_basis: str = "unblended",
    top: int = 10,
    checks: CheckReport | None = None,
    inputs: dict[str, str] | None = None,
    generated_at: dt.datetime | None = None,
    on_step: Callable[[str], None] | None = None,
    lines_ahead: LinesAhead | None = None,
) -> MonthlyReport:
    """The month's pack. ``logs``: invocation logs are available to the engine (adds the reconciliation,
    the daily estimate and the allocation); ``rules``: team from its ``team`` dimension, budgets from its
    budgets; ``service`` and ``cost_basis``: the lines and cost every cut, the coverage, the checks and the
    change since the previous month read; ``top``: the untagged offenders listed per key and kind;
    ``checks``: the month's data checks when they already ran (with the same suites and service), else
    they run here; ``lines_ahead``: the previous month's lines for why the bill changed, read before the
    engine held this month (``read_ahead``); without them the change reads them itself."""
    from cur_analyzer.checks import run_checks
    from cur_analyzer.reports.chargeback import check_month
    from cur_analyzer.reports.coverage import build_coverage, rules_dimensions

    validate_month(month)
    check_month(engine, month)
    generated_at = generated_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    build = _Build(
        engine, month, rules, on_step or (lambda _text: None), service, cost_basis, dict(lines_ahead or {})
    )

    team_dim = _team_dimension(build)
    if service != "bedrock":
        # the pack's own words name Amazon Bedrock: the reader is told what the figures cover instead
        build.notes.add(
            "report",
            [
                "every service's lines of the month, not Amazon Bedrock's alone; the invocation-log estimate "
                "and its reconciliation cover Bedrock only"
            ],
        )
    budgeted = list(rules.budgets) if rules else []
    # the change since the previous month groups this month's lines from this one read too
    change_grain = CHANGE_GRAIN if has_previous(engine, month) else ()
    lines = build.read_lines(
        [team_dim, *_OTHER_CUTS, *budgeted, *change_grain], rules_dimensions(require, rules)
    )
    by_cut = without_days(lines)  # every cut, and the change, is summed up from these
    chargebacks = _spend_cuts(build, by_cut, team_dim)
    budgets = _budgets(build, by_cut, chargebacks)
    daily_usage, daily_adjustments = _daily(lines)
    if not lines.tells_days:
        # a monthly export's lines all start on the month's first day: a trend over its days would show
        # the month as one day's spend
        build.omitted["daily"] = Phrase("daily.omitted.monthly_export", {"why": no_days(month)})
        daily_usage, daily_adjustments = {}, []

    build.step(f"coverage of {', '.join(require)}")
    coverage = build_coverage(
        engine, month, list(require), service, cost_basis, rules=rules, top=top, lines=lines
    )
    build.notes.add("coverage", coverage.notes)

    change = _change(build, by_cut)
    reconciliation = None
    if logs:
        reconciliation = _reconciliation(build, tolerance_pct, prices, profiles)
    else:
        build.omitted["reconciliation"] = Phrase("reconciliation.omitted.no_logs")
    allocation = _allocation(build, logs, profiles)
    estimated = (
        {r.values["day"]: r.estimated_cost for r in reconciliation.rows}
        if reconciliation is not None and "daily" not in build.omitted
        else None
    )

    if checks is None:
        build.step("data checks")
        checks = run_checks(engine, month, ("cur", "logs") if logs else ("cur",), service=service)
    build.notes.add("checks", checks.notes)
    if not logs:
        build.notes.add("checks", [Phrase("notes.log_checks_not_run")])

    return MonthlyReport(
        month=month,
        generated_at=generated_at,
        final=lines.final,
        team_dimension=team_dim,
        spend={cut: Spend.of(cb) for cut, cb in chargebacks.items()},
        daily=_day_rows(daily_usage, estimated, month, lines.final) if "daily" not in build.omitted else [],
        daily_adjustments=daily_adjustments,
        budgets=budgets,
        coverage=coverage,
        reconciliation=reconciliation,
        checks=checks,
        inputs=dict(inputs or {}),
        omitted=build.omitted,
        notes=build.notes.items,
        cost_basis=cost_basis,
        change=change,
        allocation=allocation,
    )
