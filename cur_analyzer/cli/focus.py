"""``export-focus``: a month's Amazon Bedrock lines as a FOCUS 1.2 or 1.3 dataset, attribution in ``Tags``;
in 1.3 with invocation logs, the usage lines split down to the records (split cost allocation)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cur_analyzer.choices import FocusFormat
from cur_analyzer.cli._app import command, progress, state
from cur_analyzer.cli._inputs import open_analyzer
from cur_analyzer.cli._options import (
    CurOpt,
    EngineOpt,
    FocusFormatOpt,
    LogsOpt,
    MonthOpt,
    OutputOpt,
    ProfilesOpt,
    RulesOpt,
)

if TYPE_CHECKING:
    from cur_analyzer.reports.focus import FocusExport

FocusVersionOpt = Annotated[
    str,
    typer.Option(
        "--focus-version",
        help="The FOCUS version to write: 1.2 (the default) or 1.3. 1.3 adds the allocation columns: with "
        "--logs each Bedrock usage line is split down to the invocation-log records behind it.",
    ),
]


@command
def export_focus(
    month: MonthOpt,
    rules: RulesOpt = None,
    cur: CurOpt = None,
    engine: EngineOpt = None,
    fmt: FocusFormatOpt = None,
    output: OutputOpt = None,
    focus_version: FocusVersionOpt = "1.2",
    logs: LogsOpt = None,
    profiles: ProfilesOpt = None,
) -> None:
    """The month's Amazon Bedrock lines as FOCUS 1.2 or 1.3 rows, with who spent them in Tags.

    One row per CUR line, so BilledCost sums to the Bedrock bill; the principal, the team and the source
    that decided it ride in Tags as x_ keys (x_principal, x_team, x_team_source...). With --focus-version
    1.3 and --logs, each usage line becomes its allocated charges, one per invocation-log record (the
    allocate ledger), which sum to the line exactly."""
    from cur_analyzer.render.formats import focus_format
    from cur_analyzer.reports.focus import check_version

    check_version(focus_version, split=logs is not None)  # before any work, as a bad format is
    fmt = focus_format(fmt, output)  # before any work: a name that contradicts the format fails at once
    with progress(f"export-focus {month}…") as update:
        analyzer = open_analyzer(
            cur=cur, logs=logs, engine=engine, rules=rules, profiles=profiles, on_progress=update
        )
        export = analyzer.focus(month, version=focus_version, split=logs is not None)
    if fmt == FocusFormat.PARQUET:
        _write_parquet(export, output)
    else:
        from cur_analyzer.render import render
        from cur_analyzer.reports.focus import tabular

        render(tabular(export), fmt, output)
    if not state.quiet:
        _say_what_was_written(export, output)


def _write_parquet(export: FocusExport, output: Path | None) -> None:
    """The FOCUS columns with their FOCUS types (money as decimal(38,10)), to ``output`` or stdout."""
    import io

    import pyarrow.parquet as pq

    from cur_analyzer.render import write_atomically
    from cur_analyzer.reports.focus import to_arrow

    buf = io.BytesIO()
    pq.write_table(to_arrow(export), buf)
    if output is None:
        sys.stdout.buffer.write(buf.getvalue())
    else:
        write_atomically(output, buf.getvalue())


def _say_what_was_written(export: FocusExport, output: Path | None) -> None:
    from cur_analyzer.render import visible
    from cur_analyzer.text import money

    billed = ", ".join(money(amount, currency) for currency, amount in export.totals().items()) or "nothing"
    where = f" -> {visible(str(output))}" if output is not None else ""
    typer.echo(
        f"FOCUS {export.version}: {len(export.rows)} rows for {export.month}, BilledCost {billed}{where}",
        err=True,
    )
    for note in export.notes:
        typer.echo(f"  note: {visible(note)}", err=True)
