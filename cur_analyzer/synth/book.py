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

BEDROCK_PRODUCT_CODES = frozenset({"AmazonBedrock", "AmazonBedrockService", "AmazonBedrockFoundationModels"})


@dataclass(frozen=True)
class TemplateMeta:
    """What the ground truth groups by (never read back from the strings)."""

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
    log_status: str | None = None  # logged | batch | logging-disabled

    @property
    def is_bedrock(self) -> bool:
        return self.product in BEDROCK_PRODUCT_CODES

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
        return len(self.meta) - 1

    def freeze(self) -> FrozenBook:
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
        )


@dataclass(frozen=True)
class FrozenBook:
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

    def __len__(self) -> int:
        return len(self.meta)

    def priced(self, tpl: np.ndarray, hour: np.ndarray, qty: np.ndarray) -> Rows:
        """Rows whose cost is quantity x template rate, rounded half-up to 1e-8 USD; EDP net where it applies."""
        tpl = tpl.astype(np.int32, copy=False)
        qty = qty.astype(np.int64, copy=False)
        unb = (qty * self.rate[tpl] + ROUND_DIV // 2) // ROUND_DIV
        net = np.where(self.edp[tpl], (unb * (100 - EDP_PERCENT) + 50) // 100, NULL_UNITS)
        return Rows(tpl, hour.astype(np.int32, copy=False), qty, unb, net)
