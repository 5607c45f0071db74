terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Same range as the module: 5.81.0 added aws_bedrock_inference_profile, the newest resource it
      # uses (aws_bcmdataexports_export needs 5.47.0); 7.x is not yet checked.
      version = ">= 5.81, < 7.0"
    }
  }
}
