"""The template book: every line's static attributes stored once, frozen into Arrow dictionaries and numpy
arrays that rows index into."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa

from cur_analyzer import schema
from cur_analyzer.attribution import USAGE_LINE_TYPES
from cur_analyzer.synth.columns import MAP_COLUMNS, TEMPLATE_STRINGS, arrow_type
from cur_analyzer.synth.money import EDP_PERCENT, NULL_UNITS, RATE_SCALE, ROUND_DIV
from cur_analyzer.synth.rows import KIND_PLAIN, Rows

#: What a line says unless its template says otherwise: the month-constant columns a template may override.
DEFAULT_ENTITY, DEFAULT_CURRENCY = "AWS", "USD"


@dataclass(frozen=True)
class TemplateMeta:
    """What the ground truth groups by (never read back from the strings). ``bedrock`` is declared by the code
    that writes the line (a Bedrock token line, a Marketplace Bedrock model, AgentCore...); an adjustment
    inherits it from the usage of its (account, product). ``meter_class`` is the class the writer built the
    usage type for; ``entity`` and ``currency`` fill ``bill_billing_entity`` and the currency columns."""

    account: str
    product: str
    line_type: str
    principal: str | None = None
    principal_tags: dict[str, str] = field(default_factory=dict)
    resource_tags: dict[str, str] = field(default_factory=dict)  # original keys (AIP or resource tags)
    billing_name: str | None = None
    meter: str | None = None
    tier: str | None = None
    scope: str | None = None
    usage_type: str | None = None
    log_status: str | None = None  # logged | batch | logging-disabled | not-logged
    bedrock: bool = False
    meter_class: str | None = None
    entity: str = DEFAULT_ENTITY
    currency: str = DEFAULT_CURRENCY

    @property
    def is_usage(self) -> bool:
        return self.line_type in USAGE_LINE_TYPES


class Book:
    """Append-only list of templates, frozen into Arrow dictionaries / numpy arrays for row building."""

    def __init__(self) -> None:
        self.strings: list[dict[str, str | None]] = []
        self.maps: list[dict[str, dict[str, str]]] = []
        self.meta: list[TemplateMeta] = []
        self._rate: list[int] = []
        self._div: list[int] = []
        self._edp: list[bool] = []
        self._kind: list[int] = []
        self._q: list[tuple[float, float]] = []
        self.index: dict[Any, int] = {}
        # Whether each template is one the default export has too (see FrozenBook.in_default); templates
        # added while ``adding_variants`` are not.
        self.in_default: list[bool] = []
        self.adding_variants = False

    def add(
        self,
        key: Any,
        strings: dict[str, str | None],
        maps: dict[str, dict[str, str]],
        meta: TemplateMeta,
        rate: Decimal = Decimal(0),
        div: int = 1,
        edp: bool = False,
        kind: int = KIND_PLAIN,
        q: tuple[float, float] = (1.0, 0.0),
        in_default: bool | None = None,
    ) -> int:
        unknown = set(strings) - set(TEMPLATE_STRINGS)
        if unknown:
            raise ValueError(f"not template string columns: {sorted(unknown)}")
        rate_q = rate * RATE_SCALE / div
        if rate_q != rate_q.to_integral_value():
            raise ValueError(f"rate {rate}/{div} is not a whole number of 1e-13 USD; raise RATE_SCALE")
        self.index[key] = len(self.meta)
        self.strings.append(strings)
        self.maps.append(maps)
        self.meta.append(meta)
        self._rate.append(int(rate_q))
        self._div.append(div)
        self._edp.append(edp)
        self._kind.append(kind)
        self._q.append(q)
        self.in_default.append(not self.adding_variants if in_default is None else in_default)
        return len(self.meta) - 1

    def freeze(self, payers: dict[str, tuple[str, str]] | None = None) -> FrozenBook:
        """The book as arrays. ``payers``: the payer account (id, name) of each currency a template bills
        in besides the month's own (a payer bills in one currency: a line in another currency is another
        organization's, whose export sits beside this one)."""
        codes: dict[str, np.ndarray] = {}
        dicts: dict[str, pa.Array] = {}
        for col in TEMPLATE_STRINGS:
            values = [s.get(col) for s in self.strings]
            uniq = sorted({v for v in values if v is not None})
            pos = {v: i for i, v in enumerate(uniq)}
            codes[col] = np.array([pos[v] if v is not None else -1 for v in values], dtype=np.int32)
            dicts[col] = pa.array(uniq, type=pa.string())
        maps = {}
        for col in MAP_COLUMNS:
            typ = arrow_type(schema.CUR_COLUMN_TYPES[col])
            maps[col] = pa.array([sorted(mp.get(col, {}).items()) for mp in self.maps], type=typ)
        q = np.array(self._q, dtype=np.float64).reshape(-1, 2)
        return FrozenBook(
            overrides=_constant_overrides(self.meta, payers or {}),
            meta=self.meta,
            index=dict(self.index),
            codes=codes,
            dicts=dicts,
            maps=maps,
            rate=np.array(self._rate, dtype=np.int64),
            div=np.array(self._div, dtype=np.int64),
            edp=np.array(self._edp, dtype=bool),
            kind=np.array(self._kind, dtype=np.int8),
            usage=np.array([m.is_usage for m in self.meta], dtype=bool),
            q_mean=q[:, 0],
            q_sigma=q[:, 1],
            in_default=np.array(self.in_default, dtype=bool),
        )


# Month-constant columns a template can override, and the TemplateMeta field that holds its value.
_OVERRIDABLE = {
    "bill_billing_entity": "entity",
    "line_item_currency_code": "currency",
    "pricing_currency": "currency",
}


def _constant_overrides(
    meta: list[TemplateMeta], payers: dict[str, tuple[str, str]]
) -> dict[str, tuple[np.ndarray, pa.Array]]:
    """Per-template codes and dictionary of each month-constant column some template sets otherwise; a
    book where none does has none, so its lines keep the month constant."""
    columns = {col: [getattr(m, attr) for m in meta] for col, attr in _OVERRIDABLE.items()}
    if any(m.currency in payers for m in meta):
        # "" stands for the month's payer: a column of one value is still a month constant
        for col, at in (("bill_payer_account_id", 0), ("bill_payer_account_name", 1)):
            columns[col] = [payers[m.currency][at] if m.currency in payers else "" for m in meta]
    out: dict[str, tuple[np.ndarray, pa.Array]] = {}
    for col, values in columns.items():
        if len(set(values)) > 1:
            uniq = sorted(set(values))
            pos = {v: i for i, v in enumerate(uniq)}
            out[col] = (np.array([pos[v] for v in values], np.int32), pa.array(uniq, pa.string()))
    return out


@dataclass(frozen=True)
class FrozenBook:
    overrides: dict[str, tuple[np.ndarray, pa.Array]]
    meta: list[TemplateMeta]
    index: dict[Any, int]
    codes: dict[str, np.ndarray]
    dicts: dict[str, pa.Array]
    maps: dict[str, pa.Array]
    rate: np.ndarray
    div: np.ndarray
    edp: np.ndarray
    kind: np.ndarray
    usage: np.ndarray
    q_mean: np.ndarray
    q_sigma: np.ndarray
    # True for a template the default export (hourly, no variant) has too: the writer keeps the month's main
    # random stream where the default export leaves it by drawing for these lines only.
    in_default: np.ndarray

    def __len__(self) -> int:
        return len(self.meta)

    def priced(self, tpl: np.ndarray, hour: np.ndarray, qty: np.ndarray) -> Rows:
        """Rows whose cost is quantity x template rate, rounded half-up to 1e-8 USD; EDP net where it applies."""
        tpl = tpl.astype(np.int32, copy=False)
        qty = qty.astype(np.int64, copy=False)
        unb = (qty * self.rate[tpl] + ROUND_DIV // 2) // ROUND_DIV
        net = np.where(self.edp[tpl], (unb * (100 - EDP_PERCENT) + 50) // 100, NULL_UNITS)
        return Rows(tpl, hour.astype(np.int32, copy=False), qty, unb, net)
