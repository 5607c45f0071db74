-- cur-analyzer: the billed side of the reconciliation - Bedrock usage lines of one month per hour,
-- account, region, caller, usage type (model, meter, tier, scope) and inference profile, with up to eight
-- tag lookups (the same slots as attribution_lines.sql) so a reconciled row can be charged back by a tag
-- or a rules-file dimension.
-- params: slot1_tags_key, slot1_resource_key, slot2_tags_key, slot2_resource_key,
--         slot3_tags_key, slot3_resource_key, slot4_tags_key, slot4_resource_key,
--         slot5_tags_key, slot5_resource_key, slot6_tags_key, slot6_resource_key,
--         slot7_tags_key, slot7_resource_key, slot8_tags_key, slot8_resource_key, month
SELECT
    date_format(line_item_usage_start_date, '%Y-%m-%d') AS day,
    date_format(line_item_usage_start_date, '%H') AS hour,
    line_item_usage_account_id AS account_id,
    product_region_code AS region,
    NULLIF(line_item_iam_principal, '') AS principal,
    line_item_usage_type AS usage_type,
    NULLIF(line_item_resource_id, '') AS resource_id,
    CASE
        WHEN strpos(COALESCE(line_item_resource_id, ''), 'application-inference-profile/') > 0 THEN 'aip'
        WHEN COALESCE(line_item_resource_id, '') <> '' THEN 'resource'
    END AS resource_kind,
    line_item_product_code AS service,
    pricing_unit,
    COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot1,
    COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot2,
    COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot3,
    COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot4,
    COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot5,
    COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot6,
    COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot7,
    COALESCE(NULLIF(element_at(tags, ?), ''), NULLIF(element_at(resource_tags, ?), '')) AS slot8,
    SUM(CAST(line_item_usage_amount AS DECIMAL(38, 10))) AS usage_amount,
    SUM(CAST(line_item_unblended_cost AS DECIMAL(38, 10))) AS billed_cost,
    COUNT(*) AS line_count
FROM cur2
WHERE billing_period = ?
    AND line_item_product_code IN ('AmazonBedrock', 'AmazonBedrockService', 'AmazonBedrockFoundationModels')
    AND line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18
