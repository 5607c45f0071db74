"""Building the alerts report: pick the spenders and the window, read the bill's Bedrock usage lines once
per month, run the bill rules and (with ``logs``) the invocation-log rules, and gather their checks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from cur_analyzer.attribution import PRINCIPAL_GRAINS, USAGE_LINE_TYPES, Dimension, parse_dimension
from cur_analyzer.engines import Engine, query_rows
from cur_analyzer.granularity import no_days, tells_days
from cur_analyzer.reports.alerts._bill_rules import daily_spikes, model_share, spender_spikes, sum_lines
from cur_analyzer.reports.alerts._log_rules import log_alerts
from cur_analyzer.reports.alerts._model import LOG_RULES, Alert, Alerts, RuleCheck
from cur_analyzer.reports.alerts._window import (
    LinesOf,
    check_window_args,
    checkable_days,
    history_lines,
    months_between,
    requested_window,
)

if TYPE_CHECKING:
    from cur_analyzer.bedrock.models import ProfileMap
    from cur_analyzer.bedrock.pricing import PriceTable
    from cur_analyzer.rules import LinePlan, Rules
    from cur_analyzer.schema import Capabilities


def build_alerts(
    engine: Engine,
    month: str | None = None,
    days: int | None = None,
    rules: Rules | None = None,
    by: Sequence[str] | None = None,
    logs: bool = False,
    prices: PriceTable | None = None,
    profiles: ProfileMap | None = None,
) -> Alerts:
    from cur_analyzer.rules import LinePlan, Rules

    rules = rules or Rules.empty()
    cfg = rules.alerts
    check_window_args(month, days)
    available = engine.months()
    caps = engine.capabilities()
    notes: list[str] = []

    spenders = _spender_dimensions(rules, by, caps, notes)
    dims = [*spenders, Dimension("model", "model")]
    plan = LinePlan(dims, rules, has_resource_ids=caps.has("resource_id"))
    notes += plan.notes(caps)
    lines_of = _usage_lines_reader(engine, plan)

    first, last = requested_window(engine, month, days, available, lines_of)
    records, data_start, last = history_lines(first, last, month, available, cfg, lines_of, notes)

    alerts: list[Alert] = []
    checks: list[RuleCheck] = []
    daily, per_spender, per_model = sum_lines(records, plan, spenders)
    checkable = checkable_days(first, last, data_start, cfg, notes)

    # a monthly export puts the month's whole spend on its first day: a spike on that day is not one
    monthly = _monthly_months(engine, first, last, lines_of)
    why_no_days = no_days(monthly[0]) if monthly else None
    if monthly:
        checkable = []
    checks.append(daily_spikes(daily, checkable, cfg, alerts, why_no_days))
    checks.append(spender_spikes(per_spender, checkable, cfg, alerts, why_no_days))
    if monthly and days is not None:
        checks.append(RuleCheck("model-share", "skipped", f"{why_no_days}: give the month instead"))
    else:
        checks.append(model_share(per_model, first, last, cfg, alerts))

    if logs:
        checks += log_alerts(engine, first, last, cfg, prices, profiles, alerts, notes)
    else:
        checks += [RuleCheck(r, "skipped", "needs the invocation logs") for r in LOG_RULES]
    return Alerts(first, last, month, days, cfg, alerts, checks, notes + engine.notes)


def _monthly_months(engine: Engine, first: dt.date, last: dt.date, lines_of: LinesOf) -> list[str]:
    """The months of the window whose export cannot tell spend per day (monthly exports)."""
    return [
        m
        for m in months_between(first, last)
        if m in engine.months() and not tells_days(engine, m, [r["usage_date"] for r in lines_of(m)])
    ]


def _spender_dimensions(
    rules: Rules, by: Sequence[str] | None, caps: Capabilities, notes: list[str]
) -> list[Dimension]:
    """The dimensions spender spikes are checked by: ``by``, else the rules file's, less the principal
    grains when the export carries no IAM principal (said in ``notes``)."""
    specs = list(by) if by else list(rules.alerts.spender_dimensions)
    spenders = [parse_dimension(s, tuple(rules.dimensions)) for s in specs]
    if not caps.iam_principal and any(d.kind in PRINCIPAL_GRAINS for d in spenders):
        notes.append("the export has no line_item_iam_principal: principal spikes cannot be checked")
        spenders = [d for d in spenders if d.kind not in PRINCIPAL_GRAINS]
    return spenders


def _usage_lines_reader(engine: Engine, plan: LinePlan) -> LinesOf:
    """A reader of one month's Bedrock usage lines by day that queries each month once: the window and
    its trailing history ask for the same months again."""
    loaded: dict[str, list[dict]] = {}

    def lines_of(m: str) -> list[dict]:
        if m not in loaded:
            params = plan.params(m, "bedrock", "unblended", by_day=True)
            loaded[m] = [
                r
                for r in query_rows(engine, "attribution_lines", params)
                if r["line_item_type"] in USAGE_LINE_TYPES and r["usage_date"] is not None
            ]
        return loaded[m]

    return lines_of
