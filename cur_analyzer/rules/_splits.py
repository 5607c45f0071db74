"""Shared-cost splits: a pool of cost (the ``Unallocated`` usage, adjustment line item types such as
``Tax`` or ``Credit``, every adjustment left, or some product codes) moved onto the other values of a
rules dimension, ``proportional``, ``even`` or ``fixed``, with shares at the SQL money scale that sum
exactly to the pool (largest remainder)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, localcontext
from typing import TYPE_CHECKING

from cur_analyzer.attribution import UNALLOCATED
from cur_analyzer.rules._resolve import Item, LinePlan
from cur_analyzer.text import money

if TYPE_CHECKING:
    from cur_analyzer.rules._model import SharedCostRule

HUNDRED = Decimal(100)
ZERO = Decimal(0)

__all__ = ["MONEY_QUANTUM", "PERCENT_QUANTUM", "SplitResult", "allocate", "apply_shared_costs", "percentages"]

#: Money carried at the SQL scale: a split's shares are quantised here and the remainder kept exact.
MONEY_QUANTUM = Decimal(1).scaleb(-10)
#: Shares of a total are shown in percentage points at this scale.
PERCENT_QUANTUM = Decimal("0.01")

#: Pool lines that share their values and vias: (values, vias, the lines).
_Group = tuple[tuple[str, ...], tuple[str | None, ...], list[Item]]


@dataclass(frozen=True)
class SplitResult:
    """What one shared-cost rule moved, in one currency."""

    rule: int  # index in shared_costs
    dimension: str
    pool: str
    method: str
    currency: str
    amount: Decimal
    lines: int
    shares: dict[str, Decimal]


def allocate(amount: Decimal, weights: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """``amount`` shared by ``weights`` (positive), each share at the SQL money scale, summing exactly to
    ``amount``: the rounding remainder goes to the largest weight."""
    total = sum(weights.values(), ZERO)
    if not weights or total <= 0:
        raise ValueError("allocate needs positive weights")
    with localcontext() as ctx:
        ctx.prec = 60
        shares = {
            k: (amount * w / total).quantize(MONEY_QUANTUM, rounding=ROUND_HALF_EVEN)
            for k, w in weights.items()
        }
        largest = max(weights, key=lambda k: (weights[k], -list(weights).index(k)))
        shares[largest] += amount - sum(shares.values(), ZERO)
    return shares


def percentages(amounts: Sequence[Decimal], total: Decimal) -> list[Decimal] | None:
    """Each amount in percentage points of ``total`` (the amounts' sum), at ``PERCENT_QUANTUM``, summing to
    exactly 100: each is rounded down and the hundredths left go to the largest remainders. None for a
    total of zero."""
    if sum(amounts, ZERO) != total:
        raise ValueError("percentages need amounts that sum to the total")
    if not total:
        return None
    with localcontext() as ctx:
        ctx.prec = 60
        exact = [a * HUNDRED / total for a in amounts]
        shown = [e.quantize(PERCENT_QUANTUM, rounding=ROUND_FLOOR) for e in exact]
        left = int((HUNDRED - sum(shown, ZERO)) / PERCENT_QUANTUM)
    for i in sorted(range(len(exact)), key=lambda i: (shown[i] - exact[i], i))[:left]:
        shown[i] += PERCENT_QUANTUM
    return shown


def _has_no_value(item: Item, k: int) -> bool:
    """Do the lines have no value for dimension ``k``? Not a text match: a tag whose value is literally
    "Unallocated" is a value."""
    return item.no_value[k] if item.no_value else item.values[k] == UNALLOCATED


def _pool_claims(rule: SharedCostRule, item: Item, split_dim: int) -> bool:
    if rule.pool.unallocated:
        return item.usage and _has_no_value(item, split_dim)
    if rule.pool.adjustments:
        return not item.usage
    if rule.pool.line_item_type is not None:
        return item.line_item_type in rule.pool.line_item_type
    return item.service in (rule.pool.product_code or [])


def _claim_pools(
    items: Sequence[Item], applicable: Sequence[tuple[int, SharedCostRule]], dims: list[str]
) -> tuple[dict[int, list[Item]], list[Item]]:
    """Each rule's pool (by rule index) and the lines no pool claims; the first rule that claims wins."""
    claimed: dict[int, list[Item]] = defaultdict(list)
    rest: list[Item] = []
    for item in items:
        for i, rule in applicable:
            if _pool_claims(rule, item, dims.index(rule.dimension)):
                claimed[i].append(item)
                break
        else:
            rest.append(item)
    return claimed, rest


def _attributed_cost(rest: Sequence[Item], k: int) -> dict[str, dict[str, Decimal]]:
    """Usage cost per currency and value of dimension ``k`` before any split: what proportional follows."""
    base: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for item in rest:
        if item.usage and not _has_no_value(item, k):
            base[item.currency][item.values[k]] += item.cost
    return base


def _groups_by_currency(pool: Sequence[Item]) -> dict[str, list[_Group]]:
    groups: dict[tuple[str, tuple[str, ...], tuple[str | None, ...]], list[Item]] = defaultdict(list)
    for item in pool:
        groups[(item.currency, item.values, item.vias)].append(item)
    by_currency: dict[str, list[_Group]] = defaultdict(list)
    for (currency, values, vias), members in groups.items():
        by_currency[currency].append((values, vias, members))
    return by_currency


def _weights(rule: SharedCostRule, base: Mapping[str, Decimal]) -> dict[str, Decimal]:
    if rule.method == "fixed":
        return dict(rule.percentages or {})
    # the base holds values only (lines with no value are not in it), a team named "Unallocated" included
    candidates = list(rule.to) if rule.to is not None else sorted(base)
    if rule.method == "even":
        return {v: Decimal(1) for v in candidates}
    weights = {v: base.get(v, ZERO) for v in candidates if base.get(v, ZERO) > 0}
    return weights


def _split_groups(
    rule: SharedCostRule, k: int, currency: str, entries: list[_Group], weights: Mapping[str, Decimal]
) -> tuple[list[Item], dict[str, Decimal]]:
    """The split lines of one currency's pool (each group keeps its other values) and the share per value."""
    out: list[Item] = []
    shares_total: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for values, vias, members in entries:
        group_cost = sum((m.cost for m in members), ZERO)
        for target, share in allocate(group_cost, weights).items():
            new_values = values[:k] + (target,) + values[k + 1 :]
            new_vias = vias[:k] + (rule.via,) + vias[k + 1 :]
            out.append(Item(new_values, new_vias, currency, share, 0, "Split", None, True))
            shares_total[target] += share
    return out, dict(shares_total)


def _share_pool(
    i: int, rule: SharedCostRule, k: int, pool: Sequence[Item], base: Mapping[str, Mapping[str, Decimal]]
) -> tuple[list[Item], list[SplitResult], list[str]]:
    """One rule's pool, per currency: split onto the weights, or left as it was with a note."""
    out: list[Item] = []
    results: list[SplitResult] = []
    notes: list[str] = []
    for currency, entries in _groups_by_currency(pool).items():
        weights = _weights(rule, base.get(currency, {}))
        amount = sum((m.cost for _, _, ms in entries for m in ms), ZERO)
        lines = sum(m.lines for _, _, ms in entries for m in ms)
        if not weights:
            notes.append(
                f"shared cost rule {i + 1} ({rule.pool_label} {rule.method} over {rule.dimension}): "
                f"no {rule.dimension} value to share {money(amount, currency)} onto; it stays as it was"
            )
            out += [m for _, _, ms in entries for m in ms]
            continue
        split, shares = _split_groups(rule, k, currency, entries, weights)
        out += split
        results.append(
            SplitResult(i, rule.dimension, rule.pool_label, rule.method, currency, amount, lines, shares)
        )
    return out, results, notes


def apply_shared_costs(items: list[Item], plan: LinePlan) -> tuple[list[Item], list[SplitResult], list[str]]:
    """Move each shared-cost pool onto the other values of its dimension.

    Rules apply in file order and a line belongs to the first pool that claims it. Proportional shares
    follow the values' attributed cost before any split (so the order of the rules never changes a
    share). A split keeps the pool's currency and the pool lines' other dimension values; its rows say
    ``split:<method>`` (``split:<method>:<pool>`` for a named pool). A pool with nowhere to go stays where
    it was, and a note says so. The month's total is unchanged to the last digit.
    """
    dims = [d.spec for d in plan.dims]
    applicable = [(i, r) for i, r in enumerate(plan.rules.shared_costs) if r.dimension in dims]
    if not applicable:
        return items, [], []
    claimed, rest = _claim_pools(items, applicable, dims)
    out, results, notes = list(rest), [], []
    for i, rule in applicable:
        pool = claimed.get(i, [])
        if not pool:
            continue
        k = dims.index(rule.dimension)
        moved, split_results, split_notes = _share_pool(i, rule, k, pool, _attributed_cost(rest, k))
        out += moved
        results += split_results
        notes += split_notes
    return out, results, notes
