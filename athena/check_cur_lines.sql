-- cur-analyzer: the month's CUR lines with the values the data checks (checks/cur.json) test.
-- `cur-analyzer check` runs this, then validates the result with great-expectations.
-- params: month, service
--
-- month    'YYYY-MM' (the billing_period partition)
-- service  'bedrock' (Bedrock lines only, the default) | 'all' (every line of the month)
--
-- Derived values, one per rule:
--   is_bedrock_usage         a Bedrock usage line (Usage, DiscountedUsage, SavingsPlanCoveredUsage)
--   is_bedrock_usage_fee     a Bedrock line of type Usage (the ones whose cost must not be negative)
--   payer_currency_conflict  set on every line of a payer whose lines carry more than one currency
--   rate_times_usage_delta   usage x rate - cost on Usage lines with a numeric rate (rates are strings)
SELECT
    identity_line_item_id,
    identity_time_interval,
    bill_billing_period_start_date,
    bill_payer_account_id,
    NULLIF(bill_invoice_id, '') AS bill_invoice_id,
    line_item_usage_account_id,
    line_item_product_code,
    line_item_usage_type,
    line_item_line_item_type,
    line_item_currency_code,
    NULLIF(line_item_iam_principal, '') AS line_item_iam_principal,
    line_item_usage_start_date,
    line_item_usage_end_date,
    line_item_usage_amount,
    line_item_unblended_rate,
    line_item_unblended_cost,
    COALESCE(
        line_item_product_code IN ('AmazonBedrock', 'AmazonBedrockService', 'AmazonBedrockFoundationModels')
        AND line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage'),
        false
    ) AS is_bedrock_usage,
    COALESCE(
        line_item_product_code IN ('AmazonBedrock', 'AmazonBedrockService', 'AmazonBedrockFoundationModels')
        AND line_item_line_item_type = 'Usage',
        false
    ) AS is_bedrock_usage_fee,
    CASE
        WHEN MIN(line_item_currency_code) OVER (PARTITION BY bill_payer_account_id)
            <> MAX(line_item_currency_code) OVER (PARTITION BY bill_payer_account_id)
        THEN COALESCE(bill_payer_account_id, '(no payer)') || ': '
            || MIN(line_item_currency_code) OVER (PARTITION BY bill_payer_account_id) || ' and '
            || MAX(line_item_currency_code) OVER (PARTITION BY bill_payer_account_id)
    END AS payer_currency_conflict,
    CASE
        WHEN line_item_line_item_type = 'Usage' AND TRY_CAST(line_item_unblended_rate AS DOUBLE) IS NOT NULL
        THEN line_item_usage_amount * TRY_CAST(line_item_unblended_rate AS DOUBLE) - line_item_unblended_cost
    END AS rate_times_usage_delta
FROM cur2
WHERE billing_period = ?
    AND (? = 'all' OR line_item_product_code IN ('AmazonBedrock', 'AmazonBedrockService', 'AmazonBedrockFoundationModels'))
