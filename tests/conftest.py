from __future__ import annotations

import datetime as dt
import gzip
import json
import os
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import settings

# CI runs the property tests on a fixed sequence of examples, so a red build always names a real change;
# on a developer's machine they keep exploring new examples (and remember the failing ones).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo"
DEMO_EXPORT = DEMO / "cur2-bedrock"


@pytest.fixture(scope="session")
def demo_export() -> Path:
    return DEMO_EXPORT


@pytest.fixture(scope="session")
def ground_truth() -> dict:
    return json.loads((DEMO / "ground_truth.json").read_text(), parse_float=Decimal)


@pytest.fixture(scope="session")
def demo_engine():
    from cur_analyzer.engines.duckdb import DuckDBEngine

    return DuckDBEngine(DEMO_EXPORT)


def write_cur(folder: Path, lines: list[dict], month: str = "2026-10", drop: tuple[str, ...] = ()) -> Path:
    """A minimal CUR 2.0 export in the S3 layout from a list of line dicts (costs as Decimal)."""
    part = folder / "x" / "data" / f"BILLING_PERIOD={month}"
    part.mkdir(parents=True, exist_ok=True)
    n = len(lines)
    start = dt.datetime.strptime(month + "-01", "%Y-%m-%d")
    cols: dict[str, pa.Array] = {
        "bill_billing_period_start_date": pa.array([start] * n, pa.timestamp("ms")),
        "bill_invoice_id": pa.array(["INV-1"] * n),
        "line_item_usage_start_date": pa.array([start] * n, pa.timestamp("ms")),
        "line_item_usage_end_date": pa.array([start] * n, pa.timestamp("ms")),
        "line_item_usage_amount": pa.array([1.0] * n),
        "line_item_currency_code": pa.array(["USD"] * n),
        "line_item_usage_account_id": pa.array(["111122223333"] * n),
        "resource_tags": pa.array([[] for _ in range(n)], pa.map_(pa.string(), pa.string())),
        "tags": pa.array([[] for _ in range(n)], pa.map_(pa.string(), pa.string())),
        "line_item_iam_principal": pa.array([None] * n, pa.string()),
    }
    for key in lines[0]:
        values = [r[key] for r in lines]
        if key in ("tags", "resource_tags"):
            cols[key] = pa.array([list(v.items()) for v in values], pa.map_(pa.string(), pa.string()))
        elif key.endswith(("_cost", "_commitment", "_to_date", "_fee", "_for_billing_period")) or isinstance(
            values[0], Decimal
        ):
            cols[key] = pa.array([None if v is None else float(v) for v in values], pa.float64())
        else:
            cols[key] = pa.array(values, pa.string())
    for name in drop:
        cols.pop(name, None)
    pq.write_table(pa.table(cols), part / "x-00001.snappy.parquet")
    return folder / "x"


def team_line(cost, team=None, kind="Usage", currency="USD") -> dict:
    """A Bedrock line of user u, costing ``cost``, with the principal tag ``team`` (none when None)."""
    return {
        "line_item_line_item_type": kind,
        "line_item_product_code": "AmazonBedrock",
        "line_item_usage_type": "USE1-NovaPro-input-tokens",
        "line_item_unblended_cost": Decimal(cost),
        "line_item_iam_principal": "arn:aws:iam::111122223333:user/u",
        "line_item_currency_code": currency,
        "tags": {"iamPrincipal/team": team} if team else {},
    }


def log_record(
    when: str, account: str, model_id: str, input_tokens: int, principal: str, region: str = "us-east-1"
) -> dict:
    """One successful invocation-log record of ``input_tokens`` input tokens (and no output)."""
    return {
        "schemaType": "ModelInvocationLog",
        "timestamp": when,
        "accountId": account,
        "region": region,
        "requestId": f"r-{when}-{account}",
        "operation": "Converse",
        "modelId": model_id,
        "identity": {"arn": principal},
        "input": {"inputTokenCount": input_tokens},
        "output": {"outputTokenCount": 0},
    }


def write_log_files(folder: Path, records: list[dict]) -> Path:
    """Invocation logs in the S3 layout Bedrock writes (one file per record, under its account, region,
    day and hour)."""
    for i, r in enumerate(records):
        day, hour = r["timestamp"][:10], r["timestamp"][11:13]
        where = folder / "AWSLogs" / r["accountId"] / "BedrockModelInvocationLogs" / r["region"]
        where = where.joinpath(*day.split("-"), hour)
        where.mkdir(parents=True, exist_ok=True)
        with gzip.open(where / f"{i}.json.gz", "wt") as f:
            f.write(json.dumps(r) + "\n")
    return folder


@pytest.fixture
def make_cur(tmp_path) -> Callable[..., Path]:
    return lambda lines, **kw: write_cur(tmp_path, lines, **kw)


# --- a mocked S3 bucket holding the demo export's October partition (the pull tests) ----------------------
@pytest.fixture(scope="module")
def mocked_aws():
    """One moto for a test module (starting it costs about a second); each test gets a fresh bucket."""
    import boto3
    from moto import mock_aws

    with pytest.MonkeyPatch.context() as mp, mock_aws():
        for k, v in {
            "AWS_ACCESS_KEY_ID": "t",
            "AWS_SECRET_ACCESS_KEY": "t",
            "AWS_DEFAULT_REGION": "us-east-1",
        }.items():
            mp.setenv(k, v)
        yield boto3.Session(region_name="us-east-1")


@pytest.fixture
def s3(mocked_aws, demo_export):
    client = mocked_aws.client("s3")
    from mock_export_bucket import BUCKET, upload_month

    client.create_bucket(Bucket=BUCKET)
    upload_month(client, demo_export)
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for obj in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=obj["Key"])
    client.delete_bucket(Bucket=BUCKET)
