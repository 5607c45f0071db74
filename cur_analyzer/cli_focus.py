"""``export-focus``: a month's Amazon Bedrock lines as a FOCUS 1.2 dataset, attribution in ``Tags``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from cur_analyzer.cli import (
    CurOpt,
    EngineOpt,
    MonthOpt,
    OutputOpt,
    RulesOpt,
    _engine,
    _rules,
    _state,
    command,
    progress,
)

FOCUS_FORMATS = ("parquet", "csv", "json")


@command
def export_focus(
    month: MonthOpt,
    rules: RulesOpt = None,
    cur: CurOpt = None,
    engine: EngineOpt = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f", help="parquet (default: typed, money as decimal(38,10)), csv or json."
        ),
    ] = "parquet",
    output: OutputOpt = None,
) -> None:
    """The month's Amazon Bedrock lines as FOCUS 1.2 rows, with who spent them in Tags.

    One row per CUR line, so BilledCost sums to the Bedrock bill; the principal, the team and the source
    that decided it ride in Tags as x_ keys (x_principal, x_team, x_team_source...)."""
    from cur_analyzer.errors import UserInputError
    from cur_analyzer.reports.focus import build_focus_export

    if fmt not in FOCUS_FORMATS:
        raise UserInputError(f"--format must be one of {', '.join(FOCUS_FORMATS)} (got {fmt!r})")
    if fmt == "parquet" and output is None and sys.stdout.isatty():
        raise UserInputError("--format parquet is binary: pass --output FILE")
    rule_set = _rules(rules)
    with progress(f"export-focus {month}…") as update:
        eng = _engine(cur, engine, update)
        export = build_focus_export(eng, month, rules=rule_set)
    if fmt == "parquet":
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
    else:
        from cur_analyzer.render import render
        from cur_analyzer.reports.focus import tabular

        render(tabular(export), fmt, output)
    if not _state["quiet"]:
        from cur_analyzer.render import visible

        billed = ", ".join(f"{cur_} {amount:f}" for cur_, amount in export.totals().items()) or "nothing"
        where = f" -> {visible(str(output))}" if output is not None else ""
        typer.echo(
            f"FOCUS 1.2: {len(export.rows)} rows for {export.month}, BilledCost {billed}{where}", err=True
        )
        for note in export.notes:
            typer.echo(f"  note: {visible(note)}", err=True)
