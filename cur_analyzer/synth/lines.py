"""The CUR lines that are not drawn from logged calls: the bulk (analytics-account Bedrock and other services,
a row group at a time), the Savings Plan lines, and the month-end adjustments."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from cur_analyzer.bedrock.pricing import PriceTable
from cur_analyzer.synth.book import DEFAULT_CURRENCY, FrozenBook
from cur_analyzer.synth.calls import Calls, Group, draw_bedrock
from cur_analyzer.synth.catalogue import Catalogue, Plan, SavingsPlan
from cur_analyzer.synth.money import NULL_UNITS, UNITS, to_decimal, to_units
from cur_analyzer.synth.period import Period
from cur_analyzer.synth.rows import Accumulator, Rows, single_row
from cur_analyzer.synth.scenario import CREDITS

ROW_GROUP_ROWS = 250_000  # bulk lines per row group: the bulk is drawn and written a range of hours at a time
_TAX_RATE = Decimal("0.17")  # Luxembourg VAT on an EMEA SARL invoice
_CENT = Decimal("0.01")


def _service_rows(
    rng: np.random.Generator, book: FrozenBook, res_tpl: np.ndarray, hours: np.ndarray, n: int
) -> Rows:
    """Distinct (resource, hour) lines with a quantity drawn around the resource's typical usage."""
    pop = len(res_tpl) * len(hours)
    pick = rng.choice(pop, size=min(n, pop), replace=False)
    tpl = res_tpl[pick // len(hours)]
    hour = hours[pick % len(hours)]
    noise = np.exp(book.q_sigma[tpl] * rng.standard_normal(len(pick)))
    qty = np.maximum(1, np.round(book.q_mean[tpl] * noise)).astype(np.int64)
    return book.priced(tpl, hour, qty)


def sp_rows(
    book: FrozenBook,
    sp: SavingsPlan,
    period: Period,
    rng: np.random.Generator,
    n: int,
    net_percent: int = 100,
) -> Rows:
    """Covered usage + negation per covered hour, the recurring fee, and the upfront fee in the first month.
    ``net_percent``: the covered usage's net effective cost, in percent of its effective cost."""
    hours = np.sort(rng.choice(period.hours, size=min(n, period.hours), replace=False)).astype(np.int32)
    od = int(sp.od_rate * UNITS)
    eff = int(sp.sp_rate * UNITS)
    net_eff = (eff * net_percent + 50) // 100
    ones = np.ones(len(hours), dtype=np.int64)
    covered = Rows(
        np.full(len(hours), book.index[("sp", "SavingsPlanCoveredUsage")], np.int32),
        hours,
        ones,
        ones * od,
        ones * od,
        sp={
            "savings_plan_savings_plan_effective_cost": ones * eff,
            "savings_plan_net_savings_plan_effective_cost": ones * net_eff,
            "savings_plan_savings_plan_rate": ones * eff,
        },
    )
    negation = Rows(
        np.full(len(hours), book.index[("sp", "SavingsPlanNegation")], np.int32),
        hours,
        ones,
        -ones * od,
        -ones * od,
    )
    commitment = int(sp.hourly_commitment * UNITS) * period.hours
    recurring = upfront_amortized = commitment // 2  # partial upfront: half paid upfront, half monthly
    used = eff * len(hours)
    fee_sp = {
        "savings_plan_total_commitment_to_date": recurring + upfront_amortized,
        "savings_plan_used_commitment": used,
        "savings_plan_recurring_commitment_for_billing_period": recurring,
        "savings_plan_net_recurring_commitment_for_billing_period": recurring,
        "savings_plan_amortized_upfront_commitment_for_billing_period": upfront_amortized,
        "savings_plan_net_amortized_upfront_commitment_for_billing_period": upfront_amortized,
    }
    parts = [
        covered,
        negation,
        single_row(
            book.index[("sp", "SavingsPlanRecurringFee")],
            period.hours,
            recurring,
            recurring,
            {k: np.array([v]) for k, v in fee_sp.items()},
        ),
    ]
    if period.index == 0:
        upfront = int(sp.hourly_commitment * UNITS) * 8760 // 2
        parts.append(single_row(book.index[("sp", "SavingsPlanUpfrontFee")], period.hours, upfront, upfront))
    return Rows.concat(parts)


def filler_chunks(
    rng: np.random.Generator,
    cat: Catalogue,
    book: FrozenBook,
    plan: Plan,
    period: Period,
    exact: PriceTable | None = None,
    calls_out: list[Calls] | None = None,
) -> Iterator[Rows]:
    """Analytics-account Bedrock lines and other services' lines, a row group at a time. ``exact``: draw exact
    token multiples (:meth:`Group.exact`); ``calls_out`` collects the drawn calls (to log them)."""
    total = plan.filler_bedrock_lines + plan.service_lines
    if total == 0:
        return
    n_chunks = max(1, math.ceil(total / ROW_GROUP_ROWS))
    bounds = np.linspace(0, period.hours, n_chunks + 1).astype(int)
    filler = Group.of(cat.filler)
    if exact is not None:
        filler = filler.exact(book, exact)
    filler_tpl = filler.templates(book)
    per_slot = filler.lines_per_slot()
    res_tpl = np.array([book.index[("resource", id(r))] for r in cat.resources], dtype=np.int32)
    for c in range(n_chunks):
        hours = np.arange(bounds[c], bounds[c + 1], dtype=np.int32)
        share = len(hours) / period.hours
        parts = []
        if plan.filler_bedrock_lines:
            n_slots = round(plan.filler_bedrock_lines * share / per_slot)
            rows, calls = draw_bedrock(rng, filler, book, filler_tpl, hours, n_slots)
            parts.append(rows)
            if calls_out is not None:
                calls_out.append(calls)
        if plan.service_lines:
            parts.append(_service_rows(rng, book, res_tpl, hours, round(plan.service_lines * share)))
        yield Rows.concat(parts)


# An adjustment line: (line item type, account, product, unblended, net) with money in 1e-8 USD.
_Entry = tuple[str, str, str, int, int]
_ByProduct = dict[tuple[str, str], int]  # (account, product) -> 1e-8 USD


def adjustment_rows(acc: Accumulator, book: FrozenBook, cat: Catalogue, period: Period) -> Rows:
    """EDP discount per (account, product), credits, refunds, support fee, then tax on the result."""
    billed, discount, usage = _billed_by_product(acc, book)
    entries = _discounts(discount) + _credits(usage) + [_support_fee(cat, usage)]
    for _type, account, product, amount, _net in entries:
        billed[(account, product)] += amount
    entries += _taxes(billed)
    n = len(entries)
    tpl = np.array([book.index[(t, a, p)] for t, a, p, _, _ in entries], dtype=np.int32)
    return Rows(
        tpl,
        np.full(n, period.hours, np.int32),
        np.zeros(n, np.int64),
        np.array([e[3] for e in entries], np.int64),
        np.array([e[4] for e in entries], np.int64),
    )


def _billed_by_product(acc: Accumulator, book: FrozenBook) -> tuple[_ByProduct, _ByProduct, _ByProduct]:
    """What was billed so far per (account, product): every line, the EDP discount in it, and Usage lines in
    the month's currency (what the credits and the support fee, billed in it, are computed from)."""
    billed: _ByProduct = defaultdict(int)
    discount: _ByProduct = defaultdict(int)
    usage: _ByProduct = defaultdict(int)
    unb, net = acc.sums["unblended"], acc.sums["net_unblended"]
    for t in np.nonzero(acc.sums["lines"])[0]:
        meta = book.meta[t]
        key = (meta.account, meta.product)
        billed[key] += int(unb[t])
        if book.edp[t]:
            discount[key] += int(unb[t] - net[t])
        if meta.line_type == "Usage" and meta.currency == DEFAULT_CURRENCY:
            usage[key] += int(unb[t])
    return billed, discount, usage


def _discounts(discount: _ByProduct) -> list[_Entry]:
    entries: list[_Entry] = []
    for key, amount in sorted(discount.items()):
        if amount:
            # The discount line carries net 0: the usage lines' net already has the discount in it.
            entries.append(("EdpDiscount", *key, -amount, 0))
    return entries


def _credits(usage: _ByProduct) -> list[_Entry]:
    entries: list[_Entry] = []
    for line_type, account, product, cap, share in CREDITS:
        amount = min(cap, to_decimal(usage[(account, product)]) * share).quantize(_CENT, ROUND_HALF_UP)
        if amount > 0:
            entries.append((line_type, account, product, -to_units(amount), NULL_UNITS))
    return entries


def _support_fee(cat: Catalogue, usage: _ByProduct) -> _Entry:
    total_usage = to_decimal(sum(usage.values()))
    fee = max(Decimal(100), total_usage * Decimal("0.1")).quantize(_CENT, ROUND_HALF_UP)
    return ("Fee", cat.payer.id, "AWSSupportBusiness", to_units(fee), NULL_UNITS)


def _taxes(billed: _ByProduct) -> list[_Entry]:
    entries: list[_Entry] = []
    for (account, product), base in sorted(billed.items()):
        tax = (to_decimal(base) * _TAX_RATE).quantize(_CENT, ROUND_HALF_UP)
        if tax > 0:
            entries.append(("Tax", account, product, to_units(tax), NULL_UNITS))
    return entries
