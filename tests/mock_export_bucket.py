"""The mocked S3 bucket of the `pull` tests (its fixtures `mocked_aws` and `s3` are in conftest.py): where the
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
