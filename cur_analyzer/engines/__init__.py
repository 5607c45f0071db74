"""Query engines behind one small protocol: the reports never know which one ran their SQL.

``duckdb`` (embedded, default) reads a local CUR 2.0 export; ``athena`` runs the same SQL where the
export lives, through awswrangler. Both take the SQL files in ``athena/`` by name and return Arrow tables.
"""

from __future__ import annotations

from collections.abc import Mapping
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


def connect(settings: Any, cur: Any = None, on_progress: Any = None, logs: Any = None) -> Engine:
    """The engine the settings choose; paths given on the command line override the configured ones."""
    from cur_analyzer.errors import UserInputError

    if settings.engine == "duckdb":
        from cur_analyzer.engines.duckdb import DuckDBEngine

        cur_source, log_source = cur or settings.cur, logs or settings.logs
        if not cur_source and not log_source:
            raise UserInputError(
                "no CUR data: pass --cur PATH or set CUR_ANALYZER_CUR (or use --engine athena)"
            )
        return DuckDBEngine(cur_source, logs=log_source, on_progress=on_progress)
    if settings.engine == "athena":
        from cur_analyzer.engines.athena import AthenaEngine

        return AthenaEngine(settings, on_progress=on_progress)
    raise UserInputError(f"unknown engine {settings.engine!r}")
