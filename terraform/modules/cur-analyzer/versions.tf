terraform {
  # optional() object attributes with defaults need 1.3; 1.5 is the oldest release still commonly run.
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Floor = the newest resource this module uses:
      #   aws_bedrock_inference_profile                        added in 5.81.0 (2024-12-12, PR #40294)
      #   aws_bcmdataexports_export                            added in 5.47.0 (2024-04, #37144)
      #   aws_bedrock_model_invocation_logging_configuration   added ~5.26.0 (PR #34303)
      #   aws_ce_cost_allocation_tag                           added in 4.20.0 (PR #25272)
      #   S3 bucket sub-resources, Glue, Athena engine_version  all older than 5.0
      # Ceiling < 7.0: the module is written against the 5.x/6.x schemas (e.g. data.aws_region's `name`,
      # deprecated in 6.x in favour of `region` but still present); re-check before allowing 7.x.
      version = ">= 5.81, < 7.0"

      # Data Exports (and Cost Explorer's cost-allocation-tag API) are us-east-1 services: the caller
      # passes a provider configured for us-east-1 as aws.us_east_1 (the same one if home is us-east-1).
      configuration_aliases = [aws.us_east_1]
    }
  }
}
