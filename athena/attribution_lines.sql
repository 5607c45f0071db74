-- cur-analyzer: the month's lines at the grain the attribution rules need.
--
-- cur_analyzer/rules/ resolves every dimension (a rules-file dimension's ordered sources, a tag, a
-- principal grain, a model, a day...) over these rows in Python, in one place, so chargeback, coverage,
-- budgets, alerts and the monthly pack attribute a dollar the same way. Each slotN is the value of one tag
-- lookup: the first non-empty of the unified `tags` map key ('iamPrincipal/team', 'resourceTags/team',
-- 'accountTag/team') and the legacy `resource_tags` key ('user_team', NULL when the tag is not a resource
-- tag). Unused slots get NULL keys, and fold away.
--
-- Paste into the Athena console and "Run with parameters"; cur-analyzer binds them in this order:
-- params: by_account, by_principal, by_service, by_region, by_usage_type, by_product_name, by_pricing_unit,
--         by_day, by_resource_kind, with_usage, month, service
-- fragments: cost(cost_basis), tag_slots, resource_kind, in_bedrock_scope, invoiced
--
-- by_account, by_principal, by_service, by_region, by_usage_type, by_product_name, by_pricing_unit, by_day
--                 true to keep the usage account / IAM principal / product code / region / usage type /
--                 product name / pricing unit / usage day, false to fold it away (rows then merge);
--                 rules.LinePlan decides from the dimensions asked for and the sources of their rules. The
--                 product name is kept only for the model: an AWS Marketplace line names its model there
--                 alone. The pricing unit ('1K tokens') says what one unit of usage_amount is: kept for
--                 the unit costs, which count tokens.
-- by_resource_kind true to tell lines on application inference profiles apart (an aip_tag source, a caller
--                 identified with its resource); false reads no resource id
-- with_usage      true to sum the usage amount (token counts for the unit costs and the change's volume);
--                 false reads none: usage_amount is then NULL
-- cost_basis      'unblended' | 'net-unblended' | 'amortized' | 'net-amortized'
-- month           'YYYY-MM' (the billing_period partition)
-- service         'bedrock' | 'all'
--
-- resource_kind is 'aip' for a line on an application inference profile, 'resource' for any other
-- resource id, NULL without one (or unless by_resource_kind); in_bedrock_scope says whether the line is
-- Amazon Bedrock spend. Every line
-- of the month lands in exactly one output row, so the rows sum to the month's total for the cost basis.
WITH lines AS (
    SELECT
        IF(?, line_item_usage_account_id) AS account,
        IF(?, NULLIF(line_item_iam_principal, '')) AS principal,
        IF(?, line_item_product_code) AS service,
        IF(?, product_region_code) AS region,
        IF(?, line_item_usage_type) AS usage_type,
        IF(?, element_at(product, 'product_name')) AS product_name,
        IF(?, pricing_unit) AS pricing_unit,
        IF(?, CAST(line_item_usage_start_date AS DATE)) AS usage_date,
        IF(?, {{ resource_kind }}) AS resource_kind,
        {{ in_bedrock_scope }} AS in_bedrock_scope,
        {{ tag_slots }},
        line_item_line_item_type AS line_item_type,
        line_item_currency_code AS currency,
        {{ invoiced }} AS invoiced,
        {{ cost }} AS cost,
        -- exact, as money is: a token count summed as a double drifts (381.173 reads 381.17299999999994)
        IF(?, CAST(line_item_usage_amount AS DECIMAL(38, 10))) AS usage_amount
    FROM cur2
    WHERE billing_period = ?
        AND (? = 'all' OR {{ in_bedrock_scope }})
)
SELECT
    account, principal, service, region, usage_type, product_name, pricing_unit, usage_date, resource_kind,
    in_bedrock_scope, slot1, slot2, slot3, slot4, slot5, slot6, slot7, slot8,
    line_item_type, currency,
    SUM(cost) AS cost,
    SUM(usage_amount) AS usage_amount,
    COUNT(*) AS line_count,
    -- the month is final when every line carries an invoice id: said from this scan, not a second one
    COUNT_IF(invoiced) AS invoiced_lines
FROM lines
GROUP BY
    account, principal, service, region, usage_type, product_name, pricing_unit, usage_date, resource_kind,
    in_bedrock_scope, slot1, slot2, slot3, slot4, slot5, slot6, slot7, slot8,
    line_item_type, currency
