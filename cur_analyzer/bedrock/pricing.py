"""The Bedrock price table: USD per 1M tokens per (model, region, meter, tier, scope).

The table is a versioned data file (``data/prices.csv``) with a source and effective date per row; a user
file given with ``--prices`` replaces it. Scope rule: in-region and geo profiles use the ``regional`` row,
the global profile the ``global`` row, and a ``*`` row serves every scope. A region-specific row wins over
``*``. A missing rate is ``None``: the caller reports the model as unpriced instead of guessing.

A user's table is read through ``setting_files.read_setting_file`` (a regular UTF-8 file of at most
16 MiB) and every rate must be a finite, non-negative number within DECIMAL(38,10), the money type: a
problem is one line naming the file and line.
"""

from __future__ import annotations

import csv
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
PRICES_WHAT = "price table: --prices or the prices setting"


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
        rows.append(PriceRow(**{**row, "usd_per_1m": rate}))  # type: ignore[arg-type]
    return rows


class PriceTable:
    def __init__(self, rows: list[PriceRow], version: str):
        self.rows = rows
        self.version = version
        self._index = {(r.price_key, r.region, r.meter, r.tier, r.scope): r for r in rows}

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

    def row(self, price_key: str, region: str, meter: str, tier: str, scope: str) -> PriceRow | None:
        wanted_scope = _scope_column(scope)
        for reg in (region, "*"):
            for sc in (wanted_scope, "*"):
                hit = self._index.get((price_key, reg, meter, tier, sc))
                if hit is not None:
                    return hit
        return None

    def rate_per_million(
        self, price_key: str, region: str, meter: str, tier: str, scope: str
    ) -> Decimal | None:
        hit = self.row(price_key, region, meter, tier, scope)
        return hit.usd_per_1m if hit else None

    def cost(
        self, tokens: int, price_key: str, region: str, meter: str, tier: str, scope: str
    ) -> Decimal | None:
        rate = self.rate_per_million(price_key, region, meter, tier, scope)
        return None if rate is None else Decimal(tokens) * rate / ONE_MILLION
