# Bedrock model invocation logging to S3 (text delivery on: token counts per request feed `reconcile`
# and `estimate`). There is ONE logging configuration per account and region: applying this replaces
# whatever was configured before, so it can be switched off with var.enable_invocation_logging.
# Logging covers this region only; other regions need their own configuration (another module call
# with a provider for that region).

resource "aws_bedrock_model_invocation_logging_configuration" "this" {
  count = var.enable_invocation_logging ? 1 : 0

  logging_config {
    text_data_delivery_enabled      = true
    image_data_delivery_enabled     = var.log_image_data
    embedding_data_delivery_enabled = var.log_embedding_data

    s3_config {
      bucket_name = aws_s3_bucket.logs.id
      key_prefix  = var.invocation_logs_prefix
    }
  }

  # Bedrock checks on Put that it may write to the bucket.
  depends_on = [
    aws_s3_bucket_policy.logs,
    aws_s3_bucket_ownership_controls.logs,
    aws_s3_bucket_server_side_encryption_configuration.logs,
  ]
}
