# Complete example: everything cur-analyzer needs in one account, home region var.region.
#
#   terraform init && terraform apply
#   terraform output -raw cur_analyzer_toml > cur-analyzer.toml
#   terraform output -raw analyzer_policy_json   # attach to the role that runs cur-analyzer
#
# Data Exports and Cost Explorer are us-east-1 APIs, hence the second provider. If var.region is
# us-east-1 both providers point at the same region, which is fine.

provider "aws" {
  region = var.region

  default_tags {
    tags = var.tags
  }
}

provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"

  default_tags {
    tags = var.tags
  }
}

module "cur_analyzer" {
  source = "../../modules/cur-analyzer"

  providers = {
    aws           = aws
    aws.us_east_1 = aws.us_east_1
  }

  name_prefix                    = var.name_prefix
  export_name                    = var.export_name
  time_granularity               = var.time_granularity
  bytes_scanned_cutoff_per_query = var.bytes_scanned_cutoff_per_query
  kms_key_arn                    = var.kms_key_arn
  access_log_bucket_name         = var.access_log_bucket_name
  enable_invocation_logging      = var.enable_invocation_logging
  cost_allocation_tag_keys       = var.cost_allocation_tag_keys
  inference_profiles             = var.inference_profiles
}
