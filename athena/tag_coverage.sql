-- cur-analyzer: how much of a month's spend carries each required tag key, per source, who lacks it, and
-- what is wrong with the tags there: every key in one read of the month.
--
-- The month's lines are first folded by what coverage tells apart (account, service, caller, resource,
-- usage or adjustment, currency and the two tag maps): a month has few such rows. Every required key is
-- then looked up on those rows, at each source:
--   resource   resource / AIP tag: tags['resourceTags/<key>'], else resource_tags['user_<key>']
--   principal  IAM principal or session tag: tags['iamPrincipal/<key>']
--   account    account tag: tags['accountTag/<key>']
-- A value is NULL when the key is absent and '' when it is present but empty (the first non-empty of the
-- two resource spellings wins); it tags the line when it names something (fragments/names_something.sql).
--
-- One row per answer, `part` saying which:
--   coverage    usage cost tagged at a source ('any': at one of the three) and in all, per key, scope
--               ('total', 'account', 'service'), scope value and currency
--   value       usage cost and lines per key, source, value found and currency (empty and disallowed values)
--   offender    the `top` principals, AIPs, resources and no-caller usages per key and kind lacking the key,
--               most uncovered cost first, then most untagged cost, then id
--   not-listed  per key, kind and currency, the offenders beyond the `top`, summed (`offenders` of them)
--   spelling    every tag key of each map as spelled there, with its lines and unblended cost
--   lines       the lines, invoiced lines and cost per currency, usage and adjustments apart
-- An uncovered dollar (no source tags it) is counted once among the offenders: under its caller, else its
-- resource, else as the usage of its account and service with neither ('no-caller-no-resource').
--
-- params: usage_types, month, service, resource_keys, resource_keys, tag_keys, top, top
-- fragments: resource_kind, cost(cost_basis), invoiced, in_bedrock_scope, names_something
--
-- cost_basis     'unblended' | 'net-unblended' | 'amortized' | 'net-amortized'
-- month          'YYYY-MM' (the billing_period partition)
-- service        'bedrock' | 'all'
-- tag_keys       ARRAY['team', 'cost-center']: the required keys
-- resource_keys  ARRAY['user_team', 'user_cost_center']: each key's resource_tags spelling, in that order
-- top            how many offenders to list per key and kind
-- usage_types    ARRAY['Usage', ...]: the line item types of usage (attribution.USAGE_LINE_TYPES); the other
--                lines are adjustments (tax, credits, refunds, fees, discounts), which carry no tags
WITH folded AS (
    SELECT
        line_item_usage_account_id AS account,
        line_item_product_code AS service,
        NULLIF(line_item_iam_principal, '') AS principal,
        NULLIF(line_item_resource_id, '') AS resource_id,
        {{ resource_kind }} AS resource_kind,
        contains(CAST(? AS ARRAY(VARCHAR)), line_item_line_item_type) AS is_usage,
        line_item_currency_code AS currency,
        tags,
        resource_tags,
        SUM({{ cost }}) AS cost,
        SUM(CAST(line_item_unblended_cost AS DECIMAL(38, 10))) AS unblended_cost,
        COUNT(*) AS line_count,
        COUNT_IF({{ invoiced }}) AS invoiced_lines
    FROM cur2
    WHERE billing_period = ?
        AND (? = 'all' OR {{ in_bedrock_scope }})
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
),
keyed AS (
    SELECT
        k.tag_key, f.account, f.service, f.principal, f.resource_id, f.resource_kind, f.currency,
        COALESCE(f.cost, CAST(0 AS DECIMAL(38, 10))) AS cost,
        f.line_count,
        COALESCE(
            NULLIF(element_at(f.tags, 'resourceTags/' || k.tag_key), ''),
            NULLIF(element_at(f.resource_tags, element_at(CAST(? AS ARRAY(VARCHAR)), k.n)), ''),
            element_at(f.tags, 'resourceTags/' || k.tag_key),
            element_at(f.resource_tags, element_at(CAST(? AS ARRAY(VARCHAR)), k.n))
        ) AS resource_value,
        element_at(f.tags, 'iamPrincipal/' || k.tag_key) AS principal_value,
        element_at(f.tags, 'accountTag/' || k.tag_key) AS account_value
    FROM folded AS f
    CROSS JOIN UNNEST(CAST(? AS ARRAY(VARCHAR))) WITH ORDINALITY AS k (tag_key, n)
    WHERE f.is_usage
),
judged AS (
    SELECT
        tag_key, account, service, principal, resource_id, resource_kind, currency, cost, line_count,
        resource_value, principal_value, account_value,
        COALESCE(regexp_like(resource_value, {{ names_something }}), false) AS resource_tagged,
        COALESCE(regexp_like(principal_value, {{ names_something }}), false) AS principal_tagged,
        COALESCE(regexp_like(account_value, {{ names_something }}), false) AS account_tagged
    FROM keyed
),
sourced AS (
    SELECT
        j.tag_key, j.account, j.service, j.currency, j.cost, j.line_count, s.source,
        CASE s.source
            WHEN 'resource' THEN j.resource_value
            WHEN 'principal' THEN j.principal_value
            WHEN 'account' THEN j.account_value
        END AS value,
        CASE s.source
            WHEN 'resource' THEN j.resource_tagged
            WHEN 'principal' THEN j.principal_tagged
            WHEN 'account' THEN j.account_tagged
            ELSE j.resource_tagged OR j.principal_tagged OR j.account_tagged
        END AS tagged
    FROM judged AS j
    CROSS JOIN UNNEST(ARRAY['resource', 'principal', 'account', 'any']) AS s (source)
),
coverage AS (
    SELECT
        s.tag_key, s.source, sc.scope,
        CASE sc.scope WHEN 'account' THEN s.account WHEN 'service' THEN s.service END AS scope_value,
        s.currency,
        SUM(IF(s.tagged, s.cost)) AS tagged_cost,
        SUM(s.cost) AS cost
    FROM sourced AS s
    CROSS JOIN UNNEST(ARRAY['total', 'account', 'service']) AS sc (scope)
    GROUP BY 1, 2, 3, 4, 5
),
tag_values AS (
    SELECT tag_key, source, value, currency, SUM(cost) AS cost, SUM(line_count) AS line_count
    FROM sourced
    WHERE value IS NOT NULL
    GROUP BY 1, 2, 3, 4
),
offences AS (
    SELECT
        j.tag_key, j.account, j.currency, j.cost, j.line_count,
        CASE o.role
            WHEN 'caller' THEN IF(j.principal IS NOT NULL AND NOT j.principal_tagged, 'principal')
            WHEN 'resource' THEN IF(NOT j.resource_tagged, j.resource_kind)
            ELSE IF(j.principal IS NULL AND j.resource_kind IS NULL AND NOT covered, 'no-caller-no-resource')
        END AS kind,
        CASE o.role
            WHEN 'caller' THEN j.principal
            WHEN 'resource' THEN j.resource_id
            ELSE COALESCE(j.service, '')
        END AS id,
        CASE o.role
            WHEN 'caller' THEN NOT covered
            WHEN 'resource' THEN NOT covered AND j.principal IS NULL
            ELSE true
        END AS answers
    FROM (
        SELECT
            tag_key, account, service, principal, resource_id, resource_kind, currency, cost, line_count,
            resource_tagged, principal_tagged, resource_tagged OR principal_tagged OR account_tagged AS covered
        FROM judged
    ) AS j
    CROSS JOIN UNNEST(ARRAY['caller', 'resource', 'neither']) AS o (role)
),
offenders AS (
    SELECT
        tag_key, kind, id, account, currency,
        SUM(cost) AS untagged_cost,
        SUM(IF(answers, cost)) AS uncovered_cost,
        SUM(line_count) AS line_count
    FROM offences
    WHERE kind IS NOT NULL
    GROUP BY 1, 2, 3, 4, 5
),
ranked AS (
    SELECT
        tag_key, kind, id, account, currency, untagged_cost, uncovered_cost, line_count,
        row_number() OVER (
            PARTITION BY tag_key, kind ORDER BY uncovered_cost DESC, untagged_cost DESC, id, account, currency
        ) AS place
    FROM offenders
),
key_sets AS (
    SELECT
        map_keys(tags) AS tag_keys,
        map_keys(resource_tags) AS resource_tag_keys,
        SUM(line_count) AS line_count,
        SUM(unblended_cost) AS cost
    FROM folded
    GROUP BY 1, 2
),
spellings AS (
    SELECT 'tags' AS map_name, t.map_key, k.line_count, k.cost
    FROM key_sets AS k
    CROSS JOIN UNNEST(k.tag_keys) AS t (map_key)
    UNION ALL
    SELECT 'resource_tags' AS map_name, r.map_key, k.line_count, k.cost
    FROM key_sets AS k
    CROSS JOIN UNNEST(k.resource_tag_keys) AS r (map_key)
)
SELECT
    'coverage' AS part, tag_key, source, scope, scope_value, NULL AS kind, NULL AS id, NULL AS account,
    currency, NULL AS value, tagged_cost, cost, NULL AS uncovered_cost, NULL AS line_count,
    NULL AS invoiced_lines, NULL AS offenders, NULL AS is_usage
FROM coverage
UNION ALL
SELECT
    'value', tag_key, source, NULL, NULL, NULL, NULL, NULL,
    currency, value, NULL, cost, NULL, line_count,
    NULL, NULL, NULL
FROM tag_values
UNION ALL
SELECT
    'offender', tag_key, NULL, NULL, NULL, kind, id, account,
    currency, NULL, NULL, untagged_cost, uncovered_cost, line_count,
    NULL, NULL, NULL
FROM ranked
WHERE place <= ?
UNION ALL
SELECT
    'not-listed', tag_key, NULL, NULL, NULL, kind, NULL, NULL,
    currency, NULL, NULL, SUM(untagged_cost), SUM(uncovered_cost), SUM(line_count),
    NULL, COUNT(*), NULL
FROM ranked
WHERE place > ?
GROUP BY tag_key, kind, currency
UNION ALL
SELECT
    'spelling', NULL, map_name, NULL, NULL, NULL, NULL, NULL,
    NULL, map_key, NULL, SUM(cost), NULL, SUM(line_count),
    NULL, NULL, NULL
FROM spellings
GROUP BY map_name, map_key
UNION ALL
SELECT
    'lines', NULL, NULL, NULL, NULL, NULL, NULL, NULL,
    currency, NULL, NULL, SUM(cost), NULL, SUM(line_count),
    SUM(invoiced_lines), NULL, is_usage
FROM folded
GROUP BY currency, is_usage
