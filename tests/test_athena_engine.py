"""The Athena path, offline: moto plays S3, Glue and Athena (canned results, the SQL itself is proven on
DuckDB). Proves the plumbing: Glue names, months from S3, parameters, result types, scan cost, failures,
Ctrl-C, and that the engine choice never changes a number."""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import boto3
import pytest
from mock_aws_athena import REGION, athena_engine, executions, mocked_athena, queue_result

from cur_analyzer.engines.athena import AthenaQueryError
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.errors import UserInputError
from cur_analyzer.reports.chargeback import build_chargeback
from cur_analyzer.sql import literal as athena_literal


@pytest.fixture
def aws(monkeypatch):
    """The mocked Athena, with October and November in the export's bucket."""
    with mocked_athena(monkeypatch, enforce=True) as s3:
        for month in ("2026-10", "2026-11"):
            s3.put_object(
                Bucket="cur-bucket",
                Key=f"exports/cur2-bedrock/data/BILLING_PERIOD={month}/x-00001.snappy.parquet",
                Body=b"PAR1",
            )
        yield


def test_months_come_from_the_billing_period_folders_in_s3(aws):
    assert athena_engine().months() == ["2026-10", "2026-11"]


def test_capabilities_come_from_the_glue_table(aws):
    caps = athena_engine().capabilities()
    assert caps.iam_principal and caps.tags and caps.net


def test_a_missing_glue_table_says_how_to_create_it(aws):
    with pytest.raises(UserInputError, match="CUR_ANALYZER_TABLE"):
        athena_engine(table="nope").capabilities()


def test_user_values_travel_as_execution_parameters_not_sql_text(aws):
    import pyarrow as pa

    queue_result(pa.table({"lines": [3], "invoiced_lines": [3], "first_usage": [None], "last_usage": [None]}))
    e = athena_engine()
    e.query("month_status", {"month": "2026-10' OR '1'='1"})
    (run,) = executions()
    assert run.execution_parameters == ["'2026-10'' OR ''1''=''1'"]
    assert "2026-10" not in run.query
    assert '"finops"."cur2"' in run.query and "billing_period = ?" in run.query


def test_a_held_month_on_athena_still_sends_every_query_to_its_partition(aws):
    """Athena keeps nothing between queries: holding a month changes nothing, each query prunes to it."""
    import pyarrow as pa

    status = pa.table({"lines": [3], "invoiced_lines": [3], "first_usage": [None], "last_usage": [None]})
    e = athena_engine()
    with e.held("2026-10", "bedrock"):
        for month in ("2026-10", "2026-11"):
            queue_result(status)
            assert e.query("month_status", {"month": month}).column("lines").to_pylist() == [3]
    assert [run.execution_parameters for run in executions()] == [["'2026-10'"], ["'2026-11'"]]


def test_athena_literals_quote_strings_and_spell_booleans():
    assert athena_literal("O'Brien") == "'O''Brien'"
    assert athena_literal(True) == "true" and athena_literal(False) == "false"
    assert athena_literal(Decimal("1.5")) == "1.5"
    assert athena_literal(None) == "NULL"


def test_the_duckdb_and_athena_engines_give_the_same_chargeback(aws, make_cur):
    alice = "arn:aws:iam::111122223333:user/alice"
    lines = [
        {
            "line_item_line_item_type": t,
            "line_item_product_code": "AmazonBedrock",
            "line_item_usage_type": "USE1-NovaPro-input-tokens",
            "line_item_unblended_cost": Decimal(c),
            "line_item_iam_principal": p,
            "tags": {"iamPrincipal/team": "ml"} if p else {},
        }
        for t, c, p in [("Usage", "1.23456789", alice), ("Usage", "2.5", None), ("Tax", "0.31", None)]
    ]
    local = DuckDBEngine(make_cur(lines))
    params = dict(by=["principal", "iamPrincipal/team"], service="bedrock", cost_basis="unblended")
    expected = build_chargeback(local, "2026-10", **params)

    remote = athena_engine()
    with mock.patch.object(remote, "months", return_value=["2026-10"]):
        recorded = []
        original = local.query
        local.query = lambda name, p: recorded.append(t := original(name, p)) or t  # type: ignore[method-assign]
        local.query_rows = lambda name, p: local.query(name, p).to_pylist()  # type: ignore[method-assign]
        build_chargeback(local, "2026-10", **params)
        for table in recorded:
            queue_result(table)
        got = build_chargeback(remote, "2026-10", **params)
    assert got.rows == expected.rows and got.adjustments == expected.adjustments
    assert got.totals() == expected.totals() == {"USD": Decimal("4.04456789")}
    assert "scanned" in remote.scan_summary()


def test_a_failed_query_is_one_line_with_athenas_reason_and_the_query_id(aws):
    e = athena_engine()
    failed = {
        "Status": {
            "State": "FAILED",
            "StateChangeReason": "TABLE_NOT_FOUND: line 1:8: Table 'finops.cur2' does not exist",
        },
        "Statistics": {},
    }
    with mock.patch("awswrangler.athena.get_query_execution", return_value=failed):
        with pytest.raises(AthenaQueryError) as err:
            e.query("month_status", {"month": "2026-10"})
    (run,) = executions()
    assert run.id in str(err.value) and "TABLE_NOT_FOUND" in str(err.value)
    assert "\n" not in str(err.value)


def test_ctrl_c_stops_the_query_in_athena(aws):
    e = athena_engine()
    with mock.patch("awswrangler.athena.get_query_execution", side_effect=KeyboardInterrupt):
        with pytest.raises(KeyboardInterrupt):
            e.query("month_status", {"month": "2026-10"})
    (run,) = executions()
    assert run.status == "CANCELLED"


def test_the_scan_cost_uses_athenas_price_and_ten_megabyte_minimum(aws):
    import pyarrow as pa

    queue_result(pa.table({"lines": [1], "invoiced_lines": [1], "first_usage": [None], "last_usage": [None]}))
    e = athena_engine()
    scanned = {"Status": {"State": "SUCCEEDED"}, "Statistics": {"DataScannedInBytes": 2 * 10**12}}
    real = __import__("awswrangler").athena.get_query_execution
    with mock.patch(
        "awswrangler.athena.get_query_execution", side_effect=lambda qid, **kw: real(qid, **kw) | scanned
    ):
        e.query("month_status", {"month": "2026-10"})
    assert e.runs[0].cost == Decimal(10)
    assert "$10.0000" in e.scan_summary()


def test_result_reuse_is_asked_of_athena_not_of_a_client_side_text_cache(aws):
    import pyarrow as pa

    queue_result(pa.table({"lines": [1], "invoiced_lines": [1], "first_usage": [None], "last_usage": [None]}))
    with mock.patch(
        "awswrangler.athena.start_query_execution",
        wraps=__import__("awswrangler").athena.start_query_execution,
    ) as start:
        athena_engine(max_cache_seconds=3600).query("month_status", {"month": "2026-10"})
    kwargs = start.call_args.kwargs
    assert kwargs["result_reuse_configuration"] == {
        "ResultReuseByAgeConfiguration": {"Enabled": True, "MaxAgeInMinutes": 60}
    }
    assert "athena_cache_settings" not in kwargs


def test_throttling_is_retried_with_backoff():
    """A local HTTP endpoint answers ThrottlingException twice, then succeeds: botocore retries
    (Stubber would bypass the retry handler, so this uses a real socket on 127.0.0.1)."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from cur_analyzer.engines.athena import _botocore_config

    calls = []

    class Throttling(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            self.rfile.read(int(self.headers["Content-Length"]))
            calls.append(self.headers["X-Amz-Target"])
            throttled = len(calls) <= 2
            body = (
                {"__type": "ThrottlingException", "message": "Rate exceeded"}
                if throttled
                else {"WorkGroup": {"Name": "finops"}}
            )
            payload = json.dumps(body).encode()
            self.send_response(400 if throttled else 200)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Throttling)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        client = boto3.client(
            "athena",
            region_name=REGION,
            config=_botocore_config(),
            endpoint_url=f"http://127.0.0.1:{server.server_port}",
            aws_access_key_id="x",
            aws_secret_access_key="x",
        )
        assert client.get_work_group(WorkGroup="finops")["WorkGroup"]["Name"] == "finops"
    finally:
        server.shutdown()
    assert calls == ["AmazonAthena.GetWorkGroup"] * 3


def test_the_duckdb_and_athena_engines_give_the_same_estimate(aws):
    from cur_analyzer.bedrock.models import ProfileMap
    from cur_analyzer.reports.estimate import build_estimate

    profiles = ProfileMap.load("fixtures/demo/inference-profiles.json")
    local = DuckDBEngine(logs="fixtures/demo/logs")
    recorded = []
    original = local.query
    local.query = lambda name, p: recorded.append(t := original(name, p)) or t  # type: ignore[method-assign]
    local.query_rows = lambda name, p: local.query(name, p).to_pylist()  # type: ignore[method-assign]
    expected = build_estimate(local, "2026-10", "models", profiles=profiles)
    for table in recorded:
        queue_result(table)
    got = build_estimate(athena_engine(), "2026-10", "models", profiles=profiles)
    assert got.rows == expected.rows and got.total == expected.total
    queries = [e.query for e in executions()]
    assert any('"finops"."bedrock_invocation_logs"' in q for q in queries)


def test_application_profiles_can_be_resolved_live_from_bedrock():
    from botocore.stub import Stubber

    from cur_analyzer.bedrock.models import ProfileMap, resolve

    arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abcdefghijkl"
    client = boto3.client("bedrock", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(client) as stub:
        stub.add_response(
            "list_inference_profiles",
            {
                "inferenceProfileSummaries": [
                    {
                        "inferenceProfileName": "chat",
                        "inferenceProfileArn": arn,
                        "inferenceProfileId": "abcdefghijkl",
                        "models": [
                            {"modelArn": "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"}
                        ],
                        "status": "ACTIVE",
                        "type": "APPLICATION",
                    }
                ]
            },
            {"typeEquals": "APPLICATION"},
        )
        profiles = ProfileMap.from_aws(client)
    resolved = resolve(arn, profiles)
    assert (
        resolved.model is not None
        and resolved.model.price_key == "nova-pro"
        and resolved.scope == "in_region"
    )
