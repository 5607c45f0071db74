"""One value's change between two months, split into parts that add up to it exactly.

A value's lines in each month are kept as a ``Book``: tokens and cost per (model group, meter) of its
text-token lines, and the cost of every other line. ``split`` walks the chain of states described in the
package docstring; each part is the difference of two successive states, so the parts telescope to the
change whatever the states are. The first and the last state are exact sums of the bill; the
counterfactual states in between are ratios, carried at ``PRECISION`` digits and set at ``STATE_SCALE``
places, the money scale, so every part is an exact decimal at that scale.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, localcontext

ZERO = Decimal(0)
#: digits a counterfactual state is worked out at, before it is set at the money scale
PRECISION = 60
#: places of every state (DECIMAL(38,10), the scale every SQL file sums money in)
STATE_SCALE = Decimal(1).scaleb(-10)
#: the parts, in the order of the chain of states (attribution is the last step: from M0's mapping of
#: caller and resource to M's)
PARTS = ("volume", "mix", "cache", "price", "other", "attribution")
#: the meters whose tokens the cache part moves between: plain input and input served from cache
INPUT, CACHE_READ = "input", "cache_read"

#: (region code, model, grammar, tier, scope, flags): what a token's rate depends on besides its meter
Group = tuple[str | None, str | None, str, str, str, tuple[str, ...]]
Key = tuple[Group, str]


@dataclass
class Book:
    """One value's lines in one month: per (model group, meter) the tokens and the cost of its text-token
    lines, and the cost of its other lines (non-token meters, other services, adjustments)."""

    tokens: dict[Key, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    cost: dict[Key, Decimal] = field(default_factory=lambda: defaultdict(lambda: ZERO))
    other: Decimal = ZERO

    def add_tokens(self, group: Group, meter: str, amount: Decimal, cost: Decimal) -> None:
        self.tokens[(group, meter)] += amount
        self.cost[(group, meter)] += cost

    def add_other(self, cost: Decimal) -> None:
        self.other += cost

    @property
    def total_tokens(self) -> Decimal:
        return sum(self.tokens.values(), ZERO)

    @property
    def token_cost(self) -> Decimal:
        return sum(self.cost.values(), ZERO)

    @property
    def billed(self) -> Decimal:
        return self.token_cost + self.other

    def input_side(self, group: Group) -> Decimal:
        """Tokens of a model group's input, plain or served from cache."""
        return self.tokens.get((group, INPUT), ZERO) + self.tokens.get((group, CACHE_READ), ZERO)

    def cache_share(self) -> Decimal | None:
        """The share of all input tokens served from cache (None without input)."""
        cached = sum((q for (_, m), q in self.tokens.items() if m == CACHE_READ), ZERO)
        plain = sum((q for (_, m), q in self.tokens.items() if m == INPUT), ZERO)
        return cached / (cached + plain) if cached + plain else None


@dataclass(frozen=True)
class Parts:
    """A value's change and its parts (they sum to ``change`` exactly), with the facts its sentence tells."""

    billed_vs: Decimal
    billed: Decimal
    volume: Decimal
    mix: Decimal
    cache: Decimal
    price: Decimal
    other: Decimal
    attribution: Decimal
    tokens_vs: Decimal = ZERO
    tokens: Decimal = ZERO
    cache_share_vs: Decimal | None = None
    cache_share: Decimal | None = None

    @property
    def change(self) -> Decimal:
        return self.billed - self.billed_vs

    def amounts(self) -> dict[str, Decimal]:
        return {p: getattr(self, p) for p in PARTS}


def _state(value: Decimal) -> Decimal:
    return value.quantize(STATE_SCALE, rounding=ROUND_HALF_EVEN)


def _at_vs_rates(before: Book, moved: Book) -> Decimal:
    """M's tokens at M0's rate per (model group, meter); a meter the value did not use in M0 at M's own
    rate (it has no other), so its cost is not a price change."""
    total = ZERO
    for key, q1 in moved.tokens.items():
        q0 = before.tokens.get(key, ZERO)
        if q1 and q0:
            total += q1 * before.cost[key] / q0
        elif q1:
            total += moved.cost[key]
    return total


def _at_vs_cache_share(before: Book, moved: Book) -> Decimal:
    """``_at_vs_rates`` with each model group's input split between plain and cached as in M0."""
    total = ZERO
    for key, q1 in moved.tokens.items():
        group, meter = key
        if meter in (INPUT, CACHE_READ) and before.input_side(group):
            continue
        q0 = before.tokens.get(key, ZERO)
        total += q1 * before.cost[key] / q0 if q1 and q0 else (moved.cost[key] if q1 else ZERO)
    for group in {g for g, m in moved.tokens if m in (INPUT, CACHE_READ)}:
        input_vs = before.input_side(group)
        if input_vs:
            share_of = moved.input_side(group) / input_vs
            total += share_of * (
                before.cost.get((group, INPUT), ZERO) + before.cost.get((group, CACHE_READ), ZERO)
            )
    return total


def split(before: Book, moved: Book, billed: Decimal) -> Parts:
    """The parts of ``billed - before.billed``.

    ``before``: the value's lines of M0; ``moved``: the lines of M that M0's mapping of caller and resource
    gives the value; ``billed``: what M's own mapping gives it (the value's bill in M)."""
    with localcontext() as ctx:
        ctx.prec = PRECISION
        q0, q1 = before.total_tokens, moved.total_tokens
        at_mix = _state(_at_vs_cache_share(before, moved))
        at_volume = _state(before.token_cost * q1 / q0) if q0 else at_mix
        at_cache = _state(_at_vs_rates(before, moved))
        return Parts(
            billed_vs=before.billed,
            billed=billed,
            volume=at_volume - before.token_cost,
            mix=at_mix - at_volume,
            cache=at_cache - at_mix,
            price=moved.token_cost - at_cache,
            other=moved.other - before.other,
            attribution=billed - moved.billed,
            tokens_vs=q0,
            tokens=q1,
            cache_share_vs=before.cache_share(),
            cache_share=moved.cache_share(),
        )
