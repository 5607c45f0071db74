# Two buckets:
#   data  CUR 2.0 export (<export_s3_prefix>/<export_name>/...) + Athena results (<athena_results_prefix>/)
#   logs  Bedrock model invocation logs. They contain prompt and response text, so they get their own
#         bucket: own retention, own access, and the Data Exports bucket-wide grant does not reach them.

# ===================================================================================== data bucket ===

resource "aws_s3_bucket" "data" {
  #checkov:skip=CKV_AWS_144:No cross-region replication for a billing export: AWS can re-deliver the CUR (and restate it every refresh), Athena results are disposable.
  #checkov:skip=CKV2_AWS_62:No event notifications: nothing reacts to new objects, Athena finds new months through partition projection.
  bucket        = local.data_bucket_name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_ownership_controls" "data" {
  bucket = aws_s3_bucket.data.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "data" {
  bucket                  = aws_s3_bucket.data.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "data" {
  bucket = aws_s3_bucket.data.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "data" {
  bucket = aws_s3_bucket.data.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = local.sse_algorithm
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "data" {
  bucket = aws_s3_bucket.data.id

  rule {
    id     = "expire-athena-results"
    status = "Enabled"
    filter {
      prefix = "${var.athena_results_prefix}/"
    }
    expiration {
      days = var.athena_results_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 1
    }
  }

  # OVERWRITE_REPORT replaces the current month's files up to three times a day; with versioning on, the
  # superseded versions are kept for a while (recoverable) and then removed.
  rule {
    id     = "expire-superseded-export-files"
    status = "Enabled"
    filter {
      prefix = "${var.export_s3_prefix}/"
    }
    noncurrent_version_expiration {
      noncurrent_days = var.export_noncurrent_version_retention_days
    }
    expiration {
      expired_object_delete_marker = true
    }
  }

  # Bucket-wide: incomplete multipart uploads are invisible but billed.
  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.data]
}

resource "aws_s3_bucket_logging" "data" {
  count = var.access_log_bucket_name == null ? 0 : 1

  bucket        = aws_s3_bucket.data.id
  target_bucket = var.access_log_bucket_name
  target_prefix = "s3-access/${local.data_bucket_name}/"
}

data "aws_iam_policy_document" "data_bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.data.arn,
      "${aws_s3_bucket.data.arn}/*",
    ]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # AWS's documented Data Exports policy. Object grant is bucket-wide on purpose: Data Exports writes a
  # probe object (aws-programmatic-access-test-object) at the bucket root, and a prefix-only grant made
  # export creation fail. The conditions pin the writer to this account's own exports / CUR definitions.
  statement {
    sid     = "EnableAWSDataExportsToWriteToS3AndCheckPolicy"
    effect  = "Allow"
    actions = ["s3:PutObject", "s3:GetBucketPolicy"]
    resources = [
      aws_s3_bucket.data.arn,
      "${aws_s3_bucket.data.arn}/*",
    ]
    principals {
      type        = "Service"
      identifiers = ["bcm-data-exports.amazonaws.com", "billingreports.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "StringLike"
      variable = "aws:SourceArn"
      values   = local.data_exports_source_arns
    }
  }
}

resource "aws_s3_bucket_policy" "data" {
  bucket = aws_s3_bucket.data.id
  policy = data.aws_iam_policy_document.data_bucket.json

  # Serialised: S3 answers concurrent bucket-configuration changes with OperationAborted.
  depends_on = [aws_s3_bucket_public_access_block.data]
}

# ===================================================================================== logs bucket ===

resource "aws_s3_bucket" "logs" {
  #checkov:skip=CKV_AWS_144:No cross-region replication: it would copy prompt and response text to a second region, and the logs are only a reconciliation source.
  #checkov:skip=CKV2_AWS_62:No event notifications: nothing reacts to new log objects, Athena finds new hours through partition projection.
  bucket        = local.logs_bucket_name
  force_destroy = var.force_destroy
  tags          = var.tags
}

resource "aws_s3_bucket_ownership_controls" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_public_access_block" "logs" {
  bucket                  = aws_s3_bucket.logs.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_versioning" "logs" {
  bucket = aws_s3_bucket.logs.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = local.sse_algorithm
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  bucket = aws_s3_bucket.logs.id

  rule {
    id     = "expire-invocation-logs"
    status = "Enabled"
    filter {
      prefix = "${var.invocation_logs_prefix}/"
    }
    expiration {
      days = var.invocation_logs_retention_days
    }
    noncurrent_version_expiration {
      noncurrent_days = 7
    }
  }

  # Bucket-wide: incomplete multipart uploads are invisible but billed.
  rule {
    id     = "abort-incomplete-multipart-uploads"
    status = "Enabled"
    filter {}
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  depends_on = [aws_s3_bucket_versioning.logs]
}

resource "aws_s3_bucket_logging" "logs" {
  count = var.access_log_bucket_name == null ? 0 : 1

  bucket        = aws_s3_bucket.logs.id
  target_bucket = var.access_log_bucket_name
  target_prefix = "s3-access/${local.logs_bucket_name}/"
}

data "aws_iam_policy_document" "logs_bucket" {
  statement {
    sid     = "DenyInsecureTransport"
    effect  = "Deny"
    actions = ["s3:*"]
    resources = [
      aws_s3_bucket.logs.arn,
      "${aws_s3_bucket.logs.arn}/*",
    ]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }

  # Bedrock model invocation logging (AWS's documented policy), limited to this account's log path and to
  # Bedrock acting for this account in this region.
  statement {
    sid       = "AmazonBedrockLogsWrite"
    effect    = "Allow"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.logs.arn}/${local.invocation_logs_root}/*"]
    principals {
      type        = "Service"
      identifiers = ["bedrock.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = [local.bedrock_source_arn]
    }
  }
}

resource "aws_s3_bucket_policy" "logs" {
  bucket = aws_s3_bucket.logs.id
  policy = data.aws_iam_policy_document.logs_bucket.json

  depends_on = [aws_s3_bucket_public_access_block.logs]
}
