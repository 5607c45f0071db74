# Glue catalog: one table over the CUR 2.0 Parquet export, one over the invocation-log JSON. Both use
# partition projection (no crawler, no MSCK REPAIR): a new month or hour is queryable as soon as its
# files land. Columns and types come from cur2_columns.json, i.e. from cur_analyzer/schema.py.

resource "aws_glue_catalog_database" "cur" {
  name        = var.glue_database_name
  description = "cur-analyzer: CUR 2.0 (Data Exports) tables"
  tags        = var.tags
}

resource "aws_glue_catalog_database" "logs" {
  count = local.create_logs_database ? 1 : 0

  name        = local.logs_database_name
  description = "cur-analyzer: Amazon Bedrock model invocation log tables"
  tags        = var.tags
}

resource "aws_glue_catalog_table" "cur" {
  name          = var.glue_table_name
  database_name = aws_glue_catalog_database.cur.name
  description   = "CUR 2.0 export ${var.export_name} (${local.cur_location}), partitioned by billing period"
  table_type    = "EXTERNAL_TABLE"

  parameters = {
    "EXTERNAL"                                = "TRUE"
    "classification"                          = "parquet"
    "projection.enabled"                      = "true"
    "projection.billing_period.type"          = "date"
    "projection.billing_period.format"        = "yyyy-MM"
    "projection.billing_period.range"         = "${var.projection_start_month},NOW"
    "projection.billing_period.interval"      = "1"
    "projection.billing_period.interval.unit" = "MONTHS"
    # $${...} is HCL's escape for a literal ${...}: Athena fills it in, not Terraform.
    "storage.location.template" = "s3://${local.data_bucket_name}/${local.cur_data_prefix}/BILLING_PERIOD=$${billing_period}"
  }

  partition_keys {
    name    = local.partition_column.name
    type    = local.partition_column.type
    comment = "YYYY-MM, from the BILLING_PERIOD= folder (not stored in the Parquet files)"
  }

  storage_descriptor {
    location      = local.cur_location
    input_format  = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat"

    ser_de_info {
      name                  = "parquet"
      serialization_library = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
      parameters = {
        "serialization.format" = "1"
      }
    }

    dynamic "columns" {
      for_each = local.cur_columns
      content {
        name = columns.value.name
        type = columns.value.type
      }
    }
  }
}

resource "aws_glue_catalog_table" "invocation_logs" {
  name          = var.logs_glue_table_name
  database_name = local.create_logs_database ? aws_glue_catalog_database.logs[0].name : aws_glue_catalog_database.cur.name
  description   = "Amazon Bedrock model invocation logs (${local.invocation_logs_location}), partitioned by hour"
  table_type    = "EXTERNAL_TABLE"

  parameters = {
    "EXTERNAL"                    = "TRUE"
    "classification"              = "json"
    "projection.enabled"          = "true"
    "projection.dt.type"          = "date"
    "projection.dt.format"        = "yyyy/MM/dd/HH"
    "projection.dt.range"         = "${replace(var.projection_start_month, "-", "/")}/01/00,NOW"
    "projection.dt.interval"      = "1"
    "projection.dt.interval.unit" = "HOURS"
    "storage.location.template"   = "${local.invocation_logs_location}$${dt}"
  }

  partition_keys {
    name    = "dt"
    type    = "string"
    comment = "yyyy/MM/dd/HH (UTC) from the S3 key; filter on it to limit the scan"
  }

  storage_descriptor {
    location      = local.invocation_logs_location
    input_format  = "org.apache.hadoop.mapred.TextInputFormat"
    output_format = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"

    ser_de_info {
      name                  = "json"
      serialization_library = "org.openx.data.jsonserde.JsonSerDe"
      parameters = {
        # permission-check marker objects and any non-JSON line become NULL rows instead of failing the query
        "ignore.malformed.json" = "true"
      }
    }

    dynamic "columns" {
      for_each = local.log_columns
      content {
        name = columns.value.name
        type = columns.value.type
      }
    }
  }
}
