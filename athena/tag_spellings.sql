-- cur-analyzer: every tag key of a month as spelled in each map, with its lines and unblended cost, so
-- the same key written several ways (team / Team / TEAM, cost-center / costCenter) can be found.
-- map_name 'tags' = the unified map (iamPrincipal/..., resourceTags/..., accountTag/...);
-- map_name 'resource_tags' = the legacy resource-tag map (user_..., aws_...).
-- The lines are first folded by their key SETS (a month has few), and only those are unnested: unnesting
-- every line's keys costs ten times more time and memory.
--
-- params: month, service
WITH key_sets AS (
    SELECT
        map_keys(tags) AS tag_keys,
        map_keys(resource_tags) AS resource_tag_keys,
        COUNT(*) AS line_count,
        SUM(CAST(line_item_unblended_cost AS DECIMAL(38, 10))) AS cost
    FROM cur2
    WHERE billing_period = ?
        AND (? = 'all' OR {{ in_bedrock_scope }})
    GROUP BY map_keys(tags), map_keys(resource_tags)
),
keyed AS (
    -- each key set once per map, from one reference to key_sets: Athena runs a WITH query again at every
    -- reference (a UNION ALL of the two maps would read the month twice)
    SELECT m.map_name, k.tag_key, s.line_count, s.cost
    FROM key_sets AS s
    CROSS JOIN UNNEST(ARRAY['tags', 'resource_tags']) AS m (map_name)
    CROSS JOIN UNNEST(IF(m.map_name = 'tags', s.tag_keys, s.resource_tag_keys)) AS k (tag_key)
)
SELECT map_name, tag_key, SUM(line_count) AS line_count, SUM(cost) AS cost
FROM keyed
GROUP BY map_name, tag_key
ORDER BY map_name, tag_key
