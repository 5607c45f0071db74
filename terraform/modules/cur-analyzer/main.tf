# cur-analyzer: the AWS side of Amazon Bedrock chargeback from the CUR 2.0 bill.
#
#   s3.tf                    data bucket (CUR 2.0 export + Athena results) and invocation-logs bucket
#   export.tf                CUR 2.0 Data Export with IAM-principal data (us-east-1 provider alias)
#   glue.tf                  Glue databases and tables (CUR 2.0 Parquet + invocation-log JSON) with projection
#   invocation_logging.tf    Bedrock model invocation logging to S3
#   athena.tf                Athena workgroup (enforced settings, scan cutoff, metrics)
#   cost_allocation_tags.tf  activation of iamPrincipal/* and resource tag keys
#   inference_profiles.tf    optional application inference profiles (tag-based attribution)
#   analyzer_policy.tf       read-only IAM policy document for the cur-analyzer CLI
#
# The column lists come from cur2_columns.json, generated from cur_analyzer/schema.py (see that file's
# "_generated_by" key): do not edit it by hand.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  # `name` is deprecated in provider 6.x (replaced by `region`) but exists in every version allowed by
  # versions.tf; `region` does not exist in 5.x.
  region = data.aws_region.current.name

  # Data Exports (and legacy CUR) are us-east-1 services whatever the home region.
  billing_region = "us-east-1"

  # --- one home for the column lists: cur_analyzer/schema.py -> cur2_columns.json --------------------
  columns          = jsondecode(file("${path.module}/cur2_columns.json"))
  cur_columns      = local.columns.cur_columns
  partition_column = local.columns.partition_column
  log_columns      = local.columns.log_table_columns

  # Data Exports SQL: exactly the schema's columns, in order. A column that the table configuration does
  # not produce makes CreateExport fail ("not a subset of the table COST_AND_USAGE_REPORT").
  cur_query = "SELECT ${join(", ", [for c in local.cur_columns : c.name])} FROM COST_AND_USAGE_REPORT"

  # --- names -------------------------------------------------------------------------------------------
  data_bucket_name   = coalesce(var.data_bucket_name, "${var.name_prefix}-data-${local.account_id}-${local.region}")
  logs_bucket_name   = coalesce(var.logs_bucket_name, "${var.name_prefix}-logs-${local.account_id}-${local.region}")
  workgroup_name     = coalesce(var.athena_workgroup_name, var.name_prefix)
  logs_database_name = coalesce(var.logs_glue_database_name, var.glue_database_name)
  # The logs table may live in the CUR database (logs_glue_database_name = null or the same name).
  create_logs_database = local.logs_database_name != var.glue_database_name

  # --- S3 layout -----------------------------------------------------------------------------------
  # Data Exports writes s3://<bucket>/<prefix>/<export>/data/BILLING_PERIOD=YYYY-MM/*.parquet and
  # .../<export>/metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json.
  export_root_prefix     = "${var.export_s3_prefix}/${var.export_name}"
  cur_data_prefix        = "${local.export_root_prefix}/data"
  cur_metadata_prefix    = "${local.export_root_prefix}/metadata"
  cur_location           = "s3://${local.data_bucket_name}/${local.cur_data_prefix}/"
  athena_output_location = "s3://${local.data_bucket_name}/${var.athena_results_prefix}/"

  # Bedrock writes s3://<bucket>/<key_prefix>/AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/*.json.gz
  invocation_logs_root     = "${var.invocation_logs_prefix}/AWSLogs/${local.account_id}/BedrockModelInvocationLogs"
  invocation_logs_location = "s3://${local.logs_bucket_name}/${local.invocation_logs_root}/${local.region}/"

  # --- ARNs ----------------------------------------------------------------------------------------
  billing_view_arn     = "arn:${local.partition}:billing::${local.account_id}:billingview/primary"
  athena_workgroup_arn = "arn:${local.partition}:athena:${local.region}:${local.account_id}:workgroup/${local.workgroup_name}"
  glue_catalog_arn     = "arn:${local.partition}:glue:${local.region}:${local.account_id}:catalog"
  glue_database_arns = distinct([
    "arn:${local.partition}:glue:${local.region}:${local.account_id}:database/${var.glue_database_name}",
    "arn:${local.partition}:glue:${local.region}:${local.account_id}:database/${local.logs_database_name}",
  ])
  glue_table_arns = [
    "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${var.glue_database_name}/${var.glue_table_name}",
    "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${local.logs_database_name}/${var.logs_glue_table_name}",
  ]
  # Principals allowed to write into the buckets are pinned to this account's own sources.
  data_exports_source_arns = [
    "arn:${local.partition}:cur:${local.billing_region}:${local.account_id}:definition/*",
    "arn:${local.partition}:bcm-data-exports:${local.billing_region}:${local.account_id}:export/*",
  ]
  bedrock_source_arn = "arn:${local.partition}:bedrock:${local.region}:${local.account_id}:*"

  sse_algorithm = var.kms_key_arn == null ? "AES256" : "aws:kms"
}
