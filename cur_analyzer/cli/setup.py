"""The set-up commands: ``doctor`` (is the export, table and logging right?), ``pull`` (a month from S3 to
the laptop) and ``fixtures`` (a synthetic export with ground truth to try everything on)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from cur_analyzer.choices import EngineName, OutputFormat
from cur_analyzer.cli._app import command, progress, state
from cur_analyzer.cli._inputs import open_analyzer, period_text
from cur_analyzer.cli._options import CurOpt, EngineOpt, FirstMonthOpt, FormatOpt, MonthOpt, OutputOpt
from cur_analyzer.errors import BAD_INPUT
from cur_analyzer.synth.variants import GRANULARITIES, VARIANTS

ToOpt = Annotated[Path, typer.Option("--to", help="Local cache folder; the export lands in <to>/<export>.")]
S3Opt = Annotated[
    str | None,
    typer.Option(
        "--s3", help="Export root s3://bucket/prefix/<export> (default: from the Glue table location)."
    ),
]
OutOpt = Annotated[
    Path, typer.Option("--out", help="Folder to write the synthetic export, logs and ground truth.")
]
RowsOpt = Annotated[int, typer.Option("--rows", min=100, help="CUR lines per month (streams up to 10M+).")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed; same seed, same bytes.")]
MonthsOpt = Annotated[int, typer.Option("--months", min=1, help="Consecutive months to generate.")]
GapOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--gap",
        help="Reconciliation gap to inject, repeatable: clean, drop-cache-tokens-from-logs, "
        "lose-log-hour, unlogged-tier, unpriced-model, not-final, one-hour-cache-writes, "
        "cross-region-rate (see ground_truth.json 'reconcile').",
    ),
]
ChangesOpt = Annotated[
    str | None,
    typer.Option(
        "--changes",
        help="Write the second month as the first with these changes injected, comma-separated: volume, "
        "price, mix, cache, attribution (each on a team of its own; see ground_truth.json 'changes').",
    ),
]
# The choices, built from the generator's own tuples.
ExportGranularity = StrEnum("ExportGranularity", [(g.upper(), g) for g in GRANULARITIES])
ExportVariant = StrEnum("ExportVariant", [(v.upper().replace("-", "_"), v) for v in VARIANTS])
GranularityOpt = Annotated[
    ExportGranularity,
    typer.Option(
        "--granularity",
        help="Time granularity of the export's lines: one line per hour, per day or per month.",
    ),
]
VariantOpt = Annotated[
    list[ExportVariant] | None,
    typer.Option(
        "--variant",
        help="Kind of line or file AWS writes to add, with its ground truth; repeatable.",
    ),
]


@command
def doctor(
    cur: CurOpt = None,
    engine: EngineOpt = None,
    fmt: FormatOpt = OutputFormat.TABLE,
    output: OutputOpt = None,
) -> None:
    """Is the export, table and invocation logging set up right? Says what is missing and how to fix it.

    Exits 1 when a check fails."""
    import datetime as dt

    from cur_analyzer import doctor as doc
    from cur_analyzer.render import render

    with progress("doctor…") as update:
        analyzer = open_analyzer(cur=cur, engine=engine, on_progress=update)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        if analyzer.settings.engine == EngineName.ATHENA:
            findings = doc.run_aws(analyzer.engine, analyzer.settings, now)
        else:
            findings = doc.run_local(analyzer.engine, now.date())
    render(doc.tabular(findings), fmt, output)
    if any(f.status == doc.FAIL for f in findings):
        raise typer.Exit(1)


@command
def pull(month: MonthOpt, to: ToOpt = Path("cur-cache"), s3: S3Opt = None) -> None:
    """Copy one billing period of the export from S3 to a local folder, for the DuckDB engine."""
    from cur_analyzer.config import load_settings
    from cur_analyzer.engines.aws import session_for
    from cur_analyzer.pull import export_root_from_glue, pull_month
    from cur_analyzer.render import visible_lines

    settings = load_settings()
    session = None
    if s3 is None:
        session = session_for(settings)
        s3 = export_root_from_glue(settings.database, settings.table, session)
    with progress(f"pull {month}") as update:
        result = pull_month(month, to, s3, boto3_session=session, progress=update)
    typer.echo(visible_lines(result.summary()))
    if not result.complete:  # refused or changed objects are said above; a script must not take it as done
        raise typer.Exit(BAD_INPUT)


@command
def fixtures(
    out: OutOpt,
    month: FirstMonthOpt = "2026-10",
    rows: RowsOpt = 3000,
    seed: SeedOpt = 7,
    months: MonthsOpt = 2,
    gaps: GapOpt = None,
    granularity: GranularityOpt = ExportGranularity.HOURLY,
    variants: VariantOpt = None,
    changes: ChangesOpt = None,
) -> None:
    """Generate a deterministic synthetic CUR 2.0 export + Bedrock invocation logs with ground truth."""
    from cur_analyzer.errors import UserInputError
    from cur_analyzer.synth import Gaps, generate
    from cur_analyzer.synth.variants import ExportShape

    period_text(month)
    try:
        knobs = Gaps.from_names(gaps) if gaps else None
    except ValueError as e:
        raise UserInputError(f"--gap: {e}") from None
    shape = {"granularity": str(granularity), "variants": tuple(str(v) for v in variants or ())}
    try:
        ExportShape.of(gaps=knobs, **shape)
    except ValueError as e:
        raise UserInputError(f"{'--variant' if variants else '--granularity'}: {e}") from None
    injected = _changes(changes, months, gaps, granularity, variants)
    out.mkdir(parents=True, exist_ok=True)
    if state.quiet or not sys.stderr.isatty():
        generate(out, month=month, rows=rows, seed=seed, months=months, gaps=knobs, **shape)
    else:
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task("generating CUR lines", total=rows * months)
            generate(
                out,
                month=month,
                rows=rows,
                seed=seed,
                months=months,
                gaps=knobs,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
                **shape,
            )
    if injected:
        from cur_analyzer.synth.changes import write_changed_month

        write_changed_month(out, month, injected, rows, seed)
    typer.echo(f"wrote synthetic CUR 2.0 export, invocation logs and ground_truth.json under {out}")


def _changes(
    changes: str | None, months: int, gaps: list[str] | None, granularity: str, variants: list | None
) -> tuple[str, ...]:
    """The changes ``--changes`` asks for, refused before any work where they cannot be."""
    from cur_analyzer.errors import UserInputError
    from cur_analyzer.synth.changes import check_changes

    if changes is None:
        return ()
    try:
        names = check_changes([c.strip() for c in changes.split(",") if c.strip()])
    except ValueError as e:
        raise UserInputError(f"--changes: {e}") from None
    if not names:
        raise UserInputError("--changes: name at least one change")
    if months != 2 or gaps or variants or str(granularity) != "hourly":
        raise UserInputError(
            "--changes derives the second of two months from the default export: "
            "leave --months, --gap, --granularity and --variant out"
        )
    return names
