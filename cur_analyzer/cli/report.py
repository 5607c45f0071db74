"""``cur-analyzer report``: the monthly pack (one self-contained HTML file, or an xlsx workbook).

plotly, duckdb and great_expectations load only when it runs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cur_analyzer.choices import CostBasis, EngineName, PackFormat, ServiceScope
from cur_analyzer.cli._app import command, progress, state
from cur_analyzer.cli._inputs import open_analyzer, period_text
from cur_analyzer.cli._options import (
    CheckOpt,
    CostBasisOpt,
    CurOpt,
    EngineOpt,
    MonthOpt,
    PackFormatOpt,
    PackLogsOpt,
    PackOutputOpt,
    PackRequireOpt,
    PrecisionOpt,
    PricesOpt,
    ProfilesOpt,
    RulesOpt,
    ServiceOpt,
    TopOpt,
)

if TYPE_CHECKING:
    from cur_analyzer.config import Settings
    from cur_analyzer.reports.monthly import MonthlyReport
    from cur_analyzer.rules import Rules


@command
def report(
    month: MonthOpt,
    output: PackOutputOpt,
    cur: CurOpt = None,
    logs: PackLogsOpt = None,
    profiles: ProfilesOpt = None,
    prices: PricesOpt = None,
    rules: RulesOpt = None,
    require: PackRequireOpt = None,
    service: ServiceOpt = ServiceScope.BEDROCK,
    cost_basis: CostBasisOpt = CostBasis.UNBLENDED,
    top: TopOpt = 10,
    check: CheckOpt = False,
    engine: EngineOpt = None,
    fmt: PackFormatOpt = None,
    precision: PrecisionOpt = 2,
) -> None:
    """The monthly pack for finance and team leads, as one HTML file or an xlsx workbook.

    Spend by team, principal and model, daily trend, input/output/cache, coverage, budgets, gap by cause.

    HTML: interactive charts (plotly.js inline: no network needed to view it), each over its sortable table.

    xlsx: the same views, one sheet each, money as numbers."""
    from cur_analyzer.render import check_output_path, write_atomically
    from cur_analyzer.render.formats import pack_format
    from cur_analyzer.reports.monthly import DEFAULT_REQUIRE

    period_text(month)
    fmt = pack_format(fmt, output)  # before the build: a name that contradicts the format fails at once
    check_output_path(output)  # before the long build: a folder or a dangling link fails at once
    with progress(f"report {month}…") as update:
        analyzer = open_analyzer(
            cur=cur,
            logs=logs,
            engine=engine,
            rules=rules,
            prices=prices,
            profiles=profiles,
            on_progress=update,
        )
        with_logs = _logs_read(analyzer.settings, logs)
        pack = analyzer.monthly(
            month,
            logs=with_logs,
            require=tuple(require) if require else DEFAULT_REQUIRE,
            service=service,
            cost_basis=cost_basis,
            top=top,
            check=check,
            inputs=_inputs_named(analyzer.settings, cur, logs, with_logs, analyzer.rules, profiles),
            on_step=update,
        )
        update(f"writing {fmt}")
        write_atomically(output, _pack_bytes(pack, fmt, precision))
    if not state.quiet:
        _say_what_was_written(output, fmt)


def _logs_read(settings: Settings, logs: list[Path] | None) -> bool:
    """Does the pack read invocation logs: ``--logs`` given, or (DuckDB) the ``logs`` setting."""
    return bool(logs) or (settings.engine == EngineName.DUCKDB and settings.logs is not None)


def _inputs_named(
    settings: Settings,
    cur: list[Path] | None,
    logs: list[Path] | None,
    with_logs: bool,
    rule_set: Rules | None,
    profiles: Path | None,
) -> dict[str, str]:
    """What the pack was built from, as its footer names it."""
    if cur:
        cur_named = _listed(cur)
    elif settings.cur:
        cur_named = str(settings.cur)
    else:
        cur_named = f"{settings.database}.{settings.table}" if settings.engine == EngineName.ATHENA else ""
    inputs = {
        "engine": str(settings.engine),
        "cur": cur_named,
        "logs": _listed(logs) if logs else (str(settings.logs) if with_logs else "not given"),
        "rules": str(rule_set.path) if rule_set is not None and rule_set.path else "not given",
    }
    if profiles is not None:
        inputs["profiles"] = str(profiles)
    return inputs


def _listed(paths: list[Path]) -> str:
    return ", ".join(str(p) for p in paths)


def _pack_bytes(pack: MonthlyReport, fmt: PackFormat, precision: int) -> str | bytes:
    if fmt == PackFormat.HTML:
        from cur_analyzer.render.html import render_html

        return render_html(pack, precision)
    from cur_analyzer.render import render_pack_xlsx

    return render_pack_xlsx(pack, precision)


def _say_what_was_written(output: Path, fmt: PackFormat) -> None:
    from cur_analyzer.render import visible

    size = output.stat().st_size
    shown = f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"
    typer.echo(f"wrote {visible(str(output))} ({shown}, {fmt})", err=True)
