"""The scale-out engine: the same ``athena/*.sql`` run in Amazon Athena through awswrangler.

The data stays in S3; each query shows a spinner with its id and bytes scanned, Ctrl-C stops it in
Athena (StopQueryExecution), throttling is retried by botocore's adaptive retry mode, and a failure is one
line with Athena's own message and the query id. Result reuse is Athena's server-side
``ResultReuseByAgeConfiguration``: awswrangler's client-side cache matches on SQL text alone, and our
SQL text is the same for every month and tag key because those are parameters (only the file paths of a
month's manifest, below, are written into it).

A month whose partition has a Data Exports manifest is read as the manifest lists it: Athena reads every
object under a partition, so a file an earlier refresh left there would double the month. The engine
finds the manifest beside the Glue table's ``data/`` folder, checks it as the DuckDB engine checks a local
one (``_manifest``), and reads the CUR table through ``(SELECT * FROM <table> WHERE "$path" IN (...))``:
the paths are written in as quoted SQL literals (an execution parameter may hold at most 1,024 characters,
an S3 URI more), built from the table's own location and each name's partition, so a name is only ever a
string to compare. Without a manifest the SQL is the plain query over the table.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pyarrow as pa

from cur_analyzer import schema, sql
from cur_analyzer.engines._manifest import (
    MANIFEST_MAX_BYTES,
    left_out_note,
    listed_names,
    manifest_from_bytes,
    missing_files_error,
    pick_manifest,
)
from cur_analyzer.engines.aws import session_for
from cur_analyzer.errors import UserInputError, aws_setup_error
from cur_analyzer.period import PARTITION_RE
from cur_analyzer.text import shown

#: Athena's on-demand price per TB scanned (us-east-1 and most regions), and its 10 MB minimum per query.
USD_PER_TB_SCANNED = Decimal(5)
MIN_BYTES_BILLED = 10 * 1024 * 1024
_TERMINAL = {"SUCCEEDED", "FAILED", "CANCELLED"}
#: A month that can name a partition; any other value is only ever a parameter (it matches no partition).
_MONTH_RE = re.compile(r"^\d{4}-\d{2}$")
#: Stands in for the CUR table in generated SQL until the manifest's subquery replaces it.
_CUR_MARKER = "cur_analyzer_files_of_the_manifest"


class AthenaQueryError(UserInputError):
    """Athena refused or failed a query; the message carries Athena's reason and the query id."""


@dataclass(frozen=True)
class _MonthInS3:
    """Where one billing period of the export sits in S3, as key prefixes in its bucket."""

    bucket: str
    export: str
    partition: str
    data: str
    metadata: str

    @classmethod
    def of(cls, location: str, month: str) -> _MonthInS3 | None:
        """From the Glue table's location, ``s3://<bucket>/<prefix>/<export>/data/``; None when the
        location is not laid out as Data Exports writes (no manifest can be found beside it)."""
        if not location.startswith("s3://"):
            return None
        bucket, _, prefix = location.removeprefix("s3://").partition("/")
        root, _, last = prefix.strip("/").rpartition("/")
        if last != "data":
            return None
        base = f"{root}/" if root else ""
        partition = f"BILLING_PERIOD={month}"
        export = root.rsplit("/", 1)[-1] or bucket
        return cls(bucket, export, partition, f"{base}data/{partition}/", f"{base}metadata/{partition}/")

    def uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"


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
        self._location: str | None = None
        self._s3: Any = None
        #: per month, the ``"$path"`` of each file its manifest lists (None: no manifest, read them all)
        self._manifest_paths: dict[str, tuple[str, ...] | None] = {}

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

    def _table_location(self) -> str:
        import awswrangler as wr

        if self._location is None:
            self._location = self._aws(
                lambda: wr.catalog.get_table_location(
                    database=self._db, table=self._table, boto3_session=self._session
                )
            )
        return self._location

    def months(self) -> list[str]:
        import awswrangler as wr

        location = self._table_location()
        folders = self._aws(
            lambda: wr.s3.list_directories(location.rstrip("/") + "/", boto3_session=self._session)
        )
        names = (f.rstrip("/").rsplit("/", 1)[-1] for f in folders)
        return sorted({m.group(1) for name in names if (m := PARTITION_RE.match(name))})

    # --- queries --------------------------------------------------------------------------------------
    @contextmanager
    def held(self, month: str, scope: str) -> Iterator[None]:
        """Nothing to hold: every query already reads only its month's partition of the table (the
        ``billing_period = ?`` filter prunes to it, the manifest's files restrict it), and Athena keeps
        nothing in memory between queries."""
        yield

    def query(self, name: str, params: Mapping[str, Any]) -> pa.Table:
        import awswrangler as wr

        text = self._text(name, params)
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

    # --- the month's manifest -------------------------------------------------------------------------
    def _text(self, name: str, params: Mapping[str, Any]) -> str:
        """The query's SQL, the CUR table read only through its month's manifest's files when it has one."""
        month = params.get("month")
        if schema.CUR_TABLE in sql.tables_of(name) and isinstance(month, str):
            paths = self._files_of(month)
            if paths is not None:
                return _restricted_sql(name, self._tables(), paths)
        return sql.for_athena(name, self._tables())

    def _files_of(self, month: str) -> tuple[str, ...] | None:
        """The ``"$path"`` of each file the month's manifest lists (None without one), read once a month."""
        if month not in self._manifest_paths:
            where = _MonthInS3.of(self._table_location(), month) if _MONTH_RE.match(month) else None
            self._manifest_paths[month] = self._listed_paths(where) if where else None
        return self._manifest_paths[month]

    def _listed_paths(self, at: _MonthInS3) -> tuple[str, ...] | None:
        """The files of the month's manifest, checked against its partition (one listing of each
        prefix); the files the manifest does not list are named in a note."""
        names = [k.removeprefix(at.metadata) for k in self._keys(at.bucket, at.metadata, "/")]
        chosen = pick_manifest(at.uri(at.metadata), at.export, names)
        if chosen is None:
            return None
        manifest = at.uri(at.metadata + chosen)
        data = manifest_from_bytes(self._fetch(at.bucket, at.metadata + chosen), manifest)
        listed = listed_names(data, manifest, at.partition)
        present = {k.removeprefix(at.data) for k in self._keys(at.bucket, at.data) if not k.endswith("/")}
        if missing := sorted(listed - present):
            remedy = "Data Exports may be rewriting the month: run again once its refresh has finished"
            raise missing_files_error(at.uri(at.data), chosen, missing, remedy)
        if not listed:
            raise UserInputError(f"CUR data {shown(at.uri(at.data))}: its manifest {chosen} lists no files")
        if ignored := sorted(present - listed):
            self._notes.append(left_out_note(at.partition, ignored, "file(s)"))
        return tuple(at.uri(at.data + n) for n in sorted(listed))

    def _s3_client(self) -> Any:
        if self._s3 is None:
            self._s3 = self._session.client("s3", config=_botocore_config())
        return self._s3

    def _keys(self, bucket: str, prefix: str, delimiter: str | None = None) -> list[str]:
        """The keys under a prefix (only those directly in it with ``delimiter="/"``)."""
        extra = {"Delimiter": delimiter} if delimiter else {}

        def listing() -> list[str]:
            pages = (
                self._s3_client()
                .get_paginator("list_objects_v2")
                .paginate(Bucket=bucket, Prefix=prefix, **extra)
            )
            return [o["Key"] for page in pages for o in page.get("Contents", [])]

        return self._aws(listing)

    def _fetch(self, bucket: str, key: str) -> bytes:
        """An object's bytes, never more than one past the manifest cap (the rest is not fetched)."""

        def read() -> bytes:
            body = self._s3_client().get_object(Bucket=bucket, Key=key)["Body"]
            try:
                return body.read(MANIFEST_MAX_BYTES + 1)
            finally:
                body.close()

        return self._aws(read)

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
            raise aws_setup_error(e) from e


def _restricted_sql(name: str, tables: Mapping[str, tuple[str, str]], paths: tuple[str, ...]) -> str:
    """The query with the CUR table replaced by the subquery reading only ``paths``, each written as a
    quoted SQL literal (a quote doubles; no other character ends an Athena string)."""
    import sqlglot
    from sqlglot import exp

    db, table = tables[schema.CUR_TABLE]
    marked = sqlglot.parse_one(
        sql.for_athena(name, {**tables, schema.CUR_TABLE: (db, _CUR_MARKER)}), read="athena"
    )
    for node in marked.find_all(exp.Table):
        if node.name == _CUR_MARKER:
            node.set("db", None)
            if not node.alias:  # the query's columns may be qualified by the logical name
                node.set("alias", exp.TableAlias(this=exp.to_identifier(schema.CUR_TABLE, quoted=True)))
    listed = ", ".join(sql.literal(p) for p in paths)
    # db and table are checked names ([a-z0-9_]); every path is a quoted literal
    files = f'(SELECT * FROM "{db}"."{table}" WHERE "$path" IN ({listed}))'  # noqa: S608
    return marked.sql(dialect="athena").replace(f'"{_CUR_MARKER}"', files)


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
