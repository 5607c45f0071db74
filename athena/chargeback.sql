-- cur-analyzer: chargeback lines for one billing period, aggregated at the grain the report asks for.
--
-- Paste into the Athena console and "Run with parameters"; cur-analyzer binds them in this order:
-- params: by_account, by_principal, by_service, by_usage_type,
--         tag1_on, tag2_on, tag3_on, tag4_on, month, service
-- fragments: tag_value(tagN_key, tagN_resource_key) for N = 1..4, cost(cost_basis)
--
-- by_*, tagN_on   true to keep that dimension, false to fold it away (rows then merge)
-- tagN_key        key in the unified `tags` map: 'iamPrincipal/team' or 'resourceTags/team'
-- tagN_resource_key  key in `resource_tags` for the same tag ('user_team'), NULL for principal tags
-- cost_basis      'unblended' | 'net-unblended' | 'amortized' | 'net-amortized'
-- month           'YYYY-MM' (the billing_period partition)
-- service         'bedrock' | 'all'
--
-- Every line of the month lands in exactly one output row (line_item_type and currency are always
-- kept), so the rows sum to the month's total for the chosen cost basis.
WITH lines AS (
    SELECT
        IF(?, line_item_usage_account_id) AS account,
        IF(?, NULLIF(line_item_iam_principal, '')) AS principal,
        IF(?, line_item_product_code) AS service,
        IF(?, line_item_usage_type) AS usage_type,
        IF(?, {{ tag_value(tag1_key, tag1_resource_key) }}) AS tag1,
        IF(?, {{ tag_value(tag2_key, tag2_resource_key) }}) AS tag2,
        IF(?, {{ tag_value(tag3_key, tag3_resource_key) }}) AS tag3,
        IF(?, {{ tag_value(tag4_key, tag4_resource_key) }}) AS tag4,
        line_item_line_item_type AS line_item_type,
        line_item_currency_code AS currency,
        COALESCE(bill_invoice_id, '') <> '' AS invoiced,
        {{ cost }} AS cost,
        line_item_usage_amount AS usage_amount
    FROM cur2
    WHERE billing_period = ?
        AND (? = 'all' OR {{ in_bedrock_scope }})
)
SELECT
    account, principal, service, usage_type, tag1, tag2, tag3, tag4, line_item_type, currency,
    SUM(cost) AS cost,
    SUM(usage_amount) AS usage_amount,
    COUNT(*) AS line_count,
    -- the month is final when every line carries an invoice id (saves a second scan for it)
    COUNT_IF(invoiced) AS invoiced_lines
FROM lines
GROUP BY account, principal, service, usage_type, tag1, tag2, tag3, tag4, line_item_type, currency
