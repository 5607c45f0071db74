"""The embedded engine: DuckDB over a local CUR 2.0 export, running the Athena SQL through sqlglot.

A CUR source is an export folder (holding ``data/`` and ``metadata/``), any folder above one, a single
``BILLING_PERIOD=YYYY-MM`` folder, or parquet files. The export is exposed as a view ``cur2`` with every
column of ``schema.CUR_COLUMNS`` (absent optional columns as typed NULLs) plus ``billing_period`` from
the Hive partition, so every SQL file resolves whatever options the export was created with.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import pyarrow as pa

from cur_analyzer import schema, sql
from cur_analyzer.engines._duckdb_logs import logs_view_sql, resolve_logs
from cur_analyzer.errors import UserInputError

T = TypeVar("T")
_PARTITION_RE = re.compile(r"^BILLING_PERIOD=(\d{4}-\d{2})$", re.IGNORECASE)


@dataclass(frozen=True)
class CurFiles:
    """The parquet files of one export and the billing period of each (None when not partitioned)."""

    files: tuple[Path, ...]
    periods: tuple[str | None, ...]

    @property
    def partitioned(self) -> bool:
        return all(p is not None for p in self.periods)


def _period_of(path: Path) -> str | None:
    for part in reversed(path.parts[:-1]):
        if m := _PARTITION_RE.match(part):
            return m.group(1)
    return None


def _export_root(path: Path) -> Path:
    """The folder holding ``data/`` for a file in the S3 layout (or the file's folder otherwise)."""
    parts = path.parts
    for i in range(len(parts) - 1, 0, -1):
        if parts[i] == "data" and i + 1 < len(parts) and _PARTITION_RE.match(parts[i + 1]):
            return Path(*parts[:i])
    return path.parent


def resolve_cur(paths: Path | Sequence[Path]) -> CurFiles:
    """Find the export's parquet files under what the user pointed ``--cur`` at."""
    given = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    files: list[Path] = []
    for p in given:
        if not p.exists():
            raise UserInputError(f"--cur {p}: no such file or folder")
        if p.is_file():
            if p.suffix != ".parquet":
                raise UserInputError(f"--cur {p}: not a .parquet file")
            files.append(p)
            continue
        found = sorted(f for f in p.rglob("*.parquet") if "metadata" not in f.relative_to(p).parts)
        if not found:
            raise UserInputError(f"--cur {p}: no CUR parquet files under this folder")
        files += found
    roots = sorted({_export_root(f) for f in files if _period_of(f)})
    if len(roots) > 1:
        listed = ", ".join(str(r) for r in roots[:5])
        raise UserInputError(f"--cur holds {len(roots)} exports ({listed}); point it at one of them")
    return CurFiles(tuple(files), tuple(_period_of(f) for f in files))


def _duckdb_type(athena_type: str) -> str:
    from sqlglot import exp

    return exp.DataType.build(athena_type, dialect="athena").sql("duckdb")


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


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
        self.notes: list[str] = []
        self._on_progress = on_progress
        self._cur = resolve_cur(cur) if cur is not None else None
        self._logs = resolve_logs(logs) if logs is not None else None
        self._con = duckdb.connect(config={"threads": threads} if threads else {})
        self._views: set[str] = set()
        if on_progress is not None:
            # progress_bar_time 0: report from the first row group; print false: we draw it ourselves
            self._con.execute(
                "SET enable_progress_bar = true; SET enable_progress_bar_print = false; SET progress_bar_time = 0"
            )

    # --- CUR source -----------------------------------------------------------------------------------
    def _require_cur(self) -> CurFiles:
        if self._cur is None:
            raise UserInputError("no CUR data: pass --cur PATH (an export folder or parquet files)")
        return self._cur

    def _read_parquet_sql(self, cur: CurFiles) -> str:
        hive = "true, hive_types={'BILLING_PERIOD': 'VARCHAR'}" if cur.partitioned else "false"
        return f"read_parquet(?, union_by_name=true, hive_partitioning={hive})"

    @cached_property
    def _file_columns(self) -> dict[str, str]:
        cur = self._require_cur()
        rel = self._guard(
            lambda: self._con.sql(
                f"DESCRIBE SELECT * FROM {self._read_parquet_sql(cur)}",  # noqa: S608 - paths are bound
                params=[self._paths(cur)],
            )
        )
        return {row[0].lower(): row[0] for row in rel.fetchall()}

    def _paths(self, cur: CurFiles) -> list[str]:
        return [str(f) for f in cur.files]

    def capabilities(self) -> schema.Capabilities:
        return schema.probe(set(self._file_columns) - {"billing_period"})

    def months(self) -> list[str]:
        cur = self._require_cur()
        if cur.partitioned:
            return sorted({p for p in cur.periods if p})
        self._ensure_cur_view()
        rows = self._guard(lambda: self._con.sql("SELECT DISTINCT billing_period FROM cur2").fetchall())
        return sorted(r[0] for r in rows if r[0])

    def _ensure_cur_view(self) -> None:
        if schema.CUR_TABLE in self._views:
            return
        cur = self._require_cur()
        present = self._file_columns
        missing_required = schema.probe(set(present)).missing_required
        if missing_required:
            raise UserInputError(
                f"--cur does not look like a CUR 2.0 export: missing columns {', '.join(missing_required)}"
            )
        select = [
            f"{_quote(present[c.name])} AS {c.name}"
            if c.name in present
            else f"CAST(NULL AS {_duckdb_type(c.type)}) AS {c.name}"
            for c in schema.CUR_COLUMNS
        ]
        if cur.partitioned:
            select.append(f"{_quote(present['billing_period'])} AS billing_period")
        else:
            select.append("strftime(bill_billing_period_start_date, '%Y-%m') AS billing_period")
        rel = self._guard(
            lambda: self._con.sql(
                f"SELECT {', '.join(select)} FROM {self._read_parquet_sql(cur)}",  # noqa: S608 - schema.py names
                params=[self._paths(cur)],
            )
        )
        rel.create_view(schema.CUR_TABLE, replace=True)
        self._views.add(schema.CUR_TABLE)

    # --- invocation logs ----------------------------------------------------------------------------------
    def _ensure_logs_view(self) -> None:
        if schema.LOGS_TABLE in self._views:
            return
        if not self._logs:
            raise UserInputError("no invocation logs: pass --logs PATH (a folder in the S3 AWSLogs/ layout)")
        text = logs_view_sql()
        rel = self._guard(lambda: self._con.sql(text, params=[[str(f) for f in self._logs]]))
        rel.create_view(schema.LOGS_TABLE, replace=True)
        self._views.add(schema.LOGS_TABLE)

    # --- queries --------------------------------------------------------------------------------------
    def query(self, name: str, params: Mapping[str, Any]) -> pa.Table:
        q = sql.load(name)
        tables = sql.tables_of(name)
        if schema.CUR_TABLE in tables:
            self._ensure_cur_view()
        if schema.LOGS_TABLE in tables:
            self._ensure_logs_view()
        text = sql.for_duckdb(name)
        values = q.bind(params)
        run = lambda: self._con.sql(text, params=values).to_arrow_table()  # noqa: E731
        if self._on_progress is None:
            return self._guard(run)
        return self._guard(lambda: self._with_progress(name, run))

    def _with_progress(self, name: str, run: Callable[[], T]) -> T:
        """Run the query on a worker thread while this one reports DuckDB's own progress estimate."""
        import threading

        result: dict[str, Any] = {}

        def work() -> None:
            try:
                result["value"] = run()
            except BaseException as e:  # handed back to the caller's thread below
                result["error"] = e

        worker = threading.Thread(target=work, name=f"duckdb-{name}", daemon=True)
        worker.start()
        assert self._on_progress is not None
        while worker.is_alive():
            pct = self._con.query_progress()
            self._on_progress(f"DuckDB {name}.sql", pct if pct >= 0 else None)
            worker.join(0.1)
        if "error" in result:
            raise result["error"]
        return result["value"]

    def _guard(self, run: Callable[[], T]) -> T:
        """Run a DuckDB call, turning read errors of the user's files into one clear line."""
        try:
            return run()
        except (duckdb.IOException, duckdb.InvalidInputException) as e:
            raise UserInputError(f"cannot read the CUR parquet files: {_first_line(e)}") from e
        except duckdb.Error as e:
            # A damaged file surfaces as a plain duckdb.Error naming the file; anything else is a bug.
            if "parquet" in str(e).lower() or "file" in str(e).lower():
                raise UserInputError(f"corrupt or unreadable parquet: {_first_line(e)}") from e
            raise


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0]
