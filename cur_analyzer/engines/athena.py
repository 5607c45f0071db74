"""The scale-out engine: the same ``athena/*.sql`` run in Amazon Athena through awswrangler.

The data stays in S3; each query shows a spinner with its id and bytes scanned, Ctrl-C stops it in
Athena (StopQueryExecution), throttling is retried by botocore's adaptive retry mode, and a failure is one
line with Athena's own message and the query id. Result reuse is Athena's server-side
``ResultReuseByAgeConfiguration``: awswrangler's client-side cache matches on SQL text alone, and our
SQL text is identical for every month and tag key because those are parameters.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pyarrow as pa

from cur_analyzer import schema, sql
from cur_analyzer.engines.aws import session_for
from cur_analyzer.errors import UserInputError
from cur_analyzer.period import PARTITION_RE

#: Athena's on-demand price per TB scanned (us-east-1 and most regions), and its 10 MB minimum per query.
USD_PER_TB_SCANNED = Decimal(5)
MIN_BYTES_BILLED = 10 * 1024 * 1024
_TERMINAL = {"SUCCEEDED", "FAILED", "CANCELLED"}


class AthenaQueryError(UserInputError):
    """Athena refused or failed a query; the message carries Athena's reason and the query id."""


@dataclass
class QueryRun:
    name: str
    query_id: str
    state: str = "QUEUED"
    bytes_scanned: int = 0
    reused: bool = False

    @property
    def cost(self) -> Decimal:
        if self.reused or self.state != "SUCCEEDED":
            return Decimal(0)
        billed = max(self.bytes_scanned, MIN_BYTES_BILLED)
        return Decimal(billed) / Decimal(10**12) * USD_PER_TB_SCANNED


def _botocore_config() -> Any:
    from botocore.config import Config

    return Config(retries={"mode": "adaptive", "max_attempts": 10}, user_agent_extra="cur-analyzer")


class AthenaEngine:
    name = "athena"

    def __init__(
        self,
        settings: Any,
        *,
        boto3_session: Any = None,
        on_progress: Callable[[str, float | None], None] | None = None,
        poll_seconds: float = 0.5,
    ):
        import awswrangler as wr

        wr.config.botocore_config = _botocore_config()
        self.settings = settings
        self._notes: list[str] = []
        self.runs: list[QueryRun] = []
        self._session = boto3_session or session_for(settings)
        self._on_progress = on_progress
        self._poll = poll_seconds
        self._db = sql.validate_identifier(settings.database, "database")
        self._table = sql.validate_identifier(settings.table, "table")
        self._logs_db = sql.validate_identifier(settings.logs_database or settings.database, "logs database")
        self._logs_table = sql.validate_identifier(settings.logs_table, "logs table")

    @property
    def notes(self) -> list[str]:
        """Footer lines: what the queries scanned and cost, plus anything the engine noticed."""
        return [self.scan_summary(), *self._notes] if self.runs else list(self._notes)

    # --- catalog --------------------------------------------------------------------------------------
    def _tables(self) -> dict[str, tuple[str, str]]:
        return {
            schema.CUR_TABLE: (self._db, self._table),
            schema.LOGS_TABLE: (self._logs_db, self._logs_table),
        }

    def capabilities(self) -> schema.Capabilities:
        import awswrangler as wr

        types = self._aws(
            lambda: wr.catalog.get_table_types(
                database=self._db, table=self._table, boto3_session=self._session
            )
        )
        if not types:
            raise UserInputError(
                f"Glue table {self._db}.{self._table} not found: run the Terraform in terraform/ or set "
                "CUR_ANALYZER_DATABASE / CUR_ANALYZER_TABLE"
            )
        return schema.probe(set(types) - {schema.PARTITION_COLUMN.name})

    def months(self) -> list[str]:
        import awswrangler as wr

        location = self._aws(
            lambda: wr.catalog.get_table_location(
                database=self._db, table=self._table, boto3_session=self._session
            )
        )
        folders = self._aws(
            lambda: wr.s3.list_directories(location.rstrip("/") + "/", boto3_session=self._session)
        )
        names = (f.rstrip("/").rsplit("/", 1)[-1] for f in folders)
        return sorted({m.group(1) for name in names if (m := PARTITION_RE.match(name))})

    # --- queries --------------------------------------------------------------------------------------
    @contextmanager
    def held(self, month: str, scope: str) -> Iterator[None]:
        """Nothing to hold: every query already reads only its month's partition of the table (the
        ``billing_period = ?`` filter prunes to it), and Athena keeps nothing in memory between queries."""
        yield

    def query(self, name: str, params: Mapping[str, Any]) -> pa.Table:
        import awswrangler as wr

        text = sql.for_athena(name, self._tables())
        values = [sql.literal(v) for v in sql.load(name).bind(params)]
        reuse = None
        if self.settings.max_cache_seconds > 0:
            minutes = max(1, math.ceil(self.settings.max_cache_seconds / 60))
            reuse = {"ResultReuseByAgeConfiguration": {"Enabled": True, "MaxAgeInMinutes": minutes}}
        qid = self._aws(
            lambda: wr.athena.start_query_execution(
                sql=text,
                database=self._db,
                workgroup=self.settings.workgroup,
                params=values or None,
                paramstyle="qmark",
                result_reuse_configuration=reuse,
                boto3_session=self._session,
            )
        )
        run = QueryRun(name, str(qid))
        self.runs.append(run)
        try:
            self._wait(run)
        except KeyboardInterrupt:
            wr.athena.stop_query_execution(run.query_id, boto3_session=self._session)
            run.state = "CANCELLED"
            raise
        frame = self._aws(
            lambda: wr.athena.get_query_results(
                query_execution_id=run.query_id, boto3_session=self._session, use_threads=False
            )
        )
        return _to_arrow(frame)

    def _wait(self, run: QueryRun) -> None:
        import awswrangler as wr

        delay = min(0.1, self._poll)
        while True:
            execution = self._aws(
                lambda: wr.athena.get_query_execution(run.query_id, boto3_session=self._session)
            )
            status = execution.get("Status", {})
            stats = execution.get("Statistics", {})
            run.state = status.get("State", run.state)
            run.bytes_scanned = int(stats.get("DataScannedInBytes") or 0)
            run.reused = bool(stats.get("ResultReuseInformation", {}).get("ReusedPreviousResult"))
            if self._on_progress:
                self._on_progress(
                    f"Athena {run.name}.sql {run.query_id} {run.state} · {run.bytes_scanned / 1e6:,.1f} MB scanned",
                    None,
                )
            if run.state in _TERMINAL:
                break
            time.sleep(delay)
            delay = min(delay * 2, self._poll)
        if run.state != "SUCCEEDED":
            reason = (
                status.get("StateChangeReason")
                or status.get("AthenaError", {}).get("ErrorMessage")
                or run.state
            )
            raise AthenaQueryError(f"Athena query {run.query_id} ({run.name}.sql) {run.state}: {reason}")

    def scan_summary(self) -> str:
        scanned = sum(r.bytes_scanned for r in self.runs)
        cost = sum((r.cost for r in self.runs), Decimal(0))
        reused = sum(1 for r in self.runs if r.reused)
        extra = f", {reused} reused" if reused else ""
        return (
            f"Athena: {len(self.runs)} queries{extra}, {scanned / 1e6:,.1f} MB scanned, "
            f"≈ ${cost:.4f} at ${USD_PER_TB_SCANNED}/TB"
        )

    def _aws(self, call: Callable[[], Any]) -> Any:
        """Run an AWS call; credential, permission and not-found errors become one line."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return call()
        except ClientError as e:
            err = e.response.get("Error", {})
            raise AthenaQueryError(f"AWS {err.get('Code', 'error')}: {err.get('Message', e)}") from e
        except BotoCoreError as e:
            raise AthenaQueryError(f"AWS: {e}") from e


def _to_arrow(frame: Any) -> pa.Table:
    """awswrangler's typed DataFrame (Decimal objects for DECIMAL) to Arrow, keeping decimals exact."""
    columns = {}
    for name in frame.columns:
        values = [None if _is_missing(v) else v for v in frame[name].tolist()]
        if any(isinstance(v, Decimal) for v in values):
            columns[name] = pa.array(values, pa.decimal128(38, 10))
        else:
            columns[name] = pa.array(values)
    return pa.table(columns)


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        import pandas as pd

        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
