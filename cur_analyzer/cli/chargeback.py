"""``cur-analyzer chargeback``: who spent what in a month, summing to the invoice."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from cur_analyzer.choices import CostBasis, ServiceScope
from cur_analyzer.cli._app import command, progress
from cur_analyzer.cli._inputs import open_analyzer
from cur_analyzer.cli._options import (
    ByOpt,
    CheckOpt,
    CostBasisOpt,
    CurOpt,
    EngineOpt,
    FormatOpt,
    MonthOpt,
    OutputOpt,
    PrecisionOpt,
    RulesOpt,
    ServiceOpt,
)

if TYPE_CHECKING:
    from cur_analyzer.rules import Rules

FailOverBudgetOpt = Annotated[
    bool,
    typer.Option("--fail-over-budget", help="Exit 1 when a value of the --by dimension is over budget."),
]
ProvenanceOpt = Annotated[
    bool,
    typer.Option(
        "--provenance",
        help="One row per value and source (aip_tag:team, principal_tag:team, split:even:Tax...) instead of "
        "one row per value with a money column per source beside its cost.",
    ),
]


@command
def chargeback(
    month: MonthOpt,
    by: ByOpt = None,
    service: ServiceOpt = ServiceScope.BEDROCK,
    cost_basis: CostBasisOpt = CostBasis.UNBLENDED,
    rules: RulesOpt = None,
    fail_over_budget: FailOverBudgetOpt = False,
    provenance: ProvenanceOpt = False,
    check: CheckOpt = False,
    cur: CurOpt = None,
    engine: EngineOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    precision: PrecisionOpt = 2,
) -> None:
    """Who spent what in a month: cost per principal, tag, account, model... summing to the invoice."""
    from cur_analyzer.errors import ThresholdFailed
    from cur_analyzer.render import render
    from cur_analyzer.render.formats import report_format
    from cur_analyzer.reports._chargeback_view import tabular

    fmt = report_format(fmt, output)  # before any work: a name that contradicts the format fails at once
    dims = by or ["principal"]
    with progress(f"chargeback {month}…") as update:
        analyzer = open_analyzer(cur=cur, engine=engine, rules=rules, on_progress=update)
        if fail_over_budget:
            _needs_a_budget(analyzer.rules, dims)
        report = analyzer.chargeback(month, dims, service=service, cost_basis=cost_basis, check=check)
    render(tabular(report, provenance), fmt, output, precision)
    if fail_over_budget and (over := report.over_budget()):
        raise ThresholdFailed("over budget: " + "; ".join(b.describe() for b in over))


def _needs_a_budget(rule_set: Rules | None, dims: list[str]) -> None:
    """``--fail-over-budget`` is refused before any work when there is no budget to be over."""
    from cur_analyzer.errors import UserInputError

    if rule_set is None:
        raise UserInputError("--fail-over-budget needs a rules file with budgets: (--rules FILE)")
    if rule_set.budget_for(dims) is None:
        raise UserInputError(f"--fail-over-budget: the rules file has no budget for --by {', '.join(dims)}")
