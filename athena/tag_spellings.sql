-- cur-analyzer: every tag key of a month as spelled in each map, with its lines and unblended cost, so
-- the same key written several ways (team / Team / TEAM, cost-center / costCenter) can be found.
-- map_name 'tags' = the unified map (iamPrincipal/..., resourceTags/..., accountTag/...);
-- map_name 'resource_tags' = the legacy resource-tag map (user_..., aws_...).
--
-- params: month, service, month, service
WITH keyed AS (
    SELECT 'tags' AS map_name, tag_key, line_item_unblended_cost AS cost
    FROM cur2
    CROSS JOIN UNNEST(map_keys(tags)) AS t (tag_key)
    WHERE billing_period = ?
        AND (? = 'all' OR line_item_product_code IN ('AmazonBedrock', 'AmazonBedrockService', 'AmazonBedrockFoundationModels'))
    UNION ALL
    SELECT 'resource_tags' AS map_name, tag_key, line_item_unblended_cost AS cost
    FROM cur2
    CROSS JOIN UNNEST(map_keys(resource_tags)) AS r (tag_key)
    WHERE billing_period = ?
        AND (? = 'all' OR line_item_product_code IN ('AmazonBedrock', 'AmazonBedrockService', 'AmazonBedrockFoundationModels'))
)
SELECT map_name, tag_key, COUNT(*) AS line_count, SUM(CAST(cost AS DECIMAL(38, 10))) AS cost
FROM keyed
GROUP BY map_name, tag_key
ORDER BY map_name, tag_key
