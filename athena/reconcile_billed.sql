-- cur-analyzer: the billed side of the reconciliation - Bedrock usage lines of one month per hour,
-- account, region, caller, usage type (model, meter, tier, scope) and inference profile, with up to four
-- tags so a reconciled row can be charged back.
-- params: tag1_key, tag1_resource_key, tag2_key, tag2_resource_key,
--         tag3_key, tag3_resource_key, tag4_key, tag4_resource_key, month
SELECT
    date_format(line_item_usage_start_date, '%Y-%m-%d') AS day,
    date_format(line_item_usage_start_date, '%H') AS hour,
    line_item_usage_account_id AS account_id,
    product_region_code AS region,
    NULLIF(line_item_iam_principal, '') AS principal,
    line_item_usage_type AS usage_type,
    NULLIF(line_item_resource_id, '') AS resource_id,
    pricing_unit,
    COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS tag1,
    COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS tag2,
    COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS tag3,
    COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS tag4,
    SUM(CAST(line_item_usage_amount AS DECIMAL(38, 10))) AS usage_amount,
    SUM(CAST(line_item_unblended_cost AS DECIMAL(38, 10))) AS billed_cost,
    COUNT(*) AS line_count
FROM cur2
WHERE billing_period = ?
    AND line_item_product_code IN ('AmazonBedrock', 'AmazonBedrockService', 'AmazonBedrockFoundationModels')
    AND line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
