"""``cur-analyzer unit-costs``: cost per 1M tokens and what prompt caching saved, from the bill alone."""

from __future__ import annotations

from typing import Annotated

import typer

from cur_analyzer.choices import CostBasis, UnitCostView
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
)

UnitByOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--by",
        "-b",
        help="What to break the spend down by, repeatable: model, meter, pricing-model, region, "
        "token-type, usage-type, account, principal, day, a tag or a rules-file dimension (the dimensions "
        "of chargeback). Default: model and meter (tokens view), model (cache view).",
    ),
]
UnitViewOpt = Annotated[
    UnitCostView,
    typer.Option(
        "--view",
        help="What to show; tokens: cost per 1M tokens at the token meters, the rest of the bill on rows "
        "of its own; cache: input and cache-read tokens, the cache-read share and what the cache saved "
        "at the billed input rate, net of the cache-write premium.",
    ),
]


@command
def unit_costs(
    month: MonthOpt,
    by: UnitByOpt = None,
    view: UnitViewOpt = UnitCostView.TOKENS,
    cost_basis: CostBasisOpt = CostBasis.UNBLENDED,
    rules: RulesOpt = None,
    cur: CurOpt = None,
    engine: EngineOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    precision: PrecisionOpt = 2,
) -> None:
    """Amazon Bedrock unit costs from the bill alone: cost per 1M tokens per model and meter, cache savings."""
    from cur_analyzer.render import render
    from cur_analyzer.render.formats import report_format

    fmt = report_format(fmt, output)  # before any work: a name that contradicts the format fails at once
    with progress(f"unit costs {month}…") as update:
        analyzer = open_analyzer(cur=cur, engine=engine, rules=rules, on_progress=update)
        report = analyzer.unit_costs(month, by, view=view, cost_basis=cost_basis)
    render(report.as_table(), fmt, output, precision)
