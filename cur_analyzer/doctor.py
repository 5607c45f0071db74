"""``doctor``: is the export, table and logging set up right, and what is missing (each with its fix)?

Each check is a small function returning ``Finding``s; the AWS ones take their boto3 clients so tests
can hand in moto or ``botocore.stub.Stubber`` clients (moto has no bcm-data-exports or CE tag APIs).
The local engine runs the checks that apply to files: columns, months, freshness, finality, tag keys.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cur_analyzer.engines import query_rows
from cur_analyzer.errors import CurAnalyzerError

OK, WARN, FAIL = "ok", "warn", "fail"
IAM_CONSOLE_LABEL = "Include caller identity (IAM principal) allocation data"


@dataclass(frozen=True)
class Finding:
    check: str
    status: str  # ok | warn | fail
    detail: str
    fix: str = ""


def _months_back(today: dt.date, n: int) -> list[str]:
    out, y, m = [], today.year, today.month
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


# --- checks on any engine ------------------------------------------------------------------------------
def check_columns(engine: Any) -> list[Finding]:
    caps = engine.capabilities()
    missing = caps.missing_required
    findings = [
        Finding(
            "table columns",
            FAIL if missing else OK,
            f"missing required columns: {', '.join(missing)}"
            if missing
            else "all required CUR 2.0 columns present",
            "recreate the export as CUR 2.0 (Data Exports, 'Standard data export')" if missing else "",
        )
    ]
    optional = caps.as_dict()
    findings.append(
        Finding("optional columns", OK, ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in optional.items()))
    )
    if not caps.iam_principal:
        findings.append(
            Finding(
                "IAM principal column",
                FAIL,
                "line_item_iam_principal is absent",
                f'edit the export: "{IAM_CONSOLE_LABEL}" (INCLUDE_IAM_PRINCIPAL_DATA = "TRUE")',
            )
        )
    return findings


def check_months(engine: Any, today: dt.date, recent: int = 3) -> list[Finding]:
    held = engine.months()
    wanted = _months_back(today, recent)
    missing = [m for m in wanted if m not in held]
    if not held:
        return [
            Finding(
                "billing periods",
                FAIL,
                "no BILLING_PERIOD partitions at all",
                "wait 24-48 h after creating the export, or check its S3 destination",
            )
        ]
    status = OK if not missing else (WARN if len(missing) < recent else FAIL)
    detail = f"holds {held[0]} .. {held[-1]} ({len(held)} months)"
    if missing:
        detail += f"; missing recent {', '.join(missing)}"
    fix = (
        ""
        if not missing
        else "a new export only covers months from its creation; AWS can backfill on request"
    )
    return [Finding("billing periods", status, detail, fix)]


def check_month_final(engine: Any, month: str) -> list[Finding]:
    from cur_analyzer.reports.chargeback import month_is_final

    final = month_is_final(engine, month)
    return [
        Finding(
            "month final",
            OK if final else WARN,
            f"{month} is {'final (invoiced)' if final else 'not final: bill_invoice_id is blank'}",
            "" if final else "figures for this month change until AWS issues the invoice",
        )
    ]


def check_tag_keys(engine: Any, month: str, activated: set[str] | None) -> list[Finding]:
    # the keys of every service's lines: the same key-set count coverage's spelling check reads for Bedrock
    rows = query_rows(engine, "tag_spellings", {"month": month, "service": "all"})
    principal = sorted({r["tag_key"] for r in rows if r["tag_key"].startswith("iamPrincipal/")})
    resource = sorted(
        {r["tag_key"] for r in rows if r["map_name"] == "resource_tags" and r["tag_key"].startswith("user_")}
    )
    findings = [
        Finding(
            "principal tag keys",
            OK if principal else WARN,
            ", ".join(principal) or "no iamPrincipal/* keys in the bill",
            ""
            if principal
            else "tag the IAM users/roles (or pass session tags) and activate iamPrincipal/<key>",
        ),
        Finding("resource tag keys", OK, ", ".join(resource) or "no user_* resource tags in the bill"),
    ]
    if activated is not None:
        inactive = [k for k in principal if k not in activated]
        findings.append(
            Finding(
                "activated tag keys",
                WARN if inactive else OK,
                f"not activated: {', '.join(inactive)}"
                if inactive
                else "every principal tag key seen is active",
                "activate them in Billing > Cost allocation tags (or aws_ce_cost_allocation_tag)"
                if inactive
                else "",
            )
        )
    return findings


# --- AWS-only checks ----------------------------------------------------------------------------------
def _norm_s3(uri: str) -> str:
    return "/".join(part for part in uri.removeprefix("s3://").split("/") if part)


def _export_data_location(export: dict) -> str:
    dest = export.get("DestinationConfigurations", {}).get("S3Destination", {})
    return _norm_s3(f"{dest.get('S3Bucket', '')}/{dest.get('S3Prefix', '')}/{export.get('Name', '')}/data")


def check_export(exports_client: Any, export_name: str | None, table_location: str | None) -> list[Finding]:
    """The export behind the table: by name if configured, else the one delivering to the table's location."""
    summaries = exports_client.list_exports().get("Exports", [])
    details = [exports_client.get_export(ExportArn=s["ExportArn"]) for s in summaries]
    if export_name:
        matches = [d for d in details if d["Export"].get("Name") == export_name]
    elif table_location:
        matches = [d for d in details if _export_data_location(d["Export"]) == _norm_s3(table_location)]
    else:
        matches = details if len(details) == 1 else []
    if not matches:
        return [
            Finding(
                "data export",
                FAIL,
                f"no matching CUR 2.0 export among {len(details)}",
                "run the Terraform in terraform/ (aws_bcmdataexports_export) or set CUR_ANALYZER_EXPORT_NAME",
            )
        ]
    body, status = matches[0]["Export"], matches[0].get("ExportStatus", {})
    healthy = status.get("StatusCode") == "HEALTHY"
    findings = [
        Finding(
            "data export",
            OK if healthy else FAIL,
            f"{body['Name']}: {status.get('StatusCode', 'UNKNOWN')} {status.get('StatusReason', '')}".strip(),
            "" if healthy else "check the bucket policy for bcm-data-exports.amazonaws.com (see terraform/)",
        )
    ]
    config = body.get("DataQuery", {}).get("TableConfigurations", {}).get("COST_AND_USAGE_REPORT", {})
    iam_on = config.get("INCLUDE_IAM_PRINCIPAL_DATA") == "TRUE"
    findings.append(
        Finding(
            "IAM principal option",
            OK if iam_on else FAIL,
            "INCLUDE_IAM_PRINCIPAL_DATA = TRUE" if iam_on else "INCLUDE_IAM_PRINCIPAL_DATA is off",
            "" if iam_on else f'edit the export: "{IAM_CONSOLE_LABEL}"; data appears from then on',
        )
    )
    return findings


def activated_tag_keys(ce_client: Any) -> set[str]:
    keys: set[str] = set()
    kwargs: dict[str, Any] = {"Status": "Active", "MaxResults": 1000}
    while True:
        page = ce_client.list_cost_allocation_tags(**kwargs)
        keys |= {t["TagKey"] for t in page.get("CostAllocationTags", [])}
        if not page.get("NextToken"):
            return keys
        kwargs["NextToken"] = page["NextToken"]


def check_invocation_logging(bedrock_client: Any) -> list[Finding]:
    config = bedrock_client.get_model_invocation_logging_configuration().get("loggingConfig") or {}
    s3 = config.get("s3Config") or {}
    if not s3.get("bucketName"):
        where = "CloudWatch only" if config.get("cloudWatchConfig") else "off"
        return [
            Finding(
                "invocation logging",
                FAIL,
                f"model invocation logging to S3 is {where}",
                "enable it (terraform/ aws_bedrock_model_invocation_logging_configuration) to reconcile",
            )
        ]
    text = config.get("textDataDeliveryEnabled", True)
    return [
        Finding(
            "invocation logging",
            OK if text else WARN,
            f"to s3://{s3['bucketName']}/{s3.get('keyPrefix', '')}",
            "" if text else "turn on text data delivery so token counts are logged",
        )
    ]


def check_freshness(newest: dt.datetime | None, now: dt.datetime) -> list[Finding]:
    if newest is None:
        return [Finding("newest data", FAIL, "no data files", "wait 24-48 h after creating the export")]
    age = now - newest
    status = OK if age <= dt.timedelta(days=2) else WARN
    return [
        Finding(
            "newest data",
            status,
            f"{age.total_seconds() / 3600:,.0f} h old ({newest:%Y-%m-%d %H:%M} UTC)",
            "" if status == OK else "SYNCHRONOUS exports refresh up to 3x a day: check the export status",
        )
    ]


def run_local(engine: Any, today: dt.date) -> list[Finding]:
    findings = check_columns(engine) + check_months(engine, today)
    months = engine.months()
    if months:
        findings += check_month_final(engine, months[-1]) + check_tag_keys(engine, months[-1], None)
    return findings


def run_aws(engine: Any, settings: Any, now: dt.datetime, session: Any = None) -> list[Finding]:
    """The checks for the Athena engine: the table, the export, invocation logging, freshness, tags.
    ``session``: the boto3 session to ask AWS with (tests hand in a mocked one); by default the one the
    settings give, built where the Athena engine builds its own."""
    import awswrangler as wr
    from botocore.exceptions import BotoCoreError, ClientError

    from cur_analyzer.engines.aws import session_for

    session = session if session is not None else session_for(settings)
    findings: list[Finding] = []
    try:
        location = wr.catalog.get_table_location(settings.database, settings.table, boto3_session=session)
    except (ClientError, BotoCoreError, wr.exceptions.InvalidTable) as e:
        # without the table nothing else on the AWS side can be checked: say what to create
        return [
            Finding(
                "glue table",
                FAIL,
                f"{settings.database}.{settings.table}: {e}",
                "run the Terraform in terraform/ or set CUR_ANALYZER_DATABASE / CUR_ANALYZER_TABLE",
            )
        ]
    for check, call in (
        (
            "data export",
            lambda: check_export(
                session.client("bcm-data-exports", region_name="us-east-1"), settings.export_name, location
            ),
        ),
        ("invocation logging", lambda: check_invocation_logging(session.client("bedrock"))),
    ):
        findings += _guarded(check, call)
    findings += _guarded("table columns", lambda: check_columns(engine))
    findings += _guarded("billing periods", lambda: check_months(engine, now.date()))
    objects = wr.s3.describe_objects(location.rstrip("/") + "/", boto3_session=session)
    newest = max((o["LastModified"] for o in objects.values()), default=None)
    findings += check_freshness(newest.replace(tzinfo=None) if newest else None, now)
    months = engine.months()
    if months:
        activated = None
        tags = _guarded(
            "activated tag keys", lambda: [activated_tag_keys(session.client("ce", region_name="us-east-1"))]
        )
        if tags and isinstance(tags[0], set):
            activated = tags[0]
        else:
            findings += tags
        findings += check_month_final(engine, months[-1]) + check_tag_keys(engine, months[-1], activated)
    return findings


def _guarded(check: str, call: Any) -> list[Any]:
    """An AWS check that cannot run (permissions, service not in region) is a finding, not a crash."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return call()
    except ClientError as e:
        err = e.response.get("Error", {})
        return [
            Finding(
                check,
                FAIL,
                f"{err.get('Code')}: {err.get('Message')}",
                "grant the analyzer policy from terraform/ (output analyzer_policy_json)",
            )
        ]
    except (BotoCoreError, CurAnalyzerError) as e:
        return [Finding(check, FAIL, str(e))]


def tabular(findings: list[Finding]) -> Any:
    from cur_analyzer.reports._view import Tabular

    failed = sum(f.status == FAIL for f in findings)
    warned = sum(f.status == WARN for f in findings)
    rows = [{"check": f.check, "status": f.status, "detail": f.detail, "fix": f.fix} for f in findings]
    return Tabular(
        title="cur-analyzer doctor",
        columns=["check", "status", "detail", "fix"],
        rows=rows,
        footer=[f"{len(findings)} checks: {failed} failed, {warned} warnings"],
        document={"report": "doctor", "failed": failed, "warnings": warned, "findings": rows},
    )
