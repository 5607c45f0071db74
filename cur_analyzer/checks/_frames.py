"""The frames the suites validate: the ``columns`` frame (export columns vs ``schema.py``), the ``lines`` frame
from the query result, and which log model ids are known."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from cur_analyzer import schema
from cur_analyzer.checks._model import CHECKED_COLUMNS, OPTIONAL_COLUMNS

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

_AIP_ARN_RE = re.compile(
    r"^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:[0-9]{12}:application-inference-profile/[a-z0-9]+$"
)


def _type_family(t: pa.DataType | str) -> str | None:
    """The Athena type family of an Arrow result column (None: all NULL, cannot tell); a str is one already."""
    import pyarrow as pa

    if isinstance(t, str):
        return t
    if pa.types.is_null(t):
        return None
    if pa.types.is_string(t) or pa.types.is_large_string(t) or getattr(pa.types, "is_string_view", bool)(t):
        return "string"
    if pa.types.is_floating(t):
        return "double"
    if pa.types.is_integer(t):
        return "bigint"
    if pa.types.is_decimal(t):
        return "decimal"
    if pa.types.is_timestamp(t) or pa.types.is_date(t):
        return "timestamp"
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_map(t):
        return "map"
    return str(t)


def _schema_family(athena_type: str) -> str:
    return athena_type.split("<", 1)[0].strip().lower()


def columns_frame(present: Iterable[str], result_types: dict[str, pa.DataType | str]) -> pd.DataFrame:
    """One row per column the checks need: missing (required / optional) and type mismatches vs schema.py."""
    import pandas as pd

    present = {c.lower() for c in present}
    rows = []
    for name, optional in [
        *((c, False) for c in dict.fromkeys((*schema.REQUIRED_COLUMNS, *CHECKED_COLUMNS))),
        *((c, True) for c in OPTIONAL_COLUMNS),
    ]:
        expected = _schema_family(schema.CUR_COLUMN_TYPES[name])
        actual = _type_family(result_types[name]) if name in result_types and name in present else None
        rows.append(
            {
                "column": name,
                "expected_type": expected,
                "actual_type": actual,
                "missing_required": None if optional or name in present else name,
                "missing_optional": name if optional and name not in present else None,
                "type_mismatch": (
                    f"{name} is {actual}, schema.py says {expected}"
                    if actual is not None and actual != expected
                    else None
                ),
            }
        )
    return pd.DataFrame(rows, dtype=object)


def _lines_frame(table: pa.Table) -> pd.DataFrame:
    df = table.to_pandas()
    for c in ("line_item_usage_start_date", "line_item_usage_end_date"):
        col = df[c]
        if getattr(col.dtype, "tz", None) is not None:  # compare in naive UTC, like the period bounds
            df[c] = col.dt.tz_convert("UTC").dt.tz_localize(None)
    return df


def model_id_known(model_id: str) -> bool:
    """A log ``modelId`` the model map resolves (foundation id, ``us.``/``global.`` id, model or system-profile
    ARN), or any application-inference-profile ARN (its model is resolved elsewhere, with --profiles)."""
    from cur_analyzer.bedrock.models import resolve

    return resolve(model_id).model is not None or bool(_AIP_ARN_RE.match(model_id))
