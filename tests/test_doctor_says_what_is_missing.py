"""`doctor` checks a set-up end to end and says what is missing, each with its fix. AWS services moto
lacks (bcm-data-exports, CE cost-allocation tags) are played by botocore's Stubber."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws
from typer.testing import CliRunner

from cur_analyzer import doctor
from cur_analyzer.cli import app
from cur_analyzer.engines.duckdb import DuckDBEngine

EXPORT_ARN = "arn:aws:bcm-data-exports:us-east-1:123456789012:export/cur2-bedrock-1234"
LINE = {
    "line_item_line_item_type": "Usage",
    "line_item_product_code": "AmazonBedrock",
    "line_item_usage_type": "USE1-NovaPro-input-tokens",
    "line_item_unblended_cost": Decimal("1"),
    "line_item_iam_principal": "arn:aws:iam::111122223333:user/alice",
    "tags": {"iamPrincipal/team": "ml"},
}


def status(findings, check):
    (f,) = [f for f in findings if f.check == check]
    return f


def exports_client(iam="TRUE", code="HEALTHY", name="cur2-bedrock"):
    client = boto3.client(
        "bcm-data-exports", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
    )
    stub = Stubber(client)
    stub.add_response(
        "list_exports",
        {"Exports": [{"ExportArn": EXPORT_ARN, "ExportName": name, "ExportStatus": {"StatusCode": code}}]},
    )
    stub.add_response(
        "get_export",
        {
            "Export": {
                "ExportArn": EXPORT_ARN,
                "Name": name,
                "DataQuery": {
                    "QueryStatement": "SELECT identity_line_item_id FROM COST_AND_USAGE_REPORT",
                    "TableConfigurations": {"COST_AND_USAGE_REPORT": {"INCLUDE_IAM_PRINCIPAL_DATA": iam}},
                },
                "DestinationConfigurations": {
                    "S3Destination": {
                        "S3Bucket": "cur-bucket",
                        "S3Prefix": "exports",
                        "S3Region": "us-east-1",
                        "S3OutputConfigurations": {
                            "OutputType": "CUSTOM",
                            "Format": "PARQUET",
                            "Compression": "PARQUET",
                            "Overwrite": "OVERWRITE_REPORT",
                        },
                    }
                },
                "RefreshCadence": {"Frequency": "SYNCHRONOUS"},
            },
            "ExportStatus": {
                "StatusCode": code,
                **({"StatusReason": "BILL_OWNER_CHANGED"} if code != "HEALTHY" else {}),
            },
        },
        {"ExportArn": EXPORT_ARN},
    )
    stub.activate()
    return client


LOCATION = "s3://cur-bucket/exports/cur2-bedrock/data/"


def test_a_healthy_export_with_the_iam_option_passes():
    findings = doctor.check_export(exports_client(), None, LOCATION)
    assert status(findings, "data export").status == "ok"
    assert status(findings, "IAM principal option").status == "ok"


def test_an_export_without_the_iam_option_names_the_console_label():
    f = status(doctor.check_export(exports_client(iam="FALSE"), None, LOCATION), "IAM principal option")
    assert f.status == "fail" and "Include caller identity (IAM principal) allocation data" in f.fix


def test_an_unhealthy_export_points_at_the_bucket_policy():
    f = status(doctor.check_export(exports_client(code="UNHEALTHY"), None, LOCATION), "data export")
    assert f.status == "fail" and "BILL_OWNER_CHANGED" in f.detail and "bucket policy" in f.fix


def test_no_export_delivering_to_the_table_location_is_a_failure_with_the_terraform_fix():
    f = status(doctor.check_export(exports_client(), None, "s3://other/place/data/"), "data export")
    assert f.status == "fail" and "terraform" in f.fix


def test_activated_tag_keys_follow_every_page():
    ce = boto3.client("ce", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(ce) as stub:
        stub.add_response(
            "list_cost_allocation_tags",
            {
                "CostAllocationTags": [
                    {"TagKey": "iamPrincipal/team", "Type": "UserDefined", "Status": "Active"}
                ],
                "NextToken": "n",
            },
            {"Status": "Active", "MaxResults": 1000},
        )
        stub.add_response(
            "list_cost_allocation_tags",
            {"CostAllocationTags": [{"TagKey": "team", "Type": "UserDefined", "Status": "Active"}]},
            {"Status": "Active", "MaxResults": 1000, "NextToken": "n"},
        )
        assert doctor.activated_tag_keys(ce) == {"iamPrincipal/team", "team"}


@pytest.fixture
def bedrock(monkeypatch):
    for k, v in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(k, v)
    with mock_aws():
        yield boto3.client("bedrock", region_name="us-east-1")


def test_invocation_logging_to_s3_passes(bedrock):
    bedrock.put_model_invocation_logging_configuration(
        loggingConfig={
            "s3Config": {"bucketName": "logs-bucket", "keyPrefix": "bedrock"},
            "textDataDeliveryEnabled": True,
        }
    )
    f = status(doctor.check_invocation_logging(bedrock), "invocation logging")
    assert f.status == "ok" and "logs-bucket" in f.detail


def test_invocation_logging_off_is_a_failure_with_the_fix(bedrock):
    f = status(doctor.check_invocation_logging(bedrock), "invocation logging")
    assert f.status == "fail" and "aws_bedrock_model_invocation_logging_configuration" in f.fix


def test_stale_data_is_a_warning():
    now = dt.datetime(2026, 11, 25, 12)
    assert doctor.check_freshness(now - dt.timedelta(hours=5), now)[0].status == "ok"
    assert doctor.check_freshness(now - dt.timedelta(days=4), now)[0].status == "warn"
    assert doctor.check_freshness(None, now)[0].status == "fail"


def test_local_doctor_on_a_good_export_reports_tag_keys_and_finality(make_cur):
    engine = DuckDBEngine(make_cur([LINE]))
    findings = doctor.run_local(engine, dt.date(2026, 10, 20))
    assert status(findings, "table columns").status == "ok"
    assert "iamPrincipal/team" in status(findings, "principal tag keys").detail
    assert status(findings, "month final").status == "ok"
    assert status(findings, "billing periods").status == "warn"  # August and September are absent


def test_local_doctor_flags_an_export_without_the_iam_principal_column(make_cur):
    engine = DuckDBEngine(
        make_cur(
            [{k: v for k, v in LINE.items() if k != "line_item_iam_principal"}],
            drop=("line_item_iam_principal",),
        )
    )
    f = status(doctor.run_local(engine, dt.date(2026, 10, 20)), "IAM principal column")
    assert f.status == "fail" and "INCLUDE_IAM_PRINCIPAL_DATA" in f.fix


def test_principal_tag_keys_not_activated_are_named(make_cur):
    engine = DuckDBEngine(make_cur([LINE]))
    f = status(doctor.check_tag_keys(engine, "2026-10", activated=set()), "activated tag keys")
    assert f.status == "warn" and "iamPrincipal/team" in f.detail


def test_doctor_command_exits_1_when_a_check_fails(make_cur):
    export = make_cur(
        [{k: v for k, v in LINE.items() if k != "line_item_iam_principal"}], drop=("line_item_iam_principal",)
    )
    result = CliRunner().invoke(app, ["doctor", "--cur", str(export), "-f", "json"])
    assert result.exit_code == 1, result.output
    assert '"failed"' in result.stdout


def test_doctor_on_athena_without_the_glue_table_says_what_to_create(monkeypatch):
    from cur_analyzer.config import Settings

    for k, v in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(k, v)
    with mock_aws():
        settings = Settings(engine="athena", region="us-east-1", database="finops", table="cur2")
        findings = doctor.run_aws(
            None, settings, dt.datetime(2026, 11, 25), session=boto3.Session(region_name="us-east-1")
        )
    f = status(findings, "glue table")
    assert f.status == "fail" and "terraform" in f.fix


def test_doctor_on_athena_asks_aws_as_the_settings_say(monkeypatch, tmp_path):
    """No session handed in: the doctor's comes from the settings' profile and region, as the engine's."""
    from botocore.exceptions import ProfileNotFound

    from cur_analyzer.config import Settings

    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    settings = Settings(engine="athena", region="us-east-1", profile="finops-readonly")
    with pytest.raises(ProfileNotFound, match="finops-readonly"):
        doctor.run_aws(None, settings, dt.datetime(2026, 11, 25))
