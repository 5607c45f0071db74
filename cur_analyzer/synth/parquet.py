"""Writing one ``BILLING_PERIOD=`` Parquet file a row group at a time, with exact running sums."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from cur_analyzer import schema
from cur_analyzer.synth.book import FrozenBook
from cur_analyzer.synth.catalogue import Account
from cur_analyzer.synth.columns import write_type
from cur_analyzer.synth.ids import line_ids
from cur_analyzer.synth.money import NULL_UNITS, UNITS
from cur_analyzer.synth.period import Period
from cur_analyzer.synth.rows import Accumulator, Rows


class PartitionWriter:
    """One ``BILLING_PERIOD=`` Parquet file, written a row group at a time, with exact running sums."""

    def __init__(
        self, path: Path, book: FrozenBook, period: Period, payer: Account, rng: np.random.Generator
    ) -> None:
        self.book, self.period, self.rng = book, period, rng
        self.starts, self.ends = period.hour_ms()
        self.intervals = period.intervals()
        self.constants = {k: pa.array([v], pa.string()) for k, v in period.constants(payer).items()}
        self.acc = Accumulator(len(book))
        self.listeners: list[Callable[[Rows], None]] = []
        self.lines = 0
        self.row_groups = 0
        self.schema = pa.schema([pa.field(c.name, write_type(c)) for c in schema.CUR_COLUMNS])
        # store_schema=False: no ARROW:schema (dictionary types would read back as dictionaries) and no pandas
        # metadata, like files from AWS's own writer; the logical Parquet types carry everything readers need.
        self.writer = pq.ParquetWriter(path, self.schema, compression="snappy", store_schema=False)

    def write(self, rows: Rows) -> None:
        if not len(rows):
            return
        table = pa.Table.from_arrays(self._arrays(rows), schema=self.schema)
        self.writer.write_table(table, row_group_size=len(rows))
        self.acc.add(rows, self.book.kind[rows.tpl])
        for listener in self.listeners:
            listener(rows)
        self.lines += len(rows)
        self.row_groups += 1

    def close(self) -> None:
        self.writer.add_key_value_metadata({"writer.model.name": "cur-analyzer synth"})
        self.writer.close()

    def _arrays(self, rows: Rows) -> list[pa.Array]:
        n, book = len(rows), self.book
        tpl_arrow = pa.array(rows.tpl, type=pa.int32())
        units = _units_to_float
        sp_cols = {k: units(v) for k, v in rows.sp.items()}
        unb = units(rows.unb)
        usage_amount = pa.array(rows.qty / book.div[rows.tpl])
        doubles = {
            "line_item_usage_amount": usage_amount,
            "line_item_unblended_cost": unb,
            "line_item_blended_cost": unb,
            "line_item_net_unblended_cost": units(rows.net),
            "pricing_public_on_demand_cost": units(np.where(book.usage[rows.tpl], rows.unb, NULL_UNITS)),
        }
        out = []
        for col in schema.CUR_COLUMNS:
            name = col.name
            if name in self.constants:
                out.append(
                    pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)), self.constants[name])
                )
            elif name in book.codes:
                codes = book.codes[name][rows.tpl]
                mask = codes < 0
                idx = pa.array(codes, type=pa.int32(), mask=mask if mask.any() else None)
                out.append(pa.DictionaryArray.from_arrays(idx, book.dicts[name]))
            elif name in book.maps:
                out.append(book.maps[name].take(tpl_arrow))
            elif name == "identity_line_item_id":
                out.append(line_ids(self.rng, self.period.index, self.lines, n))
            elif name == "identity_time_interval":
                out.append(pa.DictionaryArray.from_arrays(pa.array(rows.hour, pa.int32()), self.intervals))
            elif name in ("line_item_usage_start_date", "line_item_usage_end_date"):
                ms = (self.starts if name.endswith("start_date") else self.ends)[rows.hour]
                out.append(pa.array(ms.astype("datetime64[ms]")))
            elif name in ("bill_billing_period_start_date", "bill_billing_period_end_date"):
                when = self.period.start if name.endswith("start_date") else self.period.end
                out.append(pa.array(np.full(n, np.datetime64(when, "ms"))))
            elif name in doubles:
                out.append(doubles[name])
            elif name in sp_cols:
                out.append(sp_cols[name])
            else:
                out.append(pa.nulls(n, type=self.schema.field(name).type))
        return out


def _units_to_float(units: np.ndarray) -> pa.Array:
    # int64 / 1e8 is the correctly rounded double of the 8-place decimal, the same as float(Decimal).
    mask = units == NULL_UNITS
    return pa.array(np.where(mask, 0, units) / UNITS, mask=mask if mask.any() else None)
