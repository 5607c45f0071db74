# Athena workgroup for cur-analyzer: its settings override the client's (enforced), every query is capped
# by bytes scanned, results land encrypted under the data bucket's results prefix and expire there.

resource "aws_athena_workgroup" "this" {
  name          = local.workgroup_name
  description   = "cur-analyzer: Amazon Bedrock chargeback from CUR 2.0"
  state         = "ENABLED"
  force_destroy = var.force_destroy

  configuration {
    enforce_workgroup_configuration    = true
    publish_cloudwatch_metrics_enabled = true
    bytes_scanned_cutoff_per_query     = var.bytes_scanned_cutoff_per_query
    requester_pays_enabled             = false

    engine_version {
      selected_engine_version = "Athena engine version 3"
    }

    result_configuration {
      output_location       = local.athena_output_location
      expected_bucket_owner = local.account_id

      encryption_configuration {
        encryption_option = var.kms_key_arn == null ? "SSE_S3" : "SSE_KMS"
        kms_key_arn       = var.kms_key_arn
      }
    }
  }

  tags = var.tags
}
