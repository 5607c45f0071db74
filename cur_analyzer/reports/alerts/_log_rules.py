"""The rules checked on the Bedrock invocation logs: ``failed-spend`` (failed calls priced from the price
table), ``token-ratio`` (a caller's day of input against output tokens) and ``large-call`` (single calls
above a token count, with example requests)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from cur_analyzer.engines import Engine, query_rows
from cur_analyzer.period import log_partitions
from cur_analyzer.reports.alerts._model import HUNDRED, LOG_METERS, LOG_RULES, MILLION, ZERO, Alert, RuleCheck
from cur_analyzer.text import money

if TYPE_CHECKING:
    from cur_analyzer.bedrock.models import ProfileMap
    from cur_analyzer.bedrock.pricing import PriceTable
    from cur_analyzer.rules import AlertRules


def _log_window(first: dt.date, last: dt.date) -> dict[str, str]:
    return log_partitions(first, last) | {"day_from": first.isoformat(), "day_to": last.isoformat()}


def _model_name(model_id: str | None, profiles: ProfileMap | None) -> tuple[str, Any]:
    from cur_analyzer.bedrock.models import resolve

    resolved = resolve(model_id, profiles)
    name = resolved.model.display_name if resolved.model else (model_id or "(no model id)")
    return name, resolved


def log_alerts(
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
    rows = query_rows(engine, "alerts_logs", {**window, "min_tokens": threshold})
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
    who = "; ".join(f"{p} on {m} {money(c, 'USD')}" for (p, m), c in top)
    out.append(
        Alert(
            rule,
            "Bedrock",
            None,
            pct,
            limit,
            "%",
            f"failed calls cost an estimated {money(failed, 'USD')}, {pct:.1f}% of the estimated "
            f"{money(total, 'USD')} "
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
    for c in query_rows(engine, "alerts_large_calls", {**window, "min_tokens": limit}):
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
