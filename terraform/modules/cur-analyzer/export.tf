# CUR 2.0 Data Export with caller identity (IAM principal) allocation data.
#
# * Data Exports is a us-east-1 API: this resource uses the aws.us_east_1 provider alias whatever the
#   home region; the export still delivers to the data bucket in the home region (s3_region).
# * Any change to table_configurations (granularity, INCLUDE_* flags) FORCES REPLACEMENT of the export
#   (provider issue #43893): a new export re-delivers the current month only unless AWS Support backfills.
# * When table_configurations is set, every key must be set, BILLING_VIEW_ARN included.
# * The query lists exactly the columns of cur_analyzer/schema.py (cur2_columns.json); a column the table
#   configuration does not produce makes CreateExport fail, so INCLUDE_RESOURCES and
#   INCLUDE_IAM_PRINCIPAL_DATA must stay "TRUE" (they add line_item_resource_id, line_item_iam_principal).

resource "aws_bcmdataexports_export" "this" {
  provider = aws.us_east_1

  export {
    name        = var.export_name
    description = "CUR 2.0 with IAM principal data for cur-analyzer (Amazon Bedrock chargeback)"

    data_query {
      query_statement = local.cur_query
      table_configurations = {
        COST_AND_USAGE_REPORT = {
          BILLING_VIEW_ARN                      = local.billing_view_arn
          TIME_GRANULARITY                      = var.time_granularity
          INCLUDE_RESOURCES                     = "TRUE"
          INCLUDE_IAM_PRINCIPAL_DATA            = "TRUE"
          INCLUDE_SPLIT_COST_ALLOCATION_DATA    = "FALSE"
          INCLUDE_MANUAL_DISCOUNT_COMPATIBILITY = "FALSE"
          INCLUDE_CAPACITY_RESERVATION_DATA     = "FALSE"
        }
      }
    }

    destination_configurations {
      s3_destination {
        s3_bucket = aws_s3_bucket.data.id
        s3_prefix = var.export_s3_prefix
        s3_region = local.region

        s3_output_configurations {
          overwrite   = "OVERWRITE_REPORT"
          format      = "PARQUET"
          compression = "PARQUET"
          output_type = "CUSTOM"
        }
      }
    }

    refresh_cadence {
      frequency = "SYNCHRONOUS"
    }
  }

  tags = var.tags

  # CreateExport checks that it may write to the bucket.
  depends_on = [
    aws_s3_bucket_policy.data,
    aws_s3_bucket_ownership_controls.data,
    aws_s3_bucket_server_side_encryption_configuration.data,
  ]
}
