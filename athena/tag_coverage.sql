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
-- Athena does not keep a WITH query's rows: every reference to one runs it again, and reads the month
-- again. So every WITH query here is referenced once and every answer comes out of one chain: the folded
-- rows (`folded`, the one read of cur2) are copied once per thing each is counted for (`spelled`, `keyed`,
-- `counted`), ONE aggregation sums every answer at once (`answered`), and the offenders beyond the `top`
-- are summed by windows over that same aggregate (`ranked`, `placed`) instead of a second query of it.
--
-- params: usage_types, month, service, tag_keys, resource_keys, resource_keys, top
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
spelled AS (
    -- each folded row once as it is (map_name NULL), and once more per key of each of its two tag maps
    -- (the spellings). The keys are unnested here, before the copies below: unnested after them, DuckDB
    -- joins every copy back to its maps' keys (several times slower, in several times the memory).
    SELECT
        f.account, f.service, f.principal, f.resource_id, f.resource_kind, f.is_usage, f.currency, f.tags,
        f.resource_tags, f.cost, f.unblended_cost, f.line_count, f.invoiced_lines, m.map_name, s.map_key
    FROM folded AS f
    CROSS JOIN UNNEST(ARRAY[NULL, 'tags', 'resource_tags']) AS m (map_name)
    CROSS JOIN UNNEST(
        CASE m.map_name
            WHEN 'tags' THEN map_keys(f.tags)
            WHEN 'resource_tags' THEN map_keys(f.resource_tags)
            ELSE ARRAY[CAST(NULL AS VARCHAR)]
        END
    ) AS s (map_key)
),
required_keys AS (
    -- each required key with its place (its resource_tags spelling's), and a NULL key standing for the
    -- row itself: the month's lines and the tag spellings are counted once per row, not per key
    SELECT k.tag_key, k.n
    FROM UNNEST(CAST(? AS ARRAY(VARCHAR))) WITH ORDINALITY AS k (tag_key, n)
    UNION ALL
    SELECT NULL, NULL
),
keyed AS (
    -- the rows as they are, and a usage row as it is once more per required key with the key's value at
    -- each source; `facet` says which of the three a row is
    SELECT
        CASE
            WHEN k.tag_key IS NOT NULL THEN 'key'
            WHEN f.map_name IS NOT NULL THEN 'spelling'
            ELSE 'lines'
        END AS facet,
        k.tag_key, f.account, f.service, f.principal, f.resource_id, f.resource_kind, f.is_usage, f.currency,
        f.map_name, f.map_key, f.cost, f.unblended_cost, f.line_count, f.invoiced_lines,
        COALESCE(
            NULLIF(element_at(f.tags, 'resourceTags/' || k.tag_key), ''),
            NULLIF(element_at(f.resource_tags, element_at(CAST(? AS ARRAY(VARCHAR)), k.n)), ''),
            element_at(f.tags, 'resourceTags/' || k.tag_key),
            element_at(f.resource_tags, element_at(CAST(? AS ARRAY(VARCHAR)), k.n))
        ) AS resource_value,
        element_at(f.tags, 'iamPrincipal/' || k.tag_key) AS principal_value,
        element_at(f.tags, 'accountTag/' || k.tag_key) AS account_value
    FROM spelled AS f
    JOIN required_keys AS k ON k.tag_key IS NULL OR (f.map_name IS NULL AND f.is_usage)
),
judged AS (
    SELECT
        facet, tag_key, account, service, principal, resource_id, resource_kind, is_usage, currency,
        map_name, map_key, cost, unblended_cost, line_count, invoiced_lines,
        resource_value, principal_value, account_value,
        COALESCE(regexp_like(resource_value, {{ names_something }}), false) AS resource_tagged,
        COALESCE(regexp_like(principal_value, {{ names_something }}), false) AS principal_tagged,
        COALESCE(regexp_like(account_value, {{ names_something }}), false) AS account_tagged
    FROM keyed
),
purposes AS (
    -- what a row is counted for. A key's row: its coverage at each source and scope, its value at each
    -- source, and each role an offender plays (its caller, its resource, or neither). A spelling's row and
    -- the row as it is: the spelling, and the month's lines.
    SELECT 'key' AS facet, 'coverage' AS part, s.source, sc.scope, NULL AS role
    FROM UNNEST(ARRAY['resource', 'principal', 'account', 'any']) AS s (source)
    CROSS JOIN UNNEST(ARRAY['total', 'account', 'service']) AS sc (scope)
    UNION ALL
    SELECT 'key', 'value', s.source, NULL, NULL
    FROM UNNEST(ARRAY['resource', 'principal', 'account']) AS s (source)
    UNION ALL
    SELECT 'key', 'offender', NULL, NULL, o.role
    FROM UNNEST(ARRAY['caller', 'resource', 'neither']) AS o (role)
    UNION ALL
    SELECT 'spelling', 'spelling', NULL, NULL, NULL
    UNION ALL
    SELECT 'lines', 'lines', NULL, NULL, NULL
),
counted AS (
    -- one row per row (per key) and purpose, holding the columns that purpose's answer is keyed by (the
    -- others NULL) and what it adds up
    SELECT
        p.part, j.tag_key, COALESCE(p.source, j.map_name) AS source, p.scope,
        CASE p.scope WHEN 'account' THEN j.account WHEN 'service' THEN j.service END AS scope_value,
        CASE p.role
            WHEN 'caller' THEN IF(j.principal IS NOT NULL AND NOT j.principal_tagged, 'principal')
            WHEN 'resource' THEN IF(NOT j.resource_tagged, j.resource_kind)
            WHEN 'neither' THEN IF(
                j.principal IS NULL AND j.resource_kind IS NULL
                    AND NOT (j.resource_tagged OR j.principal_tagged OR j.account_tagged),
                'no-caller-no-resource'
            )
        END AS kind,
        CASE p.role
            WHEN 'caller' THEN j.principal
            WHEN 'resource' THEN j.resource_id
            WHEN 'neither' THEN COALESCE(j.service, '')
        END AS id,
        IF(p.part = 'offender', j.account) AS account,
        IF(p.part <> 'spelling', j.currency) AS currency,
        CASE p.part
            WHEN 'spelling' THEN j.map_key
            WHEN 'value' THEN CASE p.source
                WHEN 'resource' THEN j.resource_value
                WHEN 'principal' THEN j.principal_value
                WHEN 'account' THEN j.account_value
            END
        END AS value,
        IF(p.part = 'lines', j.is_usage) AS is_usage,
        -- a coverage row: tagged at its source
        IF(p.part = 'coverage', CASE p.source
            WHEN 'resource' THEN j.resource_tagged
            WHEN 'principal' THEN j.principal_tagged
            WHEN 'account' THEN j.account_tagged
            ELSE j.resource_tagged OR j.principal_tagged OR j.account_tagged
        END) AS tagged,
        -- an offender's uncovered cost is its share of the cost no source tags: a caller's all of it, a
        -- resource's only where no caller answers for it, and the usage with neither all of it
        CASE p.role
            WHEN 'caller' THEN NOT (j.resource_tagged OR j.principal_tagged OR j.account_tagged)
            WHEN 'resource' THEN NOT (j.resource_tagged OR j.principal_tagged OR j.account_tagged)
                AND j.principal IS NULL
            WHEN 'neither' THEN true
        END AS answers,
        -- the lines keep a NULL cost NULL; the spellings sum the unblended cost whatever the cost basis
        CASE p.part
            WHEN 'spelling' THEN j.unblended_cost
            WHEN 'lines' THEN j.cost
            ELSE COALESCE(j.cost, CAST(0 AS DECIMAL(38, 10)))
        END AS cost,
        IF(p.part <> 'coverage', j.line_count) AS line_count,
        IF(p.part = 'lines', j.invoiced_lines) AS invoiced_lines
    FROM judged AS j
    JOIN purposes AS p ON p.facet = j.facet
),
answered AS (
    -- every answer in one aggregation: the columns a part does not key by are NULL on its rows, so each
    -- counted row adds to its own part's answer only
    SELECT
        part, tag_key, source, scope, scope_value, kind, id, account, currency, value, is_usage,
        SUM(IF(tagged, cost)) AS tagged_cost,
        SUM(cost) AS cost,
        SUM(IF(answers, cost)) AS uncovered_cost,
        SUM(line_count) AS line_count,
        SUM(invoiced_lines) AS invoiced_lines
    FROM counted
    -- a value row needs a value found, an offender row someone lacking the key
    WHERE (part <> 'value' OR value IS NOT NULL)
        AND (part <> 'offender' OR kind IS NOT NULL)
    GROUP BY part, tag_key, source, scope, scope_value, kind, id, account, currency, value, is_usage
),
ranked AS (
    -- an offender's place among its key and kind's: most uncovered cost, then most untagged (its cost)
    SELECT
        part, tag_key, source, scope, scope_value, kind, id, account, currency, value, is_usage,
        tagged_cost, cost, uncovered_cost, line_count, invoiced_lines,
        part = 'offender' AND row_number() OVER (
            PARTITION BY part, tag_key, kind ORDER BY uncovered_cost DESC, cost DESC, id, account, currency
        ) > ? AS not_listed
    FROM answered
),
placed AS (
    -- the offenders beyond the `top` summed per key, kind and currency by windows over their own rows,
    -- the first of them (nth = 1) carrying the sums
    SELECT
        part, tag_key, source, scope, scope_value, kind, id, account, currency, value, is_usage,
        tagged_cost, cost, uncovered_cost, line_count, invoiced_lines, not_listed,
        SUM(cost) OVER (PARTITION BY part, tag_key, kind, currency, not_listed) AS rest_cost,
        SUM(uncovered_cost) OVER (
            PARTITION BY part, tag_key, kind, currency, not_listed
        ) AS rest_uncovered_cost,
        SUM(line_count) OVER (PARTITION BY part, tag_key, kind, currency, not_listed) AS rest_line_count,
        COUNT(*) OVER (PARTITION BY part, tag_key, kind, currency, not_listed) AS offenders,
        row_number() OVER (PARTITION BY part, tag_key, kind, currency, not_listed) AS nth
    FROM ranked
)
SELECT
    IF(not_listed, 'not-listed', part) AS part, tag_key, source, scope, scope_value, kind,
    IF(not_listed, NULL, id) AS id,
    IF(not_listed, NULL, account) AS account,
    currency, value, tagged_cost,
    IF(not_listed, rest_cost, cost) AS cost,
    IF(not_listed, rest_uncovered_cost, uncovered_cost) AS uncovered_cost,
    IF(not_listed, rest_line_count, line_count) AS line_count,
    invoiced_lines,
    IF(not_listed, offenders) AS offenders,
    is_usage
FROM placed
WHERE NOT not_listed OR nth = 1
