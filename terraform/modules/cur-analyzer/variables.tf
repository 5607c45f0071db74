# --- naming ------------------------------------------------------------------------------------------

variable "name_prefix" {
  description = "Prefix for derived names (buckets, Athena workgroup). Lower-case letters, digits and hyphens, 3-24 characters."
  type        = string
  default     = "cur-analyzer"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{1,22}[a-z0-9]$", var.name_prefix))
    error_message = "name_prefix must be 3-24 characters of a-z, 0-9 and '-', starting and ending with a letter or digit."
  }
}

variable "tags" {
  description = "Tags added to every taggable resource the module creates (on top of the provider's default_tags)."
  type        = map(string)
  default     = {}
}

variable "force_destroy" {
  description = "Allow `terraform destroy` to delete the buckets and the Athena workgroup even when they still hold objects/queries. Keep false for a real billing archive."
  type        = bool
  default     = false
}

# --- S3 ----------------------------------------------------------------------------------------------

variable "data_bucket_name" {
  description = "Name of the bucket receiving the CUR 2.0 export and the Athena query results. null = \"<name_prefix>-data-<account>-<region>\"."
  type        = string
  default     = null

  validation {
    condition     = var.data_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.data_bucket_name))
    error_message = "data_bucket_name must be a valid S3 bucket name (3-63 characters: a-z, 0-9, '.', '-')."
  }
}

variable "logs_bucket_name" {
  description = "Name of the bucket receiving Bedrock model invocation logs (prompts and responses: kept apart from billing data). null = \"<name_prefix>-logs-<account>-<region>\"."
  type        = string
  default     = null

  validation {
    condition     = var.logs_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.logs_bucket_name))
    error_message = "logs_bucket_name must be a valid S3 bucket name (3-63 characters: a-z, 0-9, '.', '-')."
  }
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key ARN for SSE-KMS on both buckets and the Athena results. null = SSE-S3 (AES256). With a key, its key policy must let bcm-data-exports.amazonaws.com, billingreports.amazonaws.com and bedrock.amazonaws.com use kms:GenerateDataKey (not managed here)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>), not an alias."
  }
}

variable "access_log_bucket_name" {
  description = "Existing bucket that receives S3 server access logs for both buckets (prefix \"s3-access/<bucket>/\"). null = no access logging."
  type        = string
  default     = null

  validation {
    condition     = var.access_log_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.access_log_bucket_name))
    error_message = "access_log_bucket_name must be a valid S3 bucket name."
  }
}

variable "athena_results_prefix" {
  description = "Key prefix (no leading or trailing '/') of the Athena query results in the data bucket."
  type        = string
  default     = "athena-results"

  validation {
    condition     = can(regex("^[0-9A-Za-z!_.*'()-]+(/[0-9A-Za-z!_.*'()-]+)*$", var.athena_results_prefix))
    error_message = "athena_results_prefix must be a non-empty S3 key prefix without leading or trailing '/'."
  }
}

variable "athena_results_retention_days" {
  description = "Days after which Athena query results expire (lifecycle rule on the results prefix)."
  type        = number
  default     = 30

  validation {
    condition     = var.athena_results_retention_days >= 1 && floor(var.athena_results_retention_days) == var.athena_results_retention_days
    error_message = "athena_results_retention_days must be a whole number >= 1."
  }
}

variable "export_noncurrent_version_retention_days" {
  description = "Days to keep superseded versions of export files (OVERWRITE_REPORT rewrites the current month up to three times a day)."
  type        = number
  default     = 30

  validation {
    condition     = var.export_noncurrent_version_retention_days >= 1 && floor(var.export_noncurrent_version_retention_days) == var.export_noncurrent_version_retention_days
    error_message = "export_noncurrent_version_retention_days must be a whole number >= 1."
  }
}

variable "invocation_logs_retention_days" {
  description = "Days after which Bedrock invocation logs expire. They hold prompt and response text; 400 keeps a full year for reconciliation."
  type        = number
  default     = 400

  validation {
    condition     = var.invocation_logs_retention_days >= 1 && floor(var.invocation_logs_retention_days) == var.invocation_logs_retention_days
    error_message = "invocation_logs_retention_days must be a whole number >= 1."
  }
}

# --- Data Exports (CUR 2.0) --------------------------------------------------------------------------

variable "export_name" {
  description = "Name of the CUR 2.0 Data Export (also the folder under export_s3_prefix). Changing it replaces the export."
  type        = string
  default     = "cur-analyzer-cur2"

  validation {
    condition     = can(regex("^[0-9A-Za-z\\-_]+$", var.export_name)) && length(var.export_name) <= 128
    error_message = "export_name must match ^[0-9A-Za-z\\-_]+$ (letters, digits, '-' and '_'), at most 128 characters."
  }
}

variable "export_s3_prefix" {
  description = "Key prefix (no leading or trailing '/') under which Data Exports writes <export_name>/data/BILLING_PERIOD=YYYY-MM/."
  type        = string
  default     = "cur2"

  validation {
    condition     = can(regex("^[0-9A-Za-z!_.*'()-]+(/[0-9A-Za-z!_.*'()-]+)*$", var.export_s3_prefix))
    error_message = "export_s3_prefix must be a non-empty S3 key prefix without leading or trailing '/'."
  }
}

variable "time_granularity" {
  description = "CUR 2.0 line-item time grain (TIME_GRANULARITY): HOURLY, DAILY or MONTHLY. HOURLY lets CUR lines be matched to invocation logs by hour. Changing it REPLACES the export (table_configurations forces replacement)."
  type        = string
  default     = "HOURLY"

  validation {
    condition     = contains(["HOURLY", "DAILY", "MONTHLY"], var.time_granularity)
    error_message = "time_granularity must be one of HOURLY, DAILY, MONTHLY."
  }
}

variable "projection_start_month" {
  description = "First billing period (YYYY-MM) covered by the partition projections of the CUR table (and, from its first hour, of the invocation-log table). IAM-principal data exists from 2026-04-08."
  type        = string
  default     = "2026-01"

  validation {
    condition     = can(regex("^[0-9]{4}-(0[1-9]|1[0-2])$", var.projection_start_month))
    error_message = "projection_start_month must be YYYY-MM."
  }
}

# --- Glue / Athena -----------------------------------------------------------------------------------

variable "glue_database_name" {
  description = "Glue database for the CUR 2.0 table (cur-analyzer setting `database`). Lower-case letters, digits and '_'."
  type        = string
  default     = "cur_analyzer"

  validation {
    condition     = can(regex("^[a-z0-9_]+$", var.glue_database_name)) && length(var.glue_database_name) <= 255
    error_message = "glue_database_name must match ^[a-z0-9_]+$ (at most 255 characters)."
  }
}

variable "glue_table_name" {
  description = "Glue table over the CUR 2.0 export (cur-analyzer setting `table`). Lower-case letters, digits and '_'."
  type        = string
  default     = "cur2"

  validation {
    condition     = can(regex("^[a-z0-9_]+$", var.glue_table_name)) && length(var.glue_table_name) <= 255
    error_message = "glue_table_name must match ^[a-z0-9_]+$ (at most 255 characters)."
  }
}

variable "logs_glue_database_name" {
  description = "Glue database for the invocation-log table (cur-analyzer setting `logs_database`). null or equal to glue_database_name = put the table in the CUR database."
  type        = string
  default     = "cur_analyzer_logs"

  validation {
    condition     = var.logs_glue_database_name == null || (can(regex("^[a-z0-9_]+$", var.logs_glue_database_name)) && length(coalesce(var.logs_glue_database_name, "x")) <= 255)
    error_message = "logs_glue_database_name must match ^[a-z0-9_]+$ (at most 255 characters) or be null."
  }
}

variable "logs_glue_table_name" {
  description = "Glue table over the Bedrock invocation logs (cur-analyzer setting `logs_table`). Lower-case letters, digits and '_'."
  type        = string
  default     = "bedrock_invocation_logs"

  validation {
    condition     = can(regex("^[a-z0-9_]+$", var.logs_glue_table_name)) && length(var.logs_glue_table_name) <= 255
    error_message = "logs_glue_table_name must match ^[a-z0-9_]+$ (at most 255 characters)."
  }
}

variable "athena_workgroup_name" {
  description = "Athena workgroup name (cur-analyzer setting `workgroup`). null = name_prefix."
  type        = string
  default     = null

  validation {
    condition     = var.athena_workgroup_name == null || can(regex("^[A-Za-z0-9._-]{1,128}$", var.athena_workgroup_name))
    error_message = "athena_workgroup_name must be 1-128 characters of A-Z, a-z, 0-9, '.', '_' and '-'."
  }
}

variable "bytes_scanned_cutoff_per_query" {
  description = "Athena cancels any query of the workgroup that scans more than this many bytes (minimum 10485760 = 10 MiB). Default 10 GiB, about USD 0.05 per query at USD 5/TB."
  type        = number
  default     = 10737418240

  validation {
    condition     = var.bytes_scanned_cutoff_per_query >= 10485760 && floor(var.bytes_scanned_cutoff_per_query) == var.bytes_scanned_cutoff_per_query
    error_message = "bytes_scanned_cutoff_per_query must be a whole number >= 10485760 (10 MiB, the Athena minimum)."
  }
}

# --- Bedrock -----------------------------------------------------------------------------------------

variable "enable_invocation_logging" {
  description = "Manage this region's Bedrock model invocation logging configuration (one per account and region: it REPLACES any existing one). false = leave logging alone; the bucket and Glue table are still created."
  type        = bool
  default     = true
}

variable "invocation_logs_prefix" {
  description = "Key prefix (no leading or trailing '/') for Bedrock invocation logs in the logs bucket; Bedrock appends AWSLogs/<account>/BedrockModelInvocationLogs/<region>/YYYY/MM/DD/HH/."
  type        = string
  default     = "bedrock-invocation-logs"

  validation {
    condition     = can(regex("^[0-9A-Za-z!_.*'()-]+(/[0-9A-Za-z!_.*'()-]+)*$", var.invocation_logs_prefix))
    error_message = "invocation_logs_prefix must be a non-empty S3 key prefix without leading or trailing '/'."
  }
}

variable "log_image_data" {
  description = "Include image-model invocations (image_data_delivery_enabled) in the invocation logs."
  type        = bool
  default     = true
}

variable "log_embedding_data" {
  description = "Include embedding-model invocations (embedding_data_delivery_enabled) in the invocation logs."
  type        = bool
  default     = true
}

variable "inference_profiles" {
  description = "Application inference profiles to create, by name: model_source_arn is a foundation-model ARN or a system (cross-region) inference-profile ARN; tags become resource tags on the profile (activate them as cost allocation tags to see them in CUR `resource_tags`)."
  type = map(object({
    model_source_arn = string
    description      = optional(string)
    tags             = optional(map(string), {})
  }))
  default = {}

  validation {
    condition     = alltrue([for name, p in var.inference_profiles : can(regex("^([0-9a-zA-Z][ _-]?)+$", name)) && length(name) <= 64])
    error_message = "inference_profiles keys (profile names) must match ^([0-9a-zA-Z][ _-]?)+$ and be at most 64 characters."
  }

  validation {
    condition = alltrue([
      for p in values(var.inference_profiles) :
      can(regex("^arn:aws[a-z-]*:bedrock:[a-z0-9-]+:([0-9]{12})?:(foundation-model|inference-profile)/.+$", p.model_source_arn))
    ])
    error_message = "model_source_arn must be a Bedrock foundation-model ARN (arn:aws:bedrock:<region>::foundation-model/<id>) or inference-profile ARN."
  }
}

# --- Cost allocation tags ----------------------------------------------------------------------------

variable "cost_allocation_tag_keys" {
  description = "Tag keys to activate as cost allocation tags, e.g. [\"iamPrincipal/team\", \"iamPrincipal/cost-center\", \"team\", \"cost-center\"]. IAM principal/session tags use the \"iamPrincipal/\" prefix. A key can only be activated once AWS has seen it (about 24 h after first use); before that the apply fails with \"empty result\"."
  type        = list(string)
  default     = []

  validation {
    condition = alltrue([
      for k in var.cost_allocation_tag_keys :
      can(regex("^[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]{1,128}$", k)) && !startswith(lower(k), "aws:")
    ])
    error_message = "Each cost allocation tag key must be 1-128 characters of letters, digits, spaces and _ . : / = + - @, and must not start with \"aws:\"."
  }

  validation {
    condition     = length(distinct(var.cost_allocation_tag_keys)) == length(var.cost_allocation_tag_keys)
    error_message = "cost_allocation_tag_keys must not contain duplicates."
  }
}
