"""How money is carried: integer 1e-8 USD per line, template rates as integer 1e-13 USD per quantity unit,
and the exact decimal forms they turn into."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

UNITS = 10**8  # money is carried as integer 1e-8 USD: every line cost is rounded to 8 places
RATE_SCALE = 10**13  # template rates: integer 1e-13 USD per quantity unit, exact for every listed price
ROUND_DIV = RATE_SCALE // UNITS
NULL_UNITS = np.iinfo(np.int64).min  # "no value" in int64 money arrays
EDP_PERCENT = 5  # Enterprise discount on Usage lines: net = unblended x 95 %


def to_decimal(units: int) -> Decimal:
    return Decimal(units).scaleb(-8)


def to_units(amount: Decimal) -> int:
    return int(amount.scaleb(8).to_integral_value())


def per_token_rate(per_million: Decimal) -> int:
    """A USD-per-1M rate as integer 1e-13 USD per token (the template rate unit)."""
    q = per_million * RATE_SCALE / 1_000_000
    if q != q.to_integral_value():
        raise ValueError(f"rate {per_million}/1M is not a whole number of 1e-13 USD per token")
    return int(q)


def exact_amount(d: Decimal) -> str:
    """A money amount as a decimal string: 8 places when that is exact, else every digit."""
    q = d.quantize(Decimal("1e-8"))
    return f"{q:.8f}" if q == d else f"{d:f}"
