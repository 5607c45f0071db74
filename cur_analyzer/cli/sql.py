"""``cur-analyzer sql``: the Athena SQL a report runs, with its parameters written in, ready to paste into
the Athena console. Nothing is read: the Analyzer builds the report over a dry-run engine and hands back
the queries with the values the report binds, so what is printed is what the report would run."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from cur_analyzer.choices import CostBasis, EstimateView, ServiceScope, SqlReport
from cur_analyzer.cli._app import command
from cur_analyzer.cli._inputs import open_analyzer
from cur_analyzer.cli._options import (
    ByOpt,
    CostBasisOpt,
    MonthOpt,
    OutputOpt,
    PackRequireOpt,
    RulesOpt,
    ServiceOpt,
)

#: command name -> the Analyzer method that builds it
_METHOD = {
    SqlReport.CHECK: "checks",
    SqlReport.EXPORT_FOCUS: "focus",
    SqlReport.REPORT: "monthly",
    SqlReport.UNIT_COSTS: "unit_costs",
}
#: the reports whose --by the sql command passes on
_BY = (SqlReport.CHARGEBACK, SqlReport.RECONCILE, SqlReport.ALLOCATE, SqlReport.EXPLAIN, SqlReport.UNIT_COSTS)

ReportArg = Annotated[SqlReport, typer.Argument(help="The report whose SQL to print.", show_default=False)]
ViewOpt = Annotated[EstimateView, typer.Option("--view", help="estimate: which view.")]
WithLogsOpt = Annotated[
    bool, typer.Option("--with-logs", help="alerts, report: include the queries over the invocation logs.")
]


def _options(
    report: SqlReport,
    by: list[str] | None,
    require: list[str] | None,
    service: ServiceScope,
    cost_basis: CostBasis,
    view: EstimateView,
    with_logs: bool,
) -> dict:
    """The options ``report``'s Analyzer method takes, from those given (the rest keep its defaults)."""
    given: dict[str, object] = {}
    if report in (*_BY, SqlReport.ALERTS) and by:
        given["by"] = by
    if report in (SqlReport.CHARGEBACK, SqlReport.COVERAGE, SqlReport.CHECK):
        given["service"] = service
    if report in (SqlReport.CHARGEBACK, SqlReport.COVERAGE):
        given["cost_basis"] = cost_basis
    if report == SqlReport.COVERAGE:
        given["require"] = require or ["team", "cost-center"]
    if report == SqlReport.REPORT and require:
        given["require"] = require
    if report == SqlReport.ESTIMATE:
        given["view"] = view
    if report in (SqlReport.ALERTS, SqlReport.REPORT):
        given["logs"] = with_logs
    if report == SqlReport.CHECK:
        given["suites"] = ("cur", "logs") if with_logs else ("cur",)
    return given


@command
def sql(
    report: ReportArg,
    month: MonthOpt,
    by: ByOpt = None,
    require: PackRequireOpt = None,
    service: ServiceOpt = ServiceScope.BEDROCK,
    cost_basis: CostBasisOpt = CostBasis.UNBLENDED,
    view: ViewOpt = EstimateView.SPEND,
    with_logs: WithLogsOpt = False,
    rules: RulesOpt = None,
    output: OutputOpt = None,
) -> None:
    """Print the Athena SQL a report runs, parameters filled in: paste it into the Athena console."""
    from cur_analyzer.render import write_atomically

    analyzer = open_analyzer(rules=rules)
    options = _options(report, by, require, service, cost_basis, view, with_logs)
    queries = analyzer.queries(_METHOD.get(report, report.value), month, **options)
    text = "\n".join(
        f"-- {report.value} {month}, query {i} of {len(queries)}: athena/{q.name}.sql\n{q.paste_ready().rstrip()};\n"
        for i, q in enumerate(queries, 1)
    )
    if output is None:
        sys.stdout.write(text)  # plain text: SQL is never read as terminal markup
    else:
        write_atomically(output, text)
