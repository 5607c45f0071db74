"""Commands over the invocation logs: ``estimate`` (priced log views) and ``reconcile`` (estimate vs bill)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cur_analyzer.cli import (
    CurOpt,
    EngineOpt,
    FormatOpt,
    LogsOpt,
    MonthOpt,
    OutputOpt,
    PrecisionOpt,
    PricesOpt,
    ProfilesOpt,
    _engine,
    command,
    progress,
)


def _profiles(path: Path | None):  # noqa: ANN202 - returns ProfileMap | None, imported lazily
    if path is None:
        return None
    from cur_analyzer.bedrock.models import ProfileMap

    return ProfileMap.load(path)


def _prices(path: Path | None):  # noqa: ANN202 - returns PriceTable, imported lazily
    from cur_analyzer.bedrock.pricing import PriceTable
    from cur_analyzer.config import load_settings

    return PriceTable.load(path or load_settings().prices)


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


__all__ = ["CurOpt", "estimate"]
