"""The view a report model hands to renderers and to notebooks: one table of rows plus the report's JSON
document. It lives with the report models (renderers import it, never the reverse)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


@dataclass
class Tabular:
    """What every report hands a renderer: one table of rows plus the JSON document of the report."""

    title: str
    columns: list[str]
    rows: list[dict[str, Any]]  # money as Decimal
    money_columns: tuple[str, ...] = ()
    #: Columns holding percentage points (16.9 means 16.9 %) and days: a workbook shows them as such.
    percent_columns: tuple[str, ...] = ()
    date_columns: tuple[str, ...] = ()
    #: Rows shown after a rule in human formats only (e.g. a Total line); data formats leave them out.
    summary_rows: list[dict[str, Any]] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)
    document: dict[str, Any] = field(default_factory=dict)
    #: the rows already as an Arrow table (a ledger of millions of rows is never a list of dicts): the
    #: data formats write it as it is
    arrow: pa.Table | None = None

    def to_arrow(self) -> pa.Table:
        """The rows as an Arrow table, money as decimal128(38,10); the rest of the report document (month,
        cost basis, totals, notes...) rides along in the schema metadata under ``cur_analyzer.report``."""
        import pyarrow as pa

        meta = {k: v for k, v in self.document.items() if k != "rows"}
        if self.arrow is not None:
            return self.arrow.replace_schema_metadata(
                {"cur_analyzer.report": json.dumps(meta, default=json_default)}
            )
        arrays = {}
        for c in self.columns:
            values = [r.get(c) for r in self.rows]
            # money and percentages get a decimal type whatever this month's values are, so a month's
            # parquet file reads like the next one's; a percentage (a ratio, not money) is kept to the
            # money scale
            if c in self.percent_columns:
                arrays[c] = pa.array([_to_scale(v) for v in values], type=pa.decimal128(38, MONEY_SCALE))
            elif c in self.money_columns:
                arrays[c] = pa.array(values, type=_money_type(values))
            else:
                arrays[c] = pa.array(values)
        table = pa.table(arrays) if self.columns else pa.table({})
        return table.replace_schema_metadata({"cur_analyzer.report": json.dumps(meta, default=json_default)})


#: Money is DECIMAL(38,10) (what every SQL file sums in); an estimate (tokens x a per-token rate) can carry
#: more places, which a wider scale keeps exact up to 28 (10 digits before the point still fit in 38)
MONEY_SCALE = 10
MAX_MONEY_SCALE = 28


def _to_scale(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = Decimal(str(value))
    if isinstance(value, Decimal) and value.is_finite():
        return value.quantize(Decimal(1).scaleb(-MONEY_SCALE), rounding=ROUND_HALF_EVEN)
    return None  # no value, or not a number (an infinite ratio): no percentage


def _money_type(values: list[Any]) -> Any:
    import pyarrow as pa

    places = [-v.as_tuple().exponent for v in values if isinstance(v, Decimal) and v.is_finite()]
    return pa.decimal128(38, min(max([MONEY_SCALE, *places]), MAX_MONEY_SCALE))


def json_default(value: Any) -> Any:
    """JSON for what reports hold beyond JSON's types: money as a decimal string, dates as ISO text."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


class ReportModel:
    """What every report model offers a notebook: its view, as Arrow or pandas."""

    def as_table(self) -> Tabular:
        raise NotImplementedError

    def to_arrow(self) -> pa.Table:
        return self.as_table().to_arrow()

    def to_pandas(self) -> pd.DataFrame:
        return self.to_arrow().to_pandas()
