"""The mocked AWS of the Athena tests: moto plays S3, Glue and Athena. ``mocked_athena`` opens the export's
bucket, the results bucket, the Glue table ``finops.cur2`` over the export's data and the workgroup
``finops``; ``queue_result`` hands Athena its next canned result (the SQL itself is proven on DuckDB);
``athena_engine`` is the engine over them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from mock_export_bucket import BUCKET, PREFIX, glue_cur_table_and_workgroup
from moto import mock_aws
from moto.athena.models import QueryResults, athena_backends

from cur_analyzer.config import Settings
from cur_analyzer.engines.athena import AthenaEngine

ACCOUNT, REGION = "123456789012", "us-east-1"
#: where the Glue table's data is: the export's ``data/`` folder
DATA = f"s3://{BUCKET}/{PREFIX}data/"


@contextmanager
def mocked_athena(monkeypatch: pytest.MonkeyPatch, *, enforce: bool = False) -> Iterator[Any]:
    """moto with the export's bucket (empty), the results bucket, the Glue table and the workgroup (which
    imposes its own result location when ``enforce``); yields the S3 client to put the export's files."""
    for k, v in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(k, v)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in (BUCKET, "athena-results"):
            s3.create_bucket(Bucket=bucket)
        glue_cur_table_and_workgroup(REGION, DATA, enforce=enforce)
        yield s3


def athena_engine(**settings: Any) -> AthenaEngine:
    """The Athena engine on the mocked workgroup and Glue table (``settings`` override the defaults)."""
    defaults = {
        "engine": "athena",
        "region": REGION,
        "workgroup": "finops",
        "database": "finops",
        "table": "cur2",
    }
    return AthenaEngine(
        Settings(**(defaults | settings)), boto3_session=boto3.Session(region_name=REGION), poll_seconds=0.01
    )


_ATHENA_TYPES = {"string": "varchar", "int64": "bigint", "double": "double", "bool": "boolean"}


def queue_result(table) -> None:
    """Queue an Arrow table as Athena's next canned result (header row first, {} for NULL)."""
    cols = []
    for f in table.schema:
        t = str(f.type)
        decimal = t.startswith("decimal")
        cols.append(
            {
                "Name": f.name,
                "Type": "decimal" if decimal else _ATHENA_TYPES.get(t, "varchar"),
                **({"Precision": 38, "Scale": 10} if decimal else {}),
            }
        )
    rows = [{"Data": [{"VarCharValue": c["Name"]} for c in cols]}]
    for rec in table.to_pylist():
        rows.append(
            {"Data": [{} if rec[c["Name"]] is None else {"VarCharValue": str(rec[c["Name"]])} for c in cols]}
        )
    athena_backends[ACCOUNT][REGION].query_results_queue.append(QueryResults(rows=rows, column_info=cols))


def executions() -> list:
    """The queries Athena was sent, first first."""
    return list(athena_backends[ACCOUNT][REGION].executions.values())
