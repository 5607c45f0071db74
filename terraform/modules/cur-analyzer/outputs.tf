output "data_bucket_name" {
  description = "Bucket holding the CUR 2.0 export and the Athena query results."
  value       = aws_s3_bucket.data.id
}

output "logs_bucket_name" {
  description = "Bucket holding the Bedrock model invocation logs."
  value       = aws_s3_bucket.logs.id
}

output "export_arn" {
  description = "ARN of the CUR 2.0 Data Export (us-east-1)."
  value       = aws_bcmdataexports_export.this.export[0].export_arn
}

output "cur_s3_location" {
  description = "S3 folder holding the BILLING_PERIOD=YYYY-MM partitions of the export (what `cur-analyzer --cur` reads after an `aws s3 sync`)."
  value       = local.cur_location
}

output "invocation_logs_s3_location" {
  description = "S3 folder of this region's invocation logs (YYYY/MM/DD/HH/ below it)."
  value       = local.invocation_logs_location
}

output "glue_database_name" {
  description = "Glue database of the CUR 2.0 table."
  value       = aws_glue_catalog_database.cur.name
}

output "glue_table_name" {
  description = "Glue table over the CUR 2.0 export (partition column billing_period)."
  value       = aws_glue_catalog_table.cur.name
}

output "logs_glue_database_name" {
  description = "Glue database of the invocation-log table."
  value       = aws_glue_catalog_table.invocation_logs.database_name
}

output "logs_glue_table_name" {
  description = "Glue table over the Bedrock invocation logs (partition column dt = yyyy/MM/dd/HH)."
  value       = aws_glue_catalog_table.invocation_logs.name
}

output "athena_workgroup_name" {
  description = "Athena workgroup to run cur-analyzer in."
  value       = aws_athena_workgroup.this.name
}

output "analyzer_policy_json" {
  description = "Read-only IAM policy (JSON) for the principal running cur-analyzer: attach it to a role or user."
  value       = data.aws_iam_policy_document.analyzer.json
}

output "inference_profile_arns" {
  description = "ARNs of the application inference profiles, by name (pass as modelId)."
  value       = { for name, p in aws_bedrock_inference_profile.this : name => p.arn }
}

output "cost_allocation_tag_keys" {
  description = "Tag keys activated as cost allocation tags."
  value       = sort([for t in aws_ce_cost_allocation_tag.this : t.tag_key])
}

output "cur_analyzer_toml" {
  description = "Contents of cur-analyzer.toml for these resources (write it to the working folder)."
  value       = <<-EOT
    engine = "athena"
    region = "${local.region}"
    workgroup = "${aws_athena_workgroup.this.name}"
    database = "${aws_glue_catalog_database.cur.name}"
    table = "${aws_glue_catalog_table.cur.name}"
    logs_database = "${aws_glue_catalog_table.invocation_logs.database_name}"
    logs_table = "${aws_glue_catalog_table.invocation_logs.name}"
  EOT
}

output "cur_analyzer_env" {
  description = "The same settings as CUR_ANALYZER_* environment lines (KEY=value, one per line)."
  value       = <<-EOT
    CUR_ANALYZER_ENGINE=athena
    CUR_ANALYZER_REGION=${local.region}
    CUR_ANALYZER_WORKGROUP=${aws_athena_workgroup.this.name}
    CUR_ANALYZER_DATABASE=${aws_glue_catalog_database.cur.name}
    CUR_ANALYZER_TABLE=${aws_glue_catalog_table.cur.name}
    CUR_ANALYZER_LOGS_DATABASE=${aws_glue_catalog_table.invocation_logs.database_name}
    CUR_ANALYZER_LOGS_TABLE=${aws_glue_catalog_table.invocation_logs.name}
  EOT
}
