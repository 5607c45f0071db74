"""The export for renderers: the summary, the csv/json table (DateTimes as ISO 8601 UTC text) and the typed
Arrow table behind the Parquet file."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from cur_analyzer.reports.focus._columns import (
    DATETIME,
    DATETIME_COLUMNS,
    DECIMAL,
    DECIMAL_COLUMNS,
    FOCUS_VERSION,
    JSON,
    STRING,
    columns_of,
)
from cur_analyzer.reports.focus._values import money

if TYPE_CHECKING:
    import pyarrow as pa

    from cur_analyzer.reports._view import Tabular
    from cur_analyzer.reports.focus._model import FocusExport


def _utc_text(value: Any) -> Any:
    """A FOCUS DateTime as ISO 8601 UTC text (``2026-10-01T00:00:00Z``) for text formats."""
    if value is None or not hasattr(value, "strftime"):
        return value
    if getattr(value, "tzinfo", None) is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def _text_rows(export: FocusExport) -> list[dict[str, Any]]:
    names = export.column_names
    return [{c: (_utc_text(r[c]) if c in DATETIME_COLUMNS else r[c]) for c in names} for r in export.rows]


def summary(export: FocusExport) -> dict[str, Any]:
    return {
        "report": "focus",
        "focus_version": export.version,
        "month": export.month,
        "final": export.final,
        "rows_count": len(export.rows),
        "billed_cost": export.totals("BilledCost"),
        "effective_cost": export.totals("EffectiveCost"),
        "charge_categories": export.by_category(),
        "team_sources": list(export.team_sources),
        "notes": export.notes,
    }


def tabular(export: FocusExport) -> Tabular:
    """The rows for the csv and json renderers (DateTimes as ISO 8601 UTC text, money full precision)."""
    from cur_analyzer.reports._view import Tabular

    rows = _text_rows(export)
    names = list(export.column_names)
    return Tabular(
        title=f"FOCUS {export.version} export {export.month} (Amazon Bedrock)",
        columns=names,
        rows=rows,
        money_columns=DECIMAL_COLUMNS,
        footer=export.notes,
        document={**summary(export), "columns": names, "rows": rows},
    )


def arrow_schema(version: str = FOCUS_VERSION) -> pa.Schema:
    """FOCUS types in Arrow: Decimal as decimal128(38,10), DateTime as UTC timestamps, the rest text."""
    import pyarrow as pa

    types = {STRING: pa.string(), JSON: pa.string(), DECIMAL: pa.decimal128(38, 10)}
    types[DATETIME] = pa.timestamp("us", tz="UTC")
    return pa.schema([pa.field(name, types[kind]) for name, kind in columns_of(version)])


def to_arrow(export: FocusExport) -> pa.Table:
    """The export as a typed Arrow table (the Parquet file's content), summary in the schema metadata."""
    import pyarrow as pa

    from cur_analyzer.reports._view import json_default

    schema = arrow_schema(export.version)
    columns = []
    for f in schema:
        values = [r[f.name] for r in export.rows]
        if f.name in DECIMAL_COLUMNS:
            values = [money(v) for v in values]
        columns.append(pa.array(values, f.type))
    table = pa.Table.from_arrays(columns, schema=schema)
    return table.replace_schema_metadata(
        {
            "focus_version": export.version,
            "cur_analyzer.report": json.dumps(summary(export), default=json_default),
        }
    )
