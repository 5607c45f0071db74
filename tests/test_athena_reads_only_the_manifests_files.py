"""Athena reads a month as its Data Exports manifest lists it: a file an earlier refresh left in the partition
is not read (Athena reads every object under a partition otherwise) and is named in the notes. moto plays S3,
Glue and Athena; what is proven is the SQL sent to Athena, parsed back."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
import sqlglot
from mock_aws_athena import athena_engine, executions, mocked_athena, queue_result
from sqlglot import exp

from cur_analyzer import schema, sql
from cur_analyzer.engines.athena import AthenaEngine
from cur_analyzer.errors import UserInputError

BUCKET, ROOT = "cur-bucket", "exports/cur2-bedrock"
MONTH, PART = "2026-10", "BILLING_PERIOD=2026-10"
LEGIT = "cur2-bedrock-00001.snappy.parquet"
STALE = "cur2-bedrock-00001-refresh-1.snappy.parquet"
MANIFEST_KEY = f"{ROOT}/metadata/{PART}/cur2-bedrock-Manifest.json"
STATUS = pa.table({"lines": [3], "invoiced_lines": [3], "first_usage": [None], "last_usage": [None]})


def path_of(name: str) -> str:
    """The ``"$path"`` Athena gives a file of the month's partition."""
    return f"s3://{BUCKET}/{ROOT}/data/{PART}/{name}"


@pytest.fixture
def s3(monkeypatch):
    """A bucket holding the export's October partition (one data file), its Glue table and a workgroup."""
    with mocked_athena(monkeypatch) as client:
        client.put_object(Bucket=BUCKET, Key=f"{ROOT}/data/{PART}/{LEGIT}", Body=b"PAR1")
        yield client


def put_file(s3, name: str) -> None:
    s3.put_object(Bucket=BUCKET, Key=f"{ROOT}/data/{PART}/{name}", Body=b"PAR1")


def put_manifest(s3, names: list[str] | None = None, body: bytes | None = None) -> None:
    """The month's manifest as Data Exports writes it, listing ``names`` (or holding ``body`` as it is)."""
    if body is None:
        uris = [path_of(n) for n in names or []]
        body = json.dumps({"executionId": "e-1", "dataFiles": uris, "columns": []}).encode()
    s3.put_object(Bucket=BUCKET, Key=MANIFEST_KEY, Body=body)


def sent_sql(engine: AthenaEngine, name: str = "month_status") -> str:
    """The SQL text Athena received for one query of October."""
    queue_result(STATUS)
    engine.query(name, {"month": MONTH})
    return executions()[-1].query


def files_read(text: str) -> list[str]:
    """The paths the one ``"$path" IN (...)`` restriction of the query lets Athena read."""
    (statement,) = sqlglot.parse(text, read="athena")
    (restriction,) = [i for i in statement.find_all(exp.In) if i.this.name == "$path"]
    return [lit.this for lit in restriction.expressions]


def test_october_on_athena_reads_only_the_files_its_manifest_lists(s3):
    put_file(s3, STALE)
    put_manifest(s3, [LEGIT])
    text = sent_sql(athena_engine())
    assert files_read(text) == [path_of(LEGIT)]
    assert 'FROM "finops"."cur2" WHERE "$path" IN' in text and "billing_period = ?" in text


def test_a_stale_file_left_in_the_partition_is_named_in_the_notes(s3):
    put_file(s3, STALE)
    put_manifest(s3, [LEGIT])
    engine = athena_engine()
    sent_sql(engine)
    (note,) = [n for n in engine.notes if "manifest" in n]
    assert f"{PART}: 1 file(s) not listed" in note and STALE in note


def test_a_hostile_key_the_manifest_lists_stays_one_string_of_the_sql(s3):
    hostile = "x'); DROP TABLE finops.cur2; --\n' OR '1'='1 ?.parquet"
    put_file(s3, hostile)
    put_manifest(s3, [LEGIT, hostile])
    text = sent_sql(athena_engine())
    assert sorted(files_read(text)) == sorted([path_of(LEGIT), path_of(hostile)])
    assert "DROP" not in {t.text.upper() for t in sqlglot.tokenize(text, read="athena")}


def test_without_a_manifest_the_sql_is_the_plain_query_over_the_table(s3):
    put_file(s3, STALE)
    engine = athena_engine()
    tables = {schema.CUR_TABLE: ("finops", "cur2"), schema.LOGS_TABLE: ("finops", "bedrock_invocation_logs")}
    assert sent_sql(engine) == sql.for_athena("month_status", tables)
    assert not [n for n in engine.notes if "manifest" in n]


def test_the_manifest_is_read_once_per_month(s3):
    put_file(s3, STALE)
    put_manifest(s3, [LEGIT])
    engine = athena_engine()
    first = sent_sql(engine)
    s3.delete_object(Bucket=BUCKET, Key=MANIFEST_KEY)
    assert sent_sql(engine) == first
    assert len([n for n in engine.notes if "manifest" in n]) == 1


def test_a_manifest_that_is_not_one_is_one_clear_error(s3):
    put_manifest(s3, body=json.dumps({"dataFiles": LEGIT}).encode())
    with pytest.raises(UserInputError, match="dataFiles must be a list of S3 URIs") as caught:
        sent_sql(athena_engine())
    assert MANIFEST_KEY in str(caught.value) and "\n" not in str(caught.value)
    put_manifest(s3, body=b"{not json")
    with pytest.raises(UserInputError, match=r"Manifest.json:1:2: not valid JSON"):
        sent_sql(athena_engine())
    put_manifest(s3, body=b" " * (16 * 1024 * 1024 + 1))
    with pytest.raises(UserInputError, match="over the 16.0 MiB"):
        sent_sql(athena_engine())


def test_a_listed_file_outside_the_partition_is_refused_by_name(s3):
    outside = f"s3://{BUCKET}/elsewhere/secret.parquet"
    put_manifest(s3, body=json.dumps({"dataFiles": [path_of(LEGIT), outside]}).encode())
    with pytest.raises(UserInputError, match=f"the data file {outside} is not in the export's data/{PART}/"):
        sent_sql(athena_engine())


def test_a_listed_file_missing_from_s3_is_an_error_not_a_smaller_month(s3):
    put_manifest(s3, [LEGIT, "cur2-bedrock-00002.snappy.parquet"])
    with pytest.raises(UserInputError, match=r"1 data file\(s\) its manifest .* lists are missing"):
        sent_sql(athena_engine())
