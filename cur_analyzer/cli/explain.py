"""``cur-analyzer explain``: why the bill changed since another month, per value, in parts that add up."""

from __future__ import annotations

from typing import Annotated

import typer

from cur_analyzer.choices import CostBasis, ServiceScope
from cur_analyzer.cli._app import command, progress
from cur_analyzer.cli._inputs import open_analyzer
from cur_analyzer.cli._options import (
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

VsOpt = Annotated[
    str | None,
    typer.Option(
        "--vs", help="Billing period YYYY-MM to compare against. Default: the month before --month."
    ),
]
ExplainByOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--by",
        "-b",
        help="What to break the spend down by, repeatable in the other reports; explain takes one dimension "
        "as chargeback names it: principal, role, account, model, meter, region, iamPrincipal/<key>, "
        "tag/<key>, a rules-file dimension... Default: principal.",
    ),
]


@command
def explain(
    month: MonthOpt,
    vs: VsOpt = None,
    by: ExplainByOpt = None,
    service: ServiceOpt = ServiceScope.BEDROCK,
    cost_basis: CostBasisOpt = CostBasis.UNBLENDED,
    rules: RulesOpt = None,
    cur: CurOpt = None,
    engine: EngineOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    precision: PrecisionOpt = 2,
) -> None:
    """Why the bill changed since another month: per value, the change split into volume, mix, cache,
    price, other and attribution, which add up to it exactly."""
    from cur_analyzer.errors import UserInputError
    from cur_analyzer.render import render
    from cur_analyzer.render.formats import report_format

    fmt = report_format(fmt, output)  # before any work: a name that contradicts the format fails at once
    if by and len(by) > 1:
        raise UserInputError(
            f"explain splits the change by one dimension at a time (got --by {', --by '.join(by)})"
        )
    with progress(f"explain {month}…") as update:
        analyzer = open_analyzer(cur=cur, engine=engine, rules=rules, on_progress=update)
        report = analyzer.explain(
            month, vs, by[0] if by else "principal", service=service, cost_basis=cost_basis
        )
    render(report.as_table(), fmt, output, precision)
