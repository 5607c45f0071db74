"""Terraform itself evaluates the module's expressions, offline.

The AWS provider cannot be installed here, so `terraform validate/plan` of the module is impossible. But a
configuration without resources needs no provider: this test builds one from the module's own
variables.tf, its locals (the three data sources replaced by fixed values) and the string templates of its
resources (resource attributes replaced by what AWS gives them), then lets real Terraform apply it. That
checks the export query, the S3 locations and projection templates, the ARNs in the policies, the TOML
output and every variable validation with Terraform's own evaluator, not a re-implementation.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tomllib
from itertools import count
from pathlib import Path
from typing import Any

import hcl2
import pytest

from cur_analyzer import schema

ROOT = Path(__file__).resolve().parents[1]
MODULE = ROOT / "terraform" / "modules" / "cur-analyzer"
TERRAFORM = shutil.which("terraform")

pytestmark = pytest.mark.skipif(TERRAFORM is None, reason="terraform is not on PATH")

ACCOUNT = "123456789012"
REGION = "ap-southeast-2"

#: Data sources of main.tf -> fixed values.
DATA_STUBS = {
    "data.aws_caller_identity.current.account_id": f'"{ACCOUNT}"',
    "data.aws_partition.current.partition": '"aws"',
    "data.aws_region.current.name": "var.probe_region",
}

#: Resource attributes used in templates -> what they are once created. Names equal their `name`
#: argument (test_resource_stubs_match_the_resource_arguments checks that); ARNs follow AWS's formats.
RESOURCE_STUBS = {
    "aws_s3_bucket.data.arn": '("arn:${local.partition}:s3:::${local.data_bucket_name}")',
    "aws_s3_bucket.logs.arn": '("arn:${local.partition}:s3:::${local.logs_bucket_name}")',
    "aws_s3_bucket.data.id": "local.data_bucket_name",
    "aws_s3_bucket.logs.id": "local.logs_bucket_name",
    "aws_athena_workgroup.this.name": "local.workgroup_name",
    "aws_glue_catalog_database.cur.name": "var.glue_database_name",
    "aws_glue_catalog_table.cur.name": "var.glue_table_name",
    "aws_glue_catalog_table.invocation_logs.database_name": "local.logs_database_name",
    "aws_glue_catalog_table.invocation_logs.name": "var.logs_glue_table_name",
    "aws_bcmdataexports_export.this.export[0].export_arn": (
        '("arn:${local.partition}:bcm-data-exports:us-east-1:${local.account_id}:export/${var.export_name}-0000")'
    ),
}


def _load(path: Path) -> dict[str, Any]:
    opts = hcl2.SerializationOptions(strip_string_quotes=True, with_comments=False)
    with path.open() as f:
        return hcl2.load(f, serialization_options=opts)


def _blocks(kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for path in sorted(MODULE.glob("*.tf")):
        for block in _load(path).get(kind, []):
            for typ, named in block.items():
                for name, body in named.items():
                    out[f"{typ}.{name}"] = body
    return out


def _hcl(value: Any) -> str:
    """A python-hcl2 value back as HCL source, with resource references stubbed."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_hcl(v) for v in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(f"{json.dumps(k)} = {_hcl(v)}" for k, v in value.items() if k != "__is_block__")
        return "{" + items + "}"
    text = str(value)
    for ref, stub in RESOURCE_STUBS.items():
        text = re.sub(r"(?<![\w.])" + re.escape(ref) + r"(?![\w\[])", stub, text)
    if text.startswith("<<"):
        return text + "\n"
    return '"' + text + '"'


def _probe_outputs() -> str:
    """Outputs exposing every local and the templates of the resources the tests look at."""
    res = _blocks("resource")
    data = _blocks("data")
    out: dict[str, Any] = {}
    locals_: dict[str, Any] = {}
    for path in sorted(MODULE.glob("*.tf")):
        doc = _load(path)
        for block in doc.get("locals", []):
            locals_.update({k: v for k, v in block.items() if k != "__is_block__"})
        for block in doc.get("output", []):
            out.update(block)

    def statements(doc: dict) -> list[dict]:
        static = doc.get("statement", [])
        return [{"resources": s.get("resources", []), "condition": s.get("condition", [])} for s in static]

    cur = res["aws_glue_catalog_table.cur"]
    logs = res["aws_glue_catalog_table.invocation_logs"]
    export = res["aws_bcmdataexports_export.this"]["export"][0]
    probes = {
        "cur_parameters": cur["parameters"],
        "cur_location": cur["storage_descriptor"][0]["location"],
        "logs_parameters": logs["parameters"],
        "logs_location": logs["storage_descriptor"][0]["location"],
        "logs_database_name": logs["database_name"]
        .replace("aws_glue_catalog_database.logs[0].name", "local.logs_database_name")
        .replace("aws_glue_catalog_database.cur.name", "var.glue_database_name"),
        "export_destination": export["destination_configurations"][0]["s3_destination"][0],
        "export_table_configurations": export["data_query"][0]["table_configurations"],
        "export_query": export["data_query"][0]["query_statement"],
        "logging_s3": res["aws_bedrock_model_invocation_logging_configuration.this"]["logging_config"][0][
            "s3_config"
        ][0],
        "workgroup_output": res["aws_athena_workgroup.this"]["configuration"][0]["result_configuration"][0][
            "output_location"
        ],
        "data_bucket_policy": statements(data["aws_iam_policy_document.data_bucket"]),
        "logs_bucket_policy": statements(data["aws_iam_policy_document.logs_bucket"]),
        "analyzer_policy": [
            {"actions": s["actions"], **st}
            for s, st in zip(
                data["aws_iam_policy_document.analyzer"]["statement"],
                statements(data["aws_iam_policy_document.analyzer"]),
                strict=True,
            )
        ],
    }
    lines = ["output " + json.dumps("locals") + " {", "  value = {"]
    lines += [f"    {k} = local.{k}" for k in locals_]
    lines += ["  }", "}", ""]
    for name, value in probes.items():
        lines += [f"output {json.dumps(name)} {{", f"  value = {_hcl(value)}", "}", ""]
    for name in ("cur_analyzer_toml", "cur_analyzer_env"):
        lines += [f"output {json.dumps(name)} {{", f"  value = {_hcl(out[name]['value'])}", "}", ""]
    return "\n".join(lines)


class Scratch:
    """A provider-less copy of the module's expressions that Terraform can apply."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._n = count()
        shutil.copy(MODULE / "variables.tf", folder / "variables.tf")
        shutil.copy(MODULE / "cur2_columns.json", folder / "cur2_columns.json")
        main = (MODULE / "main.tf").read_text()
        main, n = re.subn(r'^data "aws_\w+" "current" \{\}\n', "", main, flags=re.M)
        assert n == 3, "main.tf should declare exactly the three data sources stubbed here"
        for ref, stub in DATA_STUBS.items():
            assert ref in main, ref
            main = main.replace(ref, stub)
        assert "data." not in main
        (folder / "main.tf").write_text(main)
        (folder / "probe.tf").write_text(
            'variable "probe_region" {\n  type = string\n}\n\n' + _probe_outputs()
        )
        self.env = {
            **os.environ,
            "TF_CLI_CONFIG_FILE": os.devnull,
            "CHECKPOINT_DISABLE": "1",
            "TF_IN_AUTOMATION": "1",
        }
        proc = self._run("init", "-input=false", "-backend=false")
        assert proc.returncode == 0, proc.stdout + proc.stderr

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [TERRAFORM, *args, "-no-color"],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def _var_file(self, variables: dict[str, Any]) -> str:
        values = {"probe_region": REGION, **variables}
        path = self.folder / f"case{next(self._n)}.tfvars"
        path.write_text("".join(f"{k} = {_json_to_hcl(v)}\n" for k, v in values.items()))
        return str(path)

    def plan(self, **variables: Any) -> subprocess.CompletedProcess:
        return self._run("plan", "-input=false", "-lock=false", f"-var-file={self._var_file(variables)}")

    def evaluate(self, **variables: Any) -> dict[str, Any]:
        state = self.folder / f"state{next(self._n)}.tfstate"
        var_file = self._var_file(variables)
        proc = self._run(
            "apply",
            "-auto-approve",
            "-input=false",
            "-lock=false",
            f"-state={state}",
            f"-var-file={var_file}",
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        proc = self._run("output", "-json", f"-state={state}")
        assert proc.returncode == 0, proc.stderr
        return {k: v["value"] for k, v in json.loads(proc.stdout).items()}


def _json_to_hcl(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_json_to_hcl(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_json_to_hcl(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Scratch:
    return Scratch(tmp_path_factory.mktemp("tf-eval"))


@pytest.fixture(scope="module")
def default(scratch) -> dict[str, Any]:
    return scratch.evaluate()


# --- the stubs are faithful ------------------------------------------------------------------------------
def test_resource_stubs_match_the_resource_arguments():
    res = _blocks("resource")
    assert res["aws_athena_workgroup.this"]["name"] == "${local.workgroup_name}"
    assert res["aws_glue_catalog_database.cur"]["name"] == "${var.glue_database_name}"
    assert res["aws_glue_catalog_database.logs"]["name"] == "${local.logs_database_name}"
    assert res["aws_glue_catalog_table.cur"]["name"] == "${var.glue_table_name}"
    assert res["aws_glue_catalog_table.invocation_logs"]["name"] == "${var.logs_glue_table_name}"
    assert res["aws_s3_bucket.data"]["bucket"] == "${local.data_bucket_name}"
    assert res["aws_s3_bucket.logs"]["bucket"] == "${local.logs_bucket_name}"


# --- what Terraform computes -------------------------------------------------------------------------------
def test_terraform_builds_the_export_query_from_schema_py(default):
    names = ", ".join(c.name for c in schema.CUR_COLUMNS)
    expected = f"SELECT {names} FROM COST_AND_USAGE_REPORT"  # noqa: S608 - names from schema.py
    assert default["export_query"] == expected
    assert default["locals"]["cur_query"] == expected


def test_the_export_configuration_evaluates_to_what_data_exports_expects(default):
    conf = default["export_table_configurations"]["COST_AND_USAGE_REPORT"]
    assert conf["BILLING_VIEW_ARN"] == f"arn:aws:billing::{ACCOUNT}:billingview/primary"
    assert conf["TIME_GRANULARITY"] == "HOURLY"
    dest = default["export_destination"]
    assert dest["s3_bucket"] == f"cur-analyzer-data-{ACCOUNT}-{REGION}"
    assert dest["s3_region"] == REGION
    # Data Exports writes <prefix>/<export name>/data/BILLING_PERIOD=YYYY-MM/: the Glue table reads there.
    assert default["cur_location"] == f"s3://{dest['s3_bucket']}/{dest['s3_prefix']}/cur-analyzer-cur2/data/"


def test_the_cur_projection_template_is_the_table_location_plus_the_partition_folder(default):
    p = default["cur_parameters"]
    assert p["storage.location.template"] == default["cur_location"] + "BILLING_PERIOD=${billing_period}"
    assert p["projection.billing_period.range"] == "2026-01,NOW"


def test_the_log_table_reads_where_bedrock_writes_for_this_region(default):
    s3 = default["logging_s3"]
    written = (
        f"s3://{s3['bucket_name']}/{s3['key_prefix']}/AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/{REGION}/"
    )
    assert default["logs_location"] == written
    p = default["logs_parameters"]
    assert p["storage.location.template"] == written + "${dt}"
    assert p["projection.dt.range"] == "2026/01/01/00,NOW"
    (grant,) = [
        s for s in default["logs_bucket_policy"] if s["condition"][0]["variable"] != "aws:SecureTransport"
    ]
    (resource,) = grant["resources"]
    bucket, key = resource.removeprefix("arn:aws:s3:::").split("/", 1)
    assert bucket == s3["bucket_name"]
    assert written.removeprefix(f"s3://{bucket}/").startswith(key.rstrip("*"))
    arn_like = {c["variable"]: c["values"] for c in grant["condition"]}
    assert arn_like == {
        "aws:SourceAccount": [ACCOUNT],
        "aws:SourceArn": [f"arn:aws:bedrock:{REGION}:{ACCOUNT}:*"],
    }


def test_data_exports_is_trusted_only_for_this_accounts_us_east_1_exports(default):
    (grant,) = [
        s for s in default["data_bucket_policy"] if s["condition"][0]["variable"] != "aws:SecureTransport"
    ]
    bucket_arn = f"arn:aws:s3:::cur-analyzer-data-{ACCOUNT}-{REGION}"
    assert sorted(grant["resources"]) == [bucket_arn, bucket_arn + "/*"]
    cond = {c["variable"]: c["values"] for c in grant["condition"]}
    assert cond == {
        "aws:SourceAccount": [ACCOUNT],
        "aws:SourceArn": [
            f"arn:aws:cur:us-east-1:{ACCOUNT}:definition/*",
            f"arn:aws:bcm-data-exports:us-east-1:{ACCOUNT}:export/*",
        ],
    }


def test_the_analyzer_policy_points_at_the_created_resources(default):
    def granted(action: str) -> list[str]:
        return [r for s in default["analyzer_policy"] if action in s["actions"] for r in s["resources"]]

    assert granted("athena:StartQueryExecution") == [
        f"arn:aws:athena:{REGION}:{ACCOUNT}:workgroup/cur-analyzer"
    ]
    glue = f"arn:aws:glue:{REGION}:{ACCOUNT}"
    assert granted("glue:GetTable") == [
        f"{glue}:catalog",
        f"{glue}:database/cur_analyzer",
        f"{glue}:database/cur_analyzer_logs",
        f"{glue}:table/cur_analyzer/cur2",
        f"{glue}:table/cur_analyzer_logs/bedrock_invocation_logs",
    ]
    data = f"arn:aws:s3:::cur-analyzer-data-{ACCOUNT}-{REGION}"
    logs = f"arn:aws:s3:::cur-analyzer-logs-{ACCOUNT}-{REGION}"
    assert granted("s3:PutObject") == [f"{data}/athena-results/*"]
    assert granted("s3:GetObject") == [
        f"{data}/cur2/cur-analyzer-cur2/data/*",
        f"{data}/cur2/cur-analyzer-cur2/metadata/*",
        f"{logs}/bedrock-invocation-logs/AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/*",
        f"{data}/athena-results/*",
    ]
    # The results location of the workgroup is inside the writable prefix.
    assert default["workgroup_output"] == f"s3://cur-analyzer-data-{ACCOUNT}-{REGION}/athena-results/"
    assert granted("bcm-data-exports:GetExport")[0].startswith(
        f"arn:aws:bcm-data-exports:us-east-1:{ACCOUNT}:export/cur-analyzer-cur2-"
    )
    # cur-analyzer lists the table location to find months; that prefix must be listable.
    listed = [
        c["values"]
        for s in default["analyzer_policy"]
        if s["actions"] == ["s3:ListBucket"]
        for c in s["condition"]
    ]
    location_key = default["cur_location"].split("/", 3)[3]
    assert any(re.fullmatch(v.replace("*", ".*"), location_key) for vs in listed for v in vs), listed


def test_the_toml_output_loads_as_cur_analyzer_settings(default, tmp_path, monkeypatch):
    text = default["cur_analyzer_toml"]
    assert tomllib.loads(text) == {
        "engine": "athena",
        "region": REGION,
        "workgroup": "cur-analyzer",
        "database": "cur_analyzer",
        "table": "cur2",
        "logs_database": "cur_analyzer_logs",
        "logs_table": "bedrock_invocation_logs",
    }
    cfg = tmp_path / "cur-analyzer.toml"
    cfg.write_text(text)
    for key in list(os.environ):
        if key.startswith("CUR_ANALYZER_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("CUR_ANALYZER_CONFIG", str(cfg))
    from cur_analyzer.config import load_settings

    settings = load_settings()
    assert (settings.engine, settings.workgroup, settings.logs_database) == (
        "athena",
        "cur-analyzer",
        "cur_analyzer_logs",
    )
    env = dict(line.split("=", 1) for line in default["cur_analyzer_env"].splitlines())
    assert env == {f"CUR_ANALYZER_{k.upper()}": v for k, v in tomllib.loads(text).items()}


def test_the_log_table_can_share_the_cur_database(scratch):
    out = scratch.evaluate(logs_glue_database_name=None)
    assert out["locals"]["create_logs_database"] is False
    assert out["logs_database_name"] == "cur_analyzer"
    assert len(out["locals"]["glue_database_arns"]) == 1
    assert tomllib.loads(out["cur_analyzer_toml"])["logs_database"] == "cur_analyzer"


def test_derived_bucket_names_fit_s3s_63_characters_with_the_longest_prefix(scratch):
    out = scratch.evaluate(name_prefix="x" * 24, probe_region="ap-southeast-7")
    for key in ("data_bucket_name", "logs_bucket_name"):
        name = out["locals"][key]
        assert len(name) <= 63 and re.fullmatch(r"[a-z0-9][a-z0-9.-]+[a-z0-9]", name), name


def test_a_kms_key_switches_buckets_and_results_to_sse_kms(scratch):
    key = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert scratch.evaluate(kms_key_arn=key)["locals"]["sse_algorithm"] == "aws:kms"


# --- variable validations, run by Terraform --------------------------------------------------------------
BAD = [
    ("export_name", "bad name"),
    ("export_name", "cur/2"),
    ("time_granularity", "WEEKLY"),
    ("time_granularity", "hourly"),
    ("bytes_scanned_cutoff_per_query", 10485759),
    ("glue_database_name", "Cur"),
    ("glue_database_name", "cur-db"),
    ("glue_table_name", "cur 2"),
    ("logs_glue_database_name", "logs-db"),
    ("logs_glue_table_name", "Logs"),
    ("cost_allocation_tag_keys", ["aws:createdBy"]),
    ("cost_allocation_tag_keys", ["team#1"]),
    ("cost_allocation_tag_keys", ["x" * 129]),
    ("cost_allocation_tag_keys", ["team", "team"]),
    ("projection_start_month", "2026-13"),
    ("name_prefix", "Cur-Analyzer"),
    ("name_prefix", "x" * 25),
    ("athena_workgroup_name", "cur analyzer"),
    ("kms_key_arn", "alias/billing"),
    ("data_bucket_name", "Billing_Bucket"),
    ("export_s3_prefix", "/cur2"),
    ("export_s3_prefix", "cur2/"),
    ("invocation_logs_prefix", ""),
    ("athena_results_retention_days", 0),
    (
        "inference_profiles",
        {"bad/name": {"model_source_arn": "arn:aws:bedrock:us-east-1::foundation-model/x"}},
    ),
    ("inference_profiles", {"ok": {"model_source_arn": "arn:aws:s3:::not-a-model"}}),
]

GOOD = {
    "export_name": "cur2_bedrock-1",
    "time_granularity": "DAILY",
    "bytes_scanned_cutoff_per_query": 10485760,
    "glue_database_name": "billing_2",
    "cost_allocation_tag_keys": [
        "iamPrincipal/team",
        "iamPrincipal/cost-center",
        "team",
        "cost-center",
        "Équipe",
    ],
    "projection_start_month": "2026-04",
    "athena_workgroup_name": "FinOps.cur-analyzer_1",
    "kms_key_arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "data_bucket_name": "my.billing-bucket",
    "export_s3_prefix": "billing/cur2",
    "inference_profiles": {
        "chat-backend prod": {
            "model_source_arn": "arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-lite-v1:0",
            "tags": {"team": "chat"},
        },
        "claude_global": {
            "model_source_arn": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:inference-profile/global.anthropic.claude-opus-4-8"
        },
    },
}


@pytest.mark.parametrize(("name", "value"), BAD, ids=[f"{n}={str(v)[:20]}" for n, v in BAD])
def test_terraform_rejects_a_bad_value(scratch, name, value):
    proc = scratch.plan(**{name: value})
    assert proc.returncode != 0, f"{name}={value!r} was accepted"
    assert "Invalid value for variable" in proc.stderr, proc.stderr
    assert f"var.{name} is" in proc.stderr, proc.stderr


def test_terraform_accepts_good_values(scratch):
    proc = scratch.plan(**GOOD)
    assert proc.returncode == 0, proc.stderr
