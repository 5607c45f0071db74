"""Copy one billing period of the CUR 2.0 export from S3 to a local cache in the same layout, so the
DuckDB engine can answer questions on a laptop instead of paying Athena for each one.

Files already there with the same ETag are skipped. Data Exports *replaces* a partition on each
refresh (OVERWRITE_REPORT, file names may change), so local files the partition no longer holds are
removed: the cache mirrors the export, it never appends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cur_analyzer.attribution import validate_month
from cur_analyzer.errors import UserInputError

_S3_RE = re.compile(r"^s3://([a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])/?(.*)$")
ETAGS_FILE = ".cur-analyzer-etags.json"


@dataclass
class PullResult:
    month: str
    local_export: Path
    downloaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    bytes_downloaded: int = 0

    def summary(self) -> str:
        return (
            f"{self.month}: {len(self.downloaded)} downloaded ({self.bytes_downloaded / 1e6:,.1f} MB), "
            f"{len(self.skipped)} unchanged, {len(self.removed)} removed -> {self.local_export}"
        )


def split_s3(uri: str) -> tuple[str, str]:
    m = _S3_RE.match(uri or "")
    if not m:
        raise UserInputError(f"{uri!r} is not an s3://bucket/prefix URI")
    return m.group(1), m.group(2).strip("/")


def export_root_from_table_location(location: str) -> str:
    """``s3://b/p/<export>/data/`` (the Glue table location) -> ``s3://b/p/<export>``."""
    trimmed = location.rstrip("/")
    if not trimmed.endswith("/data"):
        raise UserInputError(
            f"the Glue table location {location} does not end in /data/: pass --s3 explicitly"
        )
    return trimmed[: -len("/data")]


def export_root_from_glue(database: str, table: str, boto3_session: Any) -> str:
    """The export root behind the Glue CUR table (what ``pull`` copies when no ``--s3`` is given)."""
    import awswrangler as wr
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        location = wr.catalog.get_table_location(database, table, boto3_session=boto3_session)
    except (ClientError, BotoCoreError, wr.exceptions.InvalidTable) as e:
        raise UserInputError(
            f"cannot read the Glue table {database}.{table} ({e}); pass --s3 s3://bucket/prefix/export"
        ) from None
    return export_root_from_table_location(location)


def pull_month(
    month: str,
    dest: Path,
    export_uri: str,
    *,
    boto3_session: Any = None,
    progress: Callable[[str], None] | None = None,
) -> PullResult:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    validate_month(month)
    bucket, root = split_s3(export_uri)
    export_name = root.rsplit("/", 1)[-1] or bucket
    s3 = (boto3_session or boto3.Session()).client("s3")
    try:
        return _mirror(s3, bucket, root, month, export_uri, dest / export_name, progress)
    except (ClientError, BotoCoreError) as e:
        raise UserInputError(f"pull {export_uri}: {e}") from None


def _mirror(
    s3: Any,
    bucket: str,
    root: str,
    month: str,
    export_uri: str,
    local_export: Path,
    progress: Callable[[str], None] | None,
) -> PullResult:
    result = PullResult(month, local_export)
    etag_path = local_export / ETAGS_FILE
    etags: dict[str, str] = json.loads(etag_path.read_text()) if etag_path.exists() else {}
    wanted: dict[str, dict] = {}
    for section in ("data", "metadata"):
        prefix = f"{root}/{section}/BILLING_PERIOD={month}/".lstrip("/")
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                wanted[obj["Key"][len(root) + 1 if root else 0 :]] = obj
    if not any(k.startswith("data/") for k in wanted):
        raise UserInputError(
            f"no data for {month} under {export_uri}; it holds {_months(s3, bucket, root) or 'nothing'}"
        )

    for rel, obj in sorted(wanted.items()):
        target = local_export / rel
        if target.exists() and etags.get(rel) == obj["ETag"] and target.stat().st_size == obj["Size"]:
            result.skipped.append(rel)
            continue
        if progress:
            progress(f"{rel} ({obj['Size'] / 1e6:,.1f} MB)")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.part")
        s3.download_file(bucket, obj["Key"], str(tmp))
        tmp.replace(target)
        etags[rel] = obj["ETag"]
        result.downloaded.append(rel)
        result.bytes_downloaded += obj["Size"]

    for section in ("data", "metadata"):
        partition = local_export / section / f"BILLING_PERIOD={month}"
        for path in partition.rglob("*") if partition.exists() else []:
            rel = path.relative_to(local_export).as_posix()
            if path.is_file() and rel not in wanted:
                path.unlink()
                etags.pop(rel, None)
                result.removed.append(rel)
    local_export.mkdir(parents=True, exist_ok=True)
    etag_path.write_text(json.dumps(etags, indent=1, sort_keys=True))
    return result


def _months(s3: Any, bucket: str, root: str) -> str:
    prefix = f"{root}/data/".lstrip("/")
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, Delimiter="/"):
        for p in page.get("CommonPrefixes", []):
            if m := re.search(r"BILLING_PERIOD=(\d{4}-\d{2})/$", p["Prefix"]):
                found.append(m.group(1))
    return ", ".join(sorted(found))
