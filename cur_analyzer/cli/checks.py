"""``cur-analyzer check``: the great-expectations data checks on a month's CUR lines and invocation logs.

great_expectations loads only when the command runs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cur_analyzer.choices import CheckSuite, EngineName, ServiceScope
from cur_analyzer.cli._app import command, progress
from cur_analyzer.cli._inputs import open_analyzer, period_text
from cur_analyzer.cli._options import (
    CurOpt,
    EngineOpt,
    FormatOpt,
    LogsOpt,
    MonthOpt,
    OutputOpt,
    ServiceOpt,
    StrictChecksOpt,
)

if TYPE_CHECKING:
    from cur_analyzer.config import Settings

SuiteOpt = Annotated[
    list[CheckSuite] | None,
    typer.Option(
        "--suite",
        help="Suite to run, repeatable. Default: cur, plus logs when --logs is given; with --engine athena name "
        "--suite logs to check the Glue log table.",
    ),
]


def _default_suites(
    settings: Settings, cur: list[Path] | None, logs: list[Path] | None
) -> tuple[CheckSuite, ...]:
    """``cur`` when there is a CUR source, plus ``logs`` when invocation logs were given."""
    athena = settings.engine == EngineName.ATHENA
    suites = []
    if athena or cur or settings.cur:
        suites.append(CheckSuite.CUR)
    if (not athena) and (logs or settings.logs):
        suites.append(CheckSuite.LOGS)
    return tuple(suites) or (CheckSuite.CUR,)


@command
def check(
    month: MonthOpt,
    cur: CurOpt = None,
    logs: LogsOpt = None,
    suite: SuiteOpt = None,
    service: ServiceOpt = ServiceScope.BEDROCK,
    strict: StrictChecksOpt = False,
    engine: EngineOpt = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
) -> None:
    """Can the data be trusted? great-expectations checks on the month's CUR lines and invocation logs.

    Shows every check with the share of rows failing it and example values.

    --strict exits 2 when an error check fails: bad data, as for every command. The rules: checks/cur.json
    and checks/logs.json."""
    from cur_analyzer.checks import tabular
    from cur_analyzer.errors import UserInputError
    from cur_analyzer.render import render
    from cur_analyzer.render.formats import report_format

    period_text(month)
    fmt = report_format(fmt, output)  # before any work: a name that contradicts the format fails at once
    with progress(f"check {month}…") as update:
        analyzer = open_analyzer(cur=cur, logs=logs, engine=engine, on_progress=update)
        suites = tuple(suite) if suite else _default_suites(analyzer.settings, cur, logs)
        report = analyzer.checks(month, suites, service=service)
    render(tabular(report), fmt, output)
    if strict and report.errors:
        failed = ", ".join(f"{r.suite}.{r.check}" for r in report.errors)
        raise UserInputError(f"{len(report.errors)} data check(s) failed for {month}: {failed}")
