"""Writing one ``BILLING_PERIOD=`` Parquet file a row group at a time, with exact running sums; a daily or
monthly export's lines are summed per slot and written when the month is done."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
from cur_analyzer.synth.rows import Accumulator, Rows, aggregated

_SUMMED_ROW_GROUP = 250_000  # lines per row group of a daily or monthly export, written when the month ends
_MERGE_ROWS = 1_000_000  # pending summed lines of a daily or monthly export re-summed beyond this many


@dataclass(frozen=True)
class Layout:
    """How a month's lines are cut and dated: ``granularity`` (hourly, daily, monthly), and every
    ``undated_every``-th line written without a billing period start date (0: none), as some flat exports
    have. ``ids_rng``: a stream of its own for the line ids (None: the writer's ``rng``, as the default
    export draws them); the writer's ``rng`` then still draws, and drops, the ids of the lines the default
    export has (``FrozenBook.in_default``), so what the stream draws next (the invocation logs) is the
    same as in the default export."""

    granularity: str = "hourly"
    undated_every: int = 0
    ids_rng: np.random.Generator | None = None


class PartitionWriter:
    """One ``BILLING_PERIOD=`` Parquet file, written a row group at a time, with exact running sums.

    Hourly, each ``write`` is a row group. Daily and monthly, each ``write`` is summed per (template, slot)
    and the lines are written at ``close`` (see :class:`Layout` for the ids). The running sums are of the
    hourly lines, so the month's money is the same at every granularity; the line counts are made those of
    the lines written at ``close``."""

    def __init__(
        self,
        path: Path,
        book: FrozenBook,
        period: Period,
        payer: Account,
        rng: np.random.Generator,
        layout: Layout | None = None,
    ) -> None:
        self.book, self.period, self.rng = book, period, rng
        self.layout = layout or Layout()
        self.slots = period.slots(self.layout.granularity)
        self.constants = {k: pa.array([v], pa.string()) for k, v in period.constants(payer).items()}
        self.overrides = {name: self._resolved(name, *ov) for name, ov in book.overrides.items()}
        self.acc = Accumulator(len(book))
        self.listeners: list[Callable[[Rows], None]] = []
        self.lines = 0
        self.row_groups = 0
        self.drawn = 0  # lines written to so far, before any summing
        self.undated_lines = 0
        self.undated_units = 0  # unblended 1e-8 USD of the undated lines
        self._pending: list[Rows] = []
        self.schema = pa.schema([pa.field(c.name, write_type(c)) for c in schema.CUR_COLUMNS])
        # store_schema=False: no ARROW:schema (dictionary types would read back as dictionaries) and no pandas
        # metadata, like files from AWS's own writer; the logical Parquet types carry everything readers need.
        self.writer = pq.ParquetWriter(path, self.schema, compression="snappy", store_schema=False)

    @property
    def hourly(self) -> bool:
        return self.layout.granularity == "hourly"

    def write(self, rows: Rows, shared: int | None = None) -> None:
        """Write (or, daily and monthly, sum) ``rows``. ``shared``: how many lines the default export writes
        here (default: those of its templates), when that is not what these rows say (its month-end
        adjustments are computed from its own lines)."""
        if not len(rows):
            return
        ids = self.layout.ids_rng
        if ids is not None:
            shared = int(self.book.in_default[rows.tpl].sum()) if shared is None else shared
            if shared:
                line_ids(self.rng, self.period.index, self.drawn, shared)  # the default export's draws
        if self.hourly:
            self._write_table(rows, ids or self.rng)
        else:
            self._pending.append(aggregated(rows, self.slots.slot_of))
            if sum(len(p) for p in self._pending) > _MERGE_ROWS:
                self._pending = [self._merged()]
        self.drawn += len(rows)
        self.acc.add(rows, self.book.kind[rows.tpl])
        for listener in self.listeners:
            listener(rows)

    def close(self) -> None:
        if not self.hourly and self._pending:
            merged = self._merged()
            ids = self.layout.ids_rng or self.rng
            for first in range(0, len(merged), _SUMMED_ROW_GROUP):
                part = np.arange(first, min(first + _SUMMED_ROW_GROUP, len(merged)))
                self._write_table(_take(merged, part), ids)
            self.acc.sums["lines"] = np.bincount(merged.tpl, minlength=len(self.book)).astype(np.int64)
        self.writer.add_key_value_metadata({"writer.model.name": "cur-analyzer synth"})
        self.writer.close()

    def _merged(self) -> Rows:
        same = np.arange(len(self.slots.starts), dtype=np.int32)
        return aggregated(Rows.concat(self._pending), same)

    def _write_table(self, rows: Rows, ids: np.random.Generator) -> None:
        table = pa.Table.from_arrays(self._arrays(rows, ids), schema=self.schema)
        self.writer.write_table(table, row_group_size=len(rows))
        self.lines += len(rows)
        self.row_groups += 1

    def _resolved(self, name: str, codes: np.ndarray, values: pa.Array) -> tuple[np.ndarray, pa.Array]:
        """A template override with "" (the month's own value) replaced by the month constant."""
        if name not in self.constants:
            return codes, values
        month_value = self.constants[name][0].as_py()
        return codes, pa.array([v or month_value for v in values.to_pylist()], pa.string())

    def _undated(self, n: int) -> np.ndarray | None:
        """Which of the next ``n`` lines have no billing period start date."""
        every = self.layout.undated_every
        if not every:
            return None
        return (self.lines + np.arange(n)) % every == every - 1

    def _arrays(self, rows: Rows, ids: np.random.Generator) -> list[pa.Array]:
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
        undated = self._undated(n)
        if undated is not None:
            self.undated_lines += int(undated.sum())
            self.undated_units += int(rows.unb[undated].sum())
        out = []
        for col in schema.CUR_COLUMNS:
            name = col.name
            if name in self.overrides:
                codes, values = self.overrides[name]
                out.append(pa.DictionaryArray.from_arrays(pa.array(codes[rows.tpl], pa.int32()), values))
            elif name in self.constants:
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
                out.append(line_ids(ids, self.period.index, self.lines, n))
            elif name == "identity_time_interval":
                idx = pa.array(rows.hour, pa.int32())
                out.append(pa.DictionaryArray.from_arrays(idx, self.slots.intervals))
            elif name in ("line_item_usage_start_date", "line_item_usage_end_date"):
                ms = (self.slots.starts if name.endswith("start_date") else self.slots.ends)[rows.hour]
                out.append(pa.array(ms.astype("datetime64[ms]")))
            elif name in ("bill_billing_period_start_date", "bill_billing_period_end_date"):
                when = self.period.start if name.endswith("start_date") else self.period.end
                dated = undated if name.endswith("start_date") else None
                out.append(pa.array(np.full(n, np.datetime64(when, "ms")), mask=dated))
            elif name in doubles:
                out.append(doubles[name])
            elif name in sp_cols:
                out.append(sp_cols[name])
            else:
                out.append(pa.nulls(n, type=self.schema.field(name).type))
        return out


def _take(rows: Rows, idx: np.ndarray) -> Rows:
    cols = [getattr(rows, a)[idx] for a in ("tpl", "hour", "qty", "unb", "net")]
    return Rows(*cols, sp={k: v[idx] for k, v in rows.sp.items()})


def _units_to_float(units: np.ndarray) -> pa.Array:
    # int64 / 1e8 is the correctly rounded double of the 8-place decimal, the same as float(Decimal).
    mask = units == NULL_UNITS
    return pa.array(np.where(mask, 0, units) / UNITS, mask=mask if mask.any() else None)
