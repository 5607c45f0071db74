"""Commands over the invocation logs: ``estimate`` (priced log views) and ``reconcile`` (estimate vs bill)."""

from __future__ import annotations

from typing import Annotated

import typer

from cur_analyzer.choices import EstimateView
from cur_analyzer.cli._app import command, progress
from cur_analyzer.cli._inputs import open_analyzer
from cur_analyzer.cli._options import (
    CheckOpt,
    CurOpt,
    EngineOpt,
    FormatOpt,
    LogsOpt,
    MonthOpt,
    OutputOpt,
    PrecisionOpt,
    PricesOpt,
    ProfilesOpt,
    ReconcileByOpt,
    RulesOpt,
    StrictLogsOpt,
    finite_percent,
)

ViewOpt = Annotated[
    EstimateView,
    typer.Option(
        "--view",
        help="What to show; prompts: caching opportunities, waste: large input with tiny output, "
        "failed: spend on failed calls.",
    ),
]
ShowPromptsOpt = Annotated[bool, typer.Option("--show-prompts", help="Show prompt text in the prompts view.")]
ToleranceOpt = Annotated[
    float,
    typer.Option("--tolerance", callback=finite_percent, help="A row matches within this % of its bill."),
]
FailOnMismatchOpt = Annotated[
    bool, typer.Option("--fail-on-mismatch", help="Exit 1 when any row is out of tolerance (for CI).")
]


EstimateByOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--by",
        "-b",
        help="What to break the spend down by, repeatable: request-metadata/<key>, what each call sent "
        "under that requestMetadata key (one key; the spend, models, spenders, daily and hourly views).",
    ),
]


@command
def estimate(
    month: MonthOpt,
    view: ViewOpt = EstimateView.SPEND,
    by: EstimateByOpt = None,
    logs: LogsOpt = None,
    prices: PricesOpt = None,
    profiles: ProfilesOpt = None,
    show_prompts: ShowPromptsOpt = False,
    strict: StrictLogsOpt = False,
    engine: EngineOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    precision: PrecisionOpt = 2,
) -> None:
    """Estimated Bedrock spend from the model invocation logs (tokens x the price table)."""
    from cur_analyzer.render import render
    from cur_analyzer.render.formats import report_format
    from cur_analyzer.reports.estimate import tabular

    fmt = report_format(fmt, output)  # before any work: a name that contradicts the format fails at once
    with progress(f"estimate {month}…") as update:
        analyzer = open_analyzer(
            logs=logs, engine=engine, prices=prices, profiles=profiles, on_progress=update
        )
        report = analyzer.estimate(month, view, show_prompts=show_prompts, strict=strict, by=by or ())
    render(tabular(report), fmt, output, precision)


@command
def reconcile(
    month: MonthOpt,
    by: ReconcileByOpt = None,
    cur: CurOpt = None,
    logs: LogsOpt = None,
    prices: PricesOpt = None,
    profiles: ProfilesOpt = None,
    tolerance: ToleranceOpt = 1.0,
    fail_on_mismatch: FailOnMismatchOpt = False,
    check: CheckOpt = False,
    rules: RulesOpt = None,
    engine: EngineOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    precision: PrecisionOpt = 2,
) -> None:
    """Invocation-log estimate vs the bill per principal and model, with the cause of every gap."""
    from cur_analyzer.errors import ThresholdFailed
    from cur_analyzer.render import render
    from cur_analyzer.render.formats import report_format
    from cur_analyzer.reports.reconcile import tabular

    fmt = report_format(fmt, output)  # before any work: a name that contradicts the format fails at once
    with progress(f"reconcile {month}…") as update:
        analyzer = open_analyzer(
            cur=cur,
            logs=logs,
            engine=engine,
            rules=rules,
            prices=prices,
            profiles=profiles,
            on_progress=update,
        )
        report = analyzer.reconcile(
            month, by or ["principal", "model"], tolerance_pct=str(tolerance), check=check
        )
    render(tabular(report), fmt, output, precision)
    if fail_on_mismatch and report.mismatched:
        raise ThresholdFailed(
            f"{len(report.mismatched)} of {len(report.rows)} rows outside {tolerance}% "
            f"(largest: {report.mismatched[0].cause or report.mismatched[0].status})"
        )
