"""What prompt caching bought, from the bill alone.

A cache-read token is billed instead of an input token, so what it saved is what it would have cost at the
model's billed input rate minus what it did cost; a cache-write token is billed above the input rate, and
that extra is what the cache cost to fill. The input rate is the month's, over the model's input lines of
the same region, tier, routing scope and rate flags (long context) in the same currency; where the model
billed no input there, the match widens one step at a time (any routing, then any region, then any tier)
and the report says how many tokens were compared that way. Cache tokens of a model that billed no input
at all in that currency are compared with nothing, and said so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from cur_analyzer.reports._view import MONEY_SCALE
from cur_analyzer.reports.unit_costs import ONE_MILLION, ZERO, TokenLine
from cur_analyzer.rules import PERCENT_QUANTUM
from cur_analyzer.text import money

#: How far the match for an input rate widened, narrowest first; the first one is the exact match.
MATCHES = (
    "the same region, tier and routing",
    "the same region and tier, any routing",
    "the same tier, any region",
    "any tier",
)
CACHE_METERS = ("cache_read", "cache_write")
MONEY_QUANTUM = Decimal(1).scaleb(-MONEY_SCALE)


@dataclass(frozen=True)
class CacheRow:
    """Input and cache tokens of one value (per dimension) in one currency, and what the cache saved."""

    values: tuple[str, ...]
    currency: str
    input_tokens: Decimal
    input_cost: Decimal
    cache_read_tokens: Decimal
    cache_read_cost: Decimal
    cache_write_tokens: Decimal
    cache_write_cost: Decimal
    #: what the cache-read tokens would have cost at the input rate, minus what they did cost
    saving: Decimal
    #: what the cache-write tokens cost above the same tokens at the input rate
    write_premium: Decimal
    #: cache tokens (and their cost) of a model with no billed input to compare with: in neither figure
    unmatched_tokens: Decimal = ZERO
    unmatched_cost: Decimal = ZERO

    @property
    def net_saving(self) -> Decimal:
        return self.saving - self.write_premium

    @property
    def cache_read_share(self) -> Decimal | None:
        """Cache-read tokens as a share of the prompt tokens read (input + cache read), in percentage
        points at 0.01; None without either."""
        read = self.input_tokens + self.cache_read_tokens
        if not read:
            return None
        return (self.cache_read_tokens * 100 / read).quantize(PERCENT_QUANTUM)

    @property
    def input_per_million(self) -> Decimal | None:
        return self.input_cost * ONE_MILLION / self.input_tokens if self.input_tokens else None

    @property
    def cache_read_per_million(self) -> Decimal | None:
        return self.cache_read_cost * ONE_MILLION / self.cache_read_tokens if self.cache_read_tokens else None


#: The ``CacheRow`` fields summed over a value's lines.
_SUMMED = (
    "input_tokens",
    "input_cost",
    "cache_read_tokens",
    "cache_read_cost",
    "cache_write_tokens",
    "cache_write_cost",
    "saving",
    "write_premium",
    "unmatched_tokens",
    "unmatched_cost",
)


def _keys(t: TokenLine) -> tuple[tuple, ...]:
    """The match keys of a line, narrowest first (``MATCHES``)."""
    return (
        (t.currency, t.model, t.region, t.tier, t.scope, t.flags),
        (t.currency, t.model, t.region, t.tier),
        (t.currency, t.model, t.tier),
        (t.currency, t.model),
    )


class InputRates:
    """The month's billed input rate per match key: cost and tokens of the input lines under each."""

    def __init__(self, token_lines: Sequence[TokenLine]):
        self._sums: dict[tuple, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
        for t in token_lines:
            if t.meter == "input":
                for key in _keys(t):
                    acc = self._sums[key]
                    acc[0] += t.cost
                    acc[1] += t.tokens

    def at_input_rate(self, t: TokenLine) -> tuple[Decimal, int] | None:
        """What ``t``'s tokens cost at the input rate of its narrowest match, and which match
        (an index of ``MATCHES``); None when the model billed no input tokens in the currency."""
        for level, key in enumerate(_keys(t)):
            cost, tokens = self._sums.get(key, (ZERO, ZERO))
            if tokens:
                # at money's scale: the quotient runs to 28 digits, an amount of money needs 10
                return (t.tokens * cost / tokens).quantize(MONEY_QUANTUM), level
        return None


def cache_rows(token_lines: Sequence[TokenLine]) -> tuple[list[CacheRow], list[str]]:
    """One row per value and currency that billed input or cache tokens, and the notes on how the
    input rates were matched."""
    rates = InputRates(token_lines)
    acc: dict[tuple[tuple[str, ...], str], dict[str, Decimal]] = defaultdict(
        lambda: defaultdict(lambda: ZERO)
    )
    widened: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    unmatched: dict[tuple[str, str], list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for t in token_lines:
        if t.meter not in ("input", *CACHE_METERS):
            continue
        a = acc[(t.values, t.currency)]
        a[f"{t.meter}_tokens"] += t.tokens
        a[f"{t.meter}_cost"] += t.cost
        if t.meter == "input":
            continue
        priced = rates.at_input_rate(t)
        if priced is None:
            a["unmatched_tokens"] += t.tokens
            a["unmatched_cost"] += t.cost
            unmatched[(t.model, t.currency)][0] += t.tokens
            unmatched[(t.model, t.currency)][1] += t.cost
            continue
        at_input, level = priced
        if level:
            widened[(level, t.currency)] += t.tokens
        # a cache read saved the input rate less its own cost; a cache write cost its own less that rate
        a["saving" if t.meter == "cache_read" else "write_premium"] += (
            at_input - t.cost if t.meter == "cache_read" else t.cost - at_input
        )
    rows = [CacheRow(v, cur, **{f: a[f] for f in _SUMMED}) for (v, cur), a in acc.items()]
    rows.sort(key=lambda r: (r.currency, -r.net_saving, r.values))
    return rows, _notes(widened, unmatched)


def _notes(
    widened: dict[tuple[int, str], Decimal], unmatched: dict[tuple[str, str], list[Decimal]]
) -> list[str]:
    notes = [
        f"{tokens:,f} cache tokens ({currency}) had no input billed at {MATCHES[0]}: compared with the "
        f"model's input rate at {MATCHES[level]}"
        for (level, currency), tokens in sorted(widened.items())
    ]
    notes += [
        f"{model} billed no input tokens in {currency}: its {tokens:,f} cache tokens "
        f"({money(cost, currency)}) are compared with nothing, in no saving"
        for (model, currency), (tokens, cost) in sorted(unmatched.items())
    ]
    return notes
