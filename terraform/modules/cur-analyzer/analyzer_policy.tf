# Read-only IAM policy for whoever runs cur-analyzer against these resources (output analyzer_policy_json;
# attach it to a role or user yourself). Everything is scoped to this module's workgroup, Glue objects and
# S3 prefixes. Resource "*" appears only for the four read/list calls that have no resource-level
# permissions in IAM (`doctor` uses them).

data "aws_iam_policy_document" "analyzer" {
  statement {
    sid = "AthenaQueriesInThisWorkgroupOnly"
    actions = [
      "athena:GetWorkGroup",
      "athena:StartQueryExecution",
      "athena:GetQueryExecution",
      "athena:GetQueryResults",
      "athena:StopQueryExecution",
    ]
    resources = [local.athena_workgroup_arn]
  }

  statement {
    sid = "GlueReadCurAndLogTables"
    actions = [
      "glue:GetDatabase",
      "glue:GetTable",
      "glue:GetPartitions",
    ]
    resources = concat([local.glue_catalog_arn], local.glue_database_arns, local.glue_table_arns)
  }

  # Athena needs the bucket's region for both the data and the results location.
  statement {
    sid       = "S3BucketLocation"
    actions   = ["s3:GetBucketLocation"]
    resources = [aws_s3_bucket.data.arn, aws_s3_bucket.logs.arn]
  }

  statement {
    sid       = "S3ListExportAndResultPrefixes"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.data.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values = [
        "${local.cur_data_prefix}/*",
        "${local.cur_metadata_prefix}/*",
        "${var.athena_results_prefix}/*",
      ]
    }
  }

  statement {
    sid       = "S3ListInvocationLogPrefix"
    actions   = ["s3:ListBucket"]
    resources = [aws_s3_bucket.logs.arn]
    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.invocation_logs_root}/*"]
    }
  }

  # CUR 2.0 Parquet files and their manifests (doctor reads the manifest to see when a month was refreshed).
  statement {
    sid     = "S3ReadExportAndInvocationLogs"
    actions = ["s3:GetObject"]
    resources = [
      "${aws_s3_bucket.data.arn}/${local.cur_data_prefix}/*",
      "${aws_s3_bucket.data.arn}/${local.cur_metadata_prefix}/*",
      "${aws_s3_bucket.logs.arn}/${local.invocation_logs_root}/*",
    ]
  }

  statement {
    sid       = "S3AthenaResultsReadWrite"
    actions   = ["s3:GetObject", "s3:PutObject"]
    resources = ["${aws_s3_bucket.data.arn}/${var.athena_results_prefix}/*"]
  }

  statement {
    sid       = "DoctorReadExport"
    actions   = ["bcm-data-exports:GetExport"]
    resources = [aws_bcmdataexports_export.this.export[0].export_arn]
  }

  # These four calls have no resource type in IAM: "*" is the only value they accept.
  statement {
    sid = "DoctorListCallsWithoutResourceLevelPermissions"
    actions = [
      "bcm-data-exports:ListExports",
      "ce:ListCostAllocationTags",
      "bedrock:GetModelInvocationLoggingConfiguration",
      "bedrock:ListInferenceProfiles",
    ]
    resources = ["*"]
  }

  # Only with SSE-KMS: decrypt the export/log objects and encrypt Athena results, through S3 only.
  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]
    content {
      sid       = "KmsThroughS3Only"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["s3.${local.region}.amazonaws.com"]
      }
    }
  }
}
