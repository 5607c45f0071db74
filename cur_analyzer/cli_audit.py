"""The audit commands: ``coverage`` (tag coverage and hygiene, ``--fail-under`` for CI) and ``alerts``
(the GenAI FinOps alarms on the bill and the invocation logs). Registered on the main app by the last
line of ``cli.py``; heavy imports stay inside the commands so ``cur-analyzer --help`` stays fast.
"""

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

COVERAGE_SOURCES = ("any", "resource", "principal", "account", "rules")


@command
def coverage(
    month: MonthOpt,
    require: Annotated[
        list[str],
        typer.Option(
            "--require",
            "-r",
            help="Tag key every dollar should carry, repeatable (as written in AWS: team, cost-center).",
        ),
    ],
    service: Annotated[str, typer.Option(help="bedrock or all.")] = "bedrock",
    cost_basis: Annotated[
        str, typer.Option(help="unblended, net-unblended, amortized or net-amortized.")
    ] = "unblended",
    fail_under: Annotated[
        float | None,
        typer.Option(
            "--fail-under",
            min=0,
            max=100,
            callback=finite_percent,
            help="Exit 1 when a key's coverage is below PCT percent (for CI).",
        ),
    ] = None,
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on",
            help="Which coverage --fail-under checks: any (default), resource, principal, account, rules.",
        ),
    ] = "any",
    top: Annotated[int, typer.Option("--top", min=1, help="Offenders listed per key and kind.")] = 10,
    rules: RulesOpt = None,
    check: CheckOpt = False,
    cur: CurOpt = None,
    engine: EngineOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    precision: PrecisionOpt = 2,
) -> None:
    """Tag coverage: what share of the spend carries each required tag key, and who is untagged.

    Per source (resource/AIP tags, principal tags, account tags, the rules-file dimension of that name)
    and overall, by account and by service; tag hygiene (keys spelled several ways, empty or disallowed
    values). Exits 1 below --fail-under."""
    from decimal import Decimal

    from cur_analyzer.errors import ThresholdFailed, UserInputError
    from cur_analyzer.render import render
    from cur_analyzer.reports.coverage import build_coverage, tabular

    if fail_on not in COVERAGE_SOURCES:
        raise UserInputError(f"--fail-on must be one of {', '.join(COVERAGE_SOURCES)} (got {fail_on!r})")
    rule_set = _rules(rules)
    if fail_under is not None and fail_on == "rules":
        missing = [k for k in require if rule_set is None or k not in rule_set.dimensions]
        if missing:
            raise UserInputError(
                f"--fail-on rules: no rules-file dimension named {', '.join(missing)} (--rules FILE)"
            )
    with progress(f"coverage {month}…") as update:
        eng = _engine(cur, engine, update)
        checked_first(eng, month, check, service=service)
        report = build_coverage(eng, month, require, service, cost_basis, rules=rule_set, top=top)
    render(tabular(report), fmt, output, precision)
    if fail_under is not None:
        threshold = Decimal(str(fail_under))
        below = report.below(threshold, fail_on)
        if below:
            raise ThresholdFailed(
                f"coverage below {threshold}% ({fail_on}): "
                + "; ".join(f"{r.key} {r.pct:.2f}%" for r in below)
            )


@command
def alerts(
    month: Annotated[
        str | None, typer.Option("--month", "-m", help="Billing period to check, YYYY-MM.")
    ] = None,
    days: Annotated[
        int | None, typer.Option("--days", min=1, help="Check the last N days up to the newest data.")
    ] = None,
    by: Annotated[
        list[str] | None,
        typer.Option(
            "--by",
            "-b",
            help="Spenders whose daily spikes to watch, repeatable: principal, role, a rules dimension "
            "(team), a tag... [default: alerts.spender_dimensions in the rules file, else principal]",
        ),
    ] = None,
    logs: LogsOpt = None,
    prices: PricesOpt = None,
    profiles: ProfilesOpt = None,
    rules: RulesOpt = None,
    cur: CurOpt = None,
    engine: EngineOpt = None,
    fmt: FormatOpt = "table",
    output: OutputOpt = None,
    precision: PrecisionOpt = 2,
) -> None:
    """GenAI FinOps alarms on the bill and the invocation logs; exits 1 when any fires.

    Daily cost and spender spikes against their trailing average, one model's share of spend, spend on
    failed calls, input:output token ratio, oversized calls. Thresholds in the rules file's alerts:."""
    from cur_analyzer.errors import ThresholdFailed, UserInputError
    from cur_analyzer.render import render
    from cur_analyzer.reports.alerts import build_alerts, tabular

    if (month is None) == (days is None):
        raise UserInputError("alerts needs either --month YYYY-MM or --days N (not both)")
    if month is not None:
        from cur_analyzer.attribution import validate_month

        validate_month(month)
    rule_set = _rules(rules)
    price_table = _prices(prices) if logs else None
    profile_map = _profiles(profiles)
    with progress("alerts…") as update:
        report = build_alerts(
            _engine(cur, engine, update, logs=logs),
            month=month,
            days=days,
            rules=rule_set,
            by=by,
            logs=bool(logs),
            prices=price_table,
            profiles=profile_map,
        )
    render(tabular(report), fmt, output, precision)
    if report.fired:
        shown = "; ".join(f"{a.rule} {a.subject}" + (f" {a.day}" if a.day else "") for a in report.alerts[:5])
        more = f" (+{len(report.alerts) - 5} more)" if len(report.alerts) > 5 else ""
        raise ThresholdFailed(f"{len(report.alerts)} alert(s) fired: {shown}{more}")
