-- cur-analyzer: the month's lines at the grain the attribution rules need.
--
-- cur_analyzer/rules/ resolves every dimension (a rules-file dimension's ordered sources, a tag, a
-- principal grain, a model...) over these rows in Python, in one place, so chargeback, coverage, budgets
-- and alerts attribute a dollar the same way. Each slotN is the value of one tag lookup: the first non-empty
-- of the unified `tags` map key ('iamPrincipal/team', 'resourceTags/team', 'accountTag/team') and the
-- legacy `resource_tags` key ('user_team', '' when the tag is not a resource tag). Unused slots get ''.
--
-- params: by_usage_type, by_day, month, service
-- fragments: cost(cost_basis), tag_slots
--
-- by_usage_type, by_day  true to keep line_item_usage_type / the usage day, false to fold them away
-- cost_basis      'unblended' | 'net-unblended' | 'amortized' | 'net-amortized'
-- month           'YYYY-MM' (the billing_period partition)
-- service         'bedrock' | 'all'
--
-- resource_kind is 'aip' for a line on an application inference profile, 'resource' for any other
-- resource id, NULL without one. Every line of the month lands in exactly one output row.
WITH lines AS (
    SELECT
        line_item_usage_account_id AS account,
        NULLIF(line_item_iam_principal, '') AS principal,
        line_item_product_code AS service,
        IF(?, line_item_usage_type) AS usage_type,
        IF(?, CAST(line_item_usage_start_date AS DATE)) AS usage_date,
        {{ resource_kind }} AS resource_kind,
        {{ tag_slots }},
        line_item_line_item_type AS line_item_type,
        line_item_currency_code AS currency,
        {{ cost }} AS cost,
        line_item_usage_amount AS usage_amount
    FROM cur2
    WHERE billing_period = ?
        AND (? = 'all' OR {{ in_bedrock_scope }})
)
SELECT
    account, principal, service, usage_type, usage_date, resource_kind,
    slot1, slot2, slot3, slot4, slot5, slot6, slot7, slot8,
    line_item_type, currency,
    SUM(cost) AS cost,
    SUM(usage_amount) AS usage_amount,
    COUNT(*) AS line_count
FROM lines
GROUP BY
    account, principal, service, usage_type, usage_date, resource_kind,
    slot1, slot2, slot3, slot4, slot5, slot6, slot7, slot8,
    line_item_type, currency
