"""Does coverage read the month once, whatever the number of required keys, and hand Python only what it
shows (the top offenders and one "N more" row per kind and currency, not a row per principal or resource)?
And do Athena and DuckDB get the same keys, as one array parameter?"""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import boto3
import pytest
from mock_export_bucket import glue_cur_table_and_workgroup
from moto import mock_aws
from moto.athena.models import QueryResults, athena_backends

from cur_analyzer import sql
from cur_analyzer.attribution import is_a_value
from cur_analyzer.config import Settings
from cur_analyzer.engines.athena import AthenaEngine
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.reports.coverage import OFFENDER_KINDS, build_coverage, tag_coverage_params

ALICE = "arn:aws:iam::111122223333:user/alice"
BOB = "arn:aws:iam::111122223333:user/bob"
ACCOUNT, REGION = "123456789012", "us-east-1"


def line(cost, principal=ALICE, tags=None, kind="Usage"):
    return {
        "line_item_line_item_type": kind,
        "line_item_product_code": "AmazonBedrock",
        "line_item_usage_type": "USE1-NovaPro-input-tokens",
        "line_item_unblended_cost": Decimal(cost),
        "line_item_iam_principal": principal,
        "tags": tags or {},
    }


@pytest.mark.parametrize("keys", [["team"], ["team", "cost-center", "project"]])
def test_coverage_reads_the_months_cur_once_whatever_the_number_of_keys(keys):
    engine = DuckDBEngine("fixtures/demo/cur2-bedrock")
    cov = build_coverage(engine, "2026-10", keys)
    assert engine.cur_scans == 1
    assert {r.key for r in cov.totals()} == set(keys)


def test_python_gets_the_top_offenders_and_one_rest_row_per_kind_not_every_principal():
    engine = DuckDBEngine("fixtures/demo/cur2-bedrock")
    every = build_coverage(engine, "2026-10", ["cost-center"], top=1000)
    principals = sum(1 for o in every.untagged if o.kind == "principal")
    assert principals > 2

    received: list[dict] = []
    original = engine.query_rows
    with mock.patch.object(
        engine, "query_rows", side_effect=lambda n, p: received.extend(rows := original(n, p)) or rows
    ):
        top = build_coverage(engine, "2026-10", ["cost-center"], top=1)
    offenders = [r for r in received if r["part"] == "offender"]
    assert len(offenders) <= len(OFFENDER_KINDS)
    rest = [r for r in received if r["part"] == "not-listed" and r["kind"] == "principal"]
    assert [r["offenders"] for r in rest] == [principals - 1]
    # the ranking in SQL keeps the same offender the full list puts first
    first = next(o for o in every.untagged if o.kind == "principal")
    assert [o for o in top.untagged if o.kind == "principal"] == [first]


def test_a_value_of_only_whitespace_tags_nothing_as_in_chargeback(make_cur):
    export = make_cur(
        [
            line("1", tags={"iamPrincipal/team": "ml"}),
            line("2", BOB, tags={"iamPrincipal/team": " \u00a0\u3000"}),
        ]
    )
    cov = build_coverage(DuckDBEngine(export), "2026-10", ["team"])
    (any_row,) = [r for r in cov.totals() if r.source == "any"]
    assert (any_row.tagged, any_row.total) == (Decimal(1), Decimal(3))
    assert {(o.id, o.uncovered) for o in cov.untagged} == {(BOB, Decimal(2))}


def test_the_sql_says_a_value_names_something_exactly_when_python_does():
    import duckdb

    every_space = [chr(c) for c in range(0x110000) if chr(c).isspace()]
    values = ["", "ml", " ml ", "\u200b", *every_space, *(s + "x" for s in every_space), "".join(every_space)]
    pattern = sql.load_fragment_text("names_something")
    got = duckdb.sql(
        f"SELECT COALESCE(regexp_matches(v, {pattern}), false) FROM unnest(?) AS t(v)",  # noqa: S608
        params=[values],
    ).fetchall()
    assert [g for (g,) in got] == [is_a_value(v) for v in values]


# --- Athena: the keys as one ARRAY execution parameter ---------------------------------------------------
@pytest.fixture
def aws(monkeypatch):
    for k, v in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(k, v)
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in ("cur-bucket", "athena-results"):
            s3.create_bucket(Bucket=bucket)
        glue_cur_table_and_workgroup(REGION, "s3://cur-bucket/exports/cur2-bedrock/data/", enforce=True)
        yield


def queue(table) -> None:
    """Queue an Arrow table as the next canned Athena result."""
    kinds = {"string": "varchar", "int64": "bigint", "bool": "boolean"}
    cols = []
    for f in table.schema:
        t = str(f.type)
        decimal = t.startswith("decimal")
        cols.append(
            {
                "Name": f.name,
                "Type": "decimal" if decimal else kinds.get(t, "varchar"),
                **({"Precision": 38, "Scale": 10} if decimal else {}),
            }
        )
    rows = [{"Data": [{"VarCharValue": c["Name"]} for c in cols]}]
    for rec in table.to_pylist():
        cells = [{} if rec[c["Name"]] is None else {"VarCharValue": str(rec[c["Name"]])} for c in cols]
        rows.append({"Data": cells})
    athena_backends[ACCOUNT][REGION].query_results_queue.append(QueryResults(rows=rows, column_info=cols))


def test_athena_gets_every_key_as_one_array_and_gives_the_same_coverage(aws, make_cur):
    assert sql.literal(["team", "o'brien"]) == "ARRAY['team', 'o''brien']"
    local = DuckDBEngine(
        make_cur([line("1", tags={"iamPrincipal/team": "ml"}), line("2", BOB), line("0.5", None, kind="Tax")])
    )
    keys = ["team", "cost-center"]
    expected = build_coverage(local, "2026-10", keys)
    settings = Settings(engine="athena", region=REGION, workgroup="finops", database="finops", table="cur2")
    remote = AthenaEngine(settings, boto3_session=boto3.Session(region_name=REGION), poll_seconds=0.01)
    with mock.patch.object(remote, "months", return_value=["2026-10"]):
        queue(local.query("tag_coverage", tag_coverage_params(keys, "2026-10", "bedrock", "unblended")))
        got = build_coverage(remote, "2026-10", keys)
    (run,) = athena_backends[ACCOUNT][REGION].executions.values()
    assert "ARRAY['team', 'cost-center']" in run.execution_parameters
    assert "ARRAY['user_team', 'user_cost_center']" in run.execution_parameters
    assert got.rows == expected.rows and got.untagged == expected.untagged
    assert got.adjustments == expected.adjustments == {"USD": Decimal("0.5")}
