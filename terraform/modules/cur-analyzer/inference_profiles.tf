# Optional application inference profiles (AIPs). Callers pass the profile ARN as modelId; the profile's
# tags are attached to the billing records of every request made through it, which gives a tag-based
# cut of the same spend (never add it to the IAM-principal cut). The model source is immutable: changing
# model_source_arn replaces the profile (and its ARN).

resource "aws_bedrock_inference_profile" "this" {
  for_each = var.inference_profiles

  name        = each.key
  description = each.value.description

  model_source {
    copy_from = each.value.model_source_arn
  }

  tags = merge(var.tags, each.value.tags)
}
