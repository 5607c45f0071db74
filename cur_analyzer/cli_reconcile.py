"""Commands over the invocation logs: ``estimate`` (priced log views) and ``reconcile`` (estimate vs bill)."""

from __future__ import annotations

from typing import Annotated

import typer

from cur_analyzer.cli import (
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
    RulesOpt,
    _engine,
    _prices,
    _profiles,
    _rules,
    checked_first,
    command,
    finite_percent,
    progress,
)


@command
def estimate(
    month: MonthOpt,
    view: Annotated[
        str,
        typer.Option(
            "--view",
            help="spend, models, spenders, cache, daily, hourly, prompts (caching "
            "opportunities), waste (large input, tiny output) or failed (spend on failed calls).",
        ),
    ] = "spend",
    logs: LogsOpt = None,
    prices: PricesOpt = None,
    profiles: ProfilesOpt = None,
    show_prompts: Annotated[
        bool, typer.Option("--show-prompts", help="Show prompt text in the prompts view.")
    ] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Fail (exit 2) on malformed log lines.")] = False,
    engine: EngineOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    precision: PrecisionOpt = 2,
) -> None:
    """Estimated Bedrock spend from the model invocation logs (tokens x the price table)."""
    from cur_analyzer.render import render
    from cur_analyzer.reports.estimate import build_estimate, tabular

    with progress(f"estimate {month}…") as update:
        report = build_estimate(
            _engine(None, engine, update, logs=logs),
            month,
            view,
            _prices(prices),
            _profiles(profiles),
            show_prompts=show_prompts,
            strict=strict,
        )
    render(tabular(report), fmt, output, precision)


@command
def reconcile(
    month: MonthOpt,
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by",
            "-b",
            help="Roll-up, repeatable: day, account, region, principal, role, session, "
            "model, meter, iamPrincipal/<key>, tag/<key> or a rules-file dimension. Default: principal, model.",
        ),
    ] = None,
    cur: CurOpt = None,
    logs: LogsOpt = None,
    prices: PricesOpt = None,
    profiles: ProfilesOpt = None,
    tolerance: Annotated[
        float,
        typer.Option("--tolerance", callback=finite_percent, help="A row matches within this % of its bill."),
    ] = 1.0,
    fail_on_mismatch: Annotated[
        bool, typer.Option("--fail-on-mismatch", help="Exit 1 when any row is out of tolerance (for CI).")
    ] = False,
    check: CheckOpt = False,
    rules: RulesOpt = None,
    engine: EngineOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    precision: PrecisionOpt = 2,
) -> None:
    """Invocation-log estimate vs the bill per principal and model, with the cause of every gap."""
    from cur_analyzer.errors import ThresholdFailed
    from cur_analyzer.render import render
    from cur_analyzer.reports.reconcile import build_reconciliation, tabular

    with progress(f"reconcile {month}…") as update:
        eng = _engine(cur, engine, update, logs=logs)
        checked_first(eng, month, check, suites=("cur", "logs"))
        report = build_reconciliation(
            eng,
            month,
            by or ["principal", "model"],
            str(tolerance),
            _prices(prices),
            _profiles(profiles),
            _rules(rules),
        )
    render(tabular(report), fmt, output, precision)
    if fail_on_mismatch and report.mismatched:
        raise ThresholdFailed(
            f"{len(report.mismatched)} of {len(report.rows)} rows outside {tolerance}% "
            f"(largest: {report.mismatched[0].cause or report.mismatched[0].status})"
        )
