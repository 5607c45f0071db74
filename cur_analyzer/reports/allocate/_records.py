"""The log side of the allocation: a month of invocation-log records as columns (never one Python object per
record), each with its caller group (period, account, region, caller, model id, tier) and its tokens per
meter; the groups themselves, a few thousand, are what Python looks at."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from cur_analyzer.reports.allocate._split import distinct
from cur_analyzer.reports.estimate import LOG_METERS

#: the columns that make a record's caller group, as ``athena/allocate_records.sql`` names them
GROUP_COLUMNS = ("period", "account_id", "region", "principal", "model_id", "service_tier")


@dataclass
class Records:
    """The month's usable records, in request-id order (so equal remainders go the same way every run)."""

    count: int
    group_of: np.ndarray  # per record: its index in ``groups``
    groups: list[dict]  # per group: GROUP_COLUMNS
    tokens: dict[str, np.ndarray]  # per log meter (LOG_METERS' values): per record, its tokens (int64)
    request_code: np.ndarray  # per record: its index in ``request_ids``
    #: per record: its request id's place in text order, so that whatever order the engine returned the
    #: records in, ties in the split go the same way on every run
    request_rank: np.ndarray
    request_ids: pa.Array  # the distinct request ids
    malformed: dict[str, int]  # records set aside, by reason
    #: per ``request-metadata/<key>`` read: per record its value's index in the key's distinct values
    #: (-1: none), and those values
    record_dims: dict[str, tuple[np.ndarray, pa.Array]]


def read_records(batches: Iterable[pa.RecordBatch], metadata: dict[str, str]) -> Records:
    """Split off the malformed records (counted by reason) and code the rest by caller group, and by the
    requestMetadata values ``metadata`` names (dimension -> the query's column holding it). The records come
    a batch at a time; only request ids, token counts and codes are kept."""
    malformed: Counter[str] = Counter()
    groups = _Groups()
    texts: dict[str, list[pa.Array]] = {"request_id": [], **{c: [] for c in metadata.values()}}
    counts: dict[str, list[np.ndarray]] = {c: [] for c in LOG_METERS}
    group_chunks: list[np.ndarray] = []
    for batch in batches:
        reasons = batch.column("malformed_reason")
        if reasons.null_count < batch.num_rows:
            for v in pc.value_counts(reasons.drop_null()).to_pylist():
                malformed[str(v["values"])] += int(v["counts"])
            batch = batch.filter(pc.is_null(reasons))
        if batch.num_rows == 0:
            continue
        group_chunks.append(groups.of(batch))
        for column, chunks in texts.items():
            # a copy: an imported batch's columns keep the whole batch (every field) alive between them
            chunks.append(pa.concat_arrays([batch.column(column), pa.array([], pa.string())]))
        for column, arrays in counts.items():
            arrays.append(batch.column(column).to_numpy(zero_copy_only=False).astype(np.int64))
    request_code, request_ids = _encoded(texts.pop("request_id"))
    id_rank = pc.rank(request_ids, sort_keys="ascending", tiebreaker="first")
    request_rank = (
        id_rank.to_numpy(zero_copy_only=False).astype(np.int64)[request_code]
        if len(request_code)
        else request_code
    )
    record_dims = {}
    for dim, column in metadata.items():
        record_dims[dim] = _encoded(texts.pop(column), blank_is_none=True)
    # the allocator keeps the pages the month's batches freed for itself: hand them back for what follows
    pa.default_memory_pool().release_unused()
    return Records(
        len(request_code),
        _joined(group_chunks),
        groups.fields,
        {meter: _joined(counts[column]) for column, meter in LOG_METERS.items()},
        request_code,
        request_rank,
        request_ids,
        dict(malformed),
        record_dims,
    )


def _joined(arrays: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype=np.int64)


class _Groups:
    """The caller groups met so far, numbered in the order met, and the group of each record of a batch.
    A batch's six fields are coded column by column (a few hundred distinct values each), so only its
    distinct combinations, not its records, are looked at in Python."""

    def __init__(self) -> None:
        self.number: dict[tuple, int] = {}
        self.fields: list[dict] = []

    def of(self, batch: pa.RecordBatch) -> np.ndarray:
        # one integer per record, the six codes in mixed radix (0 for a missing value): a few hundred values
        # per field keep it far inside int64; then its distinct values are the batch's groups
        combined = np.zeros(batch.num_rows, dtype=np.int64)
        values: list[list] = []
        for name in GROUP_COLUMNS:
            encoded = pc.dictionary_encode(batch.column(name))
            codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64) + 1
            values.append([None, *encoded.dictionary.to_pylist()])
            combined = combined * len(values[-1]) + codes
        if np.prod([float(len(v)) for v in values]) >= 2**62:
            raise RuntimeError("too many distinct callers in one batch of log records to code them")
        combos, row_combo = distinct(combined, inverse=True)
        numbers = np.array([self._number(_fields(int(c), values)) for c in combos], dtype=np.int64)
        return numbers[row_combo]

    def _number(self, key: tuple) -> int:
        found = self.number.get(key)
        if found is None:
            found = self.number[key] = len(self.fields)
            self.fields.append(dict(zip(GROUP_COLUMNS, key, strict=True)))
        return found


def _fields(combined: int, values: list[list]) -> tuple:
    """The six field values a mixed-radix code stands for."""
    key = []
    for field_values in reversed(values):
        combined, code = divmod(combined, len(field_values))
        key.append(field_values[code])
    return tuple(reversed(key))


def _encoded(chunks: list[pa.Array], *, blank_is_none: bool = False) -> tuple[np.ndarray, pa.Array]:
    """Per record the index of its value among the distinct values of all the chunks (one dictionary for
    them all), -1 where it has none; and those values."""
    if blank_is_none:  # a blank value says nothing, as a blank tag does (attribution.is_a_value)
        chunks = [
            pc.if_else(pc.equal(pc.utf8_trim_whitespace(c), ""), pa.scalar(None, c.type), c) for c in chunks
        ]
    encoded = pc.dictionary_encode(pa.chunked_array(chunks, type=pa.string()))
    if encoded.num_chunks == 0:
        return np.zeros(0, dtype=np.int64), pa.array([], pa.string())
    codes = _joined(
        [c.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64) for c in encoded.chunks]
    )
    return codes, encoded.chunk(0).dictionary
