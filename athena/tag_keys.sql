-- cur-analyzer: which tag keys occur in a billing period, where, and on how much spend.
-- source 'tags' = the unified tags map (iamPrincipal/..., resourceTags/..., accountTag/...),
-- source 'resource_tags' = the legacy resource-tag map (user_..., aws_...).
-- Lines are folded by their key sets first (a month has few), then only those are unnested.
-- params: month
WITH key_sets AS (
    SELECT
        map_keys(tags) AS tag_keys,
        map_keys(resource_tags) AS resource_tag_keys,
        COUNT(*) AS lines,
        SUM(CAST(line_item_unblended_cost AS DECIMAL(38, 10))) AS cost
    FROM cur2
    WHERE billing_period = ?
    GROUP BY map_keys(tags), map_keys(resource_tags)
),
tag_lines AS (
    SELECT 'tags' AS source, tag_key, lines, cost
    FROM key_sets
    CROSS JOIN UNNEST(tag_keys) AS t (tag_key)
    UNION ALL
    SELECT 'resource_tags' AS source, tag_key, lines, cost
    FROM key_sets
    CROSS JOIN UNNEST(resource_tag_keys) AS r (tag_key)
)
SELECT source, tag_key, SUM(lines) AS lines, SUM(cost) AS cost
FROM tag_lines
GROUP BY source, tag_key
ORDER BY source, tag_key
