-- cur-analyzer: how much of a month's spend carries one tag key, per source, with who lacks it.
--
-- One tag key per run (cur-analyzer runs it once per --require KEY). Sources:
--   resource_value   resource / AIP tag: tags['resourceTags/<key>'], else resource_tags['user_<key>']
--   principal_value  IAM principal or session tag: tags['iamPrincipal/<key>']
--   account_value    account tag: tags['accountTag/<key>']
-- A value is NULL when the key is absent and '' when it is present but empty (the first non-empty of the
-- two resource spellings wins), so empty values can be reported. resource_id is kept only on lines whose
-- resource tag is missing or empty (the offenders), so tagged resources fold into one row.
--
-- params: resource_tags_key, resource_key, principal_key, account_key, month, service
-- fragments: cost(cost_basis)
--
-- resource_tags_key  'resourceTags/team'      resource_key  'user_team'
-- principal_key      'iamPrincipal/team'      account_key   'accountTag/team'
-- cost_basis         'unblended' | 'net-unblended' | 'amortized' | 'net-amortized'
-- month              'YYYY-MM' (the billing_period partition)
-- service            'bedrock' | 'all'
WITH raw AS (
    SELECT
        line_item_usage_account_id AS account,
        line_item_product_code AS service,
        NULLIF(line_item_iam_principal, '') AS principal,
        NULLIF(line_item_resource_id, '') AS resource_id,
        element_at(tags, ?) AS resource_tags_value,
        element_at(resource_tags, ?) AS resource_map_value,
        element_at(tags, ?) AS principal_value,
        element_at(tags, ?) AS account_value,
        line_item_line_item_type AS line_item_type,
        line_item_currency_code AS currency,
        {{ cost }} AS cost,
        line_item_usage_amount AS usage_amount
    FROM cur2
    WHERE billing_period = ?
        AND (? = 'all' OR {{ in_bedrock_scope }})
),
lines AS (
    SELECT
        account, service, principal, resource_id, principal_value, account_value, line_item_type, currency,
        cost, usage_amount,
        COALESCE(
            NULLIF(resource_tags_value, ''), NULLIF(resource_map_value, ''), resource_tags_value, resource_map_value
        ) AS resource_value
    FROM raw
)
SELECT
    account,
    service,
    principal,
    IF(COALESCE(resource_value, '') = '', resource_id) AS resource_id,
    CASE
        WHEN strpos(COALESCE(resource_id, ''), 'application-inference-profile/') > 0 THEN 'aip'
        WHEN resource_id IS NOT NULL THEN 'resource'
    END AS resource_kind,
    resource_value,
    principal_value,
    account_value,
    line_item_type,
    currency,
    SUM(cost) AS cost,
    COUNT(*) AS line_count
FROM lines
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
