-- cur-analyzer: the billed side of the reconciliation - Bedrock usage lines of one month per day,
-- account, region, caller, usage type (model, meter, tier, scope) and inference-profile kind, with up to
-- eight tag lookups (the same slots as attribution_lines.sql) so a reconciled row can be charged back by
-- a tag or a rules-file dimension. hour_logged says whether the invocation logs hold any record of that
-- account and region in the line's hour: billed hours without one are a log gap.
-- params: dt_from, dt_to, log_month,
--         slot1_tags_key, slot1_resource_key, slot2_tags_key, slot2_resource_key,
--         slot3_tags_key, slot3_resource_key, slot4_tags_key, slot4_resource_key,
--         slot5_tags_key, slot5_resource_key, slot6_tags_key, slot6_resource_key,
--         slot7_tags_key, slot7_resource_key, slot8_tags_key, slot8_resource_key, month
WITH logged_hours AS (
    SELECT DISTINCT accountid AS account_id, region, substr("timestamp", 1, 13) AS hour_start
    FROM invocation_logs
    WHERE dt >= ? AND dt < ?
        AND substr("timestamp", 1, 7) = ?
),
billed AS (
    SELECT
        date_format(line_item_usage_start_date, '%Y-%m-%d') AS day,
        date_format(line_item_usage_start_date, '%Y-%m-%dT%H') AS hour_start,
        line_item_usage_account_id AS account_id,
        product_region_code AS region,
        NULLIF(line_item_iam_principal, '') AS principal,
        line_item_usage_type AS usage_type,
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
        CAST(line_item_usage_amount AS DECIMAL(38, 10)) AS usage_amount,
        CAST(line_item_unblended_cost AS DECIMAL(38, 10)) AS cost
    FROM cur2
    WHERE billing_period = ?
        AND line_item_product_code IN ('AmazonBedrock', 'AmazonBedrockService', 'AmazonBedrockFoundationModels')
        AND line_item_line_item_type IN ('Usage', 'DiscountedUsage', 'SavingsPlanCoveredUsage')
)
SELECT
    b.day, b.account_id, b.region, b.principal, b.usage_type, b.resource_kind, b.service, b.pricing_unit,
    b.slot1, b.slot2, b.slot3, b.slot4, b.slot5, b.slot6, b.slot7, b.slot8,
    l.hour_start IS NOT NULL AS hour_logged,
    SUM(b.usage_amount) AS usage_amount,
    SUM(b.cost) AS billed_cost,
    COUNT(*) AS line_count
FROM billed AS b
LEFT JOIN logged_hours AS l
    ON l.account_id = b.account_id AND l.region = b.region AND l.hour_start = b.hour_start
GROUP BY
    b.day, b.account_id, b.region, b.principal, b.usage_type, b.resource_kind, b.service, b.pricing_unit,
    b.slot1, b.slot2, b.slot3, b.slot4, b.slot5, b.slot6, b.slot7, b.slot8, l.hour_start IS NOT NULL
