-- cur-analyzer: which tag keys occur in a billing period, where, and on how much spend.
-- source 'tags' = the unified tags map (iamPrincipal/..., resourceTags/..., accountTag/...),
-- source 'resource_tags' = the legacy resource-tag map (user_..., aws_...).
-- params: month, month
WITH tag_lines AS (
    SELECT 'tags' AS source, tag_key, line_item_unblended_cost AS cost
    FROM cur2
    CROSS JOIN UNNEST(map_keys(tags)) AS t (tag_key)
    WHERE billing_period = ?
    UNION ALL
    SELECT 'resource_tags' AS source, tag_key, line_item_unblended_cost AS cost
    FROM cur2
    CROSS JOIN UNNEST(map_keys(resource_tags)) AS r (tag_key)
    WHERE billing_period = ?
)
SELECT source, tag_key, COUNT(*) AS lines, SUM(CAST(cost AS DECIMAL(38, 10))) AS cost
FROM tag_lines
GROUP BY source, tag_key
ORDER BY source, tag_key
