"""How many decimal places money is shown with while one report is rendered: 2 unless the reader asks for
others (``--precision``). The money itself is never rounded: every renderer rounds only what it shows, and
the workbooks keep the exact value in the cell behind a number format of that many places."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from decimal import ROUND_HALF_EVEN, Decimal

DEFAULT_PLACES = 2
_places: ContextVar[int] = ContextVar("money_places", default=DEFAULT_PLACES)


@contextmanager
def money_places(places: int) -> Iterator[None]:
    """Render money with ``places`` decimal places inside the block."""
    token = _places.set(places)
    try:
        yield
    finally:
        _places.reset(token)


def places() -> int:
    return _places.get()


def shown_money(value: Decimal) -> str:
    """``1,234.57`` at the places in force (rounded half to even, as every table rounds)."""
    n = places()
    return f"{value.quantize(Decimal(1).scaleb(-n), rounding=ROUND_HALF_EVEN):,.{n}f}"


def money_number_format() -> str:
    """The spreadsheet number format of money at the places in force: ``#,##0.00`` for 2."""
    n = places()
    return "#,##0" + ("." + "0" * n if n else "")
