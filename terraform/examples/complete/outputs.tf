output "data_bucket_name" {
  description = "Bucket with the CUR 2.0 export and Athena results."
  value       = module.cur_analyzer.data_bucket_name
}

output "logs_bucket_name" {
  description = "Bucket with the Bedrock invocation logs."
  value       = module.cur_analyzer.logs_bucket_name
}

output "export_arn" {
  description = "ARN of the CUR 2.0 Data Export."
  value       = module.cur_analyzer.export_arn
}

output "glue_database_name" {
  description = "Glue database of the CUR 2.0 table."
  value       = module.cur_analyzer.glue_database_name
}

output "glue_table_name" {
  description = "Glue table over the CUR 2.0 export."
  value       = module.cur_analyzer.glue_table_name
}

output "logs_glue_database_name" {
  description = "Glue database of the invocation-log table."
  value       = module.cur_analyzer.logs_glue_database_name
}

output "logs_glue_table_name" {
  description = "Glue table over the invocation logs."
  value       = module.cur_analyzer.logs_glue_table_name
}

output "athena_workgroup_name" {
  description = "Athena workgroup for cur-analyzer."
  value       = module.cur_analyzer.athena_workgroup_name
}

output "analyzer_policy_json" {
  description = "Read-only IAM policy for the principal running cur-analyzer."
  value       = module.cur_analyzer.analyzer_policy_json
}

output "inference_profile_arns" {
  description = "Application inference profile ARNs by name."
  value       = module.cur_analyzer.inference_profile_arns
}

output "cur_analyzer_toml" {
  description = "cur-analyzer.toml for these resources: terraform output -raw cur_analyzer_toml > cur-analyzer.toml"
  value       = module.cur_analyzer.cur_analyzer_toml
}

output "cur_analyzer_env" {
  description = "The same settings as CUR_ANALYZER_* lines: terraform output -raw cur_analyzer_env > .env"
  value       = module.cur_analyzer.cur_analyzer_env
}
