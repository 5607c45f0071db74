"""Query engines behind one small protocol: the reports never know which one ran their SQL.

``duckdb`` (embedded, default) reads a local CUR 2.0 export; ``athena`` runs the same SQL where the
export lives, through awswrangler. Both take the SQL files in ``athena/`` by name and return Arrow tables;
``query_rows`` returns a query's rows as dicts, which on DuckDB never loads pyarrow: a report that groups a
few thousand rows in Python pays nothing for Arrow.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import pyarrow as pa

    from cur_analyzer.schema import Capabilities


class Engine(Protocol):
    name: str
    #: Facts about the run a report footer should carry (scan cost, fallbacks); engines append to it.
    notes: list[str]

    def months(self) -> list[str]:
        """Billing periods (``YYYY-MM``) the CUR source holds, oldest first."""
        ...

    def capabilities(self) -> Capabilities:
        """Which optional CUR columns the source has."""
        ...

    def query(self, name: str, params: Mapping[str, Any]) -> pa.Table:
        """Run ``athena/<name>.sql`` with its parameters bound by name."""
        ...

    def held(self, month: str, scope: str) -> AbstractContextManager[None]:
        """A context in which the CUR queries read only billing period ``month`` (``YYYY-MM``), and only
        its Bedrock-scope lines when ``scope`` is ``"bedrock"`` (``"all"``: every service): the engine
        may read that month once and answer every query from it. A CUR query for anything else while
        it is open is the caller's bug (RuntimeError)."""
        ...


def query_rows(engine: Engine, name: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The query's rows as dicts of Python values (``Decimal`` for DECIMAL): straight from the engine where
    it can give them without Arrow (DuckDB), else from its Arrow table."""
    direct = getattr(engine, "query_rows", None)
    if direct is not None:
        return direct(name, params)
    return engine.query(name, params).to_pylist()


def query_batches(engine: Engine, name: str, params: Mapping[str, Any]) -> Iterator[pa.RecordBatch]:
    """The query's rows a batch at a time where the engine streams them (DuckDB), else its whole table in
    batches: for a report that reads a month of invocation-log records and keeps only what it needs."""
    stream = getattr(engine, "query_batches", None)
    if stream is not None:
        yield from stream(name, params)
        return
    yield from engine.query(name, params).to_batches()


def connect(settings: Any, cur: Any = None, on_progress: Any = None, logs: Any = None) -> Engine:
    """The engine the settings choose; paths given on the command line override the configured ones."""
    from cur_analyzer.errors import UserInputError

    if settings.engine == "duckdb":
        from cur_analyzer.engines.duckdb import DuckDBEngine

        cur_source, log_source = cur or settings.cur, logs or settings.logs
        if not cur_source and not log_source:
            # a report reads the CUR, the invocation logs or both: the line names both inputs, and the
            # command line adds the flag of whichever the command has
            raise UserInputError(
                "no data to read: give the CUR export's folder or parquet files (setting `cur`, "
                "CUR_ANALYZER_CUR) or the invocation logs' folder (setting `logs`, CUR_ANALYZER_LOGS), "
                "or use the athena engine",
                option="cur",
                fixed_by="logs",
            )
        return DuckDBEngine(cur_source, logs=log_source, on_progress=on_progress)
    if settings.engine == "athena":
        from cur_analyzer.engines.athena import AthenaEngine

        return AthenaEngine(settings, on_progress=on_progress)
    raise UserInputError(f"unknown engine {settings.engine!r}", option="engine")
