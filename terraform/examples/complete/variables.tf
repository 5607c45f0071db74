variable "region" {
  description = "Home region: buckets, Glue, Athena, Bedrock invocation logging and inference profiles (the export itself is created through us-east-1)."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as us-east-1 or eu-west-1."
  }
}

variable "tags" {
  description = "Default tags for every resource (provider default_tags)."
  type        = map(string)
  default = {
    application = "cur-analyzer"
  }
}

variable "name_prefix" {
  description = "Prefix for bucket and workgroup names (see the module's variable)."
  type        = string
  default     = "cur-analyzer"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,22}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-24 characters of a-z, 0-9 and '-', starting and ending with a letter or digit."
  }
}

variable "export_name" {
  description = "Name of the CUR 2.0 Data Export."
  type        = string
  default     = "cur-analyzer-cur2"

  validation {
    condition     = can(regex("^[0-9A-Za-z\\-_]+$", var.export_name))
    error_message = "export_name must match ^[0-9A-Za-z\\-_]+$."
  }
}

variable "time_granularity" {
  description = "CUR 2.0 TIME_GRANULARITY: HOURLY, DAILY or MONTHLY (changing it replaces the export)."
  type        = string
  default     = "HOURLY"

  validation {
    condition     = contains(["HOURLY", "DAILY", "MONTHLY"], var.time_granularity)
    error_message = "time_granularity must be one of HOURLY, DAILY, MONTHLY."
  }
}

variable "bytes_scanned_cutoff_per_query" {
  description = "Athena per-query scan limit in bytes (>= 10485760)."
  type        = number
  default     = 10737418240

  validation {
    condition     = var.bytes_scanned_cutoff_per_query >= 10485760
    error_message = "bytes_scanned_cutoff_per_query must be >= 10485760 (10 MiB)."
  }
}

variable "kms_key_arn" {
  description = "Optional customer-managed KMS key for the buckets and Athena results (null = SSE-S3)."
  type        = string
  default     = null
}

variable "access_log_bucket_name" {
  description = "Optional existing bucket for S3 server access logs of both buckets (null = none)."
  type        = string
  default     = null
}

variable "enable_invocation_logging" {
  description = "Manage Bedrock model invocation logging in var.region (replaces an existing configuration)."
  type        = bool
  default     = true
}

variable "cost_allocation_tag_keys" {
  description = "Tag keys to activate, e.g. [\"iamPrincipal/team\", \"iamPrincipal/cost-center\", \"team\", \"cost-center\"]. Empty by default: a key fails to activate until AWS has seen it (~24 h after first use)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for k in var.cost_allocation_tag_keys : can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]{1,128}$", k))])
    error_message = "Each tag key must be 1-128 characters of letters, digits, spaces and _ . : / = + - @."
  }
}

variable "inference_profiles" {
  description = "Application inference profiles to create: name => { model_source_arn, description, tags }."
  type = map(object({
    model_source_arn = string
    description      = optional(string)
    tags             = optional(map(string), {})
  }))
  default = {}
}
