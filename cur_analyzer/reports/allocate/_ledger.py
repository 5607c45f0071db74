"""The ledger as an Arrow table (one row per record and meter, plus one per unlogged entry) and its rows
grouped by what the user asked. Per-row work is numpy over codes; Python only sees entries and groups."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from cur_analyzer.attribution import REQUEST_METADATA, UNALLOCATED
from cur_analyzer.bedrock.principals import principal_key
from cur_analyzer.reports.allocate._entries import Entry, Pairs
from cur_analyzer.reports.allocate._model import LEDGER_COLUMNS
from cur_analyzer.reports.allocate._records import Records
from cur_analyzer.reports.allocate._split import distinct, from_quanta, sum_by
from cur_analyzer.reports.reconcile._rollup import model_label


@dataclass
class Rows:
    """The ledger's rows as codes: each row's entry, record (-1: unlogged), tokens and cost in quanta."""

    entry: np.ndarray
    record: np.ndarray
    tokens: np.ndarray
    quanta: np.ndarray
    reasons: dict[int, str]  # unlogged entry -> its reason

    def method(self, e: int) -> str:
        return "unlogged" if e in self.reasons else "tokens"


def ledger_rows(pairs: Pairs, shares: np.ndarray, entry_quanta: np.ndarray, reasons: dict[int, str]) -> Rows:
    unlogged = np.array(pairs.unlogged, dtype=np.int64)
    quanta = np.concatenate([shares, entry_quanta[unlogged]]) if len(unlogged) else shares
    return Rows(
        np.concatenate([pairs.entry, unlogged]),
        np.concatenate([pairs.record, np.full(len(unlogged), -1, dtype=np.int64)]),
        np.concatenate([pairs.tokens, np.zeros(len(unlogged), dtype=np.int64)]),
        quanta,
        reasons,
    )


def entry_fields(e: Entry, period_day: Callable[[str], str]) -> dict[str, str]:
    """The ledger's columns that one entry fixes for all its rows."""
    period, account, region, principal, model, meter = e.bucket.key
    return {
        "period": period,
        "day": period_day(period),
        "account": account,
        "region": region,
        "principal": principal,
        "model": model_label(e.bucket.price_key, model) or model,
        "model_key": e.bucket.price_key or "",
        "meter": meter,
        "tier": e.tier,
        "scope": e.scope,
        "currency": e.bucket.currency,
    }


@dataclass
class LedgerParts:
    """What the ledger is made of: its rows as codes, each entry's columns, and the records."""

    rows: Rows
    fields: list[dict[str, str]]
    records: Records
    #: per entry, the value of each tag or rules dimension its billed lines carry (``_dims``)
    tags: list[dict[str, str | None]] = field(default_factory=list)
    #: per dimension told from the bill's tags or the request metadata, its steps (``_dims.ByPlan.steps``)
    steps: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    @property
    def row_count(self) -> int:
        return len(self.rows.entry)

    def table(self) -> pa.Table:
        return ledger_table(self.rows, self.fields, self.records)

    def grouped(self, by: Sequence[str]) -> list[dict[str, Any]]:
        row_dims = {d: self._row_values(d) for d in by if d in self.steps or d == "request"}
        return grouped(self.rows, self.fields, self.records, by, row_dims)

    def _row_values(self, dim: str) -> tuple[np.ndarray, list | pa.Array]:
        """Per ledger row the index of its value of ``dim`` (-1: none), and the values: the request id, or
        the first of the dimension's steps that has a value (the bucket's tag, the record's metadata)."""
        logged = self.rows.record >= 0
        at = np.maximum(self.rows.record, 0)
        if dim == "request":
            return np.where(logged, self.records.request_code[at], -1), self.records.request_ids
        values: list[str] = []
        index: dict[str, int] = {}
        code = np.full(len(self.rows.entry), -1, dtype=np.int64)
        for kind, what in self.steps[dim]:
            if kind == "bill":
                found = [t.get(what) for t in self.tags]
                candidate = _indexed(found, index, values)[self.rows.entry]
            else:
                record_code, names = self.records.record_dims[f"{REQUEST_METADATA}{what}"]
                remap = _indexed(names.to_pylist(), index, values)
                taken = np.where(logged, record_code[at], -1)
                candidate = np.where(taken >= 0, remap[np.maximum(taken, 0)] if len(remap) else -1, -1)
            code = np.where(code < 0, candidate, code)
        if any(kind == "bill" for kind, _what in self.steps[dim]):
            # a tag or rules dimension no source gives a value is Unallocated, as in the chargeback
            code[code < 0] = int(_indexed([UNALLOCATED], index, values)[0])
        return code, values


def ledger_table(rows: Rows, fields: list[dict[str, str]], records: Records) -> pa.Table:
    """The full ledger, LEDGER_COLUMNS; text columns dictionary-encoded (a month of records repeats them)."""
    columns: dict[str, pa.Array] = {}
    logged = rows.record >= 0
    request_codes = np.where(logged, records.request_code[np.maximum(rows.record, 0)], 0)
    columns["request_id"] = pa.DictionaryArray.from_arrays(
        pa.array(request_codes, mask=~logged, type=pa.int64()), records.request_ids
    )
    for name in LEDGER_COLUMNS:
        if name in ("request_id", "tokens", "cost", "method", "reason"):
            continue
        columns[name] = _coded([f[name] for f in fields], rows.entry)
    columns["tokens"] = pa.array(rows.tokens, mask=~logged, type=pa.int64())
    columns["cost"] = _decimal(rows.quanta)
    methods = ["unlogged" if i in rows.reasons else "tokens" for i in range(len(fields))]
    columns["method"] = _coded(methods, rows.entry)
    columns["reason"] = _coded([rows.reasons.get(i) for i in range(len(fields))], rows.entry)
    return pa.table({name: columns[name] for name in LEDGER_COLUMNS})


def _coded(per_entry: list[str | None], entry: np.ndarray) -> pa.DictionaryArray:
    values = list(dict.fromkeys(v for v in per_entry if v is not None))
    index = {v: i for i, v in enumerate(values)}
    codes = np.array([index.get(v, -1) if v is not None else -1 for v in per_entry], dtype=np.int32)
    row_codes = codes[entry] if len(codes) else np.zeros(0, dtype=np.int32)
    return pa.DictionaryArray.from_arrays(
        pa.array(row_codes, mask=row_codes < 0, type=pa.int32()), pa.array(values, type=pa.string())
    )


def _decimal(quanta: np.ndarray) -> pa.Array:
    """Quanta (integers of 1e-10) as decimal128(38, 10): the same integers, read at ten places."""
    if quanta.dtype == object:
        return pa.array([from_quanta(q) for q in quanta], type=pa.decimal128(38, 10))
    low = quanta.astype(np.int64)
    wide = np.empty((len(low), 2), dtype=np.int64)
    wide[:, 0], wide[:, 1] = low, low >> 63  # two's complement, sign-extended to 128 bits
    return pa.Array.from_buffers(pa.decimal128(38, 10), len(low), [None, pa.py_buffer(wide.tobytes())])


def _indexed(found: list[str | None], index: dict[str, int], values: list[str]) -> np.ndarray:
    """Each value's index in ``values`` (added there when new), -1 for None."""
    out = np.full(len(found), -1, dtype=np.int64)
    for i, v in enumerate(found):
        if v is not None:
            out[i] = index.setdefault(v, len(values))
            if out[i] == len(values):
                values.append(v)
    return out


def grouped(
    rows: Rows,
    fields: list[dict[str, str]],
    records: Records,
    by: Sequence[str],
    row_dims: dict[str, tuple[np.ndarray, list | pa.Array]],
) -> list[dict[str, Any]]:
    """The ledger summed per value of ``by``, method, reason and currency, largest cost first. A dimension
    of the bill's bucket is told per entry (a few thousand, in Python); the others (``row_dims``: the
    request id, request metadata, tags and rules dimensions) per ledger row, as codes; None where a row
    has no value."""
    row_level = [d for d in by if d in row_dims]
    entry_dims = [d for d in by if d not in row_dims]
    keys, entry_group = _entry_groups(rows, fields, entry_dims)
    group = entry_group[rows.entry] if len(rows.entry) else np.zeros(0, dtype=np.int64)
    parts: list[tuple[int, ...]] = [(g,) for g in range(len(keys))]
    logged = rows.record >= 0
    at = np.maximum(rows.record, 0)
    for d in row_level:
        group, parts = _refine(group, row_dims[d][0], parts)
    size = len(parts)
    cost = sum_by(group, rows.quanta, size, dtype=rows.quanta.dtype)
    tokens = sum_by(group, rows.tokens, size)
    width = len(records.request_ids) + 1
    request = np.where(logged, records.request_code[at], -1)
    counted, _ = distinct(group[request >= 0] * width + request[request >= 0])
    record_count = np.bincount(counted // width, minlength=size)
    names = {d: v if isinstance(v := row_dims[d][1], list) else v.to_pylist() for d in row_level}
    out = []
    for g, (entry_key, *codes) in enumerate(parts):
        values = dict(zip(entry_dims, keys[entry_key][: len(entry_dims)], strict=True))
        values |= {d: (names[d][c] if c >= 0 else None) for d, c in zip(row_level, codes, strict=True)}
        method, reason, currency = keys[entry_key][len(entry_dims) :]
        out.append(
            {**{d: values[d] for d in by}, "method": method, "reason": reason, "currency": currency,
             "records": int(record_count[g]), "tokens": int(tokens[g]), "cost": from_quanta(cost[g])}
        )  # fmt: skip
    return sorted(out, key=lambda r: (-r["cost"], tuple(str(r[c]) for c in (*by, "method", "reason"))))


def _entry_groups(
    rows: Rows, fields: list[dict[str, str]], dims: list[str]
) -> tuple[list[tuple], np.ndarray]:
    """The distinct (values of ``dims``, method, reason, currency) of the entries, and each entry's index."""
    key_of_entry: dict[tuple, int] = {}
    entry_group = np.zeros(len(fields), dtype=np.int64)
    for i, f in enumerate(fields):
        key = (*(_value(d, f) for d in dims), rows.method(i), rows.reasons.get(i), f["currency"])
        entry_group[i] = key_of_entry.setdefault(key, len(key_of_entry))
    return list(key_of_entry), entry_group


def _refine(
    group: np.ndarray, code: np.ndarray, parts: list[tuple[int, ...]]
) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """Each row's group cut by one more record-level code (-1: none): the new group per row, and per new
    group its parts (the entry group, then one code per record dimension so far)."""
    width = int(code.max(initial=-1)) + 2
    unique, inverse = distinct(group * width + (code + 1), inverse=True)
    return inverse, [(*parts[int(u // width)], int(u % width) - 1) for u in unique]


def _value(dim: str, f: dict[str, str]) -> str:
    if dim in ("principal", "role", "session"):
        p = f["principal"]
        return p if p == UNALLOCATED else principal_key(p, dim)
    return f[dim]
