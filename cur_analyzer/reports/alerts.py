"""The alerts report model: the FinOps alarms teams put on GenAI dashboards, evaluated on the bill and,
when given, on the Bedrock invocation logs. No I/O, no rendering.

On the bill (``athena/attribution_lines.sql`` by day, Bedrock usage lines, unblended cost):

* ``daily-cost-spike``  a day's Bedrock cost above ``daily_cost_over_average_pct`` % of its trailing
  ``trailing_days``-day average (days with no spend count as 0; a day is checked only when the data
  covers its whole trailing window, and never when that average is 0);
* ``spender-spike``     a spender's (``principal``, ``role``, a rules dimension such as ``team``, a tag…)
  daily cost above ``spender_over_average_ratio`` × its trailing average;
* ``model-share``       one model above ``model_share_pct`` % of the window's Bedrock spend.

On the invocation logs (``athena/alerts_logs.sql``, ``athena/alerts_large_calls.sql``):

* ``failed-spend``      estimated spend on failed calls (``errorCode`` set) above ``failed_spend_pct`` % of
  the estimated spend: tokens × the price table (standard tier) for the record's model, region, scope;
* ``token-ratio``       a caller's day with uncached input tokens above ``input_output_ratio`` × output
  tokens (models whose calls return no output tokens, such as embeddings, are left out);
* ``large-call``        any call above ``max_call_tokens`` tokens (input + cache read + cache write +
  output).

Thresholds come from the rules file's ``alerts:`` section (``cur_analyzer.rules.AlertRules``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cur_analyzer.attribution import PRINCIPAL_GRAINS, USAGE_LINE_TYPES, Dimension, parse_dimension
from cur_analyzer.engines import Engine
from cur_analyzer.errors import UserInputError
from cur_analyzer.period import BillingPeriod, log_partitions
from cur_analyzer.reports._view import ReportModel
from cur_analyzer.reports.chargeback import check_month

if TYPE_CHECKING:
    from cur_analyzer.bedrock.models import ProfileMap
    from cur_analyzer.bedrock.pricing import PriceTable
    from cur_analyzer.reports._view import Tabular
    from cur_analyzer.rules import AlertRules, Rules

RULES = ("daily-cost-spike", "spender-spike", "model-share", "failed-spend", "token-ratio", "large-call")
LOG_RULES = RULES[3:]
LOG_METERS = ("input", "cache_read", "cache_write", "output")
ZERO = Decimal(0)
HUNDRED = Decimal(100)
MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class Alert:
    rule: str  # one of RULES
    subject: str  # "Bedrock", "principal=arn:…", "team=ml", "model=Claude Sonnet 4.6"
    day: str | None  # YYYY-MM-DD, or None for a rule over the whole window
    figure: Decimal  # the measured value, in ``unit``
    threshold: Decimal
    unit: str  # "%", "x", ":1", "tokens"
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleCheck:
    rule: str
    status: str  # "fired" | "silent" | "off" (threshold null) | "skipped" (no data for it)
    detail: str = ""


@dataclass
class Alerts(ReportModel):
    first_day: dt.date
    last_day: dt.date
    month: str | None
    days: int | None
    thresholds: AlertRules
    alerts: list[Alert]
    checks: list[RuleCheck]
    notes: list[str] = field(default_factory=list)

    @property
    def fired(self) -> bool:
        return bool(self.alerts)

    def as_table(self) -> Tabular:
        return tabular(self)


# --- the window ----------------------------------------------------------------------------------------
def _month_bounds(month: str) -> tuple[dt.date, dt.date]:
    period = BillingPeriod.parse(month)
    return period.start, period.last_day


def _months_between(first: dt.date, last: dt.date) -> list[str]:
    out, period = [], BillingPeriod(first.year, first.month)
    while period.start <= last:
        out.append(str(period))
        period = period.next
    return out


def _day(value: Any) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# --- building ------------------------------------------------------------------------------------------
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
    if (month is None) == (days is None):
        raise UserInputError("alerts needs either --month YYYY-MM or --days N")
    if days is not None and days < 1:
        raise UserInputError(f"--days must be at least 1 (got {days})")
    available = engine.months()
    caps = engine.capabilities()
    notes: list[str] = []

    specs = list(by) if by else list(cfg.spender_dimensions)
    spenders = [parse_dimension(s, tuple(rules.dimensions)) for s in specs]
    if not caps.iam_principal and any(d.kind in PRINCIPAL_GRAINS for d in spenders):
        notes.append("the export has no line_item_iam_principal: principal spikes cannot be checked")
        spenders = [d for d in spenders if d.kind not in PRINCIPAL_GRAINS]
    dims = [*spenders, Dimension("model", "model")]
    plan = LinePlan(dims, rules, has_resource_ids=caps.has("resource_id"))
    notes += plan.notes(caps)

    loaded: dict[str, list[dict]] = {}

    def lines_of(m: str) -> list[dict]:
        if m not in loaded:
            params = plan.params(m, "bedrock", "unblended", by_day=True)
            loaded[m] = [
                r
                for r in engine.query("attribution_lines", params).to_pylist()
                if r["line_item_type"] in USAGE_LINE_TYPES and r["usage_date"] is not None
            ]
        return loaded[m]

    if month is not None:
        check_month(engine, month)
        first, last = _month_bounds(month)
    else:
        if not available:
            raise UserInputError("the export holds no months at all")
        newest = None
        for m in reversed(available):
            newest = max((_day(r["usage_date"]) for r in lines_of(m)), default=None)
            if newest is not None:
                break
        if newest is None:
            raise UserInputError("the export has no Bedrock usage to look back from")
        last = newest
        first = last - dt.timedelta(days=(days or 1) - 1)
    history_from = first - dt.timedelta(days=cfg.trailing_days)
    months = [m for m in _months_between(history_from, last) if m in available]
    records = [r for m in months for r in lines_of(m)]
    data_start = _month_bounds(months[0])[0] if months else first
    data_end = max((_day(r["usage_date"]) for r in records), default=None)
    if month is not None and month == available[-1] and data_end is not None and first <= data_end < last:
        notes.append(f"the bill has Bedrock usage up to {data_end}; later days of {month} are not in yet")
        last = data_end

    alerts: list[Alert] = []
    checks: list[RuleCheck] = []
    daily, per_spender, per_model = _sum_lines(records, plan, spenders)
    window = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    checkable = [d for d in window if d - dt.timedelta(days=cfg.trailing_days) >= data_start]
    if len(checkable) < len(window):
        missing = len(window) - len(checkable)
        notes.append(
            f"{missing} day(s) from {first} lack a full {cfg.trailing_days}-day history in the export and "
            "were not checked for spikes"
        )

    checks.append(_daily_spikes(daily, checkable, cfg, alerts))
    checks.append(_spender_spikes(per_spender, checkable, cfg, alerts))
    checks.append(_model_share(per_model, first, last, cfg, alerts))

    if logs:
        checks += _log_alerts(engine, first, last, cfg, prices, profiles, alerts, notes)
    else:
        checks += [RuleCheck(r, "skipped", "needs --logs") for r in LOG_RULES]
    return Alerts(first, last, month, days, cfg, alerts, checks, notes + engine.notes)


def _sum_lines(records: list[dict], plan: Any, spenders: Sequence[Dimension]) -> tuple[dict, dict, dict]:
    daily: dict[str, dict[dt.date, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    per_spender: dict[tuple[str, str, str], dict[dt.date, Decimal]] = defaultdict(
        lambda: defaultdict(lambda: ZERO)
    )
    per_model: dict[str, dict[tuple[dt.date, str], Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    n = len(spenders)
    for rec in records:
        day = _day(rec["usage_date"])
        cost = rec["cost"] if rec["cost"] is not None else ZERO
        cur = rec["currency"]
        values, _ = plan.resolve(rec)
        daily[cur][day] += cost
        for d, value in zip(spenders, values[:n], strict=True):
            per_spender[(cur, d.spec, value)][day] += cost
        per_model[cur][(day, values[n])] += cost
    return daily, per_spender, per_model


def _trailing(series: Mapping[dt.date, Decimal], day: dt.date, n: int) -> Decimal:
    return sum((series.get(day - dt.timedelta(days=i), ZERO) for i in range(1, n + 1)), ZERO) / n


def _money(cur: str, amount: Decimal) -> str:
    return f"{cur} {amount:,.2f}"


def _daily_spikes(daily: dict, days: list[dt.date], cfg: AlertRules, out: list[Alert]) -> RuleCheck:
    rule = "daily-cost-spike"
    limit = cfg.daily_cost_over_average_pct
    if limit is None:
        return RuleCheck(rule, "off")
    if not days:
        return RuleCheck(rule, "skipped", f"no day with a full {cfg.trailing_days}-day history")
    fired = 0
    for cur, series in sorted(daily.items()):
        for day in days:
            avg = _trailing(series, day, cfg.trailing_days)
            cost = series.get(day, ZERO)
            if avg <= 0 or cost < cfg.min_daily_cost:
                continue
            pct = cost / avg * HUNDRED
            if pct > limit:
                fired += 1
                out.append(
                    Alert(
                        rule,
                        "Bedrock",
                        day.isoformat(),
                        pct,
                        limit,
                        "%",
                        f"Bedrock cost on {day} was {_money(cur, cost)}, {pct:.0f}% of its "
                        f"{cfg.trailing_days}-day average {_money(cur, avg)} (threshold {limit}%)",
                        {"cost": cost, "average": avg, "currency": cur},
                    )
                )
    return RuleCheck(rule, "fired" if fired else "silent", f"{len(days)} day(s) checked")


def _spender_spikes(per_spender: dict, days: list[dt.date], cfg: AlertRules, out: list[Alert]) -> RuleCheck:
    rule = "spender-spike"
    limit = cfg.spender_over_average_ratio
    if limit is None:
        return RuleCheck(rule, "off")
    if not days:
        return RuleCheck(rule, "skipped", f"no day with a full {cfg.trailing_days}-day history")
    fired = 0
    for (cur, spec, value), series in sorted(per_spender.items()):
        for day in days:
            avg = _trailing(series, day, cfg.trailing_days)
            cost = series.get(day, ZERO)
            if avg <= 0 or cost < cfg.min_daily_cost:
                continue
            ratio = cost / avg
            if ratio > limit:
                fired += 1
                out.append(
                    Alert(
                        rule,
                        f"{spec}={value}",
                        day.isoformat(),
                        ratio,
                        limit,
                        "x",
                        f"{spec} {value} spent {_money(cur, cost)} on {day}, {ratio:.1f}x its "
                        f"{cfg.trailing_days}-day average {_money(cur, avg)} (threshold {limit}x)",
                        {"dimension": spec, "value": value, "cost": cost, "average": avg, "currency": cur},
                    )
                )
    subjects = len({(s, v) for _, s, v in per_spender})
    return RuleCheck(rule, "fired" if fired else "silent", f"{subjects} spender(s) over {len(days)} day(s)")


def _model_share(
    per_model: dict, first: dt.date, last: dt.date, cfg: AlertRules, out: list[Alert]
) -> RuleCheck:
    rule = "model-share"
    limit = cfg.model_share_pct
    if limit is None:
        return RuleCheck(rule, "off")
    fired = 0
    checked = False
    for cur, cells in sorted(per_model.items()):
        by_model: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for (day, model), cost in cells.items():
            if first <= day <= last:
                by_model[model] += cost
        total = sum(by_model.values(), ZERO)
        if total <= 0:
            continue
        checked = True
        for model, cost in sorted(by_model.items(), key=lambda kv: -kv[1]):
            share = cost / total * HUNDRED
            if share > limit:
                fired += 1
                out.append(
                    Alert(
                        rule,
                        f"model={model}",
                        None,
                        share,
                        limit,
                        "%",
                        f"{model} took {share:.1f}% of Bedrock spend from {first} to {last} "
                        f"({_money(cur, cost)} of {_money(cur, total)}; threshold {limit}%)",
                        {"model": model, "cost": cost, "total": total, "currency": cur},
                    )
                )
    if not checked:
        return RuleCheck(rule, "skipped", "no Bedrock spend in the window")
    return RuleCheck(rule, "fired" if fired else "silent")


# --- invocation logs -------------------------------------------------------------------------------------
def _log_window(first: dt.date, last: dt.date) -> dict[str, str]:
    return log_partitions(first, last) | {"day_from": first.isoformat(), "day_to": last.isoformat()}


def _model_name(model_id: str | None, profiles: ProfileMap | None) -> tuple[str, Any]:
    from cur_analyzer.bedrock.models import resolve

    resolved = resolve(model_id, profiles)
    name = resolved.model.display_name if resolved.model else (model_id or "(no model id)")
    return name, resolved


def _log_alerts(
    engine: Engine,
    first: dt.date,
    last: dt.date,
    cfg: AlertRules,
    prices: PriceTable | None,
    profiles: ProfileMap | None,
    out: list[Alert],
    notes: list[str],
) -> list[RuleCheck]:
    window = _log_window(first, last)
    threshold = cfg.max_call_tokens if cfg.max_call_tokens is not None else 2**62
    rows = engine.query("alerts_logs", {**window, "min_tokens": threshold}).to_pylist()
    if not rows:
        notes.append(f"no invocation-log records from {first} to {last}")
        return [RuleCheck(r, "skipped", "no invocation-log records in the window") for r in LOG_RULES]
    names = {r["model_id"]: _model_name(r["model_id"], profiles) for r in rows}
    checks = [
        _failed_spend(rows, names, cfg, prices, out, notes),
        _token_ratio(rows, names, cfg, out),
    ]
    if cfg.max_call_tokens is None:
        checks.append(RuleCheck("large-call", "off"))
    else:
        checks.append(_large_calls(engine, rows, names, window, cfg.max_call_tokens, out))
    return checks


def _failed_spend(
    rows: list[dict],
    names: Mapping[str | None, tuple[str, Any]],
    cfg: AlertRules,
    prices: PriceTable | None,
    out: list[Alert],
    notes: list[str],
) -> RuleCheck:
    rule = "failed-spend"
    limit = cfg.failed_spend_pct
    if limit is None:
        return RuleCheck(rule, "off")
    from cur_analyzer.bedrock.pricing import PriceTable

    table = prices or PriceTable.load()
    total = failed = ZERO
    by_caller: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    unpriced: set[str] = set()
    for r in rows:
        name, resolved = names[r["model_id"]]
        if resolved.model is None:
            unpriced.add(r["model_id"] or "(no model id)")
            continue
        cost = failed_cost = ZERO
        for meter in LOG_METERS:
            rate = table.rate_per_million(
                resolved.model.price_key, r["region"] or "", meter, "standard", resolved.scope
            )
            if rate is None:
                if r[f"{meter}_tokens"]:
                    unpriced.add(name)
                continue
            cost += Decimal(r[f"{meter}_tokens"] or 0) * rate / MILLION
            failed_cost += Decimal(r[f"failed_{meter}_tokens"] or 0) * rate / MILLION
        total += cost
        failed += failed_cost
        if failed_cost:
            by_caller[(r["principal"] or "(no caller)", name)] += failed_cost
    if unpriced:
        notes.append(
            "failed-spend leaves out calls the price table cannot price: " + ", ".join(sorted(unpriced)[:8])
        )
    if total <= 0:
        return RuleCheck(rule, "skipped", "no priced invocation in the window")
    pct = failed / total * HUNDRED
    if pct <= limit:
        return RuleCheck(rule, "silent", f"{pct:.2f}% of estimated spend")
    top = sorted(by_caller.items(), key=lambda kv: -kv[1])[:3]
    who = "; ".join(f"{p} on {m} USD {c:,.4f}" for (p, m), c in top)
    out.append(
        Alert(
            rule,
            "Bedrock",
            None,
            pct,
            limit,
            "%",
            f"failed calls cost an estimated USD {failed:,.4f}, {pct:.1f}% of the estimated USD {total:,.4f} "
            f"(threshold {limit}%); most from {who}",
            {
                "failed_cost": failed,
                "estimated_cost": total,
                "top": [{"principal": p, "model": m, "failed_cost": c} for (p, m), c in top],
            },
        )
    )
    return RuleCheck(rule, "fired")


def _token_ratio(
    rows: list[dict], names: Mapping[str | None, tuple[str, Any]], cfg: AlertRules, out: list[Alert]
) -> RuleCheck:
    rule = "token-ratio"
    limit = cfg.input_output_ratio
    if limit is None:
        return RuleCheck(rule, "off")
    days: dict[tuple[str, str], list] = defaultdict(lambda: [0, 0, defaultdict(int)])
    for r in rows:
        if not r["output_tokens"]:
            continue  # embeddings and the like answer with no output tokens
        acc = days[(r["day"], r["principal"] or "(no caller)")]
        acc[0] += r["input_tokens"] or 0
        acc[1] += r["output_tokens"]
        acc[2][names[r["model_id"]][0]] += r["input_tokens"] or 0
    fired = 0
    for (day, principal), (inp, outp, models) in sorted(days.items()):
        ratio = Decimal(inp) / Decimal(outp)
        if ratio > limit:
            fired += 1
            model = max(models, key=models.get)
            out.append(
                Alert(
                    rule,
                    f"principal={principal}",
                    day,
                    ratio,
                    limit,
                    ":1",
                    f"{principal} sent {inp:,} input tokens for {outp:,} output tokens on {day} "
                    f"({ratio:.1f}:1, threshold {limit}:1), mostly to {model}",
                    {"principal": principal, "input_tokens": inp, "output_tokens": outp, "model": model},
                )
            )
    if not days:
        return RuleCheck(rule, "skipped", "no call with output tokens")
    return RuleCheck(rule, "fired" if fired else "silent", f"{len(days)} caller-day(s) checked")


def _large_calls(
    engine: Engine,
    rows: list[dict],
    names: Mapping[str | None, tuple[str, Any]],
    window: dict[str, str],
    limit: int,
    out: list[Alert],
) -> RuleCheck:
    rule = "large-call"
    groups: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for r in rows:
        if r["large_calls"]:
            acc = groups[(r["day"], r["principal"] or "(no caller)", names[r["model_id"]][0])]
            acc[0] += r["large_calls"]
            acc[1] = max(acc[1], r["max_call_tokens"] or 0)
    if not groups:
        return RuleCheck(rule, "silent", f"no call above {limit:,} tokens")
    examples: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for c in engine.query("alerts_large_calls", {**window, "min_tokens": limit}).to_pylist():
        key = (c["day"], c["principal"] or "(no caller)", names.get(c["model_id"], (c["model_id"],))[0])
        examples[key].append(
            {"time": c["call_time"], "request_id": c["request_id"], "total_tokens": c["total_tokens"]}
        )
    for (day, principal, model), (count, biggest) in sorted(groups.items()):
        out.append(
            Alert(
                rule,
                f"principal={principal}",
                day,
                Decimal(biggest),
                Decimal(limit),
                "tokens",
                f"{principal} made {count} call(s) above {limit:,} tokens to {model} on {day} "
                f"(largest {biggest:,} tokens)",
                {
                    "principal": principal,
                    "model": model,
                    "calls": count,
                    "examples": examples.get((day, principal, model), [])[:5],
                },
            )
        )
    return RuleCheck(rule, "fired")


# --- rendering views ---------------------------------------------------------------------------------------
def _figure(a: Alert) -> str:
    if a.unit == "%":
        return f"{a.figure:.1f}%"
    if a.unit == "x":
        return f"{a.figure:.2f}x"
    if a.unit == ":1":
        return f"{a.figure:.1f}:1"
    return f"{a.figure:,.0f} tokens"


def _threshold(a: Alert) -> str:
    return f"{a.threshold:,.0f} tokens" if a.unit == "tokens" else f"{a.threshold}{a.unit}"


def document(report: Alerts) -> dict:
    return {
        "report": "alerts",
        "month": report.month,
        "days": report.days,
        "from": report.first_day.isoformat(),
        "to": report.last_day.isoformat(),
        "fired": report.fired,
        "rows": [
            {
                "rule": a.rule,
                "subject": a.subject,
                "day": a.day,
                "figure": a.figure,
                "threshold": a.threshold,
                "unit": a.unit,
                "message": a.message,
                "details": a.details,
            }
            for a in report.alerts
        ],
        "checks": [{"rule": c.rule, "status": c.status, "detail": c.detail} for c in report.checks],
        "thresholds": report.thresholds.model_dump(mode="json"),
        "notes": report.notes,
    }


def tabular(report: Alerts) -> Tabular:
    from cur_analyzer.reports._view import Tabular

    rows = [
        {
            "alert": a.rule,
            "subject": a.subject,
            "day": a.day or f"{report.first_day}..{report.last_day}",
            "figure": _figure(a),
            "threshold": _threshold(a),
            "message": a.message,
        }
        for a in report.alerts
    ]
    window = f"{report.month}" if report.month else f"last {report.days} day(s)"
    footer = [
        f"{window}: {report.first_day} to {report.last_day} · "
        + (f"{len(report.alerts)} alert(s) fired" if report.alerts else "no alert fired"),
        "checks: "
        + ", ".join(f"{c.rule} {c.status}" + (f" ({c.detail})" if c.detail else "") for c in report.checks),
        *report.notes,
    ]
    return Tabular(
        title=f"Alerts {report.first_day} to {report.last_day}",
        columns=["alert", "subject", "day", "figure", "threshold", "message"],
        rows=rows,
        footer=footer,
        document=document(report),
    )
