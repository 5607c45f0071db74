"""The Bedrock price table: USD per 1M tokens per (model, region, meter, tier, scope).

The table is a versioned data file (``data/prices.csv``) with a source and effective date per row; a user
file given with ``--prices`` replaces it. Scope rule: in-region and geo profiles use the ``regional`` row,
the global profile the ``global`` row, and a ``*`` row serves every scope. A region-specific row wins over
``*``. A missing rate is ``None``: the caller reports the model as unpriced instead of guessing.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from cur_analyzer.errors import UserInputError
from cur_analyzer.resources import bedrock_data

ONE_MILLION = Decimal(1_000_000)
PRICE_COLUMNS = ("price_key", "region", "meter", "tier", "scope", "usd_per_1m", "source", "effective_date")


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


class PriceTable:
    def __init__(self, rows: list[PriceRow], version: str):
        self.rows = rows
        self.version = version
        self._index = {(r.price_key, r.region, r.meter, r.tier, r.scope): r for r in rows}

    @classmethod
    def load(cls, path: str | Path | None = None) -> PriceTable:
        if path is None:
            text = bedrock_data("prices.csv").read_text()
        else:
            try:
                text = Path(path).read_text()
            except OSError as e:
                raise UserInputError(f"--prices {path}: {e.strerror or e}") from None
        version = next(
            (
                line.split("version", 1)[1].split()[0].strip(".,:")
                for line in text.splitlines()
                if line.startswith("#") and "version" in line
            ),
            "unversioned",
        )
        reader = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
        try:
            rows = [
                PriceRow(**{**row, "usd_per_1m": Decimal(row["usd_per_1m"])})  # type: ignore[arg-type]
                for row in reader
            ]
        except (TypeError, KeyError, ArithmeticError) as e:
            raise UserInputError(
                f"--prices {path}: not a cur-analyzer price table (columns {', '.join(PRICE_COLUMNS)}): {e}"
            ) from None
        return cls(rows, version)

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
