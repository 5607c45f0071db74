"""The Terraform in terraform/ sets up exactly what cur-analyzer reads: a CUR 2.0 export with IAM-principal
data whose columns are schema.py's, Glue tables over it and over the invocation logs, a capped Athena
workgroup, locked-down buckets and a read-only policy. Checked structurally with python-hcl2, because no
AWS provider can be installed offline (terraform validate/plan cannot run here)."""

from __future__ import annotations

import json
import os
import re
import textwrap
import tomllib
from pathlib import Path
from typing import Any

import hcl2
import pytest
import sqlglot
from sqlglot import exp

from cur_analyzer import schema
from cur_analyzer.terraform_columns import REGENERATE, terraform_columns_json

ROOT = Path(__file__).resolve().parents[1]
TF = ROOT / "terraform"
MODULE = TF / "modules" / "cur-analyzer"
EXAMPLE = TF / "examples" / "complete"
COLUMNS_JSON = MODULE / "cur2_columns.json"

#: Actions that have no resource-level permissions in IAM, so Resource "*" is the only value they take.
STAR_RESOURCE_ALLOWED = {
    "ce:ListCostAllocationTags",
    "bcm-data-exports:ListExports",
    "bedrock:ListInferenceProfiles",
    "bedrock:GetModelInvocationLoggingConfiguration",
}

TABLE_CONFIGURATION_KEYS = {
    "BILLING_VIEW_ARN",
    "TIME_GRANULARITY",
    "INCLUDE_RESOURCES",
    "INCLUDE_IAM_PRINCIPAL_DATA",
    "INCLUDE_SPLIT_COST_ALLOCATION_DATA",
    "INCLUDE_MANUAL_DISCOUNT_COMPATIBILITY",
    "INCLUDE_CAPACITY_RESERVATION_DATA",
}

SETTINGS_KEYS = ["engine", "region", "workgroup", "database", "table", "logs_database", "logs_table"]


# --- loading ------------------------------------------------------------------------------------------
def _load(path: Path) -> dict[str, Any]:
    opts = hcl2.SerializationOptions(strip_string_quotes=True, with_comments=False)
    with path.open() as f:
        return hcl2.load(f, serialization_options=opts)


class Config:
    """All blocks of the .tf files of one Terraform directory (one module)."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.files = sorted(folder.glob("*.tf"))
        self.resources: dict[tuple[str, str], dict] = {}
        self.data: dict[tuple[str, str], dict] = {}
        self.variables: dict[str, dict] = {}
        self.outputs: dict[str, dict] = {}
        self.locals: dict[str, Any] = {}
        self.modules: dict[str, dict] = {}
        self.terraform: list[dict] = []
        for path in self.files:
            doc = _load(path)
            for kind, target in (("resource", self.resources), ("data", self.data)):
                for block in doc.get(kind, []):
                    for typ, named in block.items():
                        for name, body in named.items():
                            assert (typ, name) not in target, f"{typ}.{name} defined twice"
                            target[(typ, name)] = body
            for kind, target in (
                ("variable", self.variables),
                ("output", self.outputs),
                ("module", self.modules),
            ):
                for block in doc.get(kind, []):
                    target.update(block)
            for block in doc.get("locals", []):
                self.locals.update({k: v for k, v in block.items() if k != "__is_block__"})
            self.terraform += doc.get("terraform", [])

    def resource(self, typ: str, name: str) -> dict:
        assert (typ, name) in self.resources, f"missing resource {typ}.{name} in {self.folder}"
        return self.resources[(typ, name)]

    def of_type(self, typ: str) -> dict[str, dict]:
        return {name: body for (t, name), body in self.resources.items() if t == typ}


@pytest.fixture(scope="module")
def mod() -> Config:
    return Config(MODULE)


@pytest.fixture(scope="module")
def example() -> Config:
    return Config(EXAMPLE)


def _one(blocks: list[dict]) -> dict:
    assert isinstance(blocks, list) and len(blocks) == 1, blocks
    return blocks[0]


def _ref(expr: str) -> str:
    """`${local.x}` -> `local.x` (a bare reference), else the text unchanged."""
    m = re.fullmatch(r"\$\{([^${}]+)\}", expr)
    return m.group(1) if m else expr


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else [value]


def _statements(doc: dict) -> list[dict]:
    """Static statements plus the content of dynamic "statement" blocks."""
    out = list(doc.get("statement", []))
    for dyn in doc.get("dynamic", []):
        if "statement" in dyn:
            out += dyn["statement"]["content"]
    return out


def _conditions(statement: dict) -> dict[str, tuple[str, list]]:
    return {c["variable"]: (c["test"], _as_list(c["values"])) for c in statement.get("condition", [])}


# --- every file parses; the example uses the module as it is ---------------------------------------------
def test_every_tf_file_under_terraform_parses():
    files = sorted(TF.rglob("*.tf"))
    assert len(files) >= 10
    for path in files:
        assert _load(path), path


def test_provider_pin_is_the_same_in_the_module_and_the_example_and_has_a_us_east_1_alias(mod, example):
    for cfg in (mod, example):
        providers = _one(_one(cfg.terraform)["required_providers"])
        assert providers["aws"]["source"] == "hashicorp/aws"
        assert providers["aws"]["version"] == ">= 5.81, < 7.0"
    module_aws = _one(_one(mod.terraform)["required_providers"])["aws"]
    assert module_aws["configuration_aliases"] == ["${aws.us_east_1}"]
    call = example.modules["cur_analyzer"]
    assert call["source"] == "../../modules/cur-analyzer"
    providers = {_ref(k): _ref(v) for k, v in call["providers"].items()}
    assert providers == {"aws": "aws", "aws.us_east_1": "aws.us_east_1"}


def test_the_example_passes_only_module_variables_and_re_exports_existing_outputs(mod, example):
    call = example.modules["cur_analyzer"]
    passed = {k for k in call if k not in ("source", "providers", "__is_block__")}
    assert passed <= set(mod.variables), passed - set(mod.variables)
    for name, out in example.outputs.items():
        m = re.fullmatch(r"\$\{module\.cur_analyzer\.(\w+)\}", out["value"])
        assert m and m.group(1) in mod.outputs, f"example output {name}: {out['value']}"


# --- the one column list ------------------------------------------------------------------------------
def test_the_committed_column_json_is_what_schema_py_generates():
    assert COLUMNS_JSON.read_text() == terraform_columns_json(), (
        f"{COLUMNS_JSON.relative_to(ROOT)} is stale: regenerate it with `{REGENERATE}`"
    )


def test_the_column_json_lists_schema_columns_and_types_in_order():
    data = json.loads(COLUMNS_JSON.read_text())
    assert [(c["name"], c["type"]) for c in data["cur_columns"]] == [
        (c.name, c.type) for c in schema.CUR_COLUMNS
    ]
    assert data["partition_column"] == {"name": "billing_period", "type": "string"}
    assert (schema.PARTITION_COLUMN.name, schema.PARTITION_COLUMN.type) == ("billing_period", "string")
    assert [(c["name"], c["type"]) for c in data["log_table_columns"]] == [
        (c.name, c.type) for c in schema.LOG_TABLE_COLUMNS
    ]


def test_terraform_reads_every_column_list_from_the_json(mod):
    assert mod.locals["columns"] == '${jsondecode(file("${path.module}/cur2_columns.json"))}'
    assert mod.locals["cur_columns"] == "${local.columns.cur_columns}"
    assert mod.locals["partition_column"] == "${local.columns.partition_column}"
    assert mod.locals["log_columns"] == "${local.columns.log_table_columns}"


def _query_from_json() -> str:
    """What the module's `local.cur_query` expression evaluates to (also evaluated by terraform itself
    in test_terraform_expressions.py)."""
    names = [c["name"] for c in json.loads(COLUMNS_JSON.read_text())["cur_columns"]]
    return f"SELECT {', '.join(names)} FROM COST_AND_USAGE_REPORT"  # noqa: S608 - names from schema.py


def test_the_export_query_selects_exactly_the_schema_columns_from_cost_and_usage_report(mod):
    assert (
        mod.locals["cur_query"]
        == 'SELECT ${join(", ", [for c in local.cur_columns : c.name])} FROM COST_AND_USAGE_REPORT'
    )
    tree = sqlglot.parse_one(_query_from_json(), read="athena")
    assert [s.name for s in tree.selects] == [c.name for c in schema.CUR_COLUMNS]
    assert all(isinstance(s, exp.Column) for s in tree.selects)
    assert [t.name for t in tree.find_all(exp.Table)] == ["COST_AND_USAGE_REPORT"]
    assert tree.args.get("where") is None


# --- the export ---------------------------------------------------------------------------------------
def test_the_export_turns_on_iam_principal_and_resource_data_and_sets_every_table_configuration(mod):
    res = mod.resource("aws_bcmdataexports_export", "this")
    assert res["provider"] == "${aws.us_east_1}", "Data Exports is a us-east-1 API"
    export = _one(res["export"])
    query = _one(export["data_query"])
    assert query["query_statement"] == "${local.cur_query}"
    config = query["table_configurations"]
    assert set(config) == {"COST_AND_USAGE_REPORT"}
    cur = config["COST_AND_USAGE_REPORT"]
    assert set(cur) == TABLE_CONFIGURATION_KEYS
    assert cur["INCLUDE_IAM_PRINCIPAL_DATA"] == "TRUE"
    assert cur["INCLUDE_RESOURCES"] == "TRUE"
    for key in (
        "INCLUDE_SPLIT_COST_ALLOCATION_DATA",
        "INCLUDE_MANUAL_DISCOUNT_COMPATIBILITY",
        "INCLUDE_CAPACITY_RESERVATION_DATA",
    ):
        assert cur[key] == "FALSE", key
    assert cur["TIME_GRANULARITY"] == "${var.time_granularity}"
    assert cur["BILLING_VIEW_ARN"] == "${local.billing_view_arn}"
    assert (
        mod.locals["billing_view_arn"]
        == "arn:${local.partition}:billing::${local.account_id}:billingview/primary"
    )


def test_the_export_writes_overwritten_parquet_to_the_data_bucket_and_refreshes_with_the_bill(mod):
    export = _one(mod.resource("aws_bcmdataexports_export", "this")["export"])
    dest = _one(_one(export["destination_configurations"])["s3_destination"])
    assert dest["s3_bucket"] == "${aws_s3_bucket.data.id}"
    assert dest["s3_prefix"] == "${var.export_s3_prefix}"
    assert dest["s3_region"] == "${local.region}"
    out = _one(dest["s3_output_configurations"])
    assert {k: v for k, v in out.items() if k != "__is_block__"} == {
        "overwrite": "OVERWRITE_REPORT",
        "format": "PARQUET",
        "compression": "PARQUET",
        "output_type": "CUSTOM",
    }
    assert _one(export["refresh_cadence"])["frequency"] == "SYNCHRONOUS"
    assert "${aws_s3_bucket_policy.data}" in mod.resource("aws_bcmdataexports_export", "this")["depends_on"]


def test_the_export_comments_say_us_east_1_and_forced_replacement():
    text = (MODULE / "export.tf").read_text()
    assert "us-east-1" in text
    assert "FORCES REPLACEMENT" in text


# --- Glue ---------------------------------------------------------------------------------------------
def _dynamic_columns(descriptor: dict) -> dict:
    dyn = [d["columns"] for d in descriptor.get("dynamic", []) if "columns" in d]
    assert len(dyn) == 1, "columns must come from one dynamic block over the JSON list"
    assert "columns" not in descriptor, "no hand-written columns next to the generated ones"
    return dyn[0]


def test_the_cur_table_is_external_parquet_with_schema_columns_and_billing_period_projection(mod):
    table = mod.resource("aws_glue_catalog_table", "cur")
    assert table["table_type"] == "EXTERNAL_TABLE"
    assert table["database_name"] == "${aws_glue_catalog_database.cur.name}"
    sd = _one(table["storage_descriptor"])
    assert sd["input_format"] == "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    assert sd["output_format"] == "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"
    serde = _one(sd["ser_de_info"])
    assert serde["serialization_library"] == "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
    cols = _dynamic_columns(sd)
    assert cols["for_each"] == "${local.cur_columns}"
    content = _one(cols["content"])
    assert (content["name"], content["type"]) == ("${columns.value.name}", "${columns.value.type}")

    part = _one(table["partition_keys"])
    assert (part["name"], part["type"]) == (
        "${local.partition_column.name}",
        "${local.partition_column.type}",
    )

    p = table["parameters"]
    assert p["projection.enabled"] == "true"
    assert p["projection.billing_period.type"] == "date"
    assert p["projection.billing_period.format"] == "yyyy-MM"
    assert p["projection.billing_period.range"] == "${var.projection_start_month},NOW"
    assert p["projection.billing_period.interval"] == "1"
    assert p["projection.billing_period.interval.unit"] == "MONTHS"
    template = p["storage.location.template"]
    assert template.endswith("/BILLING_PERIOD=$${billing_period}"), template
    # The template and the table location are the same folder.
    assert sd["location"] == "${local.cur_location}"
    assert mod.locals["cur_location"] == "s3://${local.data_bucket_name}/${local.cur_data_prefix}/"
    assert (
        template
        == "s3://${local.data_bucket_name}/${local.cur_data_prefix}/BILLING_PERIOD=$${billing_period}"
    )
    assert mod.locals["cur_data_prefix"] == "${local.export_root_prefix}/data"
    assert mod.locals["export_root_prefix"] == "${var.export_s3_prefix}/${var.export_name}"


def test_the_invocation_log_table_is_openx_json_with_schema_columns_and_hourly_projection(mod):
    table = mod.resource("aws_glue_catalog_table", "invocation_logs")
    assert table["table_type"] == "EXTERNAL_TABLE"
    sd = _one(table["storage_descriptor"])
    serde = _one(sd["ser_de_info"])
    assert serde["serialization_library"] == "org.openx.data.jsonserde.JsonSerDe"
    assert serde["parameters"]["ignore.malformed.json"] == "true"
    assert sd["input_format"] == "org.apache.hadoop.mapred.TextInputFormat"
    cols = _dynamic_columns(sd)
    assert cols["for_each"] == "${local.log_columns}"

    part = _one(table["partition_keys"])
    assert (part["name"], part["type"]) == ("dt", "string")
    p = table["parameters"]
    assert p["projection.enabled"] == "true"
    assert p["projection.dt.type"] == "date"
    assert p["projection.dt.format"] == "yyyy/MM/dd/HH"
    assert p["projection.dt.interval"] == "1"
    assert p["projection.dt.interval.unit"] == "HOURS"
    assert p["projection.dt.range"].endswith("/01/00,NOW")
    assert p["storage.location.template"] == "${local.invocation_logs_location}$${dt}"
    assert sd["location"] == "${local.invocation_logs_location}"
    assert (
        mod.locals["invocation_logs_location"]
        == "s3://${local.logs_bucket_name}/${local.invocation_logs_root}/${local.region}/"
    )
    assert (
        mod.locals["invocation_logs_root"]
        == "${var.invocation_logs_prefix}/AWSLogs/${local.account_id}/BedrockModelInvocationLogs"
    )


# --- Athena -------------------------------------------------------------------------------------------
def test_the_workgroup_is_enforced_capped_metered_encrypted_and_on_engine_3(mod):
    wg = mod.resource("aws_athena_workgroup", "this")
    conf = _one(wg["configuration"])
    assert conf["enforce_workgroup_configuration"] is True
    assert conf["publish_cloudwatch_metrics_enabled"] is True
    assert conf["bytes_scanned_cutoff_per_query"] == "${var.bytes_scanned_cutoff_per_query}"
    assert _one(conf["engine_version"])["selected_engine_version"] == "Athena engine version 3"
    result = _one(conf["result_configuration"])
    assert result["output_location"] == "${local.athena_output_location}"
    assert (
        mod.locals["athena_output_location"] == "s3://${local.data_bucket_name}/${var.athena_results_prefix}/"
    )
    enc = _one(result["encryption_configuration"])
    assert enc["encryption_option"] == '${var.kms_key_arn == null ? "SSE_S3" : "SSE_KMS"}'


# --- S3 -----------------------------------------------------------------------------------------------
def _companion(mod: Config, typ: str, bucket: str) -> dict:
    found = [b for b in mod.of_type(typ).values() if b.get("bucket") == f"${{aws_s3_bucket.{bucket}.id}}"]
    assert len(found) == 1, f"{typ} for aws_s3_bucket.{bucket}: {len(found)}"
    return found[0]


def test_there_are_two_buckets_and_each_is_private_versioned_encrypted_and_owner_enforced(mod):
    buckets = mod.of_type("aws_s3_bucket")
    assert set(buckets) == {"data", "logs"}
    for name in buckets:
        pab = _companion(mod, "aws_s3_bucket_public_access_block", name)
        for key in (
            "block_public_acls",
            "block_public_policy",
            "ignore_public_acls",
            "restrict_public_buckets",
        ):
            assert pab[key] is True, (name, key)
        versioning = _companion(mod, "aws_s3_bucket_versioning", name)
        assert _one(versioning["versioning_configuration"])["status"] == "Enabled"
        ownership = _companion(mod, "aws_s3_bucket_ownership_controls", name)
        assert _one(ownership["rule"])["object_ownership"] == "BucketOwnerEnforced"
        sse = _companion(mod, "aws_s3_bucket_server_side_encryption_configuration", name)
        default = _one(_one(sse["rule"])["apply_server_side_encryption_by_default"])
        assert default["sse_algorithm"] == "${local.sse_algorithm}"
        assert default["kms_master_key_id"] == "${var.kms_key_arn}"
        lifecycle = _companion(mod, "aws_s3_bucket_lifecycle_configuration", name)
        aborts = [r for r in lifecycle["rule"] if "abort_incomplete_multipart_upload" in r]
        assert aborts and all(r["status"] == "Enabled" for r in aborts)
        policy = _companion(mod, "aws_s3_bucket_policy", name)
        assert policy["policy"] == f"${{data.aws_iam_policy_document.{name}_bucket.json}}"
    assert mod.locals["sse_algorithm"] == '${var.kms_key_arn == null ? "AES256" : "aws:kms"}'


def test_old_athena_results_expire(mod):
    lifecycle = _companion(mod, "aws_s3_bucket_lifecycle_configuration", "data")
    rules = [
        r for r in lifecycle["rule"] if _one(r["filter"]).get("prefix") == "${var.athena_results_prefix}/"
    ]
    assert len(rules) == 1
    assert _one(rules[0]["expiration"])["days"] == "${var.athena_results_retention_days}"


def _bucket_policy(mod: Config, bucket: str) -> list[dict]:
    return _statements(mod.data[("aws_iam_policy_document", f"{bucket}_bucket")])


@pytest.mark.parametrize("bucket", ["data", "logs"])
def test_each_bucket_policy_denies_requests_without_tls(mod, bucket):
    deny = [s for s in _bucket_policy(mod, bucket) if s.get("effect") == "Deny"]
    assert len(deny) == 1
    s = deny[0]
    assert s["actions"] == ["s3:*"]
    assert _one(s["principals"]) | {"__is_block__": True} == {
        "type": "*",
        "identifiers": ["*"],
        "__is_block__": True,
    }
    assert sorted(s["resources"]) == sorted(
        [f"${{aws_s3_bucket.{bucket}.arn}}", f"${{aws_s3_bucket.{bucket}.arn}}/*"]
    )
    assert _conditions(s) == {"aws:SecureTransport": ("Bool", ["false"])}


@pytest.mark.parametrize("bucket", ["data", "logs"])
def test_every_service_grant_is_pinned_to_this_account_and_its_source_arns(mod, bucket):
    grants = [s for s in _bucket_policy(mod, bucket) if s.get("effect", "Allow") == "Allow"]
    assert grants
    for s in grants:
        assert _one(s["principals"])["type"] == "Service"
        cond = _conditions(s)
        assert cond["aws:SourceAccount"] == ("StringEquals", ["${local.account_id}"])
        assert "aws:SourceArn" in cond
        assert not any("*" == a or a.endswith(":*") for a in s["actions"]), s["actions"]


def test_data_exports_may_only_put_objects_and_read_the_policy(mod):
    (s,) = [s for s in _bucket_policy(mod, "data") if s.get("effect", "Allow") == "Allow"]
    assert set(_one(s["principals"])["identifiers"]) == {
        "bcm-data-exports.amazonaws.com",
        "billingreports.amazonaws.com",
    }
    assert set(s["actions"]) == {"s3:PutObject", "s3:GetBucketPolicy"}
    assert _conditions(s)["aws:SourceArn"] == ("StringLike", ["${local.data_exports_source_arns}"])
    assert mod.locals["data_exports_source_arns"] == [
        "arn:${local.partition}:cur:${local.billing_region}:${local.account_id}:definition/*",
        "arn:${local.partition}:bcm-data-exports:${local.billing_region}:${local.account_id}:export/*",
    ]
    assert mod.locals["billing_region"] == "us-east-1"


def test_bedrock_may_only_put_objects_under_its_own_log_path(mod):
    (s,) = [s for s in _bucket_policy(mod, "logs") if s.get("effect", "Allow") == "Allow"]
    assert _one(s["principals"])["identifiers"] == ["bedrock.amazonaws.com"]
    assert s["actions"] == ["s3:PutObject"]
    assert s["resources"] == ["${aws_s3_bucket.logs.arn}/${local.invocation_logs_root}/*"]
    assert _conditions(s)["aws:SourceArn"] == ("ArnLike", ["${local.bedrock_source_arn}"])
    assert (
        mod.locals["bedrock_source_arn"]
        == "arn:${local.partition}:bedrock:${local.region}:${local.account_id}:*"
    )


# --- Bedrock, tags, inference profiles -----------------------------------------------------------------
def test_invocation_logging_delivers_text_to_the_logs_bucket_after_its_policy(mod):
    res = mod.resource("aws_bedrock_model_invocation_logging_configuration", "this")
    conf = _one(res["logging_config"])
    assert conf["text_data_delivery_enabled"] is True
    s3 = _one(conf["s3_config"])
    assert s3["bucket_name"] == "${aws_s3_bucket.logs.id}"
    assert s3["key_prefix"] == "${var.invocation_logs_prefix}"
    assert "${aws_s3_bucket_policy.logs}" in res["depends_on"]


def test_cost_allocation_tags_are_activated_per_key_through_us_east_1(mod):
    res = mod.resource("aws_ce_cost_allocation_tag", "this")
    assert res["for_each"] == "${toset(var.cost_allocation_tag_keys)}"
    assert res["tag_key"] == "${each.value}"
    assert res["status"] == "Active"
    assert res["provider"] == "${aws.us_east_1}"
    assert "empty result" in (MODULE / "cost_allocation_tags.tf").read_text()


def test_inference_profiles_copy_from_the_given_model_and_carry_their_tags(mod):
    res = mod.resource("aws_bedrock_inference_profile", "this")
    assert res["for_each"] == "${var.inference_profiles}"
    assert res["name"] == "${each.key}"
    assert _one(res["model_source"])["copy_from"] == "${each.value.model_source_arn}"
    assert res["tags"] == "${merge(var.tags, each.value.tags)}"


# --- the analyzer's policy ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def analyzer(mod) -> list[dict]:
    return _statements(mod.data[("aws_iam_policy_document", "analyzer")])


def test_the_analyzer_policy_has_no_wildcard_action_and_star_resources_only_where_iam_requires(analyzer):
    for s in analyzer:
        assert s.get("effect", "Allow") == "Allow"
        for action in s["actions"]:
            assert "*" not in action, action
        if "*" in _as_list(s["resources"]):
            assert s["resources"] == ["*"], "do not mix * with real ARNs"
            assert set(s["actions"]) <= STAR_RESOURCE_ALLOWED, set(s["actions"]) - STAR_RESOURCE_ALLOWED


def test_the_analyzer_policy_grants_exactly_the_read_and_query_actions(analyzer):
    actions = {a for s in analyzer for a in s["actions"]}
    assert (
        actions
        == {
            "athena:GetWorkGroup",
            "athena:StartQueryExecution",
            "athena:GetQueryExecution",
            "athena:GetQueryResults",
            "athena:StopQueryExecution",
            "glue:GetDatabase",
            "glue:GetTable",
            "glue:GetPartitions",
            "s3:GetBucketLocation",
            "s3:ListBucket",
            "s3:GetObject",
            "s3:PutObject",
            "bcm-data-exports:GetExport",
            "kms:Decrypt",
            "kms:GenerateDataKey",
        }
        | STAR_RESOURCE_ALLOWED
    )


def test_the_analyzer_queries_only_in_its_workgroup_and_reads_only_its_glue_objects(mod, analyzer):
    for s in analyzer:
        services = {a.split(":")[0] for a in s["actions"]}
        if "athena" in services:
            assert services == {"athena"} and s["resources"] == ["${local.athena_workgroup_arn}"]
        if "glue" in services:
            assert services == {"glue"}
            assert (
                s["resources"]
                == "${concat([local.glue_catalog_arn], local.glue_database_arns, local.glue_table_arns)}"
            )
    assert (
        mod.locals["athena_workgroup_arn"]
        == "arn:${local.partition}:athena:${local.region}:${local.account_id}:workgroup/${local.workgroup_name}"
    )
    assert (
        mod.locals["glue_catalog_arn"]
        == "arn:${local.partition}:glue:${local.region}:${local.account_id}:catalog"
    )
    databases = mod.locals["glue_database_arns"]
    assert ":database/${var.glue_database_name}" in databases
    assert ":database/${local.logs_database_name}" in databases
    assert [arn.rsplit(":", 1)[1] for arn in mod.locals["glue_table_arns"]] == [
        "table/${var.glue_database_name}/${var.glue_table_name}",
        "table/${local.logs_database_name}/${var.logs_glue_table_name}",
    ]


def test_the_analyzer_writes_only_athena_results_and_lists_only_its_prefixes(analyzer):
    for s in analyzer:
        if "s3:PutObject" in s["actions"]:
            assert s["resources"] == ["${aws_s3_bucket.data.arn}/${var.athena_results_prefix}/*"]
        if "s3:ListBucket" in s["actions"]:
            assert s["actions"] == ["s3:ListBucket"]
            test, prefixes = _conditions(s)["s3:prefix"]
            assert test == "StringLike" and prefixes
        if "s3:GetObject" in s["actions"]:
            for arn in s["resources"]:
                assert re.fullmatch(r"\$\{aws_s3_bucket\.(data|logs)\.arn\}/\$\{[^}]+\}/\*", arn), arn


def test_kms_is_granted_only_when_a_key_is_configured_and_only_through_s3(mod):
    doc = mod.data[("aws_iam_policy_document", "analyzer")]
    (dyn,) = [d["statement"] for d in doc["dynamic"]]
    assert dyn["for_each"] == "${var.kms_key_arn == null ? [] : [var.kms_key_arn]}"
    content = _one(dyn["content"])
    assert _conditions(content)["kms:ViaService"] == ("StringEquals", ["s3.${local.region}.amazonaws.com"])


# --- variables ----------------------------------------------------------------------------------------
VALIDATED = {
    "name_prefix": "^[a-z0-9]",
    "export_name": r"^[0-9A-Za-z\\-_]+$",
    "time_granularity": '["HOURLY", "DAILY", "MONTHLY"]',
    "bytes_scanned_cutoff_per_query": ">= 10485760",
    "glue_database_name": "^[a-z0-9_]+$",
    "glue_table_name": "^[a-z0-9_]+$",
    "logs_glue_database_name": "^[a-z0-9_]+$",
    "logs_glue_table_name": "^[a-z0-9_]+$",
    "cost_allocation_tag_keys": r"\\p{L}",
    "projection_start_month": "[0-9]{4}-",
    "athena_workgroup_name": "[A-Za-z0-9._-]",
    "inference_profiles": "foundation-model|inference-profile",
    "kms_key_arn": ":kms:",
    "data_bucket_name": "[a-z0-9.-]",
    "logs_bucket_name": "[a-z0-9.-]",
    "export_s3_prefix": "(/",
    "invocation_logs_prefix": "(/",
    "athena_results_prefix": "(/",
}


@pytest.mark.parametrize("folder", [MODULE, EXAMPLE], ids=["module", "example"])
def test_every_variable_and_output_has_a_description(folder):
    cfg = Config(folder)
    assert cfg.variables
    for name, var in {**cfg.variables, **cfg.outputs}.items():
        assert len(var.get("description", "")) > 10, name


@pytest.mark.parametrize("name", sorted(VALIDATED))
def test_user_facing_variables_are_validated(mod, name):
    var = mod.variables[name]
    conditions = " ".join(v["condition"] for v in var.get("validation", []))
    assert VALIDATED[name] in conditions, conditions
    for v in var["validation"]:
        assert v["error_message"].endswith("."), "Terraform requires a full sentence"


# --- what the user copies into cur-analyzer --------------------------------------------------------------
REQUIRED_OUTPUTS = {
    "data_bucket_name",
    "export_arn",
    "glue_database_name",
    "glue_table_name",
    "logs_glue_database_name",
    "logs_glue_table_name",
    "athena_workgroup_name",
    "analyzer_policy_json",
    "cur_analyzer_toml",
    "cur_analyzer_env",
}


def test_module_and_example_expose_the_outputs_cur_analyzer_needs(mod, example):
    assert REQUIRED_OUTPUTS <= set(mod.outputs)
    assert REQUIRED_OUTPUTS <= set(example.outputs)


def _heredoc_lines(value: str) -> list[str]:
    assert value.startswith("<<-EOT\n"), value[:20]
    body = value.removeprefix("<<-EOT\n").rsplit("\n", 1)[0]
    return textwrap.dedent(body).splitlines()


def test_the_toml_output_is_a_cur_analyzer_toml_with_the_athena_settings(mod, tmp_path, monkeypatch):
    lines = _heredoc_lines(mod.outputs["cur_analyzer_toml"]["value"])
    assert [line.split(" = ", 1)[0] for line in lines] == SETTINGS_KEYS
    # Stand-in values for the interpolations, then read it the way cur-analyzer does.
    counter = iter(range(100))
    text = re.sub(r"\$\{[^}]+\}", lambda m: f"v{next(counter)}", "\n".join(lines) + "\n")
    parsed = tomllib.loads(text)
    assert parsed["engine"] == "athena"
    cfg = tmp_path / "cur-analyzer.toml"
    cfg.write_text(text)
    monkeypatch.setenv("CUR_ANALYZER_CONFIG", str(cfg))
    for key in list(os.environ):
        if key.startswith("CUR_ANALYZER_") and key != "CUR_ANALYZER_CONFIG":
            monkeypatch.delenv(key)
    from cur_analyzer.config import load_settings

    settings = load_settings()
    for key, value in parsed.items():
        assert getattr(settings, key) == value, key


def test_the_env_output_carries_the_same_settings_as_the_toml_output(mod):
    toml_lines = _heredoc_lines(mod.outputs["cur_analyzer_toml"]["value"])
    env_lines = _heredoc_lines(mod.outputs["cur_analyzer_env"]["value"])
    from_toml = {k: v.strip('"') for k, v in (line.split(" = ", 1) for line in toml_lines)}
    from_env = dict(line.split("=", 1) for line in env_lines)
    assert from_env == {f"CUR_ANALYZER_{k.upper()}": v for k, v in from_toml.items()}


def test_the_toml_names_the_resources_the_module_creates(mod):
    values = dict(line.split(" = ", 1) for line in _heredoc_lines(mod.outputs["cur_analyzer_toml"]["value"]))
    assert values["workgroup"] == '"${aws_athena_workgroup.this.name}"'
    assert values["database"] == '"${aws_glue_catalog_database.cur.name}"'
    assert values["table"] == '"${aws_glue_catalog_table.cur.name}"'
    assert values["logs_database"] == '"${aws_glue_catalog_table.invocation_logs.database_name}"'
    assert values["logs_table"] == '"${aws_glue_catalog_table.invocation_logs.name}"'
    assert values["region"] == '"${local.region}"'
