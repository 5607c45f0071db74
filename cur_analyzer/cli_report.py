"""``cur-analyzer report``: the monthly pack (one self-contained HTML file, or an xlsx workbook).

Registered on the main app by the import at the end of ``cli.py``. Nothing heavy is imported at module
level (``cur-analyzer --help`` stays fast); plotly, duckdb and great_expectations load when it runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cur_analyzer.cli import (
    CurOpt,
    EngineOpt,
    MonthOpt,
    PricesOpt,
    ProfilesOpt,
    RulesOpt,
    _engine,
    _prices,
    _profiles,
    _rules,
    _state,
    command,
    progress,
)

PACK_FORMATS = ("html", "xlsx")


@command
def report(
    month: MonthOpt,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="File to write (atomically): report.html or report.xlsx.")
    ],
    cur: CurOpt = None,
    logs: Annotated[
        list[Path] | None,
        typer.Option(
            "--logs",
            help="Bedrock invocation logs (folder in the S3 AWSLogs/ layout or .json.gz files), for the "
            "reconciliation and the daily estimate; without them those parts say logs were not given. "
            "With --engine athena, any value turns them on and reads the Glue invocation-log table. "
            "[env CUR_ANALYZER_LOGS]",
        ),
    ] = None,
    profiles: ProfilesOpt = None,
    prices: PricesOpt = None,
    rules: RulesOpt = None,
    require: Annotated[
        list[str] | None,
        typer.Option(
            "--require",
            "-r",
            help="Tag key every dollar should carry, repeatable. [default: team, cost-center]",
        ),
    ] = None,
    engine: EngineOpt = None,
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", help="html (one self-contained file) or xlsx (one sheet per view)."),
    ] = "html",
) -> None:
    """The monthly pack for finance and team leads, as one HTML file or an xlsx workbook.

    Spend by team, principal and model, daily trend, input/output/cache, coverage, budgets, gap by cause.

    HTML: interactive charts (plotly.js inline: no network needed to view it), each over its sortable table.

    xlsx: the same views, one sheet each, money as numbers."""
    from cur_analyzer.attribution import validate_month
    from cur_analyzer.config import load_settings
    from cur_analyzer.errors import UserInputError
    from cur_analyzer.render import check_output_path, visible, write_atomically
    from cur_analyzer.reports.monthly import DEFAULT_REQUIRE, build_monthly

    if fmt not in PACK_FORMATS:
        raise UserInputError(f"--format must be html or xlsx for the report (got {fmt!r})")
    validate_month(month)
    check_output_path(output)  # before the long build: a folder or a dangling link fails at once
    settings = load_settings(engine=engine)
    with_logs = bool(logs) or (settings.engine == "duckdb" and settings.logs is not None)
    rule_set = _rules(rules)
    inputs = {
        "engine": settings.engine,
        "cur": ", ".join(str(p) for p in (cur or ([settings.cur] if settings.cur else [])))
        or (f"{settings.database}.{settings.table}" if settings.engine == "athena" else ""),
        "logs": ", ".join(str(p) for p in logs)
        if logs
        else (str(settings.logs) if with_logs else "not given"),
        "rules": str(rule_set.path) if rule_set is not None and rule_set.path else "not given",
    }
    if profiles is not None:
        inputs["profiles"] = str(profiles)
    with progress(f"report {month}…") as update:
        eng = _engine(cur, engine, update, logs=logs if settings.engine == "duckdb" else None)
        pack = build_monthly(
            eng,
            month,
            rules=rule_set,
            require=tuple(require) if require else DEFAULT_REQUIRE,
            logs=with_logs,
            prices=_prices(prices) if with_logs else None,
            profiles=_profiles(profiles),
            inputs=inputs,
            on_step=update,
        )
        update(f"writing {fmt}")
        if fmt == "html":
            from cur_analyzer.render.html import render_html

            payload: str | bytes = render_html(pack)
        else:
            from cur_analyzer.render import render_pack_xlsx as render_xlsx

            payload = render_xlsx(pack)
        write_atomically(output, payload)
    if not _state["quiet"]:
        size = output.stat().st_size
        shown = f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"
        typer.echo(f"wrote {visible(str(output))} ({shown}, {fmt})", err=True)
