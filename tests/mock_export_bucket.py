"""The mocked AWS of the `pull` and Athena tests (the fixtures `mocked_aws` and `s3` are in conftest.py): where the
demo export's October partition is uploaded."""

from __future__ import annotations

from pathlib import Path

BUCKET = "cur-bucket"
PREFIX = "exports/cur2-bedrock/"
ROOT = f"s3://{BUCKET}/exports/cur2-bedrock"
PART = "BILLING_PERIOD=2026-10"
LEGIT = f"data/{PART}/cur2-bedrock-00001.snappy.parquet"


def upload_month(client, demo_export: Path) -> None:
    for section in ("data", "metadata"):
        for path in (demo_export / section / PART).iterdir():
            client.upload_file(str(path), BUCKET, f"{PREFIX}{section}/{PART}/{path.name}")


def glue_cur_table_and_workgroup(region: str, location: str, enforce: bool = False) -> None:
    """The Glue database ``finops`` with the export's table ``cur2`` at ``location``, and the Athena
    workgroup ``finops`` writing its results to ``s3://athena-results/q/``."""
    import boto3

    from cur_analyzer import schema

    glue = boto3.client("glue", region_name=region)
    glue.create_database(DatabaseInput={"Name": "finops"})
    glue.create_table(
        DatabaseName="finops",
        TableInput={
            "Name": "cur2",
            "StorageDescriptor": {
                "Location": location,
                "Columns": [{"Name": c.name, "Type": c.type} for c in schema.CUR_COLUMNS],
            },
            "PartitionKeys": [{"Name": "billing_period", "Type": "string"}],
        },
    )
    configuration: dict = {"ResultConfiguration": {"OutputLocation": "s3://athena-results/q/"}}
    if enforce:
        configuration["EnforceWorkGroupConfiguration"] = True
    boto3.client("athena", region_name=region).create_work_group(Name="finops", Configuration=configuration)
