"""The embedded engine: DuckDB over a local CUR 2.0 export, running the Athena SQL through sqlglot.

A CUR source is an export folder (holding ``data/`` and ``metadata/``), any folder above one, a single
``BILLING_PERIOD=YYYY-MM`` folder, or parquet files. The export is exposed as a view ``cur2`` with every
column of ``schema.CUR_COLUMNS`` (absent optional columns as typed NULLs) plus ``billing_period`` from
the Hive partition, so every SQL file resolves whatever options the export was created with. A partition
with a manifest is read as its manifest lists it (``_duckdb_files``). A flat export (no partitions) takes
a line's month from its billing period start date, else from its usage start date, and says how many.

The files are data other people write, so the reader trusts nothing about them: the type every file
stores each column with is read from the parquet footers (no scan), and a shape the SQL cannot use is
refused before any query runs, naming the column and the file (``_duckdb_cur_types``). A bad value (NaN,
infinite, too large for DECIMAL(38,10), text that is not a number) costs nothing until a report's DECIMAL
cast fails on it; then one diagnosis query names the column, the files and how many lines.

``held(month, scope)`` reads one month's lines once into a temporary table that shadows the view while it
is open (``_duckdb_held``): the monthly pack's queries then scan the files once. ``cur_scans`` and
``log_scans`` count the queries that read the CUR parquet files and the invocation-log files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import duckdb

from cur_analyzer import schema, sql
from cur_analyzer.engines._duckdb_cur_types import (
    StoredColumn,
    athena_family,
    athena_to_duckdb_type,
    bad_number_tests,
    files_text,
    quote,
    top_level_columns,
    view_expression,
)
from cur_analyzer.engines._duckdb_files import CurFiles, resolve_cur
from cur_analyzer.engines._duckdb_held import HOLD_SCOPES, HeldMonth, fill_sql, on_files
from cur_analyzer.engines._duckdb_logs import logs_view_sql, resolve_logs
from cur_analyzer.errors import UserInputError

if TYPE_CHECKING:
    import pyarrow as pa

T = TypeVar("T")


class DuckDBEngine:
    name = "duckdb"

    def __init__(
        self,
        cur: Path | Sequence[Path] | None = None,
        *,
        logs: Path | Sequence[Path] | None = None,
        threads: int | None = None,
        on_progress: Callable[[str, float | None], None] | None = None,
    ):
        self._on_progress = on_progress
        self._cur = resolve_cur(cur) if cur is not None else None
        self.notes: list[str] = list(self._cur.notes) if self._cur is not None else []
        self._logs = resolve_logs(logs) if logs is not None else None
        self._con = duckdb.connect(config={"threads": threads} if threads else {})
        # the footers the column probe reads serve the view and every query after it (keyed by file and
        # modification time, so a changed file is read again)
        self._con.execute("SET parquet_metadata_cache = true")
        # the memory a query's hash tables freed goes back to the system as it is freed, not at exit: the
        # reports build their Python rows after the query, and would otherwise add them on top of it (after
        # the reconciliation's query of ten million lines the process holds 420 MB with, 900 MB without)
        self._con.execute("SET allocator_background_threads = true")
        self._views: set[str] = set()
        self._held: HeldMonth | None = None
        # the view over the files by its full name: while a month is held, `cur2` and even `main.cur2`
        # name the temporary table (the temp catalog has a `main` schema too)
        database = self._con.sql("SELECT current_database()").fetchall()[0][0]
        self._files_view = f"{quote(database)}.main.{schema.CUR_TABLE}"
        #: queries that read the CUR parquet files, and the invocation-log files (a held month's queries
        #: read memory: only the scan that filled it counts)
        self.cur_scans = 0
        self.log_scans = 0
        if on_progress is not None:
            # progress_bar_time 0: report from the first row group; print false: we draw it ourselves
            self._con.execute(
                "SET enable_progress_bar = true; SET enable_progress_bar_print = false; SET progress_bar_time = 0"
            )

    # --- CUR source -----------------------------------------------------------------------------------
    def _require_cur(self) -> CurFiles:
        if self._cur is None:
            raise UserInputError("no CUR data: give the CUR export's folder or parquet files", option="cur")
        return self._cur

    def _read_parquet_sql(self, cur: CurFiles) -> str:
        hive = "true, hive_types={'BILLING_PERIOD': 'VARCHAR'}" if cur.partitioned else "false"
        return f"read_parquet(?, union_by_name=true, hive_partitioning={hive})"

    @cached_property
    def _stored_columns(self) -> dict[str, StoredColumn]:
        """Every top-level column of every file with the type each file stores it as, from the footers."""
        paths = self._paths(self._require_cur())
        schema_sql = "SELECT file_name, name, num_children, duckdb_type FROM parquet_schema(?)"
        try:
            rows = self._con.execute(schema_sql + " ORDER BY file_name, column_id", [paths]).fetchall()
        except duckdb.Error as e:  # the SQL is fixed: only a file can fail it (a damaged footer)
            bad = self._first_failing(paths, schema_sql)
            raise UserInputError(
                f"cannot read the CUR parquet file {bad or '(one of them)'}: {_first_line(e)}"
            ) from e
        return top_level_columns(rows)

    def _first_failing(self, files: Sequence[str], one_file_sql: str) -> str | None:
        """The first file ``one_file_sql`` (its ``?`` one file name) fails on: on an error path only."""
        for f in files:
            try:
                self._con.execute(one_file_sql, [f]).fetchall()
            except duckdb.Error:
                return f
        return None

    @cached_property
    def _file_columns(self) -> dict[str, str]:
        """Lower-case column name -> the name as the files write it (``billing_period`` from the folders)."""
        names = {key: c.name for key, c in self._stored_columns.items()}
        if self._require_cur().partitioned:
            names["billing_period"] = "billing_period"
        return names

    def stored_types(self) -> dict[str, str]:
        """The Athena type family each CUR column is stored with (``double``, ``string``, ``map``...): what
        the data checks compare with schema.py, whatever the view converted."""
        return {key: athena_family(c.type) for key, c in self._stored_columns.items() if c.family != "null"}

    def _paths(self, cur: CurFiles) -> list[str]:
        return [str(f) for f in cur.files]

    def capabilities(self) -> schema.Capabilities:
        return schema.probe(set(self._file_columns) - {"billing_period"})

    def months(self) -> list[str]:
        cur = self._require_cur()
        if cur.partitioned:
            return sorted({p for p in cur.periods if p})
        self._ensure_cur_view()
        return list(self._flat_months.months)

    def _ensure_cur_view(self) -> None:
        if schema.CUR_TABLE in self._views:
            return
        cur = self._require_cur()
        present = self._file_columns
        missing_required = schema.probe(set(present)).missing_required
        if missing_required:
            raise UserInputError(
                f"the CUR data does not look like a CUR 2.0 export: missing columns {', '.join(missing_required)}",
                option="cur",
            )
        stored = self._stored_columns
        select = [
            f"{view_expression(c, stored[c.name])} AS {c.name}"
            if c.name in stored
            else f"CAST(NULL AS {athena_to_duckdb_type(c.type)}) AS {c.name}"
            for c in schema.CUR_COLUMNS
        ]
        if cur.partitioned:
            select.append("billing_period")
        else:
            select.append(f"strftime({_FLAT_PERIOD_START}, '%Y-%m') AS billing_period")
        rel = self._guard(
            lambda: self._con.sql(
                f"SELECT {', '.join(select)} FROM {self._read_parquet_sql(cur)}",  # noqa: S608 - schema.py names
                params=[self._paths(cur)],
            ),
            source=_CUR_ONLY,
        )
        rel.create_view(schema.CUR_TABLE, replace=True)
        self._views.add(schema.CUR_TABLE)
        if not cur.partitioned:
            self.notes += self._flat_months.notes

    @cached_property
    def _flat_months(self) -> _FlatMonths:
        """A flat export's months and what the lines without a billing period start date became: one
        scan, the first time the view is made."""
        self.cur_scans += 1
        undated = "bill_billing_period_start_date IS NULL"
        rows = self._guard(
            lambda: self._con.sql(
                f"SELECT billing_period, count(*) FILTER (WHERE {undated}) FROM {self._files_view}"  # noqa: S608
                " GROUP BY billing_period"
            ).fetchall(),
            source=_CUR_ONLY,
        )
        return _FlatMonths.of(rows)

    # --- invocation logs ----------------------------------------------------------------------------------
    def _ensure_logs_view(self) -> None:
        if schema.LOGS_TABLE in self._views:
            return
        if not self._logs:
            raise UserInputError(
                "no invocation logs: give a folder of them in the S3 AWSLogs/ layout", option="logs"
            )
        text = logs_view_sql()
        rel = self._guard(
            lambda: self._con.sql(text, params=[[str(f) for f in self._logs]]), source=_LOGS_ONLY
        )
        rel.create_view(schema.LOGS_TABLE, replace=True)
        self._views.add(schema.LOGS_TABLE)

    # --- one month held in memory ----------------------------------------------------------------------
    @contextmanager
    def held(self, month: str, scope: str) -> Iterator[None]:
        """While open, the CUR queries read ``month``'s lines from one temporary table, filled by one scan
        of the files: only the columns some SQL file reads, and only the Bedrock-scope lines when ``scope``
        is ``"bedrock"``. A CUR query the held lines cannot answer as the files would (another month,
        every service, a query over every line) raises RuntimeError: the caller's bug. The table is
        dropped on leaving, even on an error."""
        if scope not in HOLD_SCOPES:
            raise ValueError(f"hold scope must be one of {', '.join(HOLD_SCOPES)} (got {scope!r})")
        if self._held is not None:
            raise RuntimeError(f"{self._held.month} is already held: one month at a time")
        self._ensure_cur_view()
        fill = f"CREATE TEMP TABLE {schema.CUR_TABLE} AS {fill_sql(self._files_view, scope)}"
        self.cur_scans += 1
        try:
            self._run(f"holding {month}", lambda: self._con.execute(fill, [month]), _CUR_ONLY, month)
            self._held = HeldMonth(month, scope)
            yield
        finally:
            self._held = None
            self._con.execute(f"DROP TABLE IF EXISTS temp.{schema.CUR_TABLE}")

    def held_size(self) -> tuple[int, int]:
        """The held month's lines and the bytes of memory DuckDB keeps them in; (0, 0) when none is held."""
        if self._held is None:
            return 0, 0
        lines = self._con.sql(f"SELECT count(*) FROM temp.{schema.CUR_TABLE}").fetchall()[0][0]  # noqa: S608
        table_memory = "('BASE_TABLE', 'IN_MEMORY_TABLE', 'OVERFLOW_STRINGS')"
        size = self._con.sql(
            f"SELECT sum(memory_usage_bytes) FROM duckdb_memory() WHERE tag IN {table_memory}"  # noqa: S608
        ).fetchall()[0][0]
        return int(lines), int(size or 0)

    def _cur_text(self, name: str, params: Mapping[str, Any]) -> str:
        """The query for DuckDB, over the held month when one is (refused when the held lines cannot
        answer it), else over the files: one more scan of them."""
        held = self._held
        if held is not None and not held.reads_files(name, params):
            if refused := held.refusal(name, params):
                raise RuntimeError(refused)
            return sql.for_duckdb(name)
        self.cur_scans += 1
        return sql.for_duckdb(name) if held is None else on_files(name, self._files_view)

    # --- queries --------------------------------------------------------------------------------------
    def query(self, name: str, params: Mapping[str, Any]) -> pa.Table:
        text, values, source, month = self._prepared(name, params)
        return self._run(
            f"{name}.sql", lambda: self._con.sql(text, params=values).to_arrow_table(), source, month
        )

    def query_rows(self, name: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """As ``query``, the rows as dicts, fetched without Arrow (a MAP comes back as a dict, not as
        Arrow's list of pairs)."""
        text, values, source, month = self._prepared(name, params)

        def fetch() -> list[dict[str, Any]]:
            result = self._con.execute(text, values)
            names = [d[0] for d in result.description]
            return [dict(zip(names, row, strict=True)) for row in result.fetchall()]

        return self._run(f"{name}.sql", fetch, source, month)

    def query_batches(
        self, name: str, params: Mapping[str, Any], rows: int = 500_000
    ) -> Iterator[pa.RecordBatch]:
        """As ``query``, ``rows`` at a time: a month of millions of invocation-log records is never whole in
        memory, neither in DuckDB's result nor in Arrow. No other query may run until it is consumed."""
        text, values, source, month = self._prepared(name, params)
        reader = self._run(
            f"{name}.sql", lambda: self._con.sql(text, params=values).to_arrow_reader(rows), source, month
        )
        while True:
            try:
                batch = self._guard(reader.read_next_batch, source=source, month=month)
            except StopIteration:
                return
            yield batch

    def _prepared(
        self, name: str, params: Mapping[str, Any]
    ) -> tuple[str, list[Any], frozenset[str], str | None]:
        """The query's DuckDB text over the views it reads, its bound values, the sources it reads and the
        month it names."""
        q = sql.load(name)
        tables = sql.tables_of(name)
        text = sql.for_duckdb(name)
        if schema.CUR_TABLE in tables:
            self._ensure_cur_view()
            text = self._cur_text(name, params)
        if schema.LOGS_TABLE in tables:
            self._ensure_logs_view()
            self.log_scans += 1
        source = frozenset(s for s, table in _TABLE_SOURCES.items() if table in tables)
        month = params.get("month") if isinstance(params.get("month"), str) else None
        return text, q.bind(params), source, month

    def _run(self, what: str, run: Callable[[], T], source: frozenset[str], month: str | None) -> T:
        """Run a DuckDB call over the user's files: guarded, and with progress when it is asked for."""
        if self._on_progress is None:
            return self._guard(run, source=source, month=month)
        return self._guard(lambda: self._with_progress(what, run), source=source, month=month)

    def _with_progress(self, what: str, run: Callable[[], T]) -> T:
        """Run the query on a worker thread while this one reports DuckDB's own progress estimate."""
        import threading

        result: dict[str, Any] = {}

        def work() -> None:
            try:
                result["value"] = run()
            except BaseException as e:  # handed back to the caller's thread below
                result["error"] = e

        worker = threading.Thread(target=work, name=f"duckdb {what}", daemon=True)
        worker.start()
        assert self._on_progress is not None
        while worker.is_alive():
            pct = self._con.query_progress()
            self._on_progress(f"DuckDB {what}", pct if pct >= 0 else None)
            worker.join(0.1)
        if "error" in result:
            raise result["error"]
        return result["value"]

    def _guard(self, run: Callable[[], T], *, source: frozenset[str], month: str | None = None) -> T:
        """Run a DuckDB call, turning what the user's files cause into one clear line naming the source
        (``_CUR``, ``_LOGS`` or both, as the query's tables say); anything else is a bug and goes on."""
        try:
            return run()
        except (duckdb.ConversionException, duckdb.OutOfRangeException) as e:
            # A report's DECIMAL cast met a value it cannot hold: only now pay for a scan that says which.
            if _CUR in source and (found := self._bad_numbers(month)):
                raise UserInputError(found) from e
            if _CUR in source and "overflow" in str(e).lower():
                raise UserInputError(
                    f"the CUR amounts{f' of {month}' if month else ''} add up beyond what DECIMAL(38,10) holds"
                    f" (1e28): {_first_line(e)}"
                ) from e
            return self._unreadable(e, source)
        except duckdb.Error as e:
            # DuckDB's parquet reader fails a damaged page with a plain Error that names no file: find it
            if _CUR in source and type(e) is duckdb.Error and (bad := self._damaged_file(month)):
                raise UserInputError(f"corrupt or unreadable CUR parquet file {bad}: {_first_line(e)}") from e
            return self._unreadable(e, source)

    def _damaged_file(self, month: str | None) -> str | None:
        """The first of the month's files whose view columns cannot be decoded (a scan: error path only)."""
        self.cur_scans += 1
        names = [c.name for key, c in self._stored_columns.items() if key in schema.CUR_COLUMN_TYPES]
        hashes = ", ".join(f"max(hash({quote(n)}))" for n in names) or "count(*)"
        return self._first_failing(self._month_files(month), f"SELECT {hashes} FROM read_parquet(?)")  # noqa: S608

    def _month_files(self, month: str | None) -> list[str]:
        """The files that can hold ``month`` (all of them when the export is not partitioned)."""
        cur = self._require_cur()
        return [
            str(f) for f, p in zip(cur.files, cur.periods, strict=True) if month is None or p in (month, None)
        ]

    def _unreadable(self, e: duckdb.Error, source: frozenset[str]) -> NoReturn:
        what = self._source_named(str(e), source)
        if isinstance(e, duckdb.IOException | duckdb.InvalidInputException):
            raise UserInputError(f"cannot read {what}: {_first_line(e)}") from e
        # A damaged file surfaces as a plain duckdb.Error naming the file; anything else is a bug.
        if "parquet" in str(e).lower() or "file" in str(e).lower():
            raise UserInputError(f"corrupt or unreadable {what}: {_first_line(e)}") from e
        raise e

    def _source_named(self, message: str, source: frozenset[str]) -> str:
        """Which of the query's sources an error is about: the one whose file it names, else the query's."""
        logs = [str(f) for f in self._logs or ()]
        curs = self._paths(self._cur) if self._cur is not None else []
        if _LOGS in source and any(f in message for f in logs):
            return _SOURCE_TEXT[_LOGS]
        if _CUR in source and any(f in message for f in curs):
            return _SOURCE_TEXT[_CUR]
        if source == {_CUR, _LOGS}:  # no file named: the reader that failed still says what it read
            lowered = message.lower()
            if any(word in lowered for word in ("csv", "json", "gzip")):
                return _SOURCE_TEXT[_LOGS]
            if "parquet" in lowered:
                return _SOURCE_TEXT[_CUR]
        return " or ".join(_SOURCE_TEXT[s] for s in (_CUR, _LOGS) if s in source) or "the input files"

    def _bad_numbers(self, month: str | None) -> str | None:
        """One line naming every amount column with values no DECIMAL(38,10) can hold: per column and kind
        (NaN/infinite, too large, not a number), how many lines in which files; None when there are none.
        Only the month's files are read when the export is partitioned."""
        files = self._month_files(month)
        checks = bad_number_tests(self._stored_columns)
        if not checks or not files:
            return None
        self.cur_scans += 1
        counts = ", ".join(f"COUNT(*) FILTER (WHERE {cond})" for _n, _w, cond in checks)
        try:
            rows = self._con.execute(
                f"SELECT filename, {counts} FROM read_parquet(?, union_by_name=true, filename=true)"  # noqa: S608 - names from schema.py
                " GROUP BY filename ORDER BY filename",
                [files],
            ).fetchall()
        except duckdb.Error:  # the files cannot tell: the caller reports the error it has
            return None
        found: dict[tuple[str, str], tuple[int, list[str]]] = {}
        for file, *numbers in rows:
            for (name, what, _cond), n in zip(checks, numbers, strict=True):
                if n:
                    total, in_files = found.get((name, what), (0, []))
                    found[(name, what)] = (total + n, [*in_files, file])
        if not found:
            return None
        listed = "; ".join(
            f"CUR {name}: {n:,} {'line is' if n == 1 else 'lines are'} {what} in {files_text(in_files)}"
            for (name, what), (n, in_files) in found.items()
        )
        return f"{listed} (amounts must be finite numbers below 1e28, what DECIMAL(38,10) holds)"


#: The month of a line in a flat export (no BILLING_PERIOD folders): its billing period's, else its usage's
_FLAT_PERIOD_START = "COALESCE(bill_billing_period_start_date, line_item_usage_start_date)"


@dataclass(frozen=True)
class _FlatMonths:
    """The months of a flat export, and notes on the lines whose month came from their usage start date
    (no billing period start date) or from nothing at all (neither date: in no month)."""

    months: tuple[str, ...]
    notes: tuple[str, ...]

    @classmethod
    def of(cls, rows: Sequence[tuple[str | None, int]]) -> _FlatMonths:
        dated = sorted((month, n) for month, n in rows if month and n)
        lost = sum(n for month, n in rows if not month)
        notes = []
        if dated:
            per_month = ", ".join(f"{n:,} in {month}" for month, n in dated)
            notes.append(
                f"{sum(n for _m, n in dated):,} CUR lines have no billing period start date: each is in the "
                f"month of its usage start date ({per_month})"
            )
        if lost:
            notes.append(
                f"{lost:,} CUR lines have neither a billing period nor a usage start date: no month holds them"
            )
        return cls(tuple(sorted(m for m, _n in rows if m)), tuple(notes))


#: The sources a query can read, by the logical table that holds each
_CUR, _LOGS = "cur", "logs"
_TABLE_SOURCES = {_CUR: schema.CUR_TABLE, _LOGS: schema.LOGS_TABLE}
_SOURCE_TEXT = {_CUR: "the CUR parquet files", _LOGS: "the invocation-log files"}
_CUR_ONLY, _LOGS_ONLY = frozenset({_CUR}), frozenset({_LOGS})


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0]
