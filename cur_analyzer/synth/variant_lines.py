"""The lines the export variants add to a month: :data:`~cur_analyzer.synth.variant_templates.LINES_PER_TEMPLATE`
lines of each variant template at working hours, the reserved instance's usage and fees, and the lines of
the stale file."""

from __future__ import annotations

import numpy as np

from cur_analyzer.synth.book import FrozenBook
from cur_analyzer.synth.money import UNITS
from cur_analyzer.synth.period import Period
from cur_analyzer.synth.rows import Rows
from cur_analyzer.synth.variant_templates import (
    LINES_PER_TEMPLATE,
    RI_RECURRING_HOURLY,
    RI_UPFRONT_HOURLY,
)

NET_PERCENT = 95  # the reserved instance's and the Savings Plan's net columns: the discount applied
STALE_LINES = 20  # lines of the stale file


def variant_rows(book: FrozenBook, period: Period, rng: np.random.Generator) -> Rows:
    """Every variant template's lines for the month but the reserved instance's (see :func:`ri_rows`)."""
    tpls = [i for key, i in book.index.items() if _is_variant(key) and key[1] != "net-columns"]
    if not tpls:
        return Rows(*(np.zeros(0, t) for t in (np.int32, np.int32, np.int64, np.int64, np.int64)))
    hours = period.working_hours()
    tpl = np.repeat(np.array(tpls, np.int32), LINES_PER_TEMPLATE)
    hour = np.concatenate([np.sort(rng.choice(hours, LINES_PER_TEMPLATE, replace=False)) for _ in tpls])
    noise = np.exp(book.q_sigma[tpl] * rng.standard_normal(len(tpl)))
    qty = np.maximum(1, np.round(book.q_mean[tpl] * noise)).astype(np.int64)
    return book.priced(tpl, hour.astype(np.int32), qty)


def _is_variant(key: object) -> bool:
    return isinstance(key, tuple) and len(key) == 3 and key[0] == "variant"


def _net(units: np.ndarray | int) -> np.ndarray:
    return (np.asarray(units, np.int64) * NET_PERCENT + 50) // 100


def ri_rows(book: FrozenBook, period: Period) -> Rows:
    """The reserved instance: discounted usage every third hour, the month's fee for the hours it ran
    unused, and the upfront fee in the first month; every money column with its net_ twin."""
    upfront_h, recurring_h = int(RI_UPFRONT_HOURLY * UNITS), int(RI_RECURRING_HOURLY * UNITS)
    used = np.arange(0, period.hours, 3, dtype=np.int32)
    n, unused = len(used), period.hours - len(used)
    zero, ones = np.zeros(n, np.int64), np.ones(n, np.int64)
    effective = ones * (upfront_h + recurring_h)
    parts = [
        Rows(
            np.full(n, book.index[("variant", "net-columns", "DiscountedUsage")], np.int32), used, ones,
            zero, zero,
            sp={"reservation_effective_cost": effective, "reservation_net_effective_cost": _net(effective)},
        )
    ]  # fmt: skip
    fee = recurring_h * period.hours
    unused_cols = {
        "reservation_unused_recurring_fee": recurring_h * unused,
        "reservation_unused_amortized_upfront_fee_for_billing_period": upfront_h * unused,
    }
    sp = {k: np.array([v], np.int64) for k, v in unused_cols.items()}
    sp |= {k.replace("reservation_", "reservation_net_"): _net(v) for k, v in sp.items()}
    parts.append(_single(book, "RIFee", period, fee, sp))
    if period.index == 0:
        parts.append(_single(book, "Fee", period, upfront_h * 8760, {}))
    return Rows.concat(parts)


def _single(book: FrozenBook, line_type: str, period: Period, amount: int, sp: dict[str, np.ndarray]) -> Rows:
    one = np.ones(1, np.int64)
    return Rows(
        np.array([book.index[("variant", "net-columns", line_type)]], np.int32),
        np.array([period.hours], np.int32),
        one * 0,
        one * amount,
        _net(one * amount),
        sp,
    )


def stale_rows(book: FrozenBook, period: Period, rng: np.random.Generator) -> Rows:
    """Lines of the logged scenario's Bedrock templates, as an earlier run of the export wrote them."""
    logged = np.array(
        [t for t, m in enumerate(book.meta) if m.bedrock and m.log_status == "logged"], np.int32
    )
    tpl = rng.choice(logged, STALE_LINES)
    hour = rng.choice(period.working_hours(), STALE_LINES).astype(np.int32)
    qty = rng.integers(1_000, 50_000, STALE_LINES).astype(np.int64)
    return book.priced(tpl, hour, qty)
