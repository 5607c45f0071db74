"""The ``cur-analyzer`` command line: parse options, call the library, render. No SQL, no maths here.

Heavy modules (duckdb, pyarrow, pandas, great_expectations, awswrangler) are imported inside the
commands so ``cur-analyzer --help`` stays fast.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from typer.core import TyperGroup

from cur_analyzer.errors import BAD_INPUT, INTERRUPTED, exit_code_for


class _OneLineErrors(TyperGroup):
    """Click's usage errors (unknown or missing option, bad choice) end like every other error: one line
    on stderr naming the command and its ``--help``, exit 2, instead of a usage box."""

    def main(  # type: ignore[override]
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NoArgsIsHelpError as e:
            e.show()
            sys.exit(e.exit_code)
        except UsageError as e:
            where = e.ctx.command_path if e.ctx else "cur-analyzer"
            _say(f"{' '.join(e.format_message().split())} (see `{where} --help`)")
            sys.exit(BAD_INPUT)
        except ClickException as e:
            _say(" ".join(e.format_message().split()))
            sys.exit(BAD_INPUT)
        except typer.Abort:
            _say("interrupted")
            sys.exit(INTERRUPTED)
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    name="cur-analyzer",
    cls=_OneLineErrors,
    help="Who spent what on Amazon Bedrock (and the rest of AWS), straight from the CUR 2.0 bill.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

F = TypeVar("F", bound=Callable[..., Any])
_state = {"debug": False, "quiet": False}

# --- shared options --------------------------------------------------------------------------------------
MonthOpt = Annotated[str, typer.Option("--month", "-m", help="Billing period, YYYY-MM.")]
CurOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--cur",
        help="CUR 2.0 export folder (holding data/ and metadata/), a folder above it, "
        "a BILLING_PERIOD=YYYY-MM folder, or parquet files. Repeatable. [env CUR_ANALYZER_CUR]",
    ),
]
EngineOpt = Annotated[
    str | None,
    typer.Option("--engine", help="duckdb (local files, default) or athena. [env CUR_ANALYZER_ENGINE]"),
]
LogsOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--logs",
        help="Bedrock invocation logs: a folder in the S3 layout (AWSLogs/<acct>/"
        "BedrockModelInvocationLogs/...) or .json.gz files. Repeatable. [env CUR_ANALYZER_LOGS]",
    ),
]
PricesOpt = Annotated[
    Path | None, typer.Option("--prices", help="Price table CSV replacing the shipped one.")
]
ProfilesOpt = Annotated[
    Path | None,
    typer.Option(
        "--profiles",
        help="JSON of `aws bedrock list-inference-profiles --type-equals APPLICATION`, "
        "to resolve application inference profile ARNs to models; `live` asks Bedrock now.",
    ),
]
CheckOpt = Annotated[
    bool,
    typer.Option("--check", help="Run the data-quality checks first (see `check`); exit 1 if one fails."),
]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table, csv, json, parquet, xlsx or md.")]
OutputOpt = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to FILE (atomically) instead of stdout.")
]
PrecisionOpt = Annotated[
    int,
    typer.Option("--precision", min=0, max=10, help="Decimal places of money in table and md output (0-10)."),
]


def finite_percent(value: float | None) -> float | None:
    """Typer callback: a percentage option must be a finite number >= 0 (click's ranges let NaN through)."""
    import math

    if value is not None and (not math.isfinite(value) or value < 0):
        raise typer.BadParameter(f"must be a finite number >= 0 (got {value})")
    return value


def _say(message: str) -> None:
    """One line on stderr. A message can quote data (a principal, a file name): its control characters
    are shown, never sent to the terminal as they are."""
    from cur_analyzer.render import visible

    typer.echo(f"cur-analyzer: {visible(message)}", err=True)


def _fail(message: str, code: int) -> None:
    _say(message)
    raise typer.Exit(code)


def command(fn: F) -> F:
    """Register a command whose errors end as one line on stderr and an exit code, never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except (Exception, KeyboardInterrupt) as e:
            # the last line of defence: every error is one line; only a bug exits 3, so a CI job never
            # mistakes a crash for a threshold that failed (1) or for bad input (2)
            if _state["debug"] and not isinstance(e, KeyboardInterrupt):
                raise
            code, line = exit_code_for(e)
            _fail(line, code)

    return app.command()(wrapper)  # type: ignore[return-value]


@contextmanager
def progress(message: str) -> Iterator[Callable[..., None]]:
    """A progress bar on stderr while long work runs; ``update(text, percent=None)`` names the step and,
    when known, how far it is. Silent with --quiet or when stderr is not a terminal."""
    if _state["quiet"] or not sys.stderr.isatty():
        yield lambda _text, _pct=None: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(message, total=None)

        def update(text: str, pct: float | None = None) -> None:
            from rich.markup import escape

            from cur_analyzer.render import visible

            extra = {"total": 100, "completed": pct} if pct is not None else {"total": None}
            # the step names data (an S3 key, a file): shown as text, never read as markup
            bar.update(task, description=escape(f"{message} {visible(text)}"), **extra)

        yield update


def _engine(
    cur: list[Path] | None, engine: str | None, update: Callable[..., None], logs: list[Path] | None = None
) -> Any:
    from cur_analyzer.config import load_settings
    from cur_analyzer.engines import connect

    return connect(load_settings(engine=engine), cur=cur, on_progress=update, logs=logs)


def _profiles(path: Path | None) -> Any:
    """``--profiles FILE`` (a saved listing) or ``--profiles live`` (ListInferenceProfiles now)."""
    if path is None:
        return None
    from cur_analyzer.bedrock.models import ProfileMap

    if str(path) == "live":
        import boto3

        from cur_analyzer.config import load_settings

        settings = load_settings()
        session = boto3.Session(region_name=settings.region, profile_name=settings.profile)
        return ProfileMap.from_aws(session.client("bedrock"))
    return ProfileMap.load(path)


def _prices(path: Path | None) -> Any:
    """``--prices FILE``, else the ``prices`` setting, else the shipped price table."""
    from cur_analyzer.bedrock.pricing import PriceTable
    from cur_analyzer.config import load_settings

    return PriceTable.load(path or load_settings().prices)


def checked_first(
    engine: Any, month: str, check: bool, suites: tuple[str, ...] = ("cur",), service: str = "bedrock"
) -> None:
    """``--check``: validate the month's data before reporting on it (exit 1 naming what failed)."""
    if check:
        from cur_analyzer.checks import run_before

        run_before(engine, month, suites, service=service)


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    _state["debug"], _state["quiet"] = debug, quiet


RulesOpt = Annotated[
    Path | None,
    typer.Option(
        "--rules",
        help="Rules file (dimensions, shared costs, budgets, alerts). "
        "[env CUR_ANALYZER_RULES; default ./cur-analyzer.rules.yaml when present]",
    ),
]


def _rules(path: Path | None) -> Any:
    """The rules in force (``--rules``, the ``rules`` setting, ``./cur-analyzer.rules.yaml``) or None."""
    from cur_analyzer.config import load_settings
    from cur_analyzer.rules import find_rules

    return find_rules(path, None if path is not None else load_settings().rules)


@command
def chargeback(
    month: MonthOpt,
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by",
            "-b",
            help="Dimension, repeatable: principal, role, session, account, model, "
            "token-type, usage-type, service, iamPrincipal/<key>, tag/<key>, accountTag/<key>, "
            "or a rules-file dimension.",
        ),
    ] = None,
    service: Annotated[str, typer.Option(help="bedrock or all.")] = "bedrock",
    cost_basis: Annotated[
        str, typer.Option(help="unblended, net-unblended, amortized or net-amortized.")
    ] = "unblended",
    rules: RulesOpt = None,
    fail_over_budget: Annotated[
        bool,
        typer.Option("--fail-over-budget", help="Exit 1 when a value of the --by dimension is over budget."),
    ] = False,
    check: CheckOpt = False,
    cur: CurOpt = None,
    engine: EngineOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    precision: PrecisionOpt = 2,
) -> None:
    """Who spent what in a month: cost per principal, tag, account, model... summing to the invoice."""
    from cur_analyzer.errors import ThresholdFailed, UserInputError
    from cur_analyzer.render import render
    from cur_analyzer.reports.chargeback import build_chargeback, tabular

    rule_set = _rules(rules)
    dims = by or ["principal"]
    if fail_over_budget and (rule_set is None or rule_set.budget_for(dims) is None):
        raise UserInputError(
            f"--fail-over-budget: the rules file has no budget for --by {', '.join(dims)}"
            if rule_set
            else "--fail-over-budget needs a rules file with budgets: (--rules FILE)"
        )
    with progress(f"chargeback {month}…") as update:
        eng = _engine(cur, engine, update)
        checked_first(eng, month, check, service=service)
        report = build_chargeback(eng, month, dims, service, cost_basis, rules=rule_set)
    render(tabular(report), fmt, output, precision)
    if fail_over_budget and (over := report.over_budget()):
        raise ThresholdFailed("over budget: " + "; ".join(b.describe() for b in over))


@command
def doctor(
    cur: CurOpt = None,
    engine: EngineOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
) -> None:
    """Is the export, table and invocation logging set up right? Says what is missing and how to fix it.

    Exits 1 when a check fails."""
    import datetime as dt

    from cur_analyzer import doctor as doc
    from cur_analyzer.config import load_settings
    from cur_analyzer.render import render

    settings = load_settings(engine=engine)
    with progress("doctor…") as update:
        eng = _engine(cur, engine, update)
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        if settings.engine == "athena":
            findings = doc.run_aws(eng, settings, eng.session, now)
        else:
            findings = doc.run_local(eng, now.date())
    render(doc.tabular(findings), fmt, output)
    if any(f.status == doc.FAIL for f in findings):
        raise typer.Exit(1)


@command
def pull(
    month: MonthOpt,
    to: Annotated[
        Path, typer.Option("--to", help="Local cache folder; the export lands in <to>/<export>.")
    ] = Path("cur-cache"),
    s3: Annotated[
        str | None,
        typer.Option(
            "--s3", help="Export root s3://bucket/prefix/<export> (default: from the Glue table location)."
        ),
    ] = None,
) -> None:
    """Copy one billing period of the export from S3 to a local folder, for the DuckDB engine."""
    from cur_analyzer.config import load_settings
    from cur_analyzer.pull import export_root_from_glue, pull_month
    from cur_analyzer.render import visible_lines

    settings = load_settings()
    session = None
    if s3 is None:
        import boto3

        session = boto3.Session(region_name=settings.region, profile_name=settings.profile)
        s3 = export_root_from_glue(settings.database, settings.table, session)
    with progress(f"pull {month}") as update:
        result = pull_month(month, to, s3, boto3_session=session, progress=update)
    typer.echo(visible_lines(result.summary()))
    if not result.complete:  # refused or changed objects are said above; a script must not take it as done
        raise typer.Exit(BAD_INPUT)


@command
def fixtures(
    out: Annotated[
        Path, typer.Option("--out", help="Folder to write the synthetic export, logs and ground truth.")
    ],
    month: Annotated[
        str, typer.Option("--month", help="First billing period (final); the next one is open.")
    ] = "2026-10",
    rows: Annotated[
        int, typer.Option("--rows", min=100, help="CUR lines per month (streams up to 10M+).")
    ] = 3000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same seed, same bytes.")] = 7,
    months: Annotated[int, typer.Option("--months", min=1, help="Consecutive months to generate.")] = 2,
    gaps: Annotated[
        list[str] | None,
        typer.Option(
            "--gap",
            help="Reconciliation gap to inject, repeatable: clean, drop-cache-tokens-from-logs, "
            "lose-log-hour, unlogged-tier, unpriced-model, not-final, one-hour-cache-writes, "
            "cross-region-rate (see ground_truth.json 'reconcile').",
        ),
    ] = None,
) -> None:
    """Generate a deterministic synthetic CUR 2.0 export + Bedrock invocation logs with ground truth."""
    from cur_analyzer.attribution import validate_month
    from cur_analyzer.errors import UserInputError
    from cur_analyzer.synth import Gaps, generate

    validate_month(month)
    try:
        knobs = Gaps.from_names(gaps) if gaps else None
    except ValueError as e:
        raise UserInputError(f"--gap: {e}") from None
    out.mkdir(parents=True, exist_ok=True)
    if _state["quiet"] or not sys.stderr.isatty():
        generate(out, month=month, rows=rows, seed=seed, months=months, gaps=knobs)
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
            )
    typer.echo(f"wrote synthetic CUR 2.0 export, invocation logs and ground_truth.json under {out}")


# Commands in their own modules register themselves on `app` when imported (after it exists).
from cur_analyzer import cli_audit, cli_checks, cli_focus, cli_reconcile, cli_report  # noqa: E402,F401,I001

if __name__ == "__main__":  # pragma: no cover
    app()
