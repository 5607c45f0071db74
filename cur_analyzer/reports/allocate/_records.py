"""The log side of the allocation: a month of invocation-log records as columns (never one Python object per
record), each with its caller group (period, account, region, caller, model id, tier) and its tokens per
meter; the groups themselves, a few thousand, are what Python looks at."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

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
    request_ids: pa.Array  # the distinct request ids
    malformed: dict[str, int]  # records set aside, by reason
    #: per log-side dimension asked for (``request``, ``request-metadata/<key>``): per record its value's
    #: index in the dimension's distinct values (-1: none), and those values
    record_dims: dict[str, tuple[np.ndarray, pa.Array]]


def read_records(table: pa.Table, metadata: dict[str, str]) -> Records:
    """Split off the malformed records (counted by reason) and code the rest by caller group, and by the
    requestMetadata values ``metadata`` names (dimension -> the query's column holding it)."""
    reasons = table["malformed_reason"]
    malformed = {str(v["values"]): int(v["counts"]) for v in pc.value_counts(reasons.drop_null()).to_pylist()}
    usable = table.filter(pc.is_null(reasons)) if malformed else table
    group_of, groups = _caller_groups(usable)
    requests = pc.dictionary_encode(usable["request_id"].combine_chunks())
    tokens = {
        meter: usable[column].combine_chunks().to_numpy(zero_copy_only=False).astype(np.int64)
        for column, meter in LOG_METERS.items()
    }
    request_code = requests.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    record_dims = {"request": (request_code, requests.dictionary)}
    for dim, column in metadata.items():
        record_dims[dim] = _coded(usable[column])
    return Records(
        usable.num_rows,
        group_of,
        groups,
        tokens,
        request_code,
        requests.dictionary,
        malformed,
        record_dims,
    )


def _coded(column: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Per record the index of its value among the column's distinct values, -1 where it has none."""
    values = column.combine_chunks()
    # a blank value says nothing, as a blank tag does (attribution.is_a_value)
    blank = pc.equal(pc.utf8_trim_whitespace(values), "")
    encoded = pc.dictionary_encode(pc.if_else(blank, pa.scalar(None, values.type), values))
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, encoded.dictionary


def _caller_groups(usable: pa.Table) -> tuple[np.ndarray, list[dict]]:
    """Each record's group index, and the groups. The group is told by one string per record that joins the
    six fields each after its length, so no value (whatever characters it holds) can run into the next."""
    parts: list[pa.Array] = []
    for name in GROUP_COLUMNS:
        column = pc.fill_null(usable[name].combine_chunks(), "")
        parts += [pc.cast(pc.utf8_length(column), pa.string()), column]
    key = pc.binary_join_element_wise(*parts, ":")
    encoded = pc.dictionary_encode(key)
    group_of = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    _, first = np.unique(group_of, return_index=True)
    groups = usable.select(list(GROUP_COLUMNS)).take(pa.array(first)).to_pylist()
    return group_of, groups
