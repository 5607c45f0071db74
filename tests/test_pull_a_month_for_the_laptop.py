"""`pull` copies one billing period from S3 into the local layout, skips what it already has, and drops
files a refresh replaced."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws
from typer.testing import CliRunner

from cur_analyzer.cli import app
from cur_analyzer.errors import UserInputError
from cur_analyzer.pull import export_root_from_table_location, pull_month

ROOT = "s3://cur-bucket/exports/cur2-bedrock"


@pytest.fixture
def s3(monkeypatch, demo_export):
    for k, v in {
        "AWS_ACCESS_KEY_ID": "t",
        "AWS_SECRET_ACCESS_KEY": "t",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(k, v)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="cur-bucket")
        for path in demo_export.rglob("*"):
            if path.is_file():
                key = "exports/cur2-bedrock/" + path.relative_to(demo_export).as_posix()
                client.upload_file(str(path), "cur-bucket", key)
        yield client


def test_pull_copies_the_month_in_the_export_layout_and_the_engine_reads_it(s3, tmp_path, demo_export):
    result = pull_month("2026-10", tmp_path, ROOT)
    assert result.downloaded and not result.skipped
    local = tmp_path / "cur2-bedrock"
    assert (local / "data" / "BILLING_PERIOD=2026-10").is_dir()
    assert (local / "metadata" / "BILLING_PERIOD=2026-10").is_dir()
    assert not (local / "data" / "BILLING_PERIOD=2026-11").exists()
    original = (demo_export / "data" / "BILLING_PERIOD=2026-10").glob("*.parquet")
    for f in original:
        assert (local / "data" / "BILLING_PERIOD=2026-10" / f.name).read_bytes() == f.read_bytes()


def test_a_second_pull_skips_files_with_the_same_etag(s3, tmp_path):
    pull_month("2026-10", tmp_path, ROOT)
    again = pull_month("2026-10", tmp_path, ROOT)
    assert not again.downloaded and again.skipped


def test_a_refresh_that_replaced_a_file_removes_the_stale_copy(s3, tmp_path):
    pull_month("2026-10", tmp_path, ROOT)
    listing = s3.list_objects_v2(
        Bucket="cur-bucket", Prefix="exports/cur2-bedrock/data/BILLING_PERIOD=2026-10/"
    )
    (old,) = [o["Key"] for o in listing["Contents"]]
    s3.copy_object(
        Bucket="cur-bucket",
        Key=old.replace("00001", "00002"),
        CopySource={"Bucket": "cur-bucket", "Key": old},
    )
    s3.delete_object(Bucket="cur-bucket", Key=old)
    result = pull_month("2026-10", tmp_path, ROOT)
    assert [r.rsplit("/", 1)[-1] for r in result.removed] == [old.rsplit("/", 1)[-1]]
    assert len(result.downloaded) == 1


def test_a_month_that_is_not_in_s3_names_the_months_that_are(s3, tmp_path):
    with pytest.raises(UserInputError, match="2026-10, 2026-11"):
        pull_month("2025-01", tmp_path, ROOT)


def test_the_export_root_is_derived_from_the_glue_table_location():
    assert export_root_from_table_location("s3://b/p/cur2-bedrock/data/") == "s3://b/p/cur2-bedrock"
    with pytest.raises(UserInputError):
        export_root_from_table_location("s3://b/p/elsewhere/")


def test_pull_from_the_command_line_then_chargeback_on_the_copy(s3, tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["pull", "--month", "2026-10", "--s3", ROOT, "--to", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "downloaded" in result.stdout
    cb = runner.invoke(
        app, ["chargeback", "--month", "2026-10", "--cur", str(tmp_path / "cur2-bedrock"), "-f", "json"]
    )
    assert cb.exit_code == 0, cb.output


def test_a_bucket_that_does_not_exist_is_one_clear_line(s3, tmp_path):
    result = CliRunner().invoke(
        app,
        ["pull", "--month", "2026-10", "--s3", "s3://no-such-bucket/x/cur2-bedrock", "--to", str(tmp_path)],
    )
    assert result.exit_code == 2 and "NoSuchBucket" in result.stderr


def test_without_s3_the_glue_table_must_exist(s3, tmp_path, monkeypatch):
    monkeypatch.setenv("CUR_ANALYZER_REGION", "us-east-1")
    result = CliRunner().invoke(app, ["pull", "--month", "2026-10", "--to", str(tmp_path)])
    assert result.exit_code == 2 and "--s3" in result.stderr
