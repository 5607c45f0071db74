"""The JSON files of the dataset: the export manifest per month, the application inference profile
listing, and the writer every JSON file goes through."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from cur_analyzer import schema
from cur_analyzer.synth.catalogue import Catalogue, route_regions
from cur_analyzer.synth.ids import uuid_from_bits
from cur_analyzer.synth.period import Period
from cur_analyzer.synth.scenario import CUR_BUCKET, EXPORT_NAME


def write_manifest(
    out: Path,
    period: Period,
    cat: Catalogue,
    seed: int,
    data_file: Path,
    lines: int,
    granularity: str = "hourly",
) -> None:
    """The month's ``metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json``, as Data Exports writes it,
    with the export's time granularity (``hourly``, ``daily``, ``monthly``)."""
    rng = np.random.default_rng([seed, period.index, 0x3A])
    key = data_file.relative_to(out).as_posix()
    manifest = {
        "executionId": uuid_from_bits(rng.integers(0, 2**63, size=2, dtype=np.int64)),
        "billingPeriod": {
            "start": f"{period.start:%Y-%m-%dT%H:%M:%S}.000Z",
            "end": f"{period.end:%Y-%m-%dT%H:%M:%S}.000Z",
        },
        "dataFiles": [f"s3://{CUR_BUCKET}/{key}"],
        "columns": [{"name": c.name, "type": c.type} for c in schema.CUR_COLUMNS],
        "reportName": EXPORT_NAME,
        "bucket": CUR_BUCKET,
        "s3Prefix": "",
        "exportArn": _export_arn(cat, seed),
        "format": "PARQUET",
        "compression": "PARQUET",
        "timeGranularity": granularity.upper(),
        "rowCount": lines,
        "tableConfigurations": {
            "COST_AND_USAGE_REPORT": {
                "TIME_GRANULARITY": granularity.upper(),
                "INCLUDE_RESOURCES": "TRUE",
                "INCLUDE_IAM_PRINCIPAL_DATA": "TRUE",
                "INCLUDE_MANUAL_DISCOUNT_COMPATIBILITY": "TRUE",
                "INCLUDE_SPLIT_COST_ALLOCATION_DATA": "FALSE",
                "INCLUDE_CAPACITY_RESERVATION_DATA": "FALSE",
            }
        },
    }
    path = out / EXPORT_NAME / "metadata" / f"BILLING_PERIOD={period.month}" / f"{EXPORT_NAME}-Manifest.json"
    write_json(path, manifest)


def _export_arn(cat: Catalogue, seed: int) -> str:
    ident = uuid_from_bits(np.random.default_rng([seed, 0xE4]).integers(0, 2**63, size=2, dtype=np.int64))
    return f"arn:aws:bcm-data-exports:us-east-1:{cat.payer.id}:export/{EXPORT_NAME}-{ident}"


def aip_listing(cat: Catalogue) -> dict[str, Any]:
    """The shape of ``aws bedrock list-inference-profiles --type-equals APPLICATION`` (tags are not in it)."""
    summaries = []
    for a in cat.aips:
        regions = route_regions(a.scope, a.region) or (a.region,)
        summaries.append(
            {
                "inferenceProfileName": a.name,
                "description": f"{a.name} ({a.tags.get('team', 'untagged')}), copied from {a.source_id}",
                "createdAt": "2026-09-01T09:00:00Z",
                "updatedAt": "2026-09-01T09:00:00Z",
                "inferenceProfileArn": a.arn,
                "models": [
                    {"modelArn": f"arn:aws:bedrock:{r}::foundation-model/{a.model.model_id}"} for r in regions
                ],
                "inferenceProfileId": a.id,
                "status": "ACTIVE",
                "type": "APPLICATION",
            }
        )
    return {"inferenceProfileSummaries": summaries}


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n")
