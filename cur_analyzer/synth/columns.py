"""The CUR 2.0 columns as the generator fills them: which are month constants, template strings or maps,
and the Arrow types they are written and read back as."""

from __future__ import annotations

import pyarrow as pa

from cur_analyzer import schema

# String columns that are the same on every line of a month (not template attributes).
_MONTH_CONSTANTS = (
    "bill_bill_type",
    "bill_billing_entity",
    "bill_invoice_id",
    "bill_invoicing_entity",
    "bill_payer_account_id",
    "bill_payer_account_name",
    "line_item_currency_code",
    "line_item_legal_entity",
    "pricing_currency",
)
MAP_COLUMNS = tuple(c.name for c in schema.CUR_COLUMNS if c.type.startswith("map<"))
TEMPLATE_STRINGS = tuple(
    c.name
    for c in schema.CUR_COLUMNS
    if c.type == "string"
    and c.name not in _MONTH_CONSTANTS + ("identity_line_item_id", "identity_time_interval")
)


def arrow_schema() -> pa.Schema:
    """The Arrow schema the written Parquet files read back as: ``schema.CUR_COLUMNS``, Athena types mapped."""
    return pa.schema([pa.field(c.name, arrow_type(c.type)) for c in schema.CUR_COLUMNS])


def arrow_type(athena: str) -> pa.DataType:
    types = {
        "string": pa.string(),
        "double": pa.float64(),
        "timestamp": pa.timestamp("ms"),
        "map<string,string>": pa.map_(pa.string(), pa.string()),
        "map<string,double>": pa.map_(pa.string(), pa.float64()),
    }
    return types[athena.replace(" ", "")]


def write_type(col: schema.Column) -> pa.DataType:
    # Strings are written as dictionary arrays (a few hundred distinct values over millions of lines); the
    # Parquet logical type is still plain UTF8, so readers see ``string``.
    if col.type == "string" and col.name != "identity_line_item_id":
        return pa.dictionary(pa.int32(), pa.string())
    return arrow_type(col.type)
