"""The Bedrock price table: USD per 1M tokens per (model, region, meter, tier, scope).

The table is a versioned data file (``data/prices.csv``) with a source and effective date per row; a user
file given with ``--prices`` replaces it. Scope rule: in-region and geo profiles use the ``regional`` row,
the global profile the ``global`` row, and a ``*`` row serves every scope. A region-specific row wins over
``*``. A missing rate is ``None``: the caller reports the model as unpriced instead of guessing.

Rates change: a lookup given the usage day takes, among the rows of one (model, region, meter, tier, scope),
the one with the greatest ``effective_date`` on or before that day; a day before all of them is unpriced
(never a later price), and a region-specific row not yet in force leaves the ``*`` row in force. Without a
day a lookup takes the latest row. Two rows with the same key and ``effective_date`` are refused, naming
both lines: which one wins would otherwise depend on their order in the file.

A user's table is read through ``setting_files.read_setting_file`` (a regular UTF-8 file of at most
16 MiB) and every rate must be a finite, non-negative number within DECIMAL(38,10), the money type: a
problem is one line naming the file and line.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from cur_analyzer.errors import UserInputError
from cur_analyzer.resources import bedrock_data
from cur_analyzer.setting_files import PRICES_MAX_BYTES, read_setting_file
from cur_analyzer.text import shown

ONE_MILLION = Decimal(1_000_000)
PRICE_COLUMNS = ("price_key", "region", "meter", "tier", "scope", "usd_per_1m", "source", "effective_date")
#: A rate must fit DECIMAL(38,10): fewer than 28 digits before the point.
MAX_RATE = Decimal(10) ** 28
#: What a price-table error says the file was read as.
PRICES_WHAT = "price table: the prices setting or argument"


@dataclass(frozen=True)
class PriceRow:
    price_key: str
    region: str
    meter: str
    tier: str
    scope: str
    usd_per_1m: Decimal
    source: str
    effective_date: str


def _scope_column(scope: str) -> str:
    return "global" if scope == "global" else "regional"


def _key(row: PriceRow) -> tuple[str, str, str, str, str]:
    return (row.price_key, row.region, row.meter, row.tier, row.scope)


def _is_date(text: str) -> bool:
    """``YYYY-MM-DD`` exactly: dates are compared as text, so ``2026-7-2`` must not pass."""
    try:
        return len(text) == 10 and dt.date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def _day_text(day: dt.date | str | None) -> str | None:
    """The usage day as ``YYYY-MM-DD`` (a ``datetime`` counts by its date); None stays None."""
    if day is None:
        return None
    if isinstance(day, dt.datetime):
        return day.date().isoformat()
    if isinstance(day, dt.date):
        return day.isoformat()
    if isinstance(day, str) and _is_date(day):
        return day
    raise ValueError(f"a usage day is a date or 'YYYY-MM-DD', not {day!r}")


def _in_force(dated: list[PriceRow] | None, day: str | None) -> PriceRow | None:
    """Of rows sorted oldest first, the one in force on ``day`` (the latest when ``day`` is None)."""
    if not dated:
        return None
    if day is None:
        return dated[-1]
    n = bisect.bisect_right([r.effective_date for r in dated], day)
    return dated[n - 1] if n else None


def _version(text: str) -> str:
    """The word after ``version`` in the first comment line that has one."""
    for line in text.splitlines():
        if line.startswith("#") and "version" in line:
            words = line.split("version", 1)[1].split()
            if words:
                return words[0].strip(".,:")
    return "unversioned"


def _rows(text: str, path: Path) -> list[PriceRow]:
    """The rows of a price table; the first problem is one line naming ``file:line``."""

    def refuse(lineno: int, problem: str) -> UserInputError:
        return UserInputError(f"{shown(path)}:{lineno}: {problem} ({PRICES_WHAT})")

    numbered = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if not line.startswith("#")]
    reader = csv.DictReader(line for _, line in numbered)
    header = reader.fieldnames
    header_line = numbered[0][0] if numbered else 1
    if header is None or sorted(header) != sorted(PRICE_COLUMNS):
        raise refuse(header_line, f"not a cur-analyzer price table (columns {', '.join(PRICE_COLUMNS)})")
    rows = []
    first_line: dict[tuple[str, ...], int] = {}
    for row in reader:
        # reader.line_num counts the lines it read (comments were left out): map back to the file
        lineno = numbered[min(reader.line_num, len(numbered)) - 1][0]
        if None in row or any(v is None for v in row.values()):
            raise refuse(lineno, f"expected {len(PRICE_COLUMNS)} columns ({', '.join(PRICE_COLUMNS)})")
        try:
            rate = Decimal(row["usd_per_1m"].strip())
        except InvalidOperation:
            raise refuse(lineno, f"usd_per_1m {row['usd_per_1m'][:40]!r} is not a number") from None
        if not rate.is_finite() or rate < 0 or rate >= MAX_RATE:
            raise refuse(lineno, f"usd_per_1m {row['usd_per_1m'][:40]!r} is not a price (0 up to 1e28)")
        if not _is_date(row["effective_date"].strip()):
            raise refuse(lineno, f"effective_date {row['effective_date'][:40]!r} is not a date (YYYY-MM-DD)")
        price = PriceRow(**{**row, "usd_per_1m": rate, "effective_date": row["effective_date"].strip()})  # type: ignore[arg-type]
        key = (*_key(price), price.effective_date)
        if key in first_line:
            raise refuse(
                lineno,
                f"same price_key, region, meter, tier, scope and effective_date as line {first_line[key]} "
                f"({' '.join(key)}): one rate per day",
            )
        first_line[key] = lineno
        rows.append(price)
    return rows


class PriceTable:
    def __init__(self, rows: list[PriceRow], version: str):
        self.rows = rows
        self.version = version
        # every key's rows oldest first, for the lookup by day
        self._index: dict[tuple[str, str, str, str, str], list[PriceRow]] = {}
        for r in sorted(rows, key=lambda r: r.effective_date):
            if not _is_date(r.effective_date):
                raise ValueError(
                    f"price row {_key(r)} has effective_date {r.effective_date!r}, not YYYY-MM-DD"
                )
            dated = self._index.setdefault(_key(r), [])
            if dated and dated[-1].effective_date == r.effective_date:
                raise ValueError(f"two price rows for {_key(r)} on {r.effective_date}")
            dated.append(r)

    @classmethod
    def load(cls, path: str | Path | None = None) -> PriceTable:
        """The shipped table, or the user's table at ``path``."""
        if path is None:
            text = bedrock_data("prices.csv").read_text()
            return cls(_rows(text, Path("prices.csv")), _version(text))
        text = read_setting_file(path, PRICES_WHAT, PRICES_MAX_BYTES)
        try:
            return cls(_rows(text, Path(path)), _version(text))
        except csv.Error as e:  # a field over the csv module's size limit
            raise UserInputError(f"{shown(path)}: not a CSV price table: {e} ({PRICES_WHAT})") from None

    def row(
        self,
        price_key: str,
        region: str,
        meter: str,
        tier: str,
        scope: str,
        day: dt.date | str | None = None,
    ) -> PriceRow | None:
        """The row in force on ``day`` (``None``: the latest); ``scope`` is the routing scope of the
        usage (``in_region``, ``geo`` or ``global``)."""
        wanted_scope = _scope_column(scope)
        on = _day_text(day)
        for reg in (region, "*"):
            for sc in (wanted_scope, "*"):
                hit = _in_force(self._index.get((price_key, reg, meter, tier, sc)), on)
                if hit is not None:
                    return hit
        return None

    def rate_per_million(
        self,
        price_key: str,
        region: str,
        meter: str,
        tier: str,
        scope: str,
        day: dt.date | str | None = None,
    ) -> Decimal | None:
        """USD per 1M tokens on ``day`` (``None``: the latest rate), or None when unpriced that day."""
        hit = self.row(price_key, region, meter, tier, scope, day)
        return hit.usd_per_1m if hit else None

    def cost(
        self,
        tokens: int,
        price_key: str,
        region: str,
        meter: str,
        tier: str,
        scope: str,
        day: dt.date | str | None = None,
    ) -> Decimal | None:
        rate = self.rate_per_million(price_key, region, meter, tier, scope, day)
        return None if rate is None else Decimal(tokens) * rate / ONE_MILLION
