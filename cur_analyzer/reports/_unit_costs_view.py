"""How the unit costs are shown: the tokens view (cost per 1M tokens per value, the usage that counts no
tokens and the adjustments on rows of their own) or the cache view (input and cache tokens, the cache-read
share, the saving and the cache-write premium), each with its footer and JSON document. Reads the
``UnitCosts`` model; computes nothing but the rounding of rates.

Rates per 1M tokens are shown at ``RATE_PLACES`` (6) places in every format, whatever ``--precision``
money is shown at: the finest list rate in the shipped price table is 0.00875 USD per 1M tokens (Nova
Micro cache reads), so 6 places show every list rate exactly with a place to spare, and a billed rate that
parts from the list by a millionth of a dollar per 1M tokens still shows. At money's 2 places 0.795 would
read 0.80 and 0.00875 would read 0.01.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any

from cur_analyzer.choices import UnitCostView
from cur_analyzer.reports._unit_costs_cache import cache_rows
from cur_analyzer.reports.unit_costs import ZERO
from cur_analyzer.text import money

if TYPE_CHECKING:
    from cur_analyzer.reports._unit_costs_cache import CacheRow
    from cur_analyzer.reports._view import Tabular
    from cur_analyzer.reports.unit_costs import UnitCosts

RATE_PLACES = 6
_RATE_QUANTUM = Decimal(1).scaleb(-RATE_PLACES)
TOKEN_COLUMNS = ("tokens", "cost", "cost_per_1m_tokens", "lines", "kind")
CACHE_COLUMNS = (
    "input_tokens",
    "input_per_1m_tokens",
    "cache_read_tokens",
    "cache_read_per_1m_tokens",
    "cache_read_share",
    "cache_read_cost",
    "saving",
    "cache_write_tokens",
    "cache_write_cost",
    "cache_write_premium",
    "net_saving",
)


def rate(value: Decimal | None) -> Decimal | None:
    """A rate per 1M tokens as every format shows it: ``RATE_PLACES`` places, half to even."""
    return None if value is None else value.quantize(_RATE_QUANTUM, rounding=ROUND_HALF_EVEN)


def count(tokens: Decimal) -> int | Decimal:
    """A token count as a whole number when it is one (every format then writes it as an integer)."""
    return int(tokens) if tokens == tokens.to_integral_value() else tokens


def _cells(report: UnitCosts, values: tuple[str, ...], currency: str) -> dict[str, Any]:
    return {**dict(zip(report.dimensions, values, strict=True)), "currency": currency}


def _token_cells(report: UnitCosts) -> list[dict[str, Any]]:
    """A row per value at the token meters, then the usage that counts no tokens, then the adjustments."""
    rows = [
        _cells(report, r.values, r.currency)
        | {"tokens": count(r.tokens), "cost": r.cost, "cost_per_1m_tokens": rate(r.per_million)}
        | {"lines": r.lines, "kind": "tokens"}
        for r in report.tokens
    ]
    rows += [
        _cells(report, r.values, r.currency) | {"cost": r.cost, "lines": r.lines, "kind": r.reason}
        for r in report.others
    ]
    first = report.dimensions[0]
    rows += [
        {
            first: a.line_item_type,
            "currency": a.currency,
            "cost": a.cost,
            "lines": a.lines,
            "kind": "adjustment",
        }
        for a in report.adjustments
    ]
    return rows


def _cache_cells(report: UnitCosts, cache: list[CacheRow]) -> list[dict[str, Any]]:
    return [_cells(report, r.values, r.currency) | _cache_figures(r) for r in cache]


def _cache_figures(r: CacheRow, rates: bool = True) -> dict[str, Any]:
    return {
        "input_tokens": count(r.input_tokens),
        "input_per_1m_tokens": rate(r.input_per_million) if rates else None,
        "cache_read_tokens": count(r.cache_read_tokens),
        "cache_read_per_1m_tokens": rate(r.cache_read_per_million) if rates else None,
        "cache_read_share": r.cache_read_share,
        "cache_read_cost": r.cache_read_cost,
        "saving": r.saving,
        "cache_write_tokens": count(r.cache_write_tokens),
        "cache_write_cost": r.cache_write_cost,
        "cache_write_premium": r.write_premium,
        "net_saving": r.net_saving,
    }


def _cache_totals(report: UnitCosts, cache: list[CacheRow]) -> list[dict[str, Any]]:
    """A Total line per currency: every token and money column summed, the share over the sums; no rate,
    which over several models would be a blend no model is billed at."""
    from dataclasses import fields

    from cur_analyzer.reports._unit_costs_cache import CacheRow

    summed = [f.name for f in fields(CacheRow) if f.name not in ("values", "currency")]
    totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(summed, ZERO))
    for r in cache:
        for name in summed:
            totals[r.currency][name] += getattr(r, name)
    first = report.dimensions[0]
    return [
        {first: "Total", "currency": cur} | _cache_figures(CacheRow((), cur, **sums), rates=False)
        for cur, sums in totals.items()
    ]


def _status(report: UnitCosts) -> str:
    status = "final" if report.final else "NOT final (no invoice id yet)"
    return f"{report.month} · Amazon Bedrock · {report.cost_basis} cost · month {status}"


def _conservation(report: UnitCosts) -> list[str]:
    tokens, others, adjustments = report.token_totals(), report.other_totals(), report.adjustment_totals()
    return [
        f"total {money(total, cur)} = token usage {money(tokens.get(cur, ZERO))}"
        f" + other usage {money(others.get(cur, ZERO))} + adjustments {money(adjustments.get(cur, ZERO))}"
        for cur, total in report.totals().items()
    ]


def _left_out_of_cache(report: UnitCosts) -> list[str]:
    """The money the cache view does not show, per currency: never left out silently."""
    output: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for t in report.token_lines:
        if t.meter == "output":
            output[t.currency] += t.cost
    others, adjustments = report.other_totals(), report.adjustment_totals()
    return [
        f"not in this view: output tokens {money(output.get(cur, ZERO), cur)}, usage that counts no tokens "
        f"{money(others.get(cur, ZERO), cur)}, adjustments {money(adjustments.get(cur, ZERO), cur)}"
        for cur in report.totals()
    ]


def tabular(report: UnitCosts) -> Tabular:
    if report.view == UnitCostView.CACHE:
        return _cache_tabular(report)
    return _tokens_tabular(report)


def _currency(report: UnitCosts) -> list[str]:
    return ["currency"] if len(report.currencies) > 1 else []


def _tokens_tabular(report: UnitCosts) -> Tabular:
    from cur_analyzer.reports._view import Tabular

    dims = list(report.dimensions)
    rows = _token_cells(report)
    summary = [{dims[0]: "Total", "currency": cur, "cost": amount} for cur, amount in report.totals().items()]
    footer = [
        _status(report),
        f"cost_per_1m_tokens = cost ÷ tokens × 1,000,000 at the token meters, at {RATE_PLACES} places",
        *_conservation(report),
        *report.notes,
    ]
    return Tabular(
        title=f"Unit costs {report.month}: cost per 1M tokens by {', '.join(dims)}",
        columns=[*dims, *_currency(report), *TOKEN_COLUMNS],
        rows=rows,
        money_columns=("cost",),
        summary_rows=summary,
        footer=footer,
        document=_document(report, rows),
    )


def _cache_tabular(report: UnitCosts) -> Tabular:
    from cur_analyzer.reports._view import Tabular

    dims = list(report.dimensions)
    cache, cache_notes = cache_rows(report.token_lines)
    rows = _cache_cells(report, cache)
    footer = [
        _status(report),
        "saving = the cache-read tokens at the model's billed input rate (same month, region, tier and "
        "routing) - what they cost; cache_write_premium = cache-write cost - the same tokens at that rate; "
        "net_saving = saving - cache_write_premium",
        *_conservation(report),
        *_left_out_of_cache(report),
        *cache_notes,
        *report.notes,
    ]
    return Tabular(
        title=f"Unit costs {report.month}: prompt cache by {', '.join(dims)}",
        columns=[*dims, *_currency(report), *CACHE_COLUMNS],
        rows=rows,
        money_columns=("cache_read_cost", "saving", "cache_write_cost", "cache_write_premium", "net_saving"),
        percent_columns=("cache_read_share",),
        summary_rows=_cache_totals(report, cache),
        footer=footer,
        document=_document(report, rows, cache_notes),
    )


def _document(
    report: UnitCosts, rows: list[dict[str, Any]], extra_notes: Sequence[str] = ()
) -> dict[str, Any]:
    totals = report.totals()
    single = report.currencies[0] if len(report.currencies) == 1 else None
    return {
        "report": "unit-costs",
        "view": report.view,
        "month": report.month,
        "cost_basis": report.cost_basis,
        "service": "bedrock",
        "by": list(report.dimensions),
        "currency": single,
        "final": report.final,
        "rate_places": RATE_PLACES,
        "rows": rows,
        "total": totals.get(single, ZERO) if single else None,
        "totals": totals,
        "notes": [*extra_notes, *report.notes],
    }
