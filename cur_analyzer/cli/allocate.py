"""``allocate``: the month's Bedrock bill split down to the invocation-log records behind it."""

from __future__ import annotations

from typing import Annotated

import typer

from cur_analyzer.cli._app import command, progress
from cur_analyzer.cli._inputs import open_analyzer
from cur_analyzer.cli._options import (
    CurOpt,
    EngineOpt,
    FormatOpt,
    LogsOpt,
    MonthOpt,
    OutputOpt,
    PrecisionOpt,
    ProfilesOpt,
    RulesOpt,
)

AllocateByOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--by",
        "-b",
        help="What to break the spend down by, repeatable: request, session, principal, role, account, "
        "region, model, meter, tier, day, request-metadata/<key> (what the call sent under that "
        "requestMetadata key), a tag (iamPrincipal/<key>, tag/<key>, accountTag/<key>) or a rules-file "
        "dimension, whose request_metadata sources are read per call. Default: principal. --format parquet writes the full ledger instead (one row "
        "per record and meter).",
    ),
]


@command
def allocate(
    month: MonthOpt,
    by: AllocateByOpt = None,
    cur: CurOpt = None,
    logs: LogsOpt = None,
    profiles: ProfilesOpt = None,
    rules: RulesOpt = None,
    engine: EngineOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    precision: PrecisionOpt = 2,
) -> None:
    """The Bedrock bill split down to each invocation-log record, by tokens; unlogged spend stays explicit."""
    from cur_analyzer.render import render
    from cur_analyzer.render.formats import report_format

    fmt = report_format(fmt, output)  # before any work: a name that contradicts the format fails at once
    with progress(f"allocate {month}…") as update:
        analyzer = open_analyzer(
            cur=cur, logs=logs, engine=engine, profiles=profiles, rules=rules, on_progress=update
        )
        report = analyzer.allocate(month, by or ["principal"])
    table = report.ledger_table() if fmt == "parquet" else report.as_table()
    render(table, fmt, output, precision)
