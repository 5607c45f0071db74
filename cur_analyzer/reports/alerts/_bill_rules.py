"""The rules checked on the bill: the Bedrock usage lines summed by day (overall, per spender, per model),
then ``daily-cost-spike``, ``spender-spike`` and ``model-share`` evaluated on those sums."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cur_analyzer.attribution import Dimension
from cur_analyzer.reports.alerts._model import HUNDRED, ZERO, Alert, RuleCheck
from cur_analyzer.reports.alerts._window import as_day
from cur_analyzer.text import money

if TYPE_CHECKING:
    from cur_analyzer.rules import AlertRules


def sum_lines(records: list[dict], plan: Any, spenders: Sequence[Dimension]) -> tuple[dict, dict, dict]:
    daily: dict[str, dict[dt.date, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    per_spender: dict[tuple[str, str, str], dict[dt.date, Decimal]] = defaultdict(
        lambda: defaultdict(lambda: ZERO)
    )
    per_model: dict[str, dict[tuple[dt.date, str], Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    n = len(spenders)
    for rec in records:
        day = as_day(rec["usage_date"])
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


def daily_spikes(
    daily: dict, days: list[dt.date], cfg: AlertRules, out: list[Alert], why_no_days: str | None = None
) -> RuleCheck:
    rule = "daily-cost-spike"
    limit = cfg.daily_cost_over_average_pct
    if limit is None:
        return RuleCheck(rule, "off")
    if not days:
        return RuleCheck(
            rule, "skipped", why_no_days or f"no day with a full {cfg.trailing_days}-day history"
        )
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
                        f"Bedrock cost on {day} was {money(cost, cur)}, {pct:.0f}% of its "
                        f"{cfg.trailing_days}-day average {money(avg, cur)} (threshold {limit}%)",
                        {"cost": cost, "average": avg, "currency": cur},
                    )
                )
    return RuleCheck(rule, "fired" if fired else "silent", f"{len(days)} day(s) checked")


def spender_spikes(
    per_spender: dict, days: list[dt.date], cfg: AlertRules, out: list[Alert], why_no_days: str | None = None
) -> RuleCheck:
    rule = "spender-spike"
    limit = cfg.spender_over_average_ratio
    if limit is None:
        return RuleCheck(rule, "off")
    if not days:
        return RuleCheck(
            rule, "skipped", why_no_days or f"no day with a full {cfg.trailing_days}-day history"
        )
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
                        f"{spec} {value} spent {money(cost, cur)} on {day}, {ratio:.1f}x its "
                        f"{cfg.trailing_days}-day average {money(avg, cur)} (threshold {limit}x)",
                        {"dimension": spec, "value": value, "cost": cost, "average": avg, "currency": cur},
                    )
                )
    subjects = len({(s, v) for _, s, v in per_spender})
    return RuleCheck(rule, "fired" if fired else "silent", f"{subjects} spender(s) over {len(days)} day(s)")


def model_share(
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
                        f"({money(cost, cur)} of {money(total, cur)}; threshold {limit}%)",
                        {"model": model, "cost": cost, "total": total, "currency": cur},
                    )
                )
    if not checked:
        return RuleCheck(rule, "skipped", "no Bedrock spend in the window")
    return RuleCheck(rule, "fired" if fired else "silent")
