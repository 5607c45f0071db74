"""The audit commands: ``coverage`` (tag coverage and hygiene, ``--fail-under`` for CI) and ``alerts`` (the
GenAI FinOps alarms on the bill and the invocation logs)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cur_analyzer.choices import CostBasis, CoverageSource, CoverageView, ServiceScope
from cur_analyzer.cli._app import command, progress
from cur_analyzer.cli._inputs import open_analyzer, period_text
from cur_analyzer.cli._options import (
    CheckOpt,
    CostBasisOpt,
    CurOpt,
    EngineOpt,
    FormatOpt,
    LogsOpt,
    MonthOpt,
    OptionalMonthOpt,
    OutputOpt,
    PrecisionOpt,
    PricesOpt,
    ProfilesOpt,
    RequireOpt,
    RulesOpt,
    ServiceOpt,
    SpenderByOpt,
    TopOpt,
    finite_percent,
)

if TYPE_CHECKING:
    from cur_analyzer.reports.alerts import Alerts
    from cur_analyzer.reports.coverage import Coverage
    from cur_analyzer.rules import Rules

FailUnderOpt = Annotated[
    float | None,
    typer.Option(
        "--fail-under",
        min=0,
        max=100,
        callback=finite_percent,
        help="Exit 1 when a key's coverage is below PCT percent (for CI).",
    ),
]
FailOnOpt = Annotated[
    CoverageSource,
    typer.Option("--fail-on", help="Which coverage --fail-under checks: any source, or one of them."),
]
CoverageViewOpt = Annotated[
    CoverageView,
    typer.Option(
        "--view",
        help="What to show: coverage per key and source (coverage), or who answers for the untagged "
        "spend, adding up to it (offenders). json carries both.",
    ),
]
DaysOpt = Annotated[
    int | None, typer.Option("--days", min=1, help="Check the last N days up to the newest data.")
]


@command
def coverage(
    month: MonthOpt,
    require: RequireOpt,
    service: ServiceOpt = ServiceScope.BEDROCK,
    cost_basis: CostBasisOpt = CostBasis.UNBLENDED,
    fail_under: FailUnderOpt = None,
    fail_on: FailOnOpt = CoverageSource.ANY,
    top: TopOpt = 10,
    view: CoverageViewOpt = CoverageView.COVERAGE,
    rules: RulesOpt = None,
    check: CheckOpt = False,
    cur: CurOpt = None,
    engine: EngineOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    precision: PrecisionOpt = 2,
) -> None:
    """Tag coverage: what share of the spend carries each required tag key, and who is untagged.

    Per source (resource/AIP tags, principal tags, account tags, the rules-file dimension of that name)
    and overall, by account and by service; tag hygiene (keys spelled several ways, empty or disallowed
    values). --view offenders: who answers for the untagged spend, every dollar of it. Exits 1 below
    --fail-under."""
    from cur_analyzer.render import render
    from cur_analyzer.render.formats import report_format
    from cur_analyzer.reports.coverage import tabular

    fmt = report_format(fmt, output)  # before any work: a name that contradicts the format fails at once
    with progress(f"coverage {month}…") as update:
        analyzer = open_analyzer(cur=cur, engine=engine, rules=rules, on_progress=update)
        if fail_under is not None and fail_on == CoverageSource.RULES:
            _rules_name_every_key(analyzer.rules, require)
        report = analyzer.coverage(
            month, require, service=service, cost_basis=cost_basis, top=top, check=check
        )
    render(tabular(report, view), fmt, output, precision)
    if fail_under is not None:
        _fail_below(report, fail_under, fail_on)


def _rules_name_every_key(rule_set: Rules | None, require: list[str]) -> None:
    """``--fail-on rules`` needs a rules-file dimension for every required key: said before any work."""
    from cur_analyzer.errors import UserInputError

    missing = [k for k in require if rule_set is None or k not in rule_set.dimensions]
    if missing:
        raise UserInputError(
            f"--fail-on rules: no rules-file dimension named {', '.join(missing)} (--rules FILE)"
        )


def _fail_below(report: Coverage, fail_under: float, fail_on: CoverageSource) -> None:
    from decimal import Decimal

    from cur_analyzer.errors import ThresholdFailed

    threshold = Decimal(str(fail_under))
    below = report.below(threshold, fail_on)
    if below:
        raise ThresholdFailed(
            f"coverage below {threshold}% ({fail_on}): " + "; ".join(f"{r.key} {r.pct:.2f}%" for r in below)
        )


@command
def alerts(
    month: OptionalMonthOpt = None,
    days: DaysOpt = None,
    by: SpenderByOpt = None,
    logs: LogsOpt = None,
    prices: PricesOpt = None,
    profiles: ProfilesOpt = None,
    rules: RulesOpt = None,
    cur: CurOpt = None,
    engine: EngineOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    precision: PrecisionOpt = 2,
) -> None:
    """GenAI FinOps alarms on the bill and the invocation logs; exits 1 when any fires.

    Daily cost and spender spikes against their trailing average, one model's share of spend, spend on
    failed calls, input:output token ratio, oversized calls. Thresholds in the rules file's alerts:."""
    from cur_analyzer.errors import UserInputError
    from cur_analyzer.render import render
    from cur_analyzer.render.formats import report_format
    from cur_analyzer.reports.alerts import tabular

    fmt = report_format(fmt, output)  # before any work: a name that contradicts the format fails at once
    if (month is None) == (days is None):
        raise UserInputError("alerts needs either --month YYYY-MM or --days N (not both)")
    if month is not None:
        period_text(month)
    with progress("alerts…") as update:
        analyzer = open_analyzer(
            cur=cur,
            logs=logs,
            engine=engine,
            rules=rules,
            prices=prices,
            profiles=profiles,
            on_progress=update,
        )
        report = analyzer.alerts(month, days=days, by=by, logs=bool(logs))
    render(tabular(report), fmt, output, precision)
    if report.fired:
        _fail_fired(report)


def _fail_fired(report: Alerts) -> None:
    from cur_analyzer.errors import ThresholdFailed

    shown = "; ".join(f"{a.rule} {a.subject}" + (f" {a.day}" if a.day else "") for a in report.alerts[:5])
    more = f" (+{len(report.alerts) - 5} more)" if len(report.alerts) > 5 else ""
    raise ThresholdFailed(f"{len(report.alerts)} alert(s) fired: {shown}{more}")
